"""Citations: the archive's own form and Chicago, MLA and APA through CSL (citeproc-py), on the document
page (the Cite panel and the metadata reference managers read), in the document JSON and at
``/api/documents/<id>/cite``."""

from __future__ import annotations

import json
import re

import pytest
from lxml import html as lxml_html

from readingroom.ingest.pipeline import import_paths
from readingroom.publish import csl
from tests.conftest import RECORD_ID, RECORD_TITLE

pytestmark = pytest.mark.django_db

DOC = RECORD_ID
URL = f"http://testserver/documents/{DOC}"
TITLE = RECORD_TITLE
REFERENCE = (
    "Arkivi Qendror Shtetëror (Central State Archives, Tirana, Albania), Fondi 490, "
    "Ministria e Tregtisë, V. 1962, Dos. 17, Fl. 3-6"
)


@pytest.fixture
def seeded(record_path):
    report = import_paths([record_path])
    assert report.imported == 1 and not report.errors


def cite(client, style: str, **params) -> str:
    response = client.get(f"/api/documents/{DOC}/cite", {"style": style, **params})
    assert response.status_code == 200, response.content
    return response.content.decode()


def test_chicago_for_the_reference_record_field_by_field(client, seeded):
    text = cite(client, "chicago").strip()
    # Chicago notes-bibliography, bibliography entry: with no author, the translator leads (CMOS 14.104),
    # inverted, full given name, "trans."
    assert text.startswith("Shtëpani, Ledia, trans. ")
    rest = text[len("Shtëpani, Ledia, trans. ") :]
    # the title in curly quotes, the period inside them (American punctuation)
    assert rest.startswith(f"“{TITLE}.” ")
    rest = rest[len(f"“{TITLE}.” ") :]
    # the date as written in the style: Month D, YYYY
    assert rest.startswith("March 14, 1962. ")
    rest = rest[len("March 14, 1962. ") :]
    # the archival reference exactly as in the source, then the archive, then the permanent URL
    assert rest == f"{REFERENCE}. Reading Room Test Archive. {URL}."
    # never an initial for a given name, never a repeated name or title
    assert "L. Shtëpani" not in text and text.count(TITLE) == 1 and text.count("Shtëpani") == 1

    note = json.loads(cite(client, "chicago", format="json"))["note"]
    assert note == (
        f"Ledia Shtëpani, trans., “{TITLE},” March 14, 1962, {REFERENCE}, Reading Room Test Archive, {URL}."
    )


def test_archive_style_is_the_source_citation_with_our_permanent_url(client, seeded, record_text):
    text = cite(client, "archive").strip()
    source = re.search(r"\*\*Citation:\*\*\s+(.+?)\n\n", record_text, re.S)[1].strip()
    assert text == re.sub(r"<https?://[^>]+>", f"<{URL}>", source)


def test_mla_and_apa(client, seeded):
    mla = cite(client, "mla").strip()
    assert mla == (
        f"Shtëpani, Ledia, translator. “{TITLE}.” 14 Mar. 1962, Reading Room Test Archive, {REFERENCE}, {URL}."
    )
    apa = cite(client, "apa").strip()
    assert apa == f"{TITLE} (L. Shtëpani, trans.). (1962). Reading Room Test Archive ({REFERENCE}). {URL}"
    body = json.loads(cite(client, "apa", format="json"))
    assert body["html"].startswith(f"<i>{TITLE}</i>") and body["note"] == f"({TITLE}, 1962)"
    assert body["style"] == "apa" and body["label"] == "APA" and body["id"] == DOC


def test_cite_errors(client, seeded):
    r = client.get(f"/api/documents/{DOC}/cite", {"style": "harvard"})
    assert r.status_code == 400 and "archive, chicago, mla, apa" in r.json()["error"]["message"]
    assert client.get("/api/documents/nope/cite").status_code == 404
    assert client.get(f"/api/documents/{DOC}/cite", {"format": "pdf"}).status_code == 400


