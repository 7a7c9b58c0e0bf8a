"""Query plans of the hot paths: no query a page, the API, OAI-PMH, the sitemap, the feed or IIIF makes on
every request may read the whole archive, nor one that an import makes for each batch or the index writer
for each change it applies.

Each scenario runs the real views or service functions on an archive of a few hundred documents (in every
workflow state, with tombstones and a scan) and captures its SQL with Django's ``CaptureQueriesContext``;
each statement is then explained by the database itself:

* SQLite (``EXPLAIN QUERY PLAN``), without statistics (a fresh archive, and every archive nobody ran
  ``ANALYZE`` on) and with the statistics of a large archive (``ANALYZE`` here, scaled up 10,000 times: the
  statistics of a few hundred rows would let the planner scan tables it rightly thinks tiny): a table that
  grows with the archive (documents and every table hanging off them) must not be scanned, nor built a
  transient index for, and the documents table must not be walked by its state alone (``status=?``: every
  published document) — unless the statement is an ordered walk that stops after its page (ORDER BY ... LIMIT
  read in index order, no sort step) or a count, which has to read every row it counts.
* PostgreSQL (``EXPLAIN (FORMAT JSON)`` with ``enable_seqscan = off``, so a sequential scan that remains
  means there is no index path at all): no Seq Scan on those tables. Run in a subprocess (this file as a
  script) with the real settings on a fresh database.

Statements that read everything by design are listed in ``FULL_READS`` with the reason.

This is what would have caught search hydration reading ``... WHERE identifier IN (...) AND status = ...``:
SQLite answered it by walking every published document through ``doc_by_status_*``. The import's own look-up
of which stored records are published had the same shape, for every batch: at 800,000 documents it was 40 %
of the storing process's time, so an import of 1M slowed down as it went.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
N_DOCUMENTS = 300
LANGUAGES = ["en", "ru", "fr", "de", "sq"]
WORDS = ["treaty", "missile", "embassy", "conference", "harvest", "railway", "ambassador", "negotiation"]


# ---------------------------------------------------------------- the archive
def records() -> list[dict]:
    out = []
    for i in range(1, N_DOCUMENTS + 1):
        year = 1945 + i % 47
        day = f"{year}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        words = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(4))
        out.append(
            {
                "id": f"qp-{i}",
                "title": f"{['Memorandum', 'Telegram', 'Letter', 'Notes'][i % 4]} {i} on the {WORDS[i % len(WORDS)]}",
                "date": {"display": day, "start": day, "end": day, "certainty": "exact"},
                "summary": f"Summary of document {i}.",
                "archive": "Query plan archive",
                "original_languages": [LANGUAGES[i % len(LANGUAGES)]],
                # every other one at the Department of State (an authority: the archives' hierarchy pages)
                "archival_reference": (
                    {
                        "repository": "Department of State",
                        "series": "Central Files",
                        "file": f"POL {i % 10}",
                        "folios": str(i),
                    }
                    if i % 2
                    else {"repository": f"Repository {i % 7}"}
                ),
                **({"relations": [{"type": "reply-to", "target": f"qp-{i - 2}"}]} if i % 2 and i > 2 else {}),
                "classification": "Secret" if i % 3 else "Confidential",
                "subjects": [f"Subject {i % 11}"],
                "collections": [{"id": f"series-{i % 9}", "title": f"Series {i % 9}"}],
                "persons": [{"id": f"person-{i % 13}", "name": f"Person {i % 13}"}],
                "contributors": [{"name": f"Editor {i % 5}", "roles": ["contributor"]}],
                "contents": [{"kind": "transcript", "language": "en", "label": "Transcript - English"}],
                "transcripts": [
                    {
                        "language": "en",
                        "label": "Transcript - English",
                        "text": f"Document {i}. The {words} were discussed at length.\n\nA second paragraph {i}.",
                    }
                ],
            }
        )
    return out


def build_archive(work: Path) -> dict:
    """Published documents, drafts, one in review, withdrawn and deleted ones (tombstones), and a scan."""
    from PIL import Image, ImageDraw

    from readingroom.documents import services as documents
    from readingroom.ingest.pipeline import import_paths
    from readingroom.scans.attach import attach_paths

    work.mkdir(parents=True, exist_ok=True)
    recs = records()
    published, drafts = work / "published.jsonl", work / "drafts.jsonl"
    published.write_text("".join(json.dumps(r) + "\n" for r in recs[:-20]), encoding="utf-8")
    drafts.write_text("".join(json.dumps(r) + "\n" for r in recs[-20:]), encoding="utf-8")
    assert import_paths([published]).imported == N_DOCUMENTS - 20
    assert import_paths([drafts], draft=True).imported == 20
    documents.set_status(f"qp-{N_DOCUMENTS}", "review")
    for i in (5, 6, 7):
        documents.set_status(f"qp-{i}", "withdrawn", note="withdrawn for the plan test")
    for i in (8, 9):
        documents.delete_document(f"qp-{i}")
    scan = work / "scan.png"
    image = Image.new("RGB", (600, 800), "white")
    ImageDraw.Draw(image).rectangle((50, 50, 300, 200), fill="black")
    image.save(scan)
    pages = attach_paths("qp-1", [scan], ocr=False)
    from readingroom.documents.models import Document

    node = Document.objects.get(identifier="qp-11").archive_node
    return {
        "doc": "qp-2",
        "scanned": "qp-1",
        "iiif_id": pages[0].iiif_id,
        "archive": node.archive.identifier,
        "node": node.pk,
        "series": node.parent.pk,
        "filed": "qp-11",
        "work": str(work),
    }


# ---------------------------------------------------------------- the hot paths
def _get(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    if response.streaming:  # a streamed response queries as it is read
        assert b"".join(response.streaming_content)
    return response


def _search_hydration(client, info) -> None:
    from readingroom.search import services

    page = services.search({"q": "treaty", "per_page": "20", "facets": "0"})
    assert len(page.results.hits) == 20 and len(page.documents) >= 15  # withdrawn ones drop out here


def _oai_second_page(client, info) -> None:
    body = _get(client, "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc").content.decode()
    token = re.search(r"<resumptionToken[^>]*>([^<]+)</resumptionToken>", body)
    # one page of 500 holds the whole test archive: a token only exists for bigger archives; the second
    # page's query is the first one's with ``id > after``, which the ListRecords scenario exercises
    if token:
        _get(client, f"/oai?verb=ListIdentifiers&resumptionToken={token[1]}")
    body = _get(client, "/oai?verb=ListRecords&metadataPrefix=oai_dc").content.decode()
    token = re.search(r"<resumptionToken[^>]*>([^<]+)</resumptionToken>", body)
    assert token, "ListRecords pages 100 records: the test archive has a second page"
    _get(client, f"/oai?verb=ListRecords&resumptionToken={token[1]}")


def _full_export(client, info) -> None:
    from readingroom.records.serialise import iter_records

    assert sum(1 for _ in iter_records()) > 200  # what ``readingroom export`` streams


def _url(path: str, status: int = 200) -> Callable:
    def run(client, info) -> None:
        _get(client, path.format(**info), status)

    return run


def _import_batch(client, info) -> None:
    """What an import reads for each batch: records it changes (published ones keep their state before it)
    and records it adds, indexed inline as it goes (what grows with every batch of a large import)."""
    from readingroom.ingest.pipeline import import_paths

    recs = records()
    changed = [dict(r, summary=f"{r['summary']} Corrected.") for r in recs[20:25]]
    new = [dict(r, id=f"qp-new-{i}") for i, r in enumerate(recs[30:35])]
    path = Path(info["work"]) / "batch.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in changed + new), encoding="utf-8")
    report = import_paths([path])
    assert (report.updated, report.imported) == (5, 5), report.as_dict()


def _apply_feed(client, info) -> None:
    """What the index writer reads to apply the change feed (the server's worker, four times a second)."""
    from readingroom.documents import services as documents
    from readingroom.search.indexing import process_queue

    documents.set_status("qp-40", "withdrawn", note="withdrawn for the plan test")
    assert process_queue() >= 1


def _publish_draft(client, info) -> None:
    """An editor publishing a draft: the change, its version (the record as published) and its feed row."""
    from readingroom.documents import services as documents

    documents.set_status(f"qp-{N_DOCUMENTS - 1}", "published", note="published for the plan test")


SCENARIOS: dict[str, Callable] = {
    "search hydration (service)": _search_hydration,
    "search (API, with facets)": _url("/api/search?q=treaty&per_page=20"),
    "search page": _url("/search?q=missile+embassy"),
    "search export (result set)": _url("/api/search/export?q=treaty&format=ris"),
    "document page": _url("/documents/{doc}"),
    "document page with a scan": _url("/documents/{scanned}"),
    "document API": _url("/api/documents/{doc}"),
    "browse by date": _url("/documents?sort=date&page=2&per_page=20"),
    "browse newest first": _url("/documents?sort=-date&page=2&per_page=20"),
    "browse by title": _url("/documents?sort=title&page=2&per_page=20"),
    "browse by title, reversed": _url("/documents?sort=-title&page=2&per_page=20"),
    "browse a year": _url("/documents?year=1962"),
    "browse a language": _url("/documents?language=ru&per_page=20"),
    "browse API": _url("/api/documents?sort=title&page=3&per_page=20"),
    "home": _url("/"),
    "OAI ListRecords (two pages)": _oai_second_page,
    "OAI ListIdentifiers": _url("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc"),
    "OAI ListIdentifiers from/until": _url(
        "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc&from=2000-01-01&until=2999-12-31"
    ),
    "OAI GetRecord": _url("/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:testserver:{doc}"),
    "sitemap index": _url("/sitemap.xml"),
    "sitemap page": _url("/sitemap-documents.xml?p=1"),
    "feed": _url("/feed.atom"),
    "IIIF manifest": _url("/iiif/presentation/{scanned}/manifest"),
    "IIIF manifest of a document without scans (404)": _url("/iiif/presentation/{doc}/manifest", 404),
    "a document that is not there (404)": _url("/documents/{doc}-not-there", 404),
    "IIIF image info (by image id)": _url("/iiif/image/{iiif_id}/info.json"),
    "full export (every record)": _full_export,
    # archives (readingroom/archives): authorities, the hierarchy, the chronology, a document's context
    "archives list": _url("/archives"),
    "archives API": _url("/api/archives"),
    "archive page": _url("/archives/{archive}"),
    "hierarchy level (series)": _url("/archives/{archive}/n/{series}"),
    "hierarchy level (file) API": _url("/api/levels/{node}"),
    "document context (breadcrumb, neighbours, links)": _url("/api/documents/{filed}/context"),
    "chronology week": _url("/chronology?span=week&date=1956-12-12"),
    "chronology month API, filtered": _url("/api/chronology?span=month&date=1956-12-01&language=ru"),
    "OAI ListRecords with dc:relation": _url(
        "/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:testserver:{filed}"
    ),
    # writes: what grows with the archive must not make each batch of an import, or each change the index
    # applies, read it (last: on PostgreSQL the scenarios run in turn on one archive)
    "import a batch (changed and new records)": _import_batch,
    "apply the search feed": _apply_feed,
    "publish a draft (its version and feed row)": _publish_draft,
}

#: scenario -> why it reads every (published) document; its statements may walk the whole table, but in
#: index order with no sort step (a stream, flat in memory)
FULL_READS = {
    "full export (every record)": "readingroom export streams every record in identifier order, by design",
}


# ---------------------------------------------------------------- capture and explain
def archive_tables() -> set[str]:
    """Tables that grow with the archive: documents, and every table whose rows belong to a document (or to
    a row of such a table: a page's OCR)."""
    from django.apps import apps

    from readingroom.documents.models import Document

    grows = {Document}
    for _ in range(2):
        for model in apps.get_models():
            if any(
                f.many_to_one or f.one_to_one
                for f in model._meta.concrete_fields
                if f.is_relation and f.related_model in grows
            ):
                grows.add(model)
    return {model._meta.db_table for model in grows}


def capture(scenario: str, client, info: dict) -> list[str]:
    """The SELECT statements the scenario ran against tables that grow with the archive."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tables = archive_tables()
    cache.clear()  # cold: what a first view costs (counts, citations)
    with CaptureQueriesContext(connection) as ctx:
        SCENARIOS[scenario](client, info)
    statements = []
    for query in ctx.captured_queries:
        sql = query["sql"]
        if re.match(r"\s*SELECT\b", sql, re.I) and any(re.search(rf'\b"?{t}"?\b', sql) for t in tables):
            statements.append(sql)
    assert statements, f"{scenario}: no statement read the archive (is the scenario still exercising it?)"
    return statements


def explain(sql: str):
    from django.db import connection, transaction

    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("EXPLAIN QUERY PLAN " + sql)
            return [row[3] for row in cur.fetchall()]
        with transaction.atomic():
            cur.execute("SET LOCAL enable_seqscan = off")
            cur.execute("EXPLAIN (FORMAT JSON) " + sql)
            plan = cur.fetchone()[0]
            return json.loads(plan) if isinstance(plan, str) else plan


_KEYWORDS = {"WHERE", "ON", "INNER", "LEFT", "OUTER", "JOIN", "ORDER", "GROUP", "LIMIT", "WITH", "AS", "USING"}


def aliases(sql: str) -> dict[str, str]:
    """Alias -> table for every table named after FROM/JOIN (plans name tables by alias: ``dl``, ``U0``)."""
    out = {}
    for table, alias in re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?(?:\s+(?:AS\s+)?"?(\w+)"?)?', sql, re.I):
        out[table] = table
        if alias and alias.upper() not in _KEYWORDS:
            out[alias] = table
    return out


def sqlite_problems(sql: str, plan: list[str], *, full_read: bool = False) -> list[str]:
    """What in an ``EXPLAIN QUERY PLAN`` reads the archive: see the module docstring."""
    from readingroom.documents.models import Document

    documents = Document._meta.db_table
    tables, names = archive_tables(), aliases(sql)
    sorts = any("TEMP B-TREE FOR ORDER BY" in d and "RIGHT PART" not in d for d in plan)
    ordered_walk = bool(re.search(r"\bORDER BY\b", sql, re.I) and re.search(r"\bLIMIT\b", sql, re.I)) and not sorts
    is_count = bool(re.match(r"\s*SELECT\s+COUNT\(\*\)", sql, re.I))
    problems = []
    for detail in plan:
        m = re.match(r"(SCAN|SEARCH) (\S+)(?: USING (.*))?$", detail)
        if not m or names.get(m[2], m[2]) not in tables:
            continue
        table, using = names.get(m[2], m[2]), m[3] or ""
        if "AUTOMATIC" in using:
            problems.append(f"builds a transient index over {table}: {detail}")
        elif full_read:
            if sorts and table == documents:
                problems.append(f"sorts the whole archive instead of streaming it in index order: {detail}")
        elif m[1] == "SCAN":
            if not ordered_walk:
                problems.append(f"reads all of {table}: {detail}")
        elif table == documents:
            constraint = re.search(r"\((.*)\)$", using)
            columns = set(re.findall(r"(\w+)\s*(?:=|>|<|IN\b)", constraint[1])) if constraint else set()
            if columns == {"status"} and not (ordered_walk or is_count):
                problems.append(
                    f"walks every document in a state (status alone), not the lookup's key: {detail}"
                    + (" and sorts them" if sorts else "")
                )
    return problems


def pg_problems(sql: str, plan) -> list[str]:
    tables, problems = archive_tables(), []

    def walk(node: dict) -> None:
        if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in tables:
            problems.append(
                f"Seq Scan on {node['Relation Name']} with enable_seqscan off: no index path"
                + (f" (filter {node['Filter']})" if node.get("Filter") else "")
            )
        for child in node.get("Plans", []):
            walk(child)

    for entry in plan:
        walk(entry["Plan"])
    return problems


def report(scenario: str, checked: list[tuple[str, object, list[str]]]) -> str:
    lines = [f"{scenario}: a hot query reads the archive"]
    for sql, plan, problems in checked:
        if problems:
            lines += [f"  SQL: {sql[:600]}", *(f"    - {p}" for p in problems)]
            lines += [
                f"    plan: {d}" for d in (plan if isinstance(plan, list) and plan and isinstance(plan[0], str) else [])
            ]
    return "\n".join(lines)


# ---------------------------------------------------------------- SQLite (in process)
def analyze_as_at_scale(factor: int = 10_000) -> None:
    """``ANALYZE``, then every table's statistics multiplied by ``factor`` (row counts, and rows per key
    where a key has more than one): what ``PRAGMA optimize`` would record on a large archive."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")
        cur.execute("SELECT name FROM sqlite_schema WHERE name = 'sqlite_stat4'")
        if cur.fetchone():
            cur.execute("DELETE FROM sqlite_stat4")
        cur.execute("SELECT rowid, stat FROM sqlite_stat1")
        for rowid, stat in cur.fetchall():
            words = stat.split()
            numbers = [w for w in words if w.isdigit()]
            scaled = [str(int(numbers[0]) * factor)] + [str(int(n) * factor if int(n) > 1 else 1) for n in numbers[1:]]
            cur.execute(
                "UPDATE sqlite_stat1 SET stat = %s WHERE rowid = %s", [" ".join(scaled + words[len(numbers) :]), rowid]
            )
        cur.execute("ANALYZE sqlite_schema")  # the planner reloads the statistics


