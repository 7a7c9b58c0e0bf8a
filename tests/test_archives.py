"""Archives as authority records, the archival hierarchy, the chronology and typed links (issue #17), on the
real corpus (../shared/corpus: the reference record and the FRUS volumes; the tests marked ``corpus``), on the
fixture corpus's record and on small crafted records."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from django.template.loader import render_to_string

from readingroom.archives import services
from readingroom.archives.models import Archive, DocumentLink, ReviewItem
from readingroom.archives.resolve import Resolver, name_key
from readingroom.documents.models import Document
from readingroom.history.models import AuditEvent
from readingroom.ingest.pipeline import import_paths
from tests.conftest import CORPUS, RECORD_ID, SEED, Served, need

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(db):
    need(SEED.exists() and (CORPUS / "frus" / "volumes").is_dir(), f"the corpus is not at {CORPUS}")
    report = import_paths([SEED, CORPUS / "frus"])
    assert report.imported > 2900
    return report


def _chain(doc: Document) -> list[tuple[str, str]]:
    node, out = doc.archive_node, []
    while node is not None:
        out.append((node.level, node.label))
        node = node.parent
    return out[::-1]


@pytest.mark.corpus
def test_corpus_archives_one_entry_per_institution(corpus, client):
    data = client.get("/archives.json").json()
    names = [a["name"] for a in data["archives"]]
    assert len(names) == len(set(names)) == data["total"]
    for wrong in (
        "Department of Sate",
        "Department of States",
        "Source; Department of State",
        "Central Intellience",
        "Central Files",
        "Job 79",
        "Central Intelligence Agency Files",
        "RG 59",
    ):
        assert not any(wrong in n for n in names), (wrong, names)
    for expected in (
        "U.S. Department of State",
        "Central Intelligence Agency",
        "Arkivi Qendror Shtetëror",
        "Lyndon Baines Johnson Library",
        "John F. Kennedy Presidential Library",
        "Library of Congress",
    ):
        assert expected in names
    # every variant of the issue resolved to its institution
    state = Archive.objects.get(identifier="us-department-of-state")
    cia = Archive.objects.get(identifier="us-cia")
    for written, archive in (
        ("Department of State", state),
        ("Department of Sate", state),
        ("Department of States", state),
        ("Source; Department of State", state),
        ("Department of State Central Files", state),
        ("Central Intelligence Agency", cia),
        ("Central Intellience Agency: Job 79-S01060A", cia),
        ("Central Intelligence Agency Files", cia),
        ("Central Intelligence Agency: Job 79-S01060A", cia),
    ):
        docs = Document.objects.filter(ref_repository=written)
        assert docs.exists(), written
        assert set(docs.values_list("holding_archive_id", flat=True)) == {archive.pk}, written
    # the sub-unit is kept as a finer level: a CIA job number is the first level under the CIA
    job = Document.objects.filter(ref_repository="Central Intellience Agency: Job 79-S01060A").first()
    assert _chain(job)[0] == ("fonds", "Job 79-S01060A")
    counts = {a["id"]: a["documents"] for a in data["archives"]}
    assert counts["us-department-of-state"] == Document.objects.filter(holding_archive=state).count() > 1500
    assert client.get("/api/archives").json() == data
    # what did not resolve with certainty waits for editors
    queued = set(ReviewItem.objects.values_list("name", flat=True))
    assert "William Manchester" in queued and "Problems of Communism" in queued


@pytest.mark.corpus
def test_corpus_central_files_and_the_reference_record(corpus, client):
    state = Archive.objects.get(identifier="us-department-of-state")
    central = state.nodes.get(parent=None, level="series", key="central files")
    filed = Document.objects.filter(source_format="tei", ref_text__contains="Central Files")
    assert filed.count() > 1200
    outside = [
        d.identifier
        for d in filed.select_related("archive_node")
        if d.holding_archive_id != state.pk or not d.archive_node.tree.startswith(central.tree)
    ]
    assert outside == []
    # the reference record: Arkivi Qendror Shtetëror > Fondi 14/AP > (its series) > V. 1963 > Dos. 4, folios 49-50
    context = client.get("/api/documents/wilson-300023/context").json()
    assert context["archive"]["name"] == "Arkivi Qendror Shtetëror"
    assert [c["label"] for c in context["breadcrumb"]] == [
        "Arkivi Qendror Shtetëror",
        "Fondi 14/AP",
        "Marrëdhëniet me Partinë Komuniste të Kinës",
        "V. 1963",
        "Dos. 4",
    ]
    assert [c["level"] for c in context["breadcrumb"]] == ["archive", "fonds", "series", "volume", "file"]
    assert context["folios"] == "49-50"
    dossier = context["breadcrumb"][-1]
    level = client.get(dossier["url"] + ".json").json()
    assert [d["id"] for d in level["documents"]] == ["wilson-300023"] and level["documents"][0]["folios"] == "49-50"
    assert level["date_range"] == {"from": "1963-07-22", "to": "1963-07-22"}
    assert client.get(f"/api/levels/{dossier['id']}").json() == level
    html = client.get(dossier["url"]).content.decode()
    assert "Dos. 4" in html and 'href="/documents/wilson-300023"' in html and "Fondi 14/AP" in html
    archive = client.get("/archives/al-aqsh.json").json()
    assert archive["documents"] == 1 and archive["levels"][0]["label"] == "Fondi 14/AP"
    assert any(n["name"] == "Central State Archives" for n in archive["other_names"])
    # a series page lists its levels with counts and date ranges
    series = client.get(f"/archives/us-department-of-state/n/{central.pk}.json?per_page=200").json()
    assert series["total_documents"] == filed.count() and series["date_range"]["from"] < series["date_range"]["to"]
    assert all(level["documents"] >= 1 for level in series["levels"])
    assert client.get("/archives/nope").status_code == 404 and client.get("/api/archives/nope").status_code == 404


@pytest.mark.corpus
def test_corpus_chronology_of_july_1963(corpus, client):
    data = client.get("/chronology.json?from=1963-07-17&to=1963-07-23").json()
    listed = {d["id"]: d for day in data["days"] for d in day["documents"]}
    assert "wilson-300023" in listed and listed["wilson-300023"]["holding_archive"] == "Arkivi Qendror Shtetëror"
    frus = {
        d.identifier
        for d in Document.objects.filter(source_format="tei", date_sort__gte="1963-07-17", date_sort__lte="1963-07-23")
    }
    assert frus and frus <= set(listed)
    assert data["total"] == len(listed)
    days = [day["date"] for day in data["days"]]
    assert days == sorted(days) and days[0] >= "1963-07-17" and days[-1] <= "1963-07-23"
    # the document page's count: documents within three days of 1963-07-22
    context = client.get("/api/documents/wilson-300023/context").json()
    near = client.get("/api/chronology?from=1963-07-19&to=1963-07-25").json()["total"]
    assert context["this_day"]["count"] == near - 1 > 0
    # the same filters as search, and the day / week / month spans
    week = client.get("/chronology.json?span=week&date=1963-07-20").json()
    assert (week["from"], week["to"]) == ("1963-07-15", "1963-07-21")
    month = client.get("/chronology.json?span=month&date=1963-07-20&language=sq").json()
    assert [d["id"] for day in month["days"] for d in day["documents"]] == ["wilson-300023"]
    html = client.get("/chronology?span=day&date=1963-07-22").content.decode()
    assert 'href="/documents/wilson-300023"' in html
    assert client.get("/api/chronology?span=year").status_code == 400
    assert client.get("/chronology.json?date=1963-02-30").status_code == 400


@pytest.mark.corpus
def test_corpus_frus_cross_references_are_cited_in_links(corpus, client):
    link = (
        DocumentLink.objects.filter(
            source__identifier__startswith="frus1961-63v05/", type="cites", target_doc__isnull=False
        )
        .select_related("source", "target_doc")
        .first()
    )
    cited = client.get(f"/api/documents/{link.target}/context").json()["relations"]
    assert any(
        r["type"] == "cited-in" and r["label"] == "cited in" and r["id"] == link.source.identifier for r in cited
    )
    citing = client.get(f"/api/documents/{link.source.identifier}/context").json()["relations"]
    assert any(r["type"] == "cites" and r["id"] == link.target for r in citing)


def _write(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


RECORDS = [
    {
        "id": "rel-letter",
        "title": "Letter of the ambassador",
        "date": "1963-07-20",
        "archival_reference": {"repository": "Arkivi Qendror Shtetëror", "fonds": "14/AP", "file": "4", "folios": "51"},
    },
    {
        "id": "rel-memo",
        "title": "Memorandum enclosed with the letter",
        "date": "1963-07-20",
        "archival_reference": {"repository": "Central State Archives", "fonds": "14/AP", "file": "4", "folios": "53"},
        "relations": [{"type": "enclosure of", "target": "rel-letter"}],
    },
]


def test_relations_on_both_pages_api_and_oai(tmp_path, client):
    assert import_paths([_write(tmp_path / "a.jsonl", RECORDS)]).imported == 2
    csv = tmp_path / "b.csv"
    csv.write_text(
        "id,title,date,relations\nrel-reply,Reply to the letter,1963-07-23,reply-to:rel-letter\n", encoding="utf-8"
    )
    assert import_paths([csv]).imported == 1
    letter = client.get("/api/documents/rel-letter/context").json()
    assert {(r["type"], r["id"]) for r in letter["relations"]} == {
        ("encloses", "rel-memo"),
        ("replied-by", "rel-reply"),
    }
    memo = client.get("/api/documents/rel-memo/context").json()
    assert [(r["type"], r["label"], r["id"]) for r in memo["relations"]] == [
        ("enclosure-of", "enclosure of", "rel-letter")
    ]
    # the same file, in folio order: previous / next in this dossier
    assert memo["neighbours"]["previous"]["id"] == "rel-letter" and memo["neighbours"]["position"] == 2
    for ident in ("rel-letter", "rel-memo"):  # the panel of the document page
        doc = Document.objects.get(identifier=ident)
        html = render_to_string(
            "documents/includes/context_panel.html", {"archival_context": services.archival_context(doc)}
        )
        assert 'id="document-relations"' in html and "Arkivi Qendror Shtetëror" in html
    html = render_to_string(
        "documents/includes/context_panel.html",
        {"archival_context": services.archival_context(Document.objects.get(identifier="rel-memo"))},
    )
    assert 'href="/documents/rel-letter"' in html and "previous in this dossier" in html
    for ident, other in (("rel-letter", "rel-memo"), ("rel-memo", "rel-letter")):
        xml = client.get(
            f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:testserver:{ident}"
        ).content.decode()
        assert f"<dc:relation>http://testserver/documents/{other}</dc:relation>" in xml
    # a link to a document the public may not see is not shown (withdrawn here); editors see it
    from readingroom.documents import services as documents

    documents.set_status("rel-reply", "withdrawn", note="a duplicate")
    letter = client.get("/api/documents/rel-letter/context").json()
    assert {(r["type"], r["id"]) for r in letter["relations"]} == {("encloses", "rel-memo")}
    hidden = services.relations_of(Document.objects.get(identifier="rel-letter"), public=False)
    assert {(r["type"], r["id"], r["url"]) for r in hidden} == {
        ("encloses", "rel-memo", "/documents/rel-memo"),
        ("replied-by", "rel-reply", "/documents/rel-reply"),
    }
    listed = client.get("/oai?verb=ListRecords&metadataPrefix=mods").content.decode()
    assert 'displayLabel="encloses"' in listed and 'displayLabel="enclosure of"' in listed


def test_bad_relations_and_merges_store_nothing(tmp_path, cli):
    cli("import", str(_write(tmp_path / "a.jsonl", RECORDS)))
    # a cycle where the type forbids it: the whole batch is refused, with one clear line
    cycle = _write(
        tmp_path / "cycle.jsonl",
        [
            {
                "id": "rel-letter",
                "title": "Letter of the ambassador",
                "date": "1963-07-20",
                "relations": [{"type": "enclosure-of", "target": "rel-memo"}],
            }
        ],
    )
    result = cli("import", str(cycle), check=False)
    assert result.returncode == 1 and "closes a cycle (rel-letter -> rel-memo -> rel-letter)" in result.stderr
    assert "relations[0]" in result.stderr
    # a relation to a missing document
    missing = _write(
        tmp_path / "missing.jsonl",
        [{"id": "rel-x", "title": "X", "relations": [{"type": "reply-to", "target": "nope-1"}]}],
    )
    result = cli("import", str(missing), check=False)
    assert result.returncode == 1 and "no document with id 'nope-1'" in result.stderr
    bad_type = _write(
        tmp_path / "type.jsonl", [{"id": "rel-y", "title": "Y", "relations": [{"type": "likes", "target": "rel-memo"}]}]
    )
    result = cli("import", str(bad_type), check=False)
    assert (
        result.returncode == 1
        and "field 'relations[0].type'" in result.stderr
        and "not a relation type" in result.stderr
    )
    ids = [r["id"] for r in cli.records()]
    assert sorted(ids) == ["rel-letter", "rel-memo"]


def test_editor_edits_are_checked_and_audited(tmp_path):
    import_paths([_write(tmp_path / "a.jsonl", RECORDS)])
    before = AuditEvent.objects.count()
    with pytest.raises(services.EditError, match="cycle: rel-letter -> rel-memo -> rel-letter"):
        services.add_link("rel-letter", "enclosure-of", "rel-memo")
    with pytest.raises(services.EditError, match="no document with id 'nope-1'"):
        services.add_link("rel-letter", "reply-to", "nope-1")
    with pytest.raises(services.EditError, match="itself"):
        services.merge_archives("al-aqsh", "al-aqsh")
    assert AuditEvent.objects.count() == before and DocumentLink.objects.count() == 1
    link = services.add_link("rel-letter", "same-event", "rel-memo", note="two accounts")
    assert AuditEvent.objects.filter(action="link.add", object_id="rel-letter").exists()
    services.remove_link(link.pk)
    assert AuditEvent.objects.filter(action="link.remove").exists() and DocumentLink.objects.count() == 1
    # merge: the Wilson Center record into the Albanian archives (a test of the mechanics), then split it back
    services.merge_archives("wilson-center-digital-archive", "al-aqsh")
    assert not Archive.objects.filter(identifier="wilson-center-digital-archive").exists()
    assert (
        Resolver().resolve("Wilson Center Digital Archive").archive_id == Archive.objects.get(identifier="al-aqsh").pk
    )
    back = services.split_archive("al-aqsh", "Wilson Center Digital Archive", new_identifier="wilson")
    assert Resolver().resolve("Wilson Center Digital Archive").archive_id == back.pk
    assert {"archive.merge", "archive.split"} <= set(AuditEvent.objects.values_list("action", flat=True))


def test_review_list_accept_moves_the_documents(tmp_path, client):
    rec = {
        "id": "odd-1",
        "title": "Odd",
        "date": "1962-01-02",
        "archival_reference": {"repository": "Archivum Obscurum"},
    }
    import_paths([_write(tmp_path / "a.jsonl", [rec])])
    item = ReviewItem.objects.get(key=name_key("Archivum Obscurum"))
    assert item.occurrences == 1 and Document.objects.get(identifier="odd-1").holding_archive is None
    archive = services.accept_review(item.pk, new_identifier="obscurum", new_name="Archivum Obscurum", actor="editor")
    assert Document.objects.get(identifier="odd-1").holding_archive == archive
    assert client.get("/api/archives/obscurum").json()["documents"] == 1
    assert AuditEvent.objects.filter(action="archive.accept", actor="editor").exists()
    with pytest.raises(services.EditError, match="already decided"):
        services.accept_review(item.pk, archive="al-aqsh")


def test_resolution_rules():
    r = Resolver(
        [
            (name_key("U.S. Department of State"), 1, "", "U.S. Department of State"),
            (name_key("Department of State"), 1, "", "U.S. Department of State"),
            (name_key("Department of Justice"), 2, "", "Department of Justice"),
            (name_key("Department of Labor"), 3, "", "Department of Labor"),
            (name_key("CIA"), 4, "", "Central Intelligence Agency"),
        ]
    )
    assert r.resolve("Department of Sate").method == "typo"
    assert r.resolve("Source; Department of State").method == "exact"
    assert (
        r.resolve("Department of State Lot Files").subunit,
        r.resolve("Department of State Lot Files").archive_id,
    ) == ("Lot Files", 1)
    assert r.resolve("CIB").archive_id is None  # no typos of short names
    assert r.resolve("Department of Lobor").archive_id == 3
    assert r.resolve("Department of Jostice").archive_id == 2


def test_archives_over_real_http(cli, record_path):
    cli("import", str(record_path))
    with Served(cli, workers=1) as server:
        data = json.loads(urllib.request.urlopen(server.base + "/api/archives", timeout=30).read())
        assert [a["id"] for a in data["archives"]] == ["al-aqsh"]
        chron = json.loads(
            urllib.request.urlopen(server.base + "/api/chronology?span=day&date=1962-03-14", timeout=30).read()
        )
        assert chron["days"][0]["documents"][0]["id"] == RECORD_ID
        page = urllib.request.urlopen(server.base + "/archives/al-aqsh", timeout=30).read().decode()
        assert re.search(r"Fondi 490", page)


@pytest.mark.django_db(transaction=True)
def test_flush_leaves_the_seed_authorities_and_names():
    """``flush`` (an operator emptying an archive; the test database after every transactional test) keeps what
    the data migrations seeded: the authorities and the curated names come back, once each, and an editor's
    change to a seeded authority is not overwritten by a later ``migrate``."""
    from django.core.management import call_command

    from readingroom.archives.seeddata import AUTHORITIES
    from readingroom.names.models import SeedName
    from readingroom.names.seeddata import SEED

    seeded = len({n for names in SEED.values() for n in names})
    Archive.objects.filter(identifier="us-department-of-state").update(place="College Park, Maryland")
    call_command("migrate", verbosity=0)
    assert Archive.objects.get(identifier="us-department-of-state").place == "College Park, Maryland"
    call_command("flush", interactive=False, verbosity=0)
    assert Archive.objects.count() == len(AUTHORITIES)
    assert SeedName.objects.count() == seeded
    state = Archive.objects.get(identifier="us-department-of-state")
    assert Resolver().resolve("Department of Sate").archive_id == state.pk  # the names came back too
    call_command("flush", interactive=False, verbosity=0)
    assert Archive.objects.count() == len(AUTHORITIES) and SeedName.objects.count() == seeded