def test_permanent_url_follows_the_configured_base(client, seeded, settings):
    settings.READINGROOM_BASE_URL = "https://archive.example.org"
    assert cite(client, "archive").strip().endswith("<https://archive.example.org/documents/rrtest-900101>")
    record = client.get(f"/api/documents/{DOC}").json()
    assert record["permanent_url"] == "https://archive.example.org/documents/rrtest-900101"


def test_document_json_carries_citations_and_export_links(client, seeded):
    record = client.get(f"/api/documents/{DOC}").json()
    assert set(record["citations"]) == {"archive", "chicago", "mla", "apa"}
    assert record["citations"]["chicago"] == cite(client, "chicago").strip()
    assert record["exports"]["bibtex"] == f"/api/documents/{DOC}/export?format=bibtex"
    assert client.get(f"/documents/{DOC}.json").json() == record


def test_cite_panel_and_reference_manager_metadata_on_the_page(client, seeded):
    page = client.get(f"/documents/{DOC}").content.decode()
    tree = lxml_html.fromstring(page)
    panel = tree.get_element_by_id("cite")
    styles = [el.get("data-style") for el in panel.find_class("cite-style")]
    assert styles == ["archive", "chicago", "mla", "apa"]
    for style in styles:
        shown = tree.get_element_by_id(f"cite-{style}").text_content()
        assert shown == cite(client, style).strip()
        assert panel.xpath(f'.//button[@data-copy="cite-{style}"]')
    downloads = [a.get("href") for a in panel.find_class("downloads")[0].iter("a")]
    assert downloads == [f"/api/documents/{DOC}/export?format={f}" for f in ("bibtex", "ris", "csl-json", "dc", "json")]

    meta = {}
    for el in tree.iter("meta"):
        if el.get("name"):
            meta.setdefault(el.get("name"), []).append(el.get("content"))
    # Highwire Press tags (Zotero, Google Scholar)
    assert meta["citation_title"] == [TITLE]
    assert meta["citation_date"] == ["1962/03/14"]
    assert meta["citation_publisher"] == ["Reading Room Test Archive"]
    assert meta["citation_public_url"] == [URL]
    assert meta["citation_archive_location"] == [REFERENCE]
    assert meta["citation_language"] == ["sq"]
    # Dublin Core
    assert meta["DC.title"] == [TITLE] and meta["DC.contributor"] == ["Ledia Shtëpani"]
    assert meta["DC.date"] == ["1962-03-14"] and meta["DC.identifier"] == [URL]
    assert tree.xpath('//link[@rel="schema.DC"]')
    # schema.org JSON-LD
    data = json.loads(tree.xpath('//script[@type="application/ld+json"]')[0].text)
    assert data["@type"] == "ArchiveComponent" and data["name"] == TITLE and data["url"] == URL
    assert data["inLanguage"] == ["sq"] and data["dateCreated"] == "1962-03-14"
    # the holding archive's authority record, with the name as the source writes it beside it
    holder = data["holdingArchive"]
    assert holder["@type"] == "ArchiveOrganization" and holder["name"] == "Arkivi Qendror Shtetëror"
    assert holder["alternateName"] == "Arkivi Qendror Shtetëror (Central State Archives, Tirana, Albania)"
    assert holder["url"].startswith("http://testserver/archives/")
    translation = data["workTranslation"][0]
    assert translation["inLanguage"] == "en" and translation["translationOfWork"] == {"@id": URL}
    assert translation["translator"] == [{"@type": "Person", "name": "Ledia Shtëpani"}]


HOSTILE = {
    "id": "xss-1",
    "title": "<script>alert('t')</script> & </script><b>bold</b>",
    "date": "1962-10-26",
    "archive": "A & B <i>",
    "summary": "</script><script>alert('s')</script>",
    "contributors": [{"name": "<img src=x onerror=alert(1)> Smith", "roles": ["translator", "author"]}],
    "translations": [{"language": "en", "text": "x"}],
}