@pytest.fixture
def archive(db, tmp_path, monkeypatch):
    # The test decides the statistics (none, or those of a large archive): the import's own ANALYZE of this
    # small archive is left out (once loaded, a connection keeps statistics even when they are deleted).
    monkeypatch.setattr("readingroom.ingest.pipeline.refresh_statistics", lambda: None)
    return build_archive(tmp_path / "archive")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "scenario, statistics",
    [pytest.param(name, stats, id=f"{name}-{stats}") for name in SCENARIOS for stats in ("no-statistics", "analyzed")],
)
def test_sqlite_plans_never_read_the_archive(scenario, statistics, archive, client):
    from django.db import connection

    assert connection.vendor == "sqlite"
    if statistics == "analyzed":
        analyze_as_at_scale()
    checked = []
    for sql in capture(scenario, client, archive):
        plan = explain(sql)
        checked.append((sql, plan, sqlite_problems(sql, plan, full_read=scenario in FULL_READS)))
    assert not any(p for _, _, p in checked), report(scenario, checked)


@pytest.mark.django_db
def test_the_check_catches_hydration_walking_the_state_index(archive):
    """The check itself: the hydration query as it was (``AND status = ...`` in SQL) is reported, the same
    lookup by identifier alone is not."""
    from django.db import connection

    ids = ", ".join(f"'qp-{i}'" for i in range(10, 30))
    before = (
        f"SELECT identifier, id, title FROM documents_document WHERE identifier IN ({ids}) AND status = 'published'"  # noqa: S608, E501 - test constants
    )
    after = f"SELECT identifier, id, title, status FROM documents_document WHERE identifier IN ({ids})"  # noqa: S608, E501 - test constants
    assert connection.vendor == "sqlite"
    problems = sqlite_problems(before, explain(before))
    assert problems and "status alone" in problems[0], problems
    assert sqlite_problems(after, explain(after)) == []


