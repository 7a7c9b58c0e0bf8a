"""Reading (issue #16): the reading-first document page, original and translation side by side (aligned by
``readingroom.web.align``), charts, and, in Debian's Chromium against ``readingroom serve``: axe-core on every
page type, keyboard-only use, the phone layout (screenshots in test-output/) and the print stylesheet."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from readingroom.web.align import Unit, align, align_texts, gale_church, match_cost, units
from tests.conftest import CLI, OUTPUT, RECORD, RECORD_ID, ROOT, Served, need, translation_only

ORIGINAL_SQ = (
    "Procesverbal i bisedës së 14 shkurtit 1961\n\n"
    "Takimi filloi në orën dhjetë të mëngjesit në ndërtesën e Komitetit Qendror.\n\n"
    "1. Delegacioni raportoi mbi gjendjen e marrëveshjes së ndihmës dhe dërgesat e tremujorit të parë.\n"
    "2. Të dy palët ranë dakord që çështjet e mbetura të zgjidhen në Moskë.\n"
    "3. Takimi i ardhshëm do të bëhet në mars.\n\n"
    "Biseda zgjati dy orë dhe u zhvillua në një atmosferë miqësore. Shoku Kapo falënderoi delegacionin.\n\n"
    "Tiranë, 15.2.1961"
)
TRANSLATION_EN = (
    "Record of the conversation of 14 February 1961\n\n"
    "The meeting began at ten in the morning in the building of the Central Committee.\n\n"
    "1. The delegation reported on the state of the aid agreement and the deliveries of the first quarter.\n"
    "2. The two sides agreed that the remaining questions would be settled in Moscow.\n"
    "3. The next meeting will take place in March.\n\n"
    "The conversation lasted two hours and was held in a friendly atmosphere.\n\n"
    "Comrade Kapo thanked the delegation.\n\n"
    "Tirana, 15.2.1961"
)
COMPARE_DOC = {
    "id": "rr-compare-1",
    "title": "Record of a conversation on the aid agreement",
    "date": "1961-02-14",
    "original_languages": ["sq"],
    "archival_reference": {"repository": "Arkivi Qendror Shtetëror"},
    "summary": "A record of a conversation about an aid agreement, in Albanian with an English translation.",
    "translations": [
        {"language": "en", "label": "Translation - English", "text": TRANSLATION_EN},
        {"language": "ar", "label": "Translation - Arabic", "text": "سجل المحادثة.\n\nبدأ الاجتماع في الساعة العاشرة."},
    ],
    "transcripts": [{"language": "sq", "label": "Original - Albanian", "text": ORIGINAL_SQ}],
}


# ---- the alignment (readingroom/web/align.py) ----


def test_numbered_points_are_aligned_by_number_whatever_their_length():
    left = "Intro.\n\n1. One.\n2. A much much much longer second point than the other one.\n3. Three."
    right = (
        "Einleitung, recht lang geraten, viel länger als das Original.\n\n"
        "1. Eins, ausführlich übersetzt.\n2. Zwei.\n3. Drei."
    )
    rows = align_texts(left, right)
    pairs = [([u.number or u.text for u in r.left], [u.number or u.text for u in r.right], r.anchored) for r in rows]
    assert pairs == [
        (["Intro."], ["Einleitung, recht lang geraten, viel länger als das Original."], False),
        ([1], [1], True),
        ([2], [2], True),
        ([3], [3], True),
    ]


def test_lengths_decide_where_structure_does_not_two_paragraphs_read_beside_one():
    rows = align_texts(ORIGINAL_SQ, TRANSLATION_EN)
    texts = [(" ".join(u.text[:12] for u in r.left), " ".join(u.text[:12] for u in r.right)) for r in rows]
    # the original's last paragraph holds two of the translation's
    assert ("Biseda zgjat", "The conversa Comrade Kapo") in texts
    assert texts[0] == ("Procesverbal", "Record of th") and texts[-1] == ("Tiranë, 15.2", "Tirana, 15.2")
    assert [r.anchored for r in rows].count(True) == 3


def test_gale_church_costs_and_ratio():
    assert match_cost(100, 100) < match_cost(100, 160) < match_cost(100, 400)
    # a Chinese text is about a third as long as its English translation: with the ratio, equal is likely again
    assert match_cost(100, 300, ratio=3.0) == pytest.approx(match_cost(100, 100))
    assert gale_church([50, 50, 200], [100, 200]) == [([0, 1], [0]), ([2], [1])]
    assert gale_church([], [3, 4]) == [([], [0]), ([], [1])]


@pytest.mark.parametrize("seed", range(20))
def test_alignment_keeps_every_unit_once_and_in_order(seed):
    rnd = random.Random(seed)
    left = [Unit("paragraph", "x" * rnd.randint(1, 400)) for _ in range(rnd.randint(0, 120))]
    right = [Unit("paragraph", "y" * rnd.randint(1, 400)) for _ in range(rnd.randint(0, 120))]
    for n in rnd.sample(range(1, 30), 5):
        key = (1, n)
        left.insert(rnd.randint(0, len(left)), Unit("item", "i", n, key))
        right.insert(rnd.randint(0, len(right)), Unit("item", "j", n, key))
    rows = align(left, right)
    assert [id(u) for r in rows for u in r.left] == [id(u) for u in left]
    assert [id(u) for r in rows for u in r.right] == [id(u) for u in right]
    assert all(r.left or r.right for r in rows)


def test_units_come_from_the_reading_blocks():
    u = units("Para one.\n\n1. First\n2. Second\n\nTirana, on 14.3.1962\n\n[Signed]")
    assert [(x.kind, x.number) for x in u] == [
        ("paragraph", None),
        ("item", 1),
        ("item", 2),
        ("closing", None),
        ("closing", None),
    ]


# ---- pages (Django's test client) ----


@pytest.fixture
def archive(db, tmp_path):
    from readingroom.ingest.pipeline import import_paths

    path = tmp_path / "compare.jsonl"
    path.write_text(json.dumps(COMPARE_DOC, ensure_ascii=False) + "\n", encoding="utf-8")
    assert import_paths([RECORD, path]).imported == 2


def test_the_document_page_puts_reading_first_and_keeps_everything(client, archive):
    r = client.get("/documents/rrtest-900101")
    html = r.content.decode()
    main = html[html.index("<main") :]
    order = [
        'id="doc-date"',
        'id="doc-title"',
        'class="button cite-open" href="#cite"',
        'id="summary"',
        'id="text-1"',
        '<aside class="doc-side"',
        'id="cite"',
        'id="citation"',
        'id="credits"',
        'id="original-language"',
        'id="contents"',
    ]
    assert [main.index(m) for m in order] == sorted(main.index(m) for m in order)
    # the archival context panel sits in the sidebar, after the text: where the document is kept
    assert main.index('id="text-1"') < main.index('id="archival-context"') and 'id="archival-breadcrumb"' in html
    for kept in (
        "citation_title",
        "application/ld+json",
        'rel="alternate" type="application/json"',
        "Download:",
        "Permanent link:",
        "<dt>Fonds</dt>",
        "Shtëpani",
        "not available",
    ):
        assert kept in html, kept
    # cacheable for anonymous readers: no cookie, no CSRF token, no per-user content
    assert not r.cookies and "csrfmiddlewaretoken" not in html and "Set-Cookie" not in r
    assert client.get("/documents/rrtest-900101")["X-Page-Cache"] == "hit"


def test_side_by_side_view_aligns_original_and_translation(client, archive):
    page = client.get("/documents/rr-compare-1")
    assert 'href="/documents/rr-compare-1/compare?left=3&amp;right=1"' in page.content.decode()
    r = client.get("/documents/rr-compare-1/compare", {"left": 3, "right": 1})
    html = r.content.decode()
    assert r.status_code == 200
    rows = re.findall(
        r"<tr(?: class=\"anchored\")?>\s*<td headers=\"col-left\" lang=\"(\w+)\" dir=\"(\w+)\"[^>]*>(.*?)</td>\s*"
        r"<td headers=\"col-right\" lang=\"(\w+)\" dir=\"(\w+)\"[^>]*>(.*?)</td>",
        html,
        re.S,
    )
    assert len(rows) == 7
    assert all(r[0] == "sq" and r[3] == "en" and r[1] == r[4] == "ltr" for r in rows)
    point2 = rows[3]
    assert "Të dy palët ranë dakord" in point2[2] and "The two sides agreed" in point2[5]
    assert "Comrade Kapo thanked" in rows[5][5] and "Shoku Kapo" in rows[5][2]
    assert client.get("/documents/rr-compare-1/compare", {"left": 3, "right": 1})["X-Page-Cache"] == "hit"
    arabic = client.get("/documents/rr-compare-1/compare", {"left": 3, "right": 2}).content.decode()
    assert 'lang="ar" dir="rtl"' in arabic


@pytest.mark.parametrize(
    "query, message",
    [
        (
            {"left": 7, "right": 1},
            "has no text “7”. It has: 1 (Translation - English), 2 (Translation - Arabic), 3 (Original - Albanian)",
        ),
        ({"left": "scan", "right": 1}, "has no text “scan”"),
        ({"left": "x" * 300}, "has no text “xxxxxxxxxxxxxxxxxxxx”"),
    ],
)
def test_a_text_the_document_lacks_is_a_clear_404(client, archive, query, message):
    r = client.get("/documents/rr-compare-1/compare", query)
    assert r.status_code == 404 and message in r.content.decode()


def test_a_document_with_one_text_has_nothing_to_compare(client, archive, tmp_path):
    one = tmp_path / "one.txt"
    one.write_text(
        translation_only(RECORD.read_text(encoding="utf-8")).replace(RECORD_ID, "rrtest-1"), encoding="utf-8"
    )
    from readingroom.ingest.pipeline import import_paths

    assert import_paths([one]).imported == 1
    r = client.get("/documents/rrtest-1/compare")
    assert r.status_code == 404 and "has only one text" in r.content.decode()
    assert client.get("/documents/no-such-doc/compare").status_code == 404


def test_a_bar_by_decade_says_its_decade_and_count_in_the_interface_language():
    from django.utils import translation

    from readingroom.web.charts import year_bars

    with translation.override("en"):
        bars = year_bars([(1901, 1), (1905, 1), (1990, 3)], lambda first, last: f"?{first}-{last}")["bars"]
    assert [b["label"] for b in bars[:2]] == ["1900s: 2 documents", "1910s: 0 documents"]
    assert bars[-1]["label"] == "1990s: 3 documents" and bars[0]["href"] == "?1900-1909" and bars[1]["href"] is None
    with translation.override("de"):
        assert year_bars([(1961, 1)], lambda first, last: "?")["bars"][0]["label"] == "1961: 1 Dokument"


def test_charts_are_links_that_narrow_the_dates(client, archive):
    home = client.get("/").content.decode()
    assert (
        'href="/search?date_from=1961&amp;date_to=1961"' in home
        and 'href="/search?date_from=1962&amp;date_to=1962"' in home
    )
    assert '<span class="bar" style="height: 100.0%">' in home
    # what a screen reader says of a bar, in the reader's language
    assert re.search(r'<span class="visually-hidden">1961: \d+ documents?</span>', home)
    german = client.get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert re.search(r'<span class="visually-hidden">1961: \d+ Dokumente?</span>', german)
    search = client.get("/search", {"q": "meeting"}).content.decode()
    links = re.findall(r'<a href="(\?[^"]*date_from=\d+[^"]*)"', search)
    assert "?q=meeting&amp;date_from=1961&amp;date_to=1961" in links
    narrowed = client.get("/search", {"q": "meeting", "date_from": 1961, "date_to": 1961}).content.decode()
    assert 'aria-current="true"' in narrowed and "1 result" in narrowed


# ---- in Chromium, against `readingroom serve` ----

PAGES = {
    "home": "/",
    "browse": "/documents",
    "search": "/search?q=meeting",
    "search-empty": "/search?q=zzzyxnothing",
    "document": "/documents/rr-compare-1",
    "document-scan": "/documents/rrtest-900101",
    "compare": "/documents/rr-compare-1/compare?left=3&right=1",
    "compare-scan": "/documents/rrtest-900101/compare",
    "history": "/documents/rrtest-900101/history",
    "404": "/documents/no-such-document",
    "admin-login": "/admin/login/",
}


def _scan_png(path: Path) -> Path:
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("L", (1200, 1600), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 40)
    for i, line in enumerate(["Shënim mbi bisedën", "e zëvendësministrit Agim Shkëmbi", "me këshilltarin Wang Delin"]):
        draw.text((100, 150 + 70 * i), line, fill=0, font=font)
    img.save(path)
    return path


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reading")
    cli = CLI(tmp / "data")
    (tmp / "compare.jsonl").write_text(json.dumps(COMPARE_DOC, ensure_ascii=False) + "\n", encoding="utf-8")
    cli("import", str(RECORD), str(tmp / "compare.jsonl"))
    cli("attach", "rrtest-900101", str(_scan_png(tmp / "scan.png")), "--language", "sq")
    server = Served(cli)
    yield server
    server.stop()


def _axe_source() -> str:
    for path in (ROOT / "readingroom/web/static/vendor/axe/axe.min.js", ROOT / "node_modules/axe-core/axe.min.js"):
        if path.exists():
            return path.read_text(encoding="utf-8")
    need(False, "axe-core is not installed (scripts/vendor.sh --dev installs it from npm)")


def _axe(page, best_practice: bool = True) -> list[dict]:
    """axe-core's violations of WCAG 2.0/2.1/2.2 A and AA (and of its best practices, for our own pages)."""
    page.evaluate(_AXE_SOURCE)
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] + (["best-practice"] if best_practice else [])
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", tags)
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


