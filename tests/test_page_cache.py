"""Document pages served from the shared cache are never stale (issue 12): after an edit, a publish, a
withdrawal, a re-import, an admin edit of a related person, or a CLI write while serving, the next page
shows the change. Editors (a session) never get a cached page."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.test import Client

from readingroom.documents import services
from readingroom.documents.models import Person
from readingroom.ingest.pipeline import import_paths
from tests.conftest import CLI, Served
from tests.test_workflow import _admin_form_data

RECORD = {
    "id": "cache-1",
    "title": "Telegram on the harvest",
    "date": "1963-07-22",
    "original_languages": ["en"],
    "archival_reference": {"repository": "Test Archive"},
    "persons": ["Hoxha, Enver"],
    "transcripts": [{"language": "en", "text": "The harvest was reported in full."}],
}


def write(tmp_path, **changes) -> str:
    path = tmp_path / f"record-{len(list(tmp_path.iterdir()))}.jsonl"
    path.write_text(json.dumps({**RECORD, **changes}) + "\n", encoding="utf-8")
    return str(path)


def page(client: Client, path: str = "/documents/cache-1") -> tuple[int, str, str | None]:
    r = client.get(path)
    return r.status_code, r.content.decode(), r.headers.get("X-Page-Cache")


@pytest.mark.django_db
def test_the_cached_page_follows_every_change(tmp_path, django_user_model):
    (tmp_path / "in").mkdir()
    src = tmp_path / "in"
    assert import_paths([write(src)]).imported == 1
    reader = Client()
    status, first, how = page(reader)
    assert status == 200 and how == "miss" and "Telegram on the harvest" in first
    status, again, how = page(reader)
    assert how == "hit" and again == first
    for twin in ("/documents/cache-1.json", "/api/documents/cache-1"):
        assert page(reader, twin)[2] == "miss"
        assert page(reader, twin)[2] == "hit"
        assert reader.get(twin)["Content-Type"] == "application/json"

    # a re-import that changes the title
    assert import_paths([write(src, title="Telegram on the grain harvest")]).updated == 1
    status, body, how = page(reader)
    assert how == "miss" and "Telegram on the grain harvest" in body
    assert "Telegram on the grain harvest" in page(reader, "/documents/cache-1.json")[1]
    assert json.loads(page(reader, "/api/documents/cache-1")[1])["title"] == "Telegram on the grain harvest"

    # an admin edit of a related record (the person), which does not touch the document row
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "correct horse battery staple")
    editor = Client()
    editor.force_login(admin)
    person = Person.objects.get(name="Hoxha, Enver")
    form = editor.get(f"/admin/documents/person/{person.pk}/change/")
    data = {k: v for k, v in _admin_form_data_for(form, "person_form").items()}
    data["name"] = "Hoxha, Enver (1908-1985)"
    assert editor.post(f"/admin/documents/person/{person.pk}/change/", data).status_code == 302
    assert "Hoxha, Enver (1908-1985)" in page(reader)[1]
    assert "Hoxha, Enver (1908-1985)" in page(reader, "/api/documents/cache-1")[1]

    # an editor (with a session) never gets the cached page
    assert page(editor)[2] is None

    # withdrawal: 410 at once
    services.set_status("cache-1", "withdrawn", note="Duplicate of another record.", source="test")
    status, body, _ = page(reader)
    assert status == 410 and "Duplicate of another record." in body
    status, body, _ = page(reader, "/api/documents/cache-1")
    assert status == 410 and "Duplicate of another record." in json.loads(body)["error"]["message"]


def _admin_form_data_for(response, form_id: str) -> dict:
    html = response.content.decode().replace(f'id="{form_id}"', 'id="document_form"')
    response.content = html.encode()
    return _admin_form_data(response)


def test_a_cli_write_while_serving_is_seen_by_every_worker(tmp_path):
    cli = CLI(tmp_path / "data")
    (tmp_path / "in").mkdir()
    src = tmp_path / "in"
    cli("import", write(src))
    server = Served(cli)
    try:
        url = f"{server.base}/documents/cache-1"

        def get() -> tuple[str, str | None]:
            with urllib.request.urlopen(url, timeout=10) as r:
                return r.read().decode(), r.headers.get("X-Page-Cache")

        seen = {get()[1] for _ in range(6)}  # both workers have it cached
        assert "hit" in seen
        cli("import", write(src, title="Telegram on the rice harvest"))
        for _ in range(6):
            body, _ = get()
            assert "Telegram on the rice harvest" in body
        cli("withdraw", "cache-1", "--note", "Withdrawn for review.")
        for _ in range(4):
            with pytest.raises(urllib.error.HTTPError) as gone:
                urllib.request.urlopen(url, timeout=10)
            assert gone.value.code == 410
    finally:
        server.stop()


@pytest.mark.django_db
def test_archive_and_hierarchy_pages_from_the_cache_follow_every_change(tmp_path):
    """The archives list, an archive and a level of its hierarchy are cached for readers without a session
    (counts and dates over many documents); every write makes them anew."""
    src = tmp_path / "in"
    src.mkdir()
    reference = {"repository": "Arkivi Qendror Shtetëror", "fonds": "Fondi 14/AP", "file": "Dos. 4"}
    assert import_paths([write(src, archival_reference=reference)]).imported == 1
    reader = Client()
    listing = json.loads(page(reader, "/archives.json")[1])
    [archive] = [a for a in listing["archives"] if a["documents"]]
    url = archive["url"]
    status, body, how = page(reader, url + ".json")
    assert status == 200 and how == "miss" and json.loads(body)["documents"] == 1
    assert page(reader, url + ".json")[2] == "hit"
    [level] = json.loads(body)["levels"]
    assert level["documents"] == 1 and page(reader, level["url"] + ".json")[2] == "miss"
    assert page(reader, level["url"] + ".json")[2] == "hit"
    assert page(reader, url)[2] == "miss" and page(reader, url)[2] == "hit"

    # a second document in the same fonds: the archive, its level and the list count it at once
    assert import_paths([write(src, id="cache-2", archival_reference=reference)]).imported == 1
    status, body, how = page(reader, url + ".json")
    assert how == "miss" and json.loads(body)["documents"] == 2
    assert json.loads(page(reader, level["url"] + ".json")[1])["total_documents"] == 2
    assert [a["documents"] for a in json.loads(page(reader, "/archives.json")[1])["archives"] if a["url"] == url] == [2]

    # a withdrawal leaves one published document
    services.set_status("cache-2", "withdrawn", note="Duplicate.", source="test")
    assert json.loads(page(reader, url + ".json")[1])["documents"] == 1
    assert json.loads(page(reader, level["url"] + ".json")[1])["total_documents"] == 1

    # an editor (a session) is never served from the cache
    editor = Client()
    editor.cookies[settings.SESSION_COOKIE_NAME] = "x"
    assert page(editor, url + ".json")[2] is None


@pytest.mark.django_db
def test_the_search_pages_kept_facet_column_follows_the_results_and_the_language(tmp_path):
    """The facet column and the year chart of the search page are kept in the cache under what they are made
    of (the counts, the links, the language): a new document changes them at once, another language is not
    served the first one's."""
    (tmp_path / "in").mkdir()
    src = tmp_path / "in"
    assert import_paths([write(src)]).imported == 1
    reader = Client()

    def column(body: str) -> str:
        return body[body.index("<aside") : body.index("</aside>")]

    first = reader.get("/search?q=harvest").content.decode()
    assert "Test Archive" in column(first) and "Other Archive" not in column(first)
    assert reader.get("/search?q=harvest").content.decode() == first
    later = write(src, id="cache-2", date="1971-03-01", archival_reference={"repository": "Other Archive"})
    assert import_paths([later]).imported == 1
    second = reader.get("/search?q=harvest").content.decode()
    assert "Other Archive" in column(second) and "1970s" in column(second)
    assert 'href="/documents/cache-2"' in second
    french = reader.get("/search?q=harvest", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert column(french) != column(second) and "Décennie" in column(french)


@pytest.mark.django_db
def test_search_answers_are_kept_until_the_archive_or_the_index_changes(tmp_path, settings):
    """A reader's search page, its JSON twin and the API answer are kept per process under the newest audit
    event and the index's version: a repeat is a hit; a re-import, a withdrawal and a change of the index
    alone (no record changed: what a node's follower applying the feed late looks like) are all seen at once;
    an editor (a session) is never served from it, and READINGROOM_SEARCH_PAGE_CACHE=0 keeps nothing."""
    from readingroom.search.backends import get_backend

    (tmp_path / "in").mkdir()
    src = tmp_path / "in"
    assert import_paths([write(src)]).imported == 1
    reader = Client()
    for path in ("/search?q=harvest", "/search.json?q=harvest"):
        status, first, how = page(reader, path)
        assert status == 200 and how == "miss" and "Telegram on the harvest" in first
        assert page(reader, path) == (200, first, "hit")
    assert page(reader, "/api/search?q=harvest") == (200, first, "hit")  # the JSON twin is the API's answer
    assert page(reader, "/search?q=harvest&sort=-date")[2] == "miss"  # another query string, another entry
    assert page(reader, "/search?q=harvest")[2] == "hit"

    assert import_paths([write(src, title="Telegram on the grain harvest")]).updated == 1
    status, body, how = page(reader, "/search?q=harvest")
    assert how == "miss" and "Telegram on the grain harvest" in body
    assert "Telegram on the grain harvest" in page(reader, "/api/search?q=harvest")[1]

    # the index alone changes (no record, no audit event): a new version, a new answer
    backend = get_backend()
    backend.delete(["cache-1"])
    backend.commit()
    assert json.loads(page(reader, "/api/search?q=harvest")[1])["total"] == 0
    assert "Telegram on the grain harvest" not in page(reader, "/search?q=harvest")[1]
    assert import_paths([write(src, title="Telegram on the rice harvest")]).updated == 1
    assert json.loads(page(reader, "/api/search?q=harvest")[1])["total"] == 1

    services.set_status("cache-1", "withdrawn", note="Duplicate of another record.", source="test")
    assert json.loads(page(reader, "/api/search?q=harvest")[1])["results"] == []

    editor = Client()
    editor.cookies[settings.SESSION_COOKIE_NAME] = "x"
    assert page(editor, "/api/search?q=harvest")[2] is None
    settings.READINGROOM_SEARCH_PAGE_CACHE = 0
    assert page(reader, "/api/search?q=harvest")[2] is None


@pytest.mark.django_db
def test_facet_links_add_and_remove_one_value_and_keep_the_rest(tmp_path):
    """Each facet link is the search's own parameters (encoded once) with its value added, or removed when it is
    chosen; nothing else of the query changes (the page number is dropped)."""
    from urllib.parse import parse_qsl

    (tmp_path / "in").mkdir()
    src = tmp_path / "in"
    other = write(src, id="cache-2", archival_reference={"repository": "Ärchiv & Co"})
    assert import_paths([write(src), other]).imported == 2
    body = Client().get("/search", {"q": "harvest “report”", "sort": "-date", "page": "1", "repository": "Ärchiv & Co"})
    links = {
        a.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        for a in body.content.decode().split("<a ")
        if 'href="?' in a.split(">", 1)[0]
    }
    base = [("q", "harvest “report”"), ("sort", "-date"), ("repository", "Ärchiv & Co")]
    params = [parse_qsl(link[1:]) for link in links]
    assert [("q", "harvest “report”"), ("sort", "-date")] in params  # the chosen archive removed
    assert any(p[:3] == base and len(p) == 4 for p in params)  # a value added to the whole query
    assert all(("page", "1") not in p for p in params)
