"""Web hardening (docs/limits-web.md): a login throttle that expires and does not lock out the wrong people
(also behind a reverse proxy), bounded search queries and Link headers, OAI-PMH sets that never name a
collection without a published document, and document pages of bounded size for huge texts."""

from __future__ import annotations

import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.contrib.auth import get_user_model
from django.urls import re_path
from lxml import etree

from readingroom import urls as main_urls
from readingroom.accounts.models import LoginFailure
from readingroom.documents import views as documents_views
from readingroom.documents.models import IDENTIFIER_PATTERN
from readingroom.history.models import AuditEvent
from readingroom.ingest.pipeline import import_paths
from readingroom.search.indexing import process_queue
from tests.conftest import CLI, Served

OAI = "{http://www.openarchives.org/OAI/2.0/}"
PASSWORD = "correct horse battery staple"
LOCKED = re.compile(r"Too many attempts; try again in \d+ minutes?\.")

# The plain-text route of a document's text, for the tests that follow its link, in case the project's URL
# map does not route it (yet): this module is also a URL map (``pytest.mark.urls``).
_text_view = getattr(documents_views, "text_plain", None)
urlpatterns = (
    [
        re_path(
            rf"^documents/(?P<doc_id>{IDENTIFIER_PATTERN})/text/(?P<number>[0-9]+)\.txt$",
            _text_view,
            name="document-text",
        )
    ]
    if _text_view is not None and not any(getattr(p, "name", None) == "document-text" for p in main_urls.urlpatterns)
    else []
)
urlpatterns += main_urls.urlpatterns


# ---------------------------------------------------------------- login throttle (Django's test client)
@pytest.fixture
def editor(db):
    return get_user_model().objects.create_user("editor", "editor@example.org", PASSWORD, is_staff=True)


def _login(client, username, password, **extra):
    r = client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, **extra)
    return r, r.content.decode()


def _wait_past_window(username: str, seconds: int) -> None:
    """Sleep until the last recorded failure for ``username`` is older than the window."""
    last = LoginFailure.objects.filter(username=username).order_by("-at").values_list("at", flat=True).first()
    from django.utils import timezone

    wait = (last - timezone.now()).total_seconds() + seconds + 0.3
    if wait > 0:
        time.sleep(wait)


@pytest.mark.django_db
def test_the_lock_says_so_and_the_right_password_works_after_the_window(client, editor, settings):
    settings.READINGROOM_LOGIN_FAILURES = 3
    settings.READINGROOM_LOGIN_WINDOW_SECONDS = 3
    for _ in range(3):
        r, body = _login(client, "editor", "wrong guess")
        assert r.status_code == 200 and "_auth_user_id" not in client.session
    # the correct password while locked: refused, and the form says why (not "wrong password")
    r, body = _login(client, "editor", PASSWORD)
    assert r.status_code == 200 and "_auth_user_id" not in client.session
    assert LOCKED.search(body), body[:2000]
    assert "Please enter a correct" not in body
    assert AuditEvent.objects.filter(action="login.locked", object_id="editor").exists()
    assert AuditEvent.objects.filter(action="login.refused", object_id="editor").exists()
    _wait_past_window("editor", 3)
    r, _ = _login(client, "editor", PASSWORD)
    assert r.status_code == 302 and client.session["_auth_user_id"] == str(editor.pk)


@pytest.mark.django_db
def test_attempts_while_locked_do_not_extend_the_lock(client, editor, settings):
    settings.READINGROOM_LOGIN_FAILURES = 3
    settings.READINGROOM_LOGIN_WINDOW_SECONDS = 4
    for _ in range(3):
        _login(client, "editor", "wrong guess")
    counted = LoginFailure.objects.filter(username="editor").count()
    time.sleep(1.5)
    for password in ("wrong again", PASSWORD, "still wrong", PASSWORD):  # someone keeps trying
        r, body = _login(client, "editor", password)
        assert "_auth_user_id" not in client.session and LOCKED.search(body)
    assert LoginFailure.objects.filter(username="editor").count() == counted  # not counted
    _wait_past_window("editor", 4)  # the window from the failures that locked it, not from the last attempt
    r, _ = _login(client, "editor", PASSWORD)
    assert r.status_code == 302 and "_auth_user_id" in client.session