_AXE_SOURCE = ""


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_every_page_type_passes_axe_fits_the_screen_and_is_photographed(browser, served, viewport):
    global _AXE_SOURCE
    _AXE_SOURCE = _axe_source()
    OUTPUT.mkdir(exist_ok=True)
    width, height = viewport
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    failures = {}
    for name, url in PAGES.items():
        response = page.goto(served.base + url)
        assert response.status == (404 if name == "404" else 200), name
        page.wait_for_load_state("networkidle")
        # Django's admin login: WCAG only (its template, not ours, has no <h1>, a best practice)
        if violations := _axe(page, best_practice=name != "admin-login"):
            failures[name] = violations
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{name} at {width}px scrolls sideways ({scroll}px)"
        page.screenshot(path=str(OUTPUT / f"reading-{name}-{width}.png"), full_page=name not in ("document-scan",))
    assert not failures, json.dumps(failures, indent=1)
    context.close()


@pytest.mark.browser
def test_reading_first_on_arrival(browser, served):
    for width, height in ((1280, 900), (390, 844)):
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(served.base + "/documents/rr-compare-1")
        first_text = page.locator("#text-1 p, #text-1 ol").nth(1)
        box = first_text.bounding_box()
        assert box["y"] < height, f"at {width}px the text starts at {box['y']}px, below the first screen"
        assert page.locator("#summary").bounding_box()["y"] < box["y"]
        side = page.locator(".doc-side").bounding_box()
        if width >= 1280:
            assert side["x"] > box["x"] + box["width"] - 1 and side["y"] < height  # a sidebar beside the text
            assert page.locator('button[data-copy="cite-chicago"]').is_visible()
        else:
            assert side["y"] > box["y"]  # after the text
            assert page.locator("#cite").get_attribute("open") is None  # compact: closed on a phone
            assert page.get_by_role("heading", name="Cite", exact=True).is_visible()  # its summary stays visible
        page.close()