# ---------------------------------------------------------------- PostgreSQL (a subprocess, real settings)
@pytest.fixture(scope="module")
def pg_plans(tmp_path_factory):
    import uuid

    base = os.environ.get("READINGROOM_TEST_POSTGRES_URL")
    from tests.conftest import need

    need(bool(base), "no PostgreSQL server (set READINGROOM_TEST_POSTGRES_URL; make test starts one)")
    import psycopg

    name = f"rr_plans_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    work = tmp_path_factory.mktemp("pg-plans")
    env = {
        **os.environ,
        "READINGROOM_DATABASE_URL": base.rsplit("/", 1)[0] + f"/{name}",
        "READINGROOM_DATA_DIR": str(work / "data"),
        "DJANGO_SETTINGS_MODULE": "readingroom.settings",
    }
    try:
        result = subprocess.run(
            [sys.executable, __file__, str(work / "plans.json")],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert result.returncode == 0, result.stderr[-4000:]
        yield json.loads((work / "plans.json").read_text())
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_postgres_plans_have_an_index_path(scenario, pg_plans):
    checked = [(s["sql"], s["plan"], pg_problems(s["sql"], s["plan"])) for s in pg_plans[scenario]]
    assert checked
    assert not any(p for _, _, p in checked), report(scenario, checked)


def _collect_postgres(out: Path) -> None:
    """(Run as a script by ``pg_plans``.) Build the archive in the database of READINGROOM_DATABASE_URL,
    run every scenario, write each statement's plan."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    assert connection.vendor == "postgresql"
    call_command("migrate", verbosity=0)
    info = build_archive(out.parent / "archive")
    client = Client()
    plans = {name: [{"sql": sql, "plan": explain(sql)} for sql in capture(name, client, info)] for name in SCENARIOS}
    out.write_text(json.dumps(plans))


if __name__ == "__main__":
    _collect_postgres(Path(sys.argv[1]))