@pytest.mark.django_db
def test_failures_over_made_up_names_do_not_lock_another_account(client, editor, settings):
    settings.READINGROOM_LOGIN_ADDRESS_FAILURES = 6
    for i in range(6):
        _login(client, f"nobody-{i}", "guess", REMOTE_ADDR="203.0.113.9")
    r, body = _login(client, "editor", "guess", REMOTE_ADDR="203.0.113.9")
    assert LOCKED.search(body)  # that address is throttled
    assert LoginFailure.objects.filter(username="editor").count() == 0  # the account's count is untouched
    r, _ = _login(client, "editor", PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert r.status_code == 302 and "_auth_user_id" in client.session


@pytest.mark.django_db
def test_a_proxy_list_is_trusted_only_for_requests_from_those_proxies(client, editor, settings):
    settings.READINGROOM_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.READINGROOM_TRUSTED_PROXIES = "10.0.0.0/8"
    # from the proxy: the client is the right-most address that is not a proxy
    _login(client, "someone", "guess", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.44, 10.0.0.7")
    # straight from a client that writes the header itself: the header is ignored
    _login(client, "someone", "guess", REMOTE_ADDR="192.0.2.99", HTTP_X_FORWARDED_FOR="192.0.2.44")
    addresses = list(AuditEvent.objects.filter(action="login.failed").order_by("id").values_list("address", flat=True))
    assert addresses == ["192.0.2.44", "192.0.2.99"]
    assert sorted(LoginFailure.objects.values_list("address", flat=True)) == ["192.0.2.44", "192.0.2.99"]
    # without a configured header, none is read
    settings.READINGROOM_TRUSTED_PROXY_HEADER = ""
    _login(client, "someone", "guess", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="192.0.2.44")
    assert AuditEvent.objects.filter(action="login.failed").order_by("-id").first().address == "10.0.0.5"


# ---------------------------------------------------------------- the same, against `readingroom serve`
class Browser:
    """A client with cookies that does not follow redirects (a login answers 302 when it succeeds)."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), self._NoRedirect()
        )

    def request(self, path: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(req, timeout=60) as r:
                return r.status, dict(r.headers), r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode("utf-8", "replace")

    def login(self, username: str, password: str, forwarded_for: str | None = None) -> tuple[int, str]:
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        _, _, page = self.request("/admin/login/", headers=headers)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        status, _, body = self.request(
            "/admin/login/?next=/admin/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password},
            headers,
        )
        return status, body


def _serve(tmp_path, name: str, **env) -> tuple[Served, CLI]:
    cli = CLI(tmp_path / name, env={"READINGROOM_LOGIN_FAILURES": "2", "DJANGO_SUPERUSER_PASSWORD": PASSWORD, **env})
    cli("manage", "migrate", "--noinput")
    cli("manage", "createsuperuser", "--noinput", "--username", "victim", "--email", "victim@example.org")
    return Served(cli), cli


def test_behind_a_proxy_one_client_does_not_lock_out_the_others(tmp_path):
    """Live: an attacker sprays made-up names through the proxy; the proxy's other clients still log in.
    A header that is not configured is not trusted: the same spray with made-up X-Forwarded-For values is
    counted against the socket's address."""
    server, _ = _serve(
        tmp_path, "proxied", READINGROOM_TRUSTED_PROXY_HEADER="X-Forwarded-For", READINGROOM_TRUSTED_PROXIES="1"
    )
    try:
        attacker, victim = Browser(server.base), Browser(server.base)
        for i in range(8):  # the address limit: 4 x READINGROOM_LOGIN_FAILURES
            status, _ = attacker.login(f"made-up-{i}", "guess", forwarded_for="203.0.113.9")
            assert status == 200
        status, body = attacker.login("victim", PASSWORD, forwarded_for="203.0.113.9")
        assert status == 200 and LOCKED.search(body)  # the attacker's address is throttled, with the reason
        status, body = victim.login("victim", PASSWORD, forwarded_for="198.51.100.7")
        assert status == 302, body[:3000]  # everyone else behind the proxy is not
    finally:
        server.stop()

    server, _ = _serve(tmp_path, "direct")  # no proxy configured
    try:
        attacker, victim = Browser(server.base), Browser(server.base)
        for i in range(8):
            attacker.login(f"made-up-{i}", "guess", forwarded_for=f"198.18.0.{i + 1}")  # a new "address" each time
        status, body = victim.login("victim", PASSWORD, forwarded_for="198.51.100.7")
        assert status == 200 and LOCKED.search(body)  # X-Forwarded-For was not believed: one socket address
    finally:
        server.stop()


def test_a_long_query_is_trimmed_and_never_copied_into_a_header_live(tmp_path):
    server, _ = _serve(tmp_path, "search")
    try:
        # 2,999 characters: three times the query limit, longer than a Link header may be, and within
        # gunicorn's request line (longer URLs get its 414 before the archive sees them)
        q = ("negotiation " * 250).strip()
        status, headers, body = Browser(server.base).request("/search?" + urllib.parse.urlencode({"q": q}))
        assert status == 200
        assert len(headers.get("Link", "")) <= 2048
        assert "only its first" in body and "1,000 characters" in body
        status, headers, body = Browser(server.base).request("/search.json?" + urllib.parse.urlencode({"q": q}))
        data = json.loads(body)
        assert status == 200 and len(data["q"]) <= 1000 and any("1,000 characters" in n for n in data["notices"])
        # a short query keeps its Link to the JSON twin
        status, headers, _ = Browser(server.base).request("/search?q=negotiation")
        assert headers.get("Link") == '</search.json?q=negotiation>; rel="alternate"; type="application/json"'
    finally:
        server.stop()


# ---------------------------------------------------------------- search (test client: any length reaches Django)
@pytest.mark.django_db
def test_a_70k_query_gives_a_bounded_page_and_no_link_header(client):
    q = "cuba " * 14_000
    r = client.get("/search", {"q": q})
    assert r.status_code == 200
    assert len(r.get("Link", "")) <= 2048
    body = r.content.decode()
    assert len(body) < 100_000 and "only its first" in body
    r = client.get("/documents", {"year": "1963", "x": "y" * 70_000})  # browse copies its query string too
    assert len(r.get("Link", "")) <= 2048


# ---------------------------------------------------------------- OAI-PMH sets
def _write(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _record(ident, title, collection):
    return {
        "id": ident,
        "title": title,
        "date": {"display": "1963", "start": "1963-01-01"},
        "translations": [{"language": "en", "text": f"Text of {title}."}],
        "collections": [collection],
    }


def _oai(client, **params) -> etree._Element:
    r = client.get("/oai", params)
    assert r.status_code == 200
    return etree.fromstring(r.content)


@pytest.mark.django_db
def test_oai_sets_never_name_a_collection_without_a_published_document(client, tmp_path):
    public = _write(
        tmp_path / "public.jsonl", [_record("pub-1", "Public one", {"id": "open-files", "title": "Open files"})]
    )
    drafts = _write(
        tmp_path / "drafts.jsonl",
        [
            _record("draft-1", "Draft one", {"id": "secret-dossier", "title": "Secret dossier of Minister X"}),
        ],
    )
    assert import_paths([public]).imported == 1
    assert import_paths([drafts], draft=True).imported == 1
    process_queue()
    sets = _oai(client, verb="ListSets")
    specs = [s.text for s in sets.iter(f"{OAI}setSpec")]
    assert specs == ["open-files"]
    assert b"Secret dossier" not in etree.tostring(sets)

    def answer(verb, spec):
        root = _oai(client, verb=verb, metadataPrefix="oai_dc", set=spec)
        err = root.find(f"{OAI}error")
        return (err.get("code"), err.text) if err is not None else None

    for verb in ("ListRecords", "ListIdentifiers"):
        assert answer(verb, "secret-dossier") == answer(verb, "no-such-set")
        assert answer(verb, "secret-dossier")[0] == "noRecordsMatch"
        assert answer(verb, "open-files") is None
    # the draft's set is not named in any header either
    assert b"secret-dossier" not in client.get("/oai", {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}).content


# ---------------------------------------------------------------- huge texts on the document page
@pytest.mark.django_db
@pytest.mark.urls("tests.test_hardening_web")
def test_a_huge_text_gives_a_bounded_page_with_parts_and_the_full_text(client, tmp_path, settings):
    # a record stored before the import limits, or with a limit an operator raised
    settings.READINGROOM_MAX_IMPORT_TEXT_CHARS = 10_000_000
    paragraph = "The minister spoke of the negotiations at length. " * 20 + "\n\n"  # ~1 KB
    body = "BEGINNING-OF-TEXT " + paragraph * 5_000 + "END-OF-TEXT"  # ~5 MB
    rec = _record("huge-1", "A very long transcript", {"id": "big", "title": "Big"})
    rec["translations"] = [
        {"language": "en", "text": "A short translation."},
        {"language": "de", "text": body, "label": "Huge"},
    ]
    assert import_paths([_write(tmp_path / "huge.jsonl", [rec])]).imported == 1
    r = client.get("/documents/huge-1")
    assert r.status_code == 200
    page = r.content.decode()
    assert len(page) < 600_000, f"{len(page):,} bytes"
    assert "BEGINNING-OF-TEXT" in page and "END-OF-TEXT" not in page
    assert "A short translation." in page
    assert "too long to show in full" in page
    parts = int(re.search(r"part 1 of ([\d,]+)", page)[1].replace(",", ""))
    assert parts >= 25
    # the last part of that text (text 2) ends with its end
    last = client.get("/documents/huge-1", {"text": 2, "part": parts}).content.decode()
    assert "END-OF-TEXT" in last and "BEGINNING-OF-TEXT" not in last and len(last) < 600_000
    # the full text, streamed as plain text, is exactly the stored text
    link = re.search(r'href="(/documents/huge-1/text/2\.txt)"', page)[1]
    r = client.get(link)
    assert r.status_code == 200 and r["Content-Type"].startswith("text/plain") and r.streaming
    assert b"".join(r.streaming_content).decode() == body
    # the JSON API keeps the whole record
    data = json.loads(client.get("/api/documents/huge-1").content)
    assert [t["text"] for t in data["translations"]][1] == body
    assert client.get("/documents/huge-1/text/9.txt").status_code == 404
    # a draft's text is not public
    draft = _record("draft-text", "A draft", {"id": "big", "title": "Big"})
    assert import_paths([_write(tmp_path / "draft.jsonl", [draft])], draft=True).imported == 1
    assert client.get("/documents/draft-text/text/1.txt").status_code == 404


@pytest.mark.django_db
def test_a_page_holds_at_most_five_parts_of_text(client, tmp_path, settings):
    settings.READINGROOM_PAGE_TEXT_CHARS = 1000
    rec = _record("many-1", "Many translations", {"id": "many", "title": "Many"})
    rec["translations"] = [
        {"language": lang, "text": f"TEXT-{i}-START " + "word " * 180}
        for i, lang in enumerate(["en", "de", "fr", "it", "es", "ru", "sq"], start=1)
    ]
    assert import_paths([_write(tmp_path / "many.jsonl", [rec])]).imported == 1
    page = client.get("/documents/many-1").content.decode()
    assert all(f"TEXT-{i}-START" in page for i in range(1, 7))  # 6 x 900 characters: the budget is spent
    assert "TEXT-7-START" not in page and "is not shown on this page" in page
    assert 'href="?text=7&amp;part=1#text-7"' in page
    assert "TEXT-7-START" in client.get("/documents/many-1", {"text": 7, "part": 1}).content.decode()