@pytest.mark.browser
def test_keyboard_only_skip_link_cite_panel_and_visible_focus(browser, served):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served.base)
    page = context.new_page()
    page.goto(served.base + "/documents/rr-compare-1")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    outline = page.evaluate(
        "getComputedStyle(document.activeElement).outlineStyle + ' ' + "
        "document.activeElement.getBoundingClientRect().left"
    )
    assert outline.split()[0] != "none" and float(outline.split()[1]) >= 0  # visible, on screen
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # from the main content, the first stop is the "Cite" button of the document's header
    stops = []
    for _ in range(4):
        page.keyboard.press("Tab")
        stops.append(page.evaluate("document.activeElement.textContent.trim()"))
    assert stops[0] == "Cite", stops
    for _ in range(len(stops) - 1):
        page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Cite"
    assert page.locator("#cite").get_attribute("open") is None
    page.keyboard.press("Enter")
    assert page.locator("#cite").get_attribute("open") == ""
    assert page.evaluate("document.activeElement.closest('#cite') !== null")
    # Tab to the first Copy button and press it
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.copy") == "cite-archive":
            break
    assert page.evaluate("document.activeElement.dataset.copy") == "cite-archive"
    page.keyboard.press("Enter")
    page.wait_for_timeout(200)
    assert page.evaluate("document.activeElement.textContent") == "Copied"
    assert page.evaluate("navigator.clipboard.readText()").startswith(
        '"Record of a conversation on the aid agreement", 1961'
    )
    # the Cite panel closes and opens again with the keyboard alone
    page.evaluate("document.querySelector('#cite summary').focus()")
    page.keyboard.press("Enter")
    assert page.locator("#cite").get_attribute("open") is None
    page.keyboard.press("Space")
    assert page.locator("#cite").get_attribute("open") == ""
    context.close()


