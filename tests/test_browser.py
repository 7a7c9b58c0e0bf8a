"""The document page in a real headless Chromium (Debian's), driven by Playwright, with a screenshot."""

from __future__ import annotations

import pytest

from readingroom.ingest.pipeline import import_paths
from tests.conftest import OUTPUT, RECORD_TITLE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_document_page_in_chromium(browser, live_server, record_path):
    assert import_paths([record_path]).imported == 1
    OUTPUT.mkdir(exist_ok=True)
    for name, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})):
        page = browser.new_page(viewport=viewport)
        page.goto(f"{live_server.url}/documents/rrtest-900101")
        assert page.title().startswith("Record of a Conversation between Deputy Minister")
        heading = page.get_by_role("heading", level=1)
        assert heading.inner_text() == RECORD_TITLE
        for section in ("Citation", "Summary", "Credits", "Original Language", "Contents"):
            assert page.get_by_role("heading", name=section, exact=True).is_visible(), section
        assert page.locator("#doc-date").inner_text() == "March 14, 1962"
        assert "Arkivi Qendror Shtetëror" in page.locator(".citation").inner_text()
        scan = page.locator('.content-item[data-kind="scan"]')
        assert "not available" in scan.inner_text()
        text = page.locator("#text-1")
        assert text.is_visible()
        assert text.locator("ol").first.locator("li").count() == 3
        assert text.locator(".closing").all_inner_texts() == ["Tirana, on 14.3.1962", "[Signed]"]
        # Nothing overflows sideways on a phone.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{name}: page is {width}px wide"
        page.screenshot(path=str(OUTPUT / f"document-page-{name}.png"), full_page=True)
        page.get_by_role("link", name="Translation - English").click()
        assert page.url.endswith("#text-1")
        page.close()
    assert (OUTPUT / "document-page-desktop.png").stat().st_size > 10_000


def test_browse_and_home_in_chromium(browser, live_server, record_path):
    import_paths([record_path])
    page = browser.new_page()
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Browse all documents").click()
    page.select_option("select[name=sort]", "-date")
    page.get_by_role("button", name="Apply").click()
    assert "sort=-date" in page.url
    assert page.locator("#result-count").inner_text() == "1 document"
    page.get_by_role("link", name="Record of a Conversation between Deputy Minister", exact=False).click()
    assert page.url.endswith("/documents/rrtest-900101")
    page.screenshot(path=str(OUTPUT / "browse-to-document.png"))
    page.close()


def test_search_from_the_header_in_chromium(browser, live_server, record_path, tmp_path):
    from readingroom.search.backends import get_backend

    get_backend().reset()
    import_paths([record_path])
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/documents")
    page.get_by_label("Search the archive").fill("Shkembi shipment")
    page.get_by_role("button", name="Search").click()
    assert "/search?q=Shkembi+shipment" in page.url
    assert page.locator("#result-count").inner_text().startswith("1 result")
    marks = page.locator(".snippet b").all_inner_texts()
    assert any(m.lower() == "shipment" for m in marks)
    facet = page.locator('[data-facet="language"] a').first
    assert facet.inner_text() == "Albanian"
    facet.click()
    assert "language=sq" in page.url and page.locator(".chip").inner_text().startswith("Albanian")
    page.screenshot(path=str(OUTPUT / "search-results.png"), full_page=True)
    page.locator(".results-list a").first.click()
    assert page.url.endswith("/documents/rrtest-900101")
    page.close()


def test_cite_panel_copies_a_citation_and_sort_submits_without_inline_script(browser, live_server, record_path):
    import_paths([record_path])
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{live_server.url}/documents/rrtest-900101")
    button = page.locator('button[data-copy="cite-chicago"]')
    button.click()
    page.wait_for_timeout(200)
    assert button.inner_text() == "Copied"
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Shtëpani, Ledia, trans. “Record of a Conversation") and copied.endswith(
        "/documents/rrtest-900101."
    )
    assert page.locator('a[href$=".pdf"]').first.get_attribute("href") == "/documents/rrtest-900101.pdf"
    # the search page's sort select submits through site.js (the CSP forbids inline handlers)
    page.goto(f"{live_server.url}/search?q=Delin")
    page.select_option("select[name=sort]", "-date")
    page.wait_for_url("**sort=-date**")
    assert not violations, violations
    context.close()
