"""The change feed (issue 15): indexes follow it from their own position, on one PostgreSQL database with
several nodes, each with its own embedded index. Real PostgreSQL, real ``readingroom serve`` processes,
real SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import psycopg
import pytest

from tests.conftest import CLI, Served

WITHIN = 2.0


def record(ident: str, title: str) -> dict:
    return {
        "id": ident,
        "title": title,
        "date": "1963-07-22",
        "original_languages": ["en"],
        "archival_reference": {"repository": "Test Archive"},
        "transcripts": [{"language": "en", "text": f"{title}. The embassy reports."}],
    }


def jsonl(path, records) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


def ids(base: str, q: str) -> set[str]:
    url = f"{base}/api/search?" + urllib.parse.urlencode({"q": q, "per_page": 100, "facets": 0})
    with urllib.request.urlopen(url, timeout=10) as r:
        return {d["id"] for d in json.loads(r.read())["results"]}


def cli_ids(cli: CLI, q: str) -> set[str]:
    out = json.loads(cli("search", q, "--format", "json", "--limit", "100").stdout)
    return {d["id"] for d in out["results"]}


def eventually(check, within: float) -> float:
    t0 = time.monotonic()
    while not check():
        if time.monotonic() - t0 > within:
            pytest.fail(f"not within {within} s")
        time.sleep(0.05)
    return time.monotonic() - t0


def test_a_transaction_that_commits_late_is_never_passed(tmp_path, postgres_url):
    """T1 writes a change and its feed row first but commits last; T2 commits in between and is applied.
    A feed read by increasing row id would have moved past T1's row; ours waits for it."""
    cli = CLI(
        tmp_path / "node", env={"READINGROOM_DATABASE_URL": postgres_url, "READINGROOM_SEARCH_BACKEND": "tantivy"}
    )
    cli("import", jsonl(tmp_path / "r.jsonl", [record("feed-a", "Alpha telegram"), record("feed-b", "Beta telegram")]))
    assert cli_ids(cli, "telegram") == {"feed-a", "feed-b"}

    def change(conn, ident: str, title: str) -> None:
        conn.execute("UPDATE documents_document SET title = %s WHERE identifier = %s", [title, ident])
        conn.execute(
            "INSERT INTO search_indexqueue (identifier, action, created_at) VALUES (%s, 'index', now())", [ident]
        )

    with psycopg.connect(postgres_url) as t1, psycopg.connect(postgres_url) as t2:
        change(t1, "feed-a", "Alpha zucchini")  # first, so its row has the lower id
        change(t2, "feed-b", "Beta zucchini")
        t2.commit()
        cli("worker", "--once")  # applies the feed: T2 only (T1 is still running)
        assert cli_ids(cli, "zucchini") == {"feed-b"}
        t1.commit()
    cli("worker", "--once")
    assert cli_ids(cli, "zucchini") == {"feed-a", "feed-b"}
    rows = psycopg.connect(postgres_url).execute("SELECT count(*) FROM search_indexqueue").fetchone()[0]
    assert rows == 0  # pruned once the only node has applied them