@pytest.mark.browser
def test_the_compare_picker_and_language_switch_work_from_the_keyboard(browser, served):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = context.new_page()
    page.goto(served.base + "/documents/rr-compare-1/compare?left=3&right=1")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("button", name="Anzeigen").is_visible()
    page.locator("select[name=right]").focus()
    page.keyboard.press("ArrowDown")  # Translation - Arabic
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**right=2**")
    assert page.locator('td[lang="ar"][dir="rtl"]').count() >= 1
    # the switch: choose Shqip and submit, remembered on the next page
    page.locator("#lang-switch").select_option("sq")
    page.locator("#lang-switch").focus()
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("html").get_attribute("lang") == "sq" and "compare" in page.url
    page.goto(served.base + "/documents/rr-compare-1")
    assert page.get_by_role("link", name="Citoje").is_visible()
    page.screenshot(path=str(OUTPUT / "reading-document-sq-1280.png"))
    context.close()


@pytest.mark.browser
def test_print_shows_text_and_citation_without_navigation(browser, served):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(served.base + "/documents/rr-compare-1")
    assert page.locator("#cite").get_attribute("open") is None
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert not page.locator("header.site").is_visible() and not page.locator("footer.site").is_visible()
    assert not page.locator(".doc-actions").is_visible() and not page.locator(".copy").first.is_visible()
    assert page.locator("#text-1").is_visible() and page.locator("#cite-chicago").is_visible()
    pdf = page.pdf(format="A4")
    (OUTPUT / "reading-document-print.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    page.close()
