"""The document page, browse, home and the JSON API, through real HTTP requests on a real SQLite file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import connection

from readingroom.ingest.pipeline import import_paths

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(record_path):
    report = import_paths([record_path])
    assert report.imported == 1 and not report.errors
    return "rrtest-900101"


def test_test_database_is_a_real_sqlite_file():
    assert connection.vendor == "sqlite"
    name = Path(connection.settings_dict["NAME"])  # test.sqlite3, or test.sqlite3_gw0 in a parallel run's worker
    assert re.fullmatch(r"test\.sqlite3(_gw\d+)?", name.name) and name.is_file()


def test_document_page_shows_sections_in_record_order(client, seeded):
    response = client.get(f"/documents/{seeded}")
    assert response.status_code == 200
    html = response.content.decode()
    # Reading first (issue #16): date, title, summary and the text; then the citation, credits, language and
    # contents (a sidebar on wide screens, after the text on narrow ones).
    order = [
        'id="doc-date"',
        "March 14, 1962",
        'id="doc-title"',
        "Record of a Conversation between Deputy Minister",
        'id="summary"',
        "Record of the conversation of Deputy Minister Agim Shkëmbi",
        "At this meeting",
        "Tirana, on 14.3.1962",
        'id="citation"',
        'id="credits"',
        'id="original-language"',
        'id="contents"',
    ]
    main = html[html.index("<main") :]
    positions = [main.index(marker) for marker in order]
    assert positions == sorted(positions)
    # Albanian diacritics come through as characters, in UTF-8.
    assert "Arkivi Qendror Shtetëror" in html and "Ministria e Tregtisë" in html
    assert response["Content-Type"] == "text/html; charset=utf-8"
    # The archival reference, parsed.
    assert re.search(r"<dt>Fonds</dt><dd>490</dd>", html)
    assert re.search(r"<dt>Folios</dt><dd>3-6</dd>", html)
    # Contents: the declared scan has no file and says so; the translation links to its text.
    scan = re.search(r'<li class="content-item unavailable" data-kind="scan">(.*?)</li>', html, re.S)
    assert scan and "Original Scan" in scan[1] and "not available" in scan[1] and "Albanian" in scan[1]
    assert re.search(r'<a href="#text-1">Translation - English</a>', html)
    # The numbered points are ordered lists; the place/date line and signature close the text.
    assert html.count('<ol start="1">') == 4  # two in each text
    assert '<p class="closing">Tirana, on 14.3.1962</p>' in html
    assert '<p class="closing">[Signed]</p>' in html
    assert '<section class="text" id="text-1" lang="en"' in html
    # The JSON twin is announced.
    assert response["Link"] == f'</documents/{seeded}.json>; rel="alternate"; type="application/json"'


def test_json_twin_equals_api(client, seeded):
    twin = client.get(f"/documents/{seeded}.json")
    api = client.get(f"/api/documents/{seeded}")
    assert twin.status_code == api.status_code == 200
    assert twin.json() == api.json()


def test_api_document_has_the_public_contract(client, seeded):
    doc = client.get(f"/api/documents/{seeded}").json()
    assert doc["id"] == seeded
    assert doc["date"] == {
        "display": "March 14, 1962",
        "start": "1962-03-14",
        "end": "1962-03-14",
        "certainty": "exact",
    }
    assert doc["original_languages"] == [{"code": "sq", "name": "Albanian"}]
    assert (
        doc["archival_reference"]["repository"] == "Arkivi Qendror Shtetëror (Central State Archives, Tirana, Albania)"
    )
    assert doc["archival_reference"]["volume"] == "1962" and doc["archival_reference"]["file"] == "17"
    assert doc["contributors"] == [{"name": "Ledia Shtëpani", "roles": ["contributor", "translator"]}]
    assert [(c["kind"], c["language"], c["label"], c["available"]) for c in doc["contents"]] == [
        ("scan", "sq", "Original Scan", False),
        ("translation", "en", "Translation - English", True),
        ("transcript", "sq", "Transcript - Albanian", True),
    ]
    assert doc["translations"][0]["language"] == "en" and doc["translations"][0]["text"].endswith("[Signed]")
    assert doc["source_url"].endswith("/document/900101")
    for key in (
        "summary",
        "citation",
        "credits",
        "type",
        "classification",
        "rights",
        "subjects",
        "places",
        "collections",
        "related",
        "created_at",
        "updated_at",
        "published_at",
    ):
        assert key in doc


def test_unknown_document_is_404_in_both_forms(client, seeded):
    assert client.get("/documents/nope-1").status_code == 404
    response = client.get("/api/documents/nope-1")
    assert response.status_code == 404 and response.json()["error"]["message"] == "no document with id 'nope-1'"


def test_api_list_paginates_and_filters(client, seeded):
    data = client.get("/api/documents").json()
    assert data["total"] == 1 and data["page"] == 1 and data["next"] is None
    assert data["results"][0]["id"] == seeded and data["results"][0]["url"] == f"/documents/{seeded}"
    assert client.get("/api/documents?year=1962&language=sq").json()["total"] == 1
    assert client.get("/api/documents?year=1964").json()["total"] == 0
    assert client.get("/api/documents?language=ru").json()["total"] == 0
    assert client.get("/api/documents?page=2").json()["results"] == []
    for bad in ("page=0", "page=abc", "per_page=100000", "sort=random", "year=19x"):
        response = client.get(f"/api/documents?{bad}")
        assert response.status_code == 400, bad
        assert "error" in response.json()


def test_api_pagination_links(client, record_text, tmp_path):
    # Three records (the fixture record under three ids), two per page.
    for n in range(3):
        (tmp_path / f"r{n}.txt").write_text(record_text.replace("rrtest-900101", f"rrtest-30002{n}"), encoding="utf-8")
    report = import_paths([tmp_path])
    assert report.imported == 3
    first = client.get("/api/documents?per_page=2&sort=title").json()
    assert (
        first["pages"] == 2
        and len(first["results"]) == 2
        and first["next"] == "/api/documents?per_page=2&sort=title&page=2"
    )
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["previous"].endswith("page=1")
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert sorted(ids) == ["rrtest-300020", "rrtest-300021", "rrtest-300022"]


def test_browse_page_sorts_and_filters(client, seeded):
    html = client.get("/documents?sort=-date&year=1962&language=sq").content.decode()
    assert "1 document" in html and f'href="/documents/{seeded}"' in html
    assert '<option value="1962" selected>' in html and '<option value="sq" selected>' in html
    empty = client.get("/documents?year=1970").content.decode()
    assert "No documents match." in empty
    assert client.get("/documents?sort=bogus").status_code == 400
    assert client.get("/documents.json?year=1962").json()["total"] == 1


def test_home_page_with_documents(client, seeded):
    html = client.get("/").content.decode()
    assert "1 document from" in html and f'href="/documents/{seeded}"' in html and "1960s" in html
    assert client.get("/.json").json()["total"] == 1


def test_home_page_when_empty_explains_how_to_import(client):
    html = client.get("/").content.decode()
    assert 'id="empty-archive"' in html and "readingroom import" in html


def test_stylesheet_is_served(client):
    response = client.get("/static/readingroom/site.css")
    assert response.status_code == 200


def test_reading_blocks():
    from readingroom.documents.text import blocks

    got = blocks(
        "310. Deliver this.\n\n1. First point.\n\n2. Second point,\ncontinued.\n\nA paragraph.\n\n4. Four\n5. Five"
        "\n\nTirana, on 14.3.1962\n\n[Signed]"
    )
    assert [(b.kind, b.start, b.items or b.lines) for b in got] == [
        ("paragraph", 1, ["310. Deliver this."]),
        ("list", 1, ["First point.", "Second point,\ncontinued."]),
        ("paragraph", 1, ["A paragraph."]),
        ("list", 4, ["Four", "Five"]),
        ("closing", 1, ["Tirana, on 14.3.1962"]),
        ("closing", 1, ["[Signed]"]),
    ]