@pytest.mark.serial  # times a bound (searchable on the other node within 2 s): runs alone (scripts/run-tests.sh)
def test_two_nodes_with_their_own_indexes_follow_one_database(tmp_path, postgres_url):
    env = {"READINGROOM_DATABASE_URL": postgres_url, "READINGROOM_SEARCH_BACKEND": "tantivy"}
    a, b = CLI(tmp_path / "node-a", env=env), CLI(tmp_path / "node-b", env=env)
    a("import", jsonl(tmp_path / "first.jsonl", [record("n-1", "Apricot memorandum")]))
    node_a, node_b = Served(a), Served(b)  # node b starts empty and builds its index from PostgreSQL
    try:
        assert ids(node_b.base, "apricot") == {"n-1"}
        # a write through node a is searchable on node b within the bound (and the reverse)
        a("import", jsonl(tmp_path / "second.jsonl", [record("n-2", "Blueberry memorandum")]))
        lag = eventually(lambda: ids(node_b.base, "blueberry") == {"n-2"}, WITHIN)
        b("withdraw", "n-1", "--note", "Duplicate.")
        eventually(lambda: ids(node_a.base, "apricot") == set(), WITHIN)
        b("publish", "n-1")
        eventually(lambda: ids(node_a.base, "apricot") == {"n-1"}, WITHIN)

        # node b killed (-9, server and worker) while node a imports; restarted, it catches up
        many = [record(f"bulk-{i}", f"Cranberry report {i}") for i in range(600)]
        importer = subprocess.Popen(
            [sys.executable, "-m", "readingroom.cli", "import", jsonl(tmp_path / "bulk.jsonl", many)],
            env=a.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(0.5)
        for pid in _tree(node_b.proc.pid):  # gunicorn master, its workers and the job worker (the index owner)
            os.kill(int(pid), signal.SIGKILL)
        node_b.proc.wait(timeout=30)
        assert importer.wait(timeout=300) == 0, importer.stderr.read()
        node_b = Served(b)
        eventually(lambda: ids(node_b.base, "cranberry") == ids(node_a.base, "cranberry"), 30)
        assert len(ids(node_a.base, "cranberry")) == 100  # per_page: the first page of 600

        def total(base: str) -> int:
            return json.loads(urllib.request.urlopen(f"{base}/api/search?q=cranberry&facets=0").read())["total"]

        eventually(lambda: total(node_b.base) == total(node_a.base) == 600, 30)
    finally:
        node_a.stop()
        node_b.stop()
    print(f"feed lag node a -> node b: {lag:.2f} s")


def _tree(pid: int) -> list[str]:
    """``pid`` and every process below it."""
    out = [str(pid)]
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    for child in children:
        out += _tree(int(child))
    return out


def test_a_rebuild_after_the_feed_was_pruned_keeps_its_place(tmp_path):
    """SQLite: once the applied rows are pruned the table is empty, but the position must stay at the newest
    id ever given (else a rebuild starts at 0, below what was pruned, and rebuilds again forever)."""
    cli = CLI(tmp_path / "data")
    cli("import", jsonl(tmp_path / "r.jsonl", [record(f"p-{i}", f"Pomegranate note {i}") for i in range(3)]))
    cursor = tmp_path / "data" / "search" / "tantivy" / "readingroom-feed.json"
    assert json.loads(cursor.read_text())["position"] == 3
    cli("reindex")
    assert json.loads(cursor.read_text())["position"] == 3
    before = cursor.stat().st_mtime_ns
    cli("worker", "--once")  # nothing to apply: no rebuild, the position is not even rewritten
    assert cursor.stat().st_mtime_ns == before
    assert cli_ids(cli, "pomegranate") == {"p-0", "p-1", "p-2"}


FAST_LANE = r"""
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "readingroom.settings"
import django
django.setup()
from readingroom.documents.models import Document
from readingroom.search import feed, indexing
from readingroom.search.backends import get_backend
from readingroom.search.models import IndexQueue
from readingroom.search import services

calls = []
original = indexing._index_ids

def index_ids(backend, ids, between=None):
    calls.append(list(ids))
    original(backend, ids, between)
    if len(calls) == 1:  # an editor's change, committed while the round is at its first chunk
        Document.objects.filter(identifier="long-0").update(title="Zucchini report")
        IndexQueue.objects.create(identifier="long-0", action="index")

indexing._index_ids = index_ids
indexing.FAST_LANE = 5
indexing.process_queue(chunk=10)
backend = get_backend()
indexing.process_queue(chunk=10)  # a second round: what is left after the first one's horizon
print(json.dumps({
    "calls": calls,
    "zucchini": [d["id"] for d in services.search({"q": "zucchini"}).documents],
    "all": services.search({"q": "long", "per_page": 100}).total,
    "pending": feed.pending(feed.read_state(backend).position),
}))
"""


def _long_round(tmp_path, database: str, request, documents: int, script: str) -> dict:
    """A node whose index follows the feed, ``documents`` stored but not yet indexed (a long round ahead),
    then ``script`` run in a process of that node; returns what it printed last (JSON)."""
    env = {"READINGROOM_SEARCH_BACKEND": "tantivy"}
    if database == "postgres":
        env["READINGROOM_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    cli = CLI(tmp_path / "node", env=env)
    cli("import", jsonl(tmp_path / "first.jsonl", [record("first", "First telegram")]))  # an index that follows
    rows = [record(f"long-{i}", f"Long report {i}") for i in range(documents)]
    cli("import", "--no-index", jsonl(tmp_path / "r.jsonl", rows))
    done = subprocess.run([sys.executable, "-c", script], env=cli.env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


MID_CHUNK = r"""
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "readingroom.settings"
import django
django.setup()
from readingroom.documents.models import Document
from readingroom.search import feed, indexing, services
from readingroom.search.backends import get_backend
from readingroom.search.models import IndexQueue

looks = []
original = indexing._fast_lane

def fast_lane(*args):
    if not looks:  # an editor's change, committed after the chunk read its documents, before it indexed long-5
        Document.objects.filter(identifier="long-5").update(title="Zucchini report")
        IndexQueue.objects.create(identifier="long-5", action="index")
    applied = original(*args)
    looks.append(applied)
    return applied

indexing._fast_lane = fast_lane
indexing.FAST_LANE_STEP, indexing.FAST_LANE_EVERY = 3, 0.0  # look between every 3 documents
indexing.process_queue(chunk=10)
indexing.process_queue(chunk=10)
print(json.dumps({
    "looks": looks,
    "zucchini": [d["id"] for d in services.search({"q": "zucchini"}).documents],
    "all": services.search({"q": "long", "per_page": 100}).total,
    "pending": feed.pending(feed.read_state(get_backend()).position),
}))
"""


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_the_fast_lane_within_a_chunk_is_not_overwritten_by_the_chunk(tmp_path, database, request):
    """Within a chunk of a long round (its documents read at once, indexed a few at a time), the fast lane
    applies a change committed after the chunk read the document; the chunk does not then index its older
    copy over it."""
    out = _long_round(tmp_path, database, request, 30, MID_CHUNK)
    assert out["looks"][0] == ["long-5"]  # applied after the chunk's first 3 documents
    assert out["zucchini"] == ["long-5"]  # and not overwritten by the chunk's copy read before the change
    assert out["all"] == 30 and out["pending"] == 0


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_a_change_made_during_a_long_round_is_applied_before_the_round_reaches_it(tmp_path, database, request):
    """Behind an import's thousands of rows, an editor's change is applied at the next chunk boundary (the
    fast lane), not when the round gets to it; every row is still applied."""
    out = _long_round(tmp_path, database, request, 60, FAST_LANE)
    first, fast = out["calls"][0], out["calls"][1]
    assert len(first) == 10 and "long-0" in first  # the round's first chunk, in commit order
    assert "long-0" in fast and "long-10" not in fast  # then the newest rows, before the round's second chunk
    assert out["zucchini"] == ["long-0"] and out["all"] == 60 and out["pending"] == 0
    # the round goes on where it was: with the first of the rows its first chunk did not hold (on PostgreSQL that
    # chunk may begin with rows applied before, the horizon being the whole cluster's: a transaction open in any
    # database, another test's included, holds it back, and rows at or past it are read again)
    rest = [f"long-{i}" for i in range(60) if f"long-{i}" not in first]
    assert out["calls"][2][0] == rest[0], out["calls"]
    applied = [i for call in out["calls"] for i in call]
    assert set(applied) - {"first"} == {f"long-{i}" for i in range(60)}  # ("first": read again, as above)


USABLE = r"""
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "readingroom.settings"
import django
django.setup()
from readingroom.search import feed
from readingroom.search.backends import get_backend
state = feed.read_state(get_backend())
print(json.dumps({"usable": feed.usable(state), "signature": state.signature if state else None}))
"""


def _search(cli: CLI, q: str) -> dict:
    return json.loads(cli("search", q, "--format", "json").stdout)


def test_a_data_directory_that_moves_keeps_its_index(tmp_path):
    """The index records which archive it follows by the archive's identity, not by where its database is (the
    SQLite file's path): a data directory moved elsewhere is followed on, not rebuilt."""
    data = tmp_path / "data"
    CLI(data)("import", jsonl(tmp_path / "a.jsonl", [record(f"a-{i}", f"Quince report {i}") for i in range(5)]))
    data.rename(tmp_path / "moved")
    moved = CLI(tmp_path / "moved")
    done = subprocess.run([sys.executable, "-c", USABLE], env=moved.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["usable"] is True and out["signature"].startswith("archive:")
    assert {h["id"] for h in _search(moved, "quince")["results"]} == {f"a-{i}" for i in range(5)}


def test_an_index_from_another_archive_at_the_same_address_is_rebuilt(tmp_path, postgres_url):
    """Issue 15: a node whose index is from another archive is rebuilt, never followed. The index once recorded
    the database's address: a database dropped and made again under the same name (in the same PostgreSQL, whose
    transaction ids go on) holds another archive, and a node followed it from its old position, its old
    documents still in its index (counted in totals and facets). The archive's identity, made with its
    database, tells them apart."""
    env = {"READINGROOM_DATABASE_URL": postgres_url, "READINGROOM_SEARCH_BACKEND": "tantivy"}
    node = CLI(tmp_path / "node", env=env)
    node("import", jsonl(tmp_path / "a.jsonl", [record(f"a-{i}", f"Quince report {i}") for i in range(5)]))
    assert _search(node, "quince")["total"] == 5
    base, name = postgres_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    node("import", jsonl(tmp_path / "b.jsonl", [record(f"b-{i}", f"Walnut report {i}") for i in range(3)]))
    assert {h["id"] for h in _search(node, "walnut")["results"]} == {"b-0", "b-1", "b-2"}
    assert _search(node, "quince")["total"] == 0


LEGACY = r"""
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "readingroom.settings"
import django
django.setup()
from readingroom.search import feed, indexing
from readingroom.search.backends import get_backend
backend = get_backend()
state = feed.read_state(backend)
feed.write_state(backend, state.position)
path = feed._file(backend)
path.write_text(json.dumps({"position": state.position, "signature": feed.legacy_signature()}))
out = {"legacy_usable": feed.usable(feed.read_state(backend))}
out["reindexed"] = indexing.process_queue(backend)
print(json.dumps(out))
"""


def test_an_index_written_before_the_archive_had_an_identity_is_followed_on(tmp_path):
    """Upgrading does not rebuild every index: one that recorded this database's address is this archive's."""
    cli = CLI(tmp_path / "data")
    cli("import", jsonl(tmp_path / "a.jsonl", [record(f"a-{i}", f"Quince report {i}") for i in range(3)]))
    done = subprocess.run([sys.executable, "-c", LEGACY], env=cli.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["legacy_usable"] is True and out["reindexed"] == 0
    cli("import", jsonl(tmp_path / "b.jsonl", [record("a-3", "Quince report 3")]))
    assert _search(cli, "quince")["total"] == 4