def test_hostile_text_is_escaped_in_every_citation_and_in_the_metadata(client, tmp_path):
    path = tmp_path / "hostile.jsonl"
    path.write_text(json.dumps(HOSTILE) + "\n")
    assert import_paths([path]).imported == 1
    page = client.get("/documents/xss-1").content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>bold</b>" not in page
    tree = lxml_html.fromstring(page)
    data = json.loads(tree.xpath('//script[@type="application/ld+json"]')[0].text)
    assert data["name"] == HOSTILE["title"]  # the JSON-LD keeps the text, escaped for the script element
    for style in ("archive", "chicago", "mla", "apa"):
        html = client.get("/api/documents/xss-1/cite", {"style": style, "format": "json"}).json()["html"]
        assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html


def test_citeproc_fixes_follow_the_csl_specification():
    item = {
        "id": "x",
        "type": "manuscript",
        "title": "Untitled memorandum",
        "issued": {"date-parts": [[1961, 8, 13]]},
        "archive": "Bundesarchiv",
    }
    # no author: the title is substituted once, not repeated
    for style in csl.STYLES:
        assert csl.render(item, style)["text"].lower().count("untitled memorandum") == 1, style
    # a translator substituted for the author is not repeated and keeps their given name (initialize="false")
    item["translator"] = [{"family": "Shtëpani", "given": "Ledia"}]
    text = csl.render(item, "chicago")["text"]
    assert text.count("Shtëpani") == 1 and "Ledia" in text


#: a CSL-JSON item with the variables the styles' groups and substitutes test (author, translator, date, archive)
MEMORANDUM = {
    "id": "a",
    "type": "manuscript",
    "title": "Memorandum of conversation",
    "author": [{"family": "Hoxha", "given": "Enver"}],
    "translator": [{"family": "Shtëpani", "given": "Ledia"}],
    "issued": {"date-parts": [[1963, 7, 22]]},
    "archive": "Arkivi Qendror Shtetëror",
    "URL": "https://example.org/documents/a",
}


def test_a_styles_macros_are_looked_up_once_not_at_every_use(monkeypatch):
    """citeproc-py finds a macro by an XPath search over the whole style at every use: tens of thousands of
    searches for one document's citations, most of a document page's first view. Each is now looked up once
    per style; the citations are the same."""
    item = MEMORANDUM | {"id": "y", "URL": "https://example.org/documents/y"}
    for style in csl.STYLES:  # every macro any of them uses is looked up by now
        csl.render(item, style)
    other = item | {"id": "z", "title": "Another memorandum"}
    searches: list[str] = []
    original = csl._original_get_macro
    monkeypatch.setattr(csl, "_original_get_macro", lambda el, name: searches.append(name) or original(el, name))
    again = {style: csl.render(other, style) for style in csl.STYLES}
    assert searches == []
    monkeypatch.setattr(csl.csl_model.CitationStylesElement, "get_macro", original)  # citeproc-py's own lookup
    assert {style: csl.render(other, style) for style in csl.STYLES} == again
    assert "Shtëpani" in again["chicago"]["text"] and "Another memorandum" in again["apa"]["text"]


def test_what_a_style_renders_and_its_terms_are_worked_out_once(monkeypatch):
    """Whether an element of a style renders a variable, and a locale's terms, are properties of the style alone,
    and an item's reference is that of its one rendering: citeproc-py worked them out again at every use (half
    of a document's citations). Kept, the citations are the same as citeproc-py's own, for items with and
    without the variables the groups test."""
    items = [
        MEMORANDUM | {"archive_location": "Fondi 14/AP, V. 1963, Dos. 4"},
        # no author, no date: groups drop out (a record always has its archive and permanent URL)
        {"id": "b", "type": "manuscript", "title": "Undated note", "archive": "Arkivi", "URL": "https://example.org/b"},
        {
            "id": "c",
            "type": "article-journal",
            "title": "Telegram",
            "editor": [{"family": "Smith", "given": "Jane"}],
            "container-title": "Foreign Relations",
            "volume": "6",
            "page": "12-14",
            "issued": {"date-parts": [[1961]]},
        },
    ]
    kept = {(item["id"], style): csl.render(item, style) for item in items for style in csl.STYLES}
    asked: list[str] = []
    original_term = csl._original_get_term
    monkeypatch.setattr(csl, "_original_get_term", lambda *a, **k: asked.append(a[1]) or original_term(*a, **k))
    assert csl.render(items[0] | {"id": "d", "title": "Another"}, "chicago")["text"]
    assert asked == []  # every term this style uses was kept by the first renders
    monkeypatch.setattr(csl.csl_model.Locale, "get_term", original_term)  # citeproc-py's own
    for (cls, name), original in csl._PER_ELEMENT.items():
        monkeypatch.setattr(cls, name, original)
    monkeypatch.setattr(csl.CitationItem, "reference", property(csl._original_reference))
    assert {(item["id"], style): csl.render(item, style) for item in items for style in csl.STYLES} == kept
    assert "Shtëpani" in kept[("a", "chicago")]["text"] and "Smith" in kept[("c", "apa")]["text"]


