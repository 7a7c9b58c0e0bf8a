"""Editorial workflow: drafts never leak (one check per public surface), publishing, withdrawal (410),
version history with errata, the append-only audit log, roles and permissions."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from lxml import etree

from readingroom.documents import services
from readingroom.documents.models import Document
from readingroom.history.models import AppendOnly, AuditEvent, DocumentVersion
from readingroom.ingest.pipeline import import_paths
from readingroom.scans.attach import attach_paths
from readingroom.search.indexing import process_queue
from tests.conftest import RECORD_ID
from tests.test_scans import make_image

pytestmark = pytest.mark.django_db
DOC = RECORD_ID
WORD = "Delin"  # in the title and the translation
OAI = "{http://www.openarchives.org/OAI/2.0/}"


@pytest.fixture
def draft(record_path, tmp_path):
    report = import_paths([record_path], draft=True)
    assert report.imported == 1
    [page] = attach_paths(DOC, [make_image(tmp_path / "scan.png")], ocr=False)
    process_queue()
    return page


def _text(client, path, **params) -> tuple[int, str]:
    r = client.get(path, params)
    body = b"".join(r.streaming_content) if r.streaming else r.content
    return r.status_code, body.decode("utf-8", "replace")


def _oai_lists(client) -> bool:
    oai = etree.fromstring(_text(client, "/oai", verb="ListIdentifiers", metadataPrefix="oai_dc")[1].encode())
    return any(
        h.findtext(f"{OAI}identifier").endswith(DOC) for h in oai.iter(f"{OAI}header") if h.get("status") != "deleted"
    )


def _oai_record(client) -> bool:
    body = _text(client, "/oai", verb="GetRecord", identifier=f"oai:testserver:{DOC}", metadataPrefix="oai_dc")[1]
    return etree.fromstring(body.encode()).find(f".//{OAI}metadata") is not None


def _facets(client) -> bool:
    facets = json.loads(_text(client, "/api/search", q="")[1])["facets"].get("language", [])
    return any(v["value"] == "sq" for v in facets)


#: every public surface, and how to tell whether it shows the document (``page``: its scan page)
SURFACES = {
    "page": lambda c, p: _text(c, f"/documents/{DOC}")[0] == 200,
    "page json": lambda c, p: _text(c, f"/documents/{DOC}.json")[0] == 200,
    "api record": lambda c, p: _text(c, f"/api/documents/{DOC}")[0] == 200,
    "api list": lambda c, p: DOC in _text(c, "/api/documents")[1],
    "browse": lambda c, p: DOC in _text(c, "/documents")[1],
    "home": lambda c, p: DOC in _text(c, "/")[1],
    "search": lambda c, p: DOC in _text(c, "/api/search", q=WORD)[1],
    "search page": lambda c, p: DOC in _text(c, "/search", q=WORD)[1],
    "facet counts": lambda c, p: _facets(c),
    "search export": lambda c, p: DOC in _text(c, "/api/search/export", format="json")[1],
    "cite": lambda c, p: _text(c, f"/api/documents/{DOC}/cite")[0] == 200,
    "export": lambda c, p: _text(c, f"/api/documents/{DOC}/export", format="ris")[0] == 200,
    "oai list": lambda c, p: _oai_lists(c),
    "oai record": lambda c, p: _oai_record(c),
    "iiif info": lambda c, p: _text(c, f"/iiif/image/{p.iiif_id}/info.json")[0] == 200,
    "iiif image": lambda c, p: _text(c, f"/iiif/image/{p.iiif_id}/full/max/0/default.jpg")[0] == 200,
    "iiif manifest": lambda c, p: _text(c, f"/iiif/presentation/{DOC}/manifest")[0] == 200,
    "iiif content search": lambda c, p: _text(c, f"/iiif/search/{DOC}", q="x")[0] == 200,
    "pdf": lambda c, p: _text(c, f"/documents/{DOC}.pdf")[0] == 200,
    "history": lambda c, p: _text(c, f"/documents/{DOC}/history")[0] == 200,
    "sitemap": lambda c, p: DOC in _text(c, "/sitemap-documents.xml")[1],
    "feed": lambda c, p: DOC in _text(c, "/feed.atom")[1],
}


def surfaces(client, page) -> dict[str, bool]:
    return {name: shows(client, page) for name, shows in SURFACES.items()}


@pytest.mark.parametrize("surface", list(SURFACES))
def test_a_draft_does_not_leak(client, draft, surface):
    assert not SURFACES[surface](client, draft), f"a draft shows on {surface}"
    services.set_status(DOC, "review")
    process_queue()
    assert not SURFACES[surface](client, draft), f"a document in review shows on {surface}"
    services.set_status(DOC, "published")
    process_queue()
    assert SURFACES[surface](client, draft), f"the published document does not show on {surface}"
    services.set_status(DOC, "withdrawn", note="gone")
    process_queue()
    assert not SURFACES[surface](client, draft), f"a withdrawn document shows on {surface}"


def test_a_withdrawn_document_answers_410_and_is_a_deleted_record(client, draft):
    services.set_status(DOC, "published")
    services.set_status(DOC, "withdrawn", note="Withdrawn at the holding archive's request.")
    process_queue()
    r = client.get(f"/documents/{DOC}")
    assert r.status_code == 410 and "Withdrawn at the holding archive" in r.content.decode()
    assert client.get(f"/api/documents/{DOC}").status_code == 410
    assert client.get(f"/documents/{DOC}.json").status_code == 410
    shown = surfaces(client, draft)
    assert not any(v for k, v in shown.items()), {k for k, v in shown.items() if v}
    record = etree.fromstring(
        client.get(
            "/oai", {"verb": "GetRecord", "identifier": f"oai:testserver:{DOC}", "metadataPrefix": "oai_dc"}
        ).content
    )
    assert record.find(f".//{OAI}header").get("status") == "deleted"
    # the identifier is never given to another document: a re-import updates the same withdrawn record
    with pytest.raises(services.InvalidTransition):
        services.set_status(DOC, "draft")
    assert Document.objects.filter(identifier=DOC).count() == 1


def test_cli_draft_publish_withdraw(cli, record_path):
    cli("import", str(record_path), "--draft")
    assert json.loads(cli("show", DOC, "--format", "json").stdout)["status"] == "draft"
    assert cli("search", WORD).stdout.startswith("0 results")
    assert "published" in cli("publish", DOC).stdout
    assert cli("search", WORD).stdout.startswith("1 result")
    assert "withdrawn" in cli("withdraw", DOC, "--note", "duplicate").stdout
    assert cli("search", WORD).stdout.startswith("0 results")
    assert cli("withdraw", DOC, check=False).returncode == 1
    actions = cli(
        "manage",
        "shell",
        "-c",
        "from readingroom.history.models import AuditEvent as A; print([e.action for e in A.objects.order_by('id')])",
    ).stdout
    assert "'import.batch', 'document.published', 'document.withdrawn'" in actions


@pytest.fixture
def people(django_user_model):
    def make(name, group=None, superuser=False):
        if superuser:
            return django_user_model.objects.create_superuser(
                name, f"{name}@example.org", "correct horse battery staple"
            )
        user = django_user_model.objects.create_user(
            name, f"{name}@example.org", "correct horse battery staple", is_staff=True
        )
        if group:
            user.groups.add(Group.objects.get(name=group))
        return user

    return make


def test_versions_and_errata_from_an_admin_correction(client, record_path, people):
    assert import_paths([record_path]).imported == 1
    editor = people("editor", "Editors")
    client.force_login(editor)
    doc = Document.objects.get(identifier=DOC)
    form = client.get(f"/admin/documents/document/{doc.pk}/change/")
    assert form.status_code == 200
    data = _admin_form_data(form)
    data.update({"date_display": "March 12, 1962", "change_note": "The date was misread.", "erratum": "on"})
    r = client.post(f"/admin/documents/document/{doc.pk}/change/", data)
    assert r.status_code == 302, r.content.decode()[:3000]
    versions = list(DocumentVersion.objects.filter(document=doc).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].snapshot["date"]["display"] == "March 14, 1962"
    assert {"field": "date.display", "before": "March 14, 1962", "after": "March 12, 1962"} in versions[1].changes
    assert versions[1].erratum and versions[1].actor == "editor"
    client.logout()
    page = client.get(f"/documents/{DOC}").content.decode()
    assert "Corrected on" in page and "The date was misread." in page
    assert "was “March 14, 1962”, is “March 12, 1962”" in page
    history = client.get(f"/documents/{DOC}/history").content.decode()
    assert "Version 2" in history and "The date was misread." in history and "<del>March 14, 1962</del>" in history
    v1 = client.get(f"/documents/{DOC}/versions/1").content.decode()
    assert "March 14, 1962" in v1 and "not the current version" in v1
    assert client.get(f"/documents/{DOC}/versions/9").status_code == 404


def test_an_import_that_changes_a_published_document_keeps_the_previous_version(record_path, record_text, tmp_path):
    assert import_paths([record_path]).imported == 1
    changed = tmp_path / record_path.name
    changed.write_text(record_text.replace("March 14, 1962", "March 15, 1962", 1), encoding="utf-8")
    assert import_paths([changed]).updated == 1
    versions = list(DocumentVersion.objects.filter(document__identifier=DOC).order_by("number"))
    assert [v.snapshot["date"]["display"] for v in versions] == ["March 14, 1962", "March 15, 1962"]
    assert AuditEvent.objects.filter(action="import.batch").count() == 2


def _admin_form_data(response) -> dict:
    """The fields of an admin change form, as a browser would submit them unchanged."""
    from lxml import html

    tree = html.fromstring(response.content)
    form = tree.xpath('//form[@id="document_form"]')[0]
    data = {}
    for el in form.xpath(".//input|.//select|.//textarea"):
        name = el.get("name")
        if not name or el.get("type") in {"submit", "button", "file"}:
            continue
        if el.get("type") == "checkbox":
            if el.get("checked") is not None:
                data[name] = el.get("value") or "on"
            continue
        if el.tag == "select":
            chosen = el.xpath(".//option[@selected]")
            data[name] = chosen[0].get("value") if chosen else ""
        elif el.tag == "textarea":
            data[name] = el.text or ""
        else:
            data[name] = el.get("value") or ""
    return data


def test_the_audit_log_is_append_only_and_for_administrators(client, record_path, people):
    assert import_paths([record_path]).imported == 1
    event = AuditEvent.objects.get(action="import.batch")
    event.details = {"forged": True}
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(actor="someone else")
    with pytest.raises(Exception, match="append-only"):
        with connection.cursor() as cur:
            cur.execute("UPDATE history_auditevent SET actor = 'someone else'")
    editor = people("editor2", "Editors")
    client.force_login(editor)
    assert client.get("/admin/history/auditevent/").status_code == 403
    admin = people("root2", "Administrators")
    admin.is_staff = True
    admin.save()
    client.force_login(admin)
    page = client.get("/admin/history/auditevent/", {"action": "import.batch"})
    assert page.status_code == 200 and "import.batch" in page.content.decode()


def test_admin_changes_are_audited_with_who_and_where(client, record_path, people):
    assert import_paths([record_path]).imported == 1
    editor = people("ed", "Editors")
    client.force_login(editor)
    doc = Document.objects.get(identifier=DOC)
    data = _admin_form_data(client.get(f"/admin/documents/document/{doc.pk}/change/"))
    data["summary"] = "A corrected summary."
    client.post(f"/admin/documents/document/{doc.pk}/change/", data, REMOTE_ADDR="203.0.113.7")
    event = AuditEvent.objects.filter(action="admin.document.change").get()
    assert event.actor == "ed" and event.address == "203.0.113.7" and event.source == "admin"


INLINE_PREFIXES = (
    "documentlanguage_set",
    "contributors",
    "contents",
    "texts",
    "documentsubject_set",
    "documentplace_set",
    "documentcollection_set",
    "documentperson_set",
    "pages",
)


def test_roles_contributors_cannot_escalate(client, record_path, people):
    assert import_paths([record_path]).imported == 1
    alice, bob = people("alice", "Contributors"), people("bob", "Contributors")
    client.force_login(alice)
    r = client.post(
        "/admin/documents/document/add/",
        {
            "identifier": "alice-1",
            "title": "Alice's translation",
            "date_certainty": "unknown",
            "extra": "{}",
            **{f"{p}-{k}": "0" for p in INLINE_PREFIXES for k in ("TOTAL_FORMS", "INITIAL_FORMS")},
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    mine = Document.objects.get(identifier="alice-1")
    assert mine.status == "draft" and mine.created_by == alice
    published = Document.objects.get(identifier=DOC)
    # a contributor neither sees nor changes another's document, nor a published one
    assert client.get(f"/admin/documents/document/{published.pk}/change/").status_code in {302, 403, 404}
    client.force_login(bob)
    assert client.get(f"/admin/documents/document/{mine.pk}/change/").status_code in {302, 403, 404}
    r = client.post("/admin/documents/document/", {"action": "publish", "_selected_action": [mine.pk]})
    assert Document.objects.get(pk=mine.pk).status == "draft"
    client.force_login(alice)
    r = client.post("/admin/documents/document/", {"action": "publish", "_selected_action": [mine.pk]})
    assert Document.objects.get(pk=mine.pk).status == "draft"  # no publish permission
    client.post("/admin/documents/document/", {"action": "submit_for_review", "_selected_action": [mine.pk]})
    assert Document.objects.get(pk=mine.pk).status == "review"
    # once submitted, the contributor can no longer change it
    r = client.post(f"/admin/documents/document/{mine.pk}/change/", {"identifier": "alice-1", "title": "changed"})
    assert r.status_code in {302, 403} and Document.objects.get(pk=mine.pk).title == "Alice's translation"
    reviewer = people("rita", "Reviewers")
    client.force_login(reviewer)
    client.post("/admin/documents/document/", {"action": "publish", "_selected_action": [mine.pk]})
    assert Document.objects.get(pk=mine.pk).status == "published"
    assert AuditEvent.objects.filter(action="document.published", object_id="alice-1", actor="rita").exists()


def test_logins_are_rate_limited(client, people, settings):
    people("victim", "Editors")
    for _ in range(settings.READINGROOM_LOGIN_FAILURES):
        r = client.post("/admin/login/", {"username": "victim", "password": "wrong guess"})
        assert r.status_code == 200
    r = client.post("/admin/login/?next=/admin/", {"username": "victim", "password": "correct horse battery staple"})
    assert r.status_code == 200 and "_auth_user_id" not in client.session  # refused although right
    assert AuditEvent.objects.filter(action="login.refused", object_id="victim").exists()
    assert AuditEvent.objects.filter(action="login.failed").count() >= settings.READINGROOM_LOGIN_FAILURES