def test_citations_and_exports_name_the_holding_archive_by_its_authority(client, tmp_path):
    """A reference whose archive is written with a typo (or a prefix, another spelling) is cited with the
    authority's name and the finer levels exactly as written; the source's own text stays in the record."""
    record = {
        "id": "typo-1",
        "title": "Telegram from the Embassy in Tirana",
        "date": "1963-07-22",
        "archive": "Reading Room Test Archive",
        "original_languages": ["en"],
        "archival_reference": {
            "text": "Department of Sate, Central Files, 611.61/7-1563",
            "repository": "Department of Sate",
        },
        "transcripts": [{"language": "en", "text": "The embassy reports."}],
    }
    path = tmp_path / "typo.jsonl"
    path.write_text(json.dumps(record) + "\n")
    assert import_paths([path]).imported == 1
    doc = client.get("/api/documents/typo-1").json()
    assert doc["holding_archive"]["name"] == "U.S. Department of State"
    assert doc["archival_reference"]["text"] == "Department of Sate, Central Files, 611.61/7-1563"
    cited = "U.S. Department of State, Central Files, 611.61/7-1563"

    def get(style: str) -> str:
        return client.get("/api/documents/typo-1/cite", {"style": style}).content.decode()

    for style in ("archive", "chicago", "mla", "apa"):
        text = get(style)
        assert cited in text and "Sate" not in text, (style, text)
    exports = {f: client.get("/api/documents/typo-1/export", {"format": f}).content.decode() for f in ("bibtex", "ris")}
    assert f"note = {{{cited}}}" in exports["bibtex"] and "Sate" not in exports["bibtex"]
    assert f"AN  - {cited}" in exports["ris"] and "Sate" not in exports["ris"]
    csl_json = client.get("/api/documents/typo-1/export", {"format": "csl-json"}).json()
    assert csl_json[0]["archive_location"] == cited
    tree = lxml_html.fromstring(client.get("/documents/typo-1").content)
    assert tree.xpath('//meta[@name="citation_archive_location"]/@content') == [cited]
    mods = client.get("/oai", {"verb": "GetRecord", "identifier": "oai:testserver:typo-1", "metadataPrefix": "mods"})
    assert b"<physicalLocation>U.S. Department of State</physicalLocation>" in mods.content, mods.content
    assert f"<shelfLocator>{cited}</shelfLocator>".encode() in mods.content


def test_citations_are_kept_under_a_key_every_cache_backend_takes(seeded):
    """The kept citations' key held the record's time, the URL and the holding archive's name as written
    (spaces): Django warned at every document's first view that memcached would refuse it."""
    import warnings

    from django.core.cache import cache
    from django.core.cache.backends.base import CacheKeyWarning

    from readingroom.publish import services as publish
    from readingroom.records.queries import get_document
    from readingroom.records.serialise import document_record

    cache.clear()
    record = document_record(get_document(RECORD_ID))
    assert " " in record["holding_archive"]["name"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = publish.document_citations(record, "http://archive.example")
        again = publish.document_citations(record, "http://archive.example")
    assert not [w for w in caught if issubclass(w.category, CacheKeyWarning)], [str(w.message) for w in caught]
    assert first == again and first["chicago"]["text"]
    # another base URL is another entry
    assert "other.example" in publish.document_citations(record, "http://other.example")["archive"]["text"]
