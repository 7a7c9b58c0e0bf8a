"""A cluster on one machine (issue 15): a PostgreSQL primary and a streaming replica made with pg_basebackup,
started here on free ports, and two ``readingroom serve`` nodes, each with its own data directory and its own
embedded (tantivy) index following the change feed, both reading from the replica what may lag.

Real PostgreSQL processes, real HTTP, real SIGKILL. Nothing is mocked."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
import pytest

from tests.conftest import CLI, Served, free_port, need

# Times a bound (a write on one node seen on the other within 2 s):
# runs alone, after the parallel part of the suite (scripts/run-tests.sh).
pytestmark = pytest.mark.serial

PGBIN = Path("/usr/lib/postgresql/15/bin")
WITHIN = 2.0
REPLICA_APP = "readingroom replica read"


# -- PostgreSQL clusters ------------------------------------------------------------------------------------
def _as_postgres(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _pg(argv: list[str], timeout: float = 60) -> None:
    done = subprocess.run(_as_postgres(argv), capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")


class Postgres:
    """One PostgreSQL cluster in ``directory`` on a free port of 127.0.0.1."""

    def __init__(self, directory: Path, port: int) -> None:
        self.directory, self.port = directory, port
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.directory.parent} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c wal_level=replica -c max_wal_senders=5 "
            "-c hot_standby=on -c max_connections=60"
        )
        _pg(
            [
                str(PGBIN / "pg_ctl"),
                "-D",
                str(self.directory),
                "-l",
                f"{self.directory}.log",
                "-o",
                options,
                "-w",
                "start",
            ]
        )

    def stop(self) -> None:
        if (self.directory / "postmaster.pid").exists():
            _pg([str(PGBIN / "pg_ctl"), "-D", str(self.directory), "-m", "immediate", "-w", "stop"])

    def query(self, sql: str, params=None, database: str = "postgres"):
        with psycopg.connect(self.url.rsplit("/", 1)[0] + f"/{database}", autocommit=True, connect_timeout=5) as conn:
            cur = conn.execute(sql, params)
            return cur.fetchall() if cur.description else []


@pytest.fixture(scope="module")
def clusters():
    """A primary and a streaming replica of it (pg_basebackup -R), in a directory the postgres user owns."""
    need(
        (PGBIN / "initdb").exists() and shutil.which("runuser") is not None,
        "PostgreSQL 15 server binaries are not installed (scripts/install-system-deps.sh --test)",
    )
    root = Path(tempfile.mkdtemp(prefix="rr-cluster-"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    primary = Postgres(root / "primary", free_port())
    replica = Postgres(root / "replica", free_port())
    try:
        _pg(
            [
                str(PGBIN / "initdb"),
                "-D",
                str(primary.directory),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        )
        primary.start()
        _pg(
            [
                str(PGBIN / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(primary.port),
                "-U",
                "postgres",
                "-D",
                str(replica.directory),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ]
        )
        replica.start()
        assert replica.query("SELECT pg_is_in_recovery()")[0][0] is True
        yield primary, replica
    finally:
        replica.stop()
        primary.stop()
        shutil.rmtree(root, ignore_errors=True)


# -- helpers ------------------------------------------------------------------------------------------------
def record(ident: str, title: str) -> dict:
    return {
        "id": ident,
        "title": title,
        "date": "1963-07-22",
        "original_languages": ["en"],
        "archival_reference": {"repository": "Test Archive"},
        "transcripts": [{"language": "en", "text": f"{title}. The embassy reports."}],
    }


def jsonl(path: Path, records: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


def get(base: str, path: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(base + path, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def search(base: str, q: str) -> tuple[int, set[str]]:
    status, body = get(base, "/api/search?" + urllib.parse.urlencode({"q": q, "per_page": 100, "facets": 0}))
    assert status == 200, status
    return body["total"], {d["id"] for d in body["results"]}


def eventually(check, within: float, what: str) -> float:
    t0 = time.monotonic()
    while not check():
        if time.monotonic() - t0 > within:
            pytest.fail(f"{what}: not within {within} s")
        time.sleep(0.05)
    return time.monotonic() - t0


def tree(pid: int) -> list[int]:
    out = [pid]
    for child in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split():
        out += tree(int(child))
    return out


def scan_png(path: Path, text: str) -> str:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1200, 260), 255)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 56)
    ImageDraw.Draw(image).text((40, 90), text, font=font, fill=0)
    image.save(path)
    return str(path)


ROUTES = r"""
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "readingroom.settings"
import django
django.setup()
from django.db import connection, connections
from django.test import RequestFactory
from readingroom.documents.models import Document
from readingroom.accounts.acting import current_request

rf = RequestFactory()
out = {}

def during(request, steps):
    token = current_request.set(request) if request is not None else None
    try:
        return steps()
    finally:
        if token is not None:
            current_request.reset(token)

def where():
    qs = Document.objects.all()
    alias = qs.db
    qs.count()  # really read it
    with connections[alias].cursor() as cur:
        cur.execute("SELECT pg_is_in_recovery()")
        return alias, cur.fetchone()[0]

out["command line"] = during(None, where)
out["anonymous GET"] = during(rf.get("/api/documents"), where)
out["anonymous HEAD"] = during(rf.head("/documents"), where)
editor = rf.get("/api/documents")
editor.COOKIES["sessionid"] = "an-editor"
out["signed-in editor"] = during(editor, where)
out["POST"] = during(rf.post("/admin/login/"), where)

def wrote():
    before = where()
    Document.objects.filter(identifier="no-such-document").update(title="x")
    return [before, where()]
out["a request that wrote"] = during(rf.get("/x"), wrote)

def read_primary():
    before = where()
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return [before, where()]
out["a request that read the primary"] = during(rf.get("/x"), read_primary)
out["again, anonymous GET"] = during(rf.get("/api/documents"), where)
print(json.dumps(out))
"""


def routes(cli: CLI) -> dict:
    done = subprocess.run([sys.executable, "-c", ROUTES], env=cli.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return {
        k: (tuple(v) if isinstance(v[0], str) else [tuple(x) for x in v])
        for k, v in json.loads(done.stdout.strip().splitlines()[-1]).items()
    }, done.stderr


# -- the tests ----------------------------------------------------------------------------------------------
def test_reads_that_may_lag_go_to_the_replica_and_nothing_else(clusters, tmp_path):
    primary, replica = clusters
    env = {"READINGROOM_DATABASE_URL": primary.url, "READINGROOM_REPLICA_URLS": replica.url}
    cli = CLI(tmp_path / "node", env=env)
    cli("import", jsonl(tmp_path / "r.jsonl", [record("route-1", "Routing telegram")]))  # migrates the primary
    found, log = routes(cli)
    assert found["command line"] == ("default", False)
    assert found["anonymous GET"] == ("replica1", True)  # really the replica (in recovery)
    assert found["anonymous HEAD"] == ("replica1", True)
    assert found["signed-in editor"] == ("default", False)
    assert found["POST"] == ("default", False)
    assert found["a request that wrote"] == [("replica1", True), ("default", False)]
    assert found["a request that read the primary"] == [("replica1", True), ("default", False)]
    assert found["again, anonymous GET"] == ("replica1", True)
    assert "Traceback" not in log

    # a replica that refuses connections is skipped with a warning; reads come from the primary
    refused = f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"
    t0 = time.monotonic()
    found, log = routes(CLI(tmp_path / "node", env={**env, "READINGROOM_REPLICA_URLS": refused}))
    assert time.monotonic() - t0 < 30
    assert found["anonymous GET"] == ("replica1", False)  # its connection fell back to the primary
    assert found["again, anonymous GET"] == ("default", False)  # and it is skipped for a while
    assert "replica replica1 (127.0.0.1:" in log and "is not answering" in log and "Traceback" not in log

    # a "replica" that is another cluster is never read (no silent wrong results)
    other = os.environ.get("READINGROOM_TEST_POSTGRES_URL")
    if other:
        found, log = routes(CLI(tmp_path / "node", env={**env, "READINGROOM_REPLICA_URLS": other}))
        assert found["anonymous GET"] == ("replica1", False) and found["again, anonymous GET"] == ("default", False)
        assert "is not a replica of the primary" in log

    # wrong URLs: a clear message, no traceback
    for variable, value in [
        ("READINGROOM_REPLICA_URLS", "mysql://db.example/archive"),
        ("READINGROOM_DATABASE_URL", "postgresq://postgres@127.0.0.1/x"),
        ("READINGROOM_REPLICA_URLS", "postgresql://postgres@127.0.0.1:notaport/x"),
    ]:
        bad = CLI(tmp_path / "node", env={**env, variable: value})("show", "route-1", check=False)
        assert bad.returncode != 0
        assert bad.stderr.startswith(f"error: {variable}: ") and "Traceback" not in bad.stderr, bad.stderr


def test_two_nodes_a_primary_and_a_replica(clusters, tmp_path):
    primary, replica = clusters
    need(shutil.which("tesseract") is not None, "tesseract is not installed (scripts/install-system-deps.sh)")
    primary.query("CREATE DATABASE nodes")  # an archive of its own (on the replica too, by streaming)
    db = lambda sql, params=None: primary.query(sql, params, database="nodes")  # noqa: E731
    refused = f"postgresql://postgres@127.0.0.1:{free_port()}/nodes"
    replica_url = replica.url.rsplit("/", 1)[0] + "/nodes"
    env = {
        "READINGROOM_DATABASE_URL": primary.url.rsplit("/", 1)[0] + "/nodes",
        "READINGROOM_SEARCH_BACKEND": "tantivy",
        "OMP_THREAD_LIMIT": "1",
    }
    one = CLI(tmp_path / "node-1", env={**env, "READINGROOM_REPLICA_URLS": replica_url})
    # node 2 also lists a replica that refuses connections: skipped, with a warning
    two = CLI(tmp_path / "node-2", env={**env, "READINGROOM_REPLICA_URLS": f"{replica_url},{refused}"})
    # what is shared between nodes besides the database: the stored files (a network file system mounted at
    # <data dir>/files on every node; here a symbolic link) and the secret key (docs/deploy.md)
    (tmp_path / "shared-files").mkdir()
    for node in ("node-1", "node-2"):
        (tmp_path / node).mkdir()
        (tmp_path / node / "files").symlink_to(tmp_path / "shared-files")
    one.env["READINGROOM_SECRET_KEY"] = two.env["READINGROOM_SECRET_KEY"] = "cluster-test-" + "k" * 40
    one("import", jsonl(tmp_path / "first.jsonl", [record("c-1", "Apricot memorandum"), record("c-2", "Quince cable")]))
    node1, node2 = Served(one, workers=2), Served(two, workers=2)  # node 2 builds its own index from the feed
    try:
        # imported on node 1, found on node 2 (its index, and the documents read from the replica)
        eventually(lambda: search(node2.base, "apricot")[1] == {"c-1"}, WITHIN, "node 2 finds node 1's import")
        assert get(node2.base, "/api/documents/c-2")[1]["title"] == "Quince cable"
        one("import", jsonl(tmp_path / "second.jsonl", [record("c-3", "Blueberry memorandum")]))
        lag = eventually(lambda: search(node2.base, "blueberry")[1] == {"c-3"}, WITHIN, "a later import on node 2")
        served_by_replica = replica.query(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND datname = 'nodes'", [REPLICA_APP]
        )[0][0]
        assert served_by_replica >= 1  # the web workers of the nodes read from the replica

        # published and withdrawn on node 2, seen on node 1 within 2 s (search, and the document read from the replica)
        two("withdraw", "c-1", "--note", "Duplicate.")
        eventually(
            lambda: search(node1.base, "apricot")[1] == set() and get(node1.base, "/api/documents/c-1")[0] == 410,
            WITHIN,
            "a withdrawal on node 2 seen on node 1",
        )
        two("publish", "c-1")
        eventually(
            lambda: search(node1.base, "apricot")[1] == {"c-1"} and get(node1.base, "/api/documents/c-1")[0] == 200,
            WITHIN,
            "a publication on node 2 seen on node 1",
        )

        # OCR jobs attached on node 1 run exactly once, with the job workers of both nodes claiming them
        pages = [scan_png(tmp_path / f"p{i}.png", f"Tamarind page {i}") for i in range(8)]
        one("attach", "c-2", *pages, "--language", "en")
        eventually(
            lambda: db("SELECT count(*) FROM scans_job WHERE kind = 'ocr' AND state = 'done'")[0][0] == 8,
            90,
            "OCR of 8 pages",
        )
        jobs = db("SELECT attempts, worker FROM scans_job WHERE kind = 'ocr'")
        assert len(jobs) == 8 and all(attempts == 1 for attempts, _ in jobs), jobs
        assert db("SELECT count(*) FROM history_auditevent WHERE action = 'ocr.page'")[0][0] == 8
        assert db("SELECT count(*) FROM scans_ocrtext")[0][0] == 8
        workers = {w for _, w in jobs}
        eventually(lambda: search(node2.base, "tamarind")[1] == {"c-2"}, 5, "recognised text searchable on node 2")

        # node 2 killed (-9: gunicorn, its workers, the job worker owning its index) during an import on node 1
        many = [record(f"bulk-{i}", f"Cranberry report {i}") for i in range(400)]
        importer = subprocess.Popen(
            [sys.executable, "-m", "readingroom.cli", "import", jsonl(tmp_path / "bulk.jsonl", many)],
            env=one.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(0.7)
        for pid in tree(node2.proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        node2.proc.wait(timeout=30)
        assert importer.wait(timeout=300) == 0, importer.stderr.read()
        node2 = Served(two, workers=2)
        eventually(lambda: search(node2.base, "cranberry") == search(node1.base, "cranberry"), 30, "node 2 catches up")
        assert search(node1.base, "cranberry")[0] == 400

        # the replica stops: reads still answer, from the primary
        replica.stop()
        for node in (node1, node2):
            for _ in range(3):
                assert search(node.base, "blueberry")[1] == {"c-3"}
                status, doc = get(node.base, "/api/documents/c-3")
                assert status == 200 and doc["title"] == "Blueberry memorandum"
                status, listing = get(node.base, "/api/documents?per_page=5")
                assert status == 200 and listing["results"]
    finally:
        node1.stop()
        node2.stop()
    errors = node2.stop()  # what it wrote to stderr (it was stopped above)
    assert "Traceback" not in errors, errors
    assert "is not answering" in errors  # the refused replica (and the stopped one) were skipped with a warning
    print(f"feed lag node 1 -> node 2: {lag:.2f} s; OCR jobs claimed by {len(workers)} workers: {sorted(workers)}")


# -- PostgreSQL full text with RUM (issue 15) -------------------------------------------------------------------
RUM = r"""
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "readingroom.settings"
import django
django.setup()
from django.db import connection
from readingroom.search.backends import get_backend
from readingroom.search.backends import postgres
from readingroom.search.backends.base import SearchRequest
from readingroom.search.query import parse

backend = get_backend()
backend._ensure()
out = {"rum": backend.rum}

def ids(q, **kw):
    r = backend.search(SearchRequest(query=parse(q), limit=100, **kw))
    return r.total, [h.id for h in r.hits]

def plan(sql, params):
    with connection.cursor() as cur:
        cur.execute("SET enable_seqscan = off")
        cur.execute("EXPLAIN " + sql, params)
        text = "\n".join(r[0] for r in cur.fetchall())
        cur.execute("RESET enable_seqscan")
        return text

for limit in (10**9, 5):  # exact ts_rank order, then RUM's index order (more matches than the limit)
    postgres.EXACT_RANK_UP_TO = limit
    queries = ["embassy", '"embassy reports"', '"reports embassy"', "embas*", "walnut -embassy", "walnut"]
    out[str(limit)] = {q: ids(q) for q in queries}
    out[str(limit)]["page2"] = ids("embassy", offset=30)
q = "plainto_tsquery('rr_simple', 'embassy')"
rum = postgres.RUM_EXPR
out["ordered"] = plan(f"SELECT id FROM rr_search WHERE {rum} @@ {q} ORDER BY {rum} <=> {q} LIMIT 20", [])
phrase = "phraseto_tsquery('rr_simple', 'embassy reports')"
out["phrase"] = plan(f"SELECT count(*) FROM rr_search WHERE {rum} @@ {phrase}", [])
print(json.dumps(out))
"""


def test_rum_orders_by_rank_and_answers_phrases_from_the_index(tmp_path, postgres_url):
    cli = CLI(tmp_path / "pg", env={"READINGROOM_DATABASE_URL": postgres_url, "READINGROOM_SEARCH_BACKEND": "postgres"})
    records = [record(f"rum-{i}", f"Walnut {i}" if i % 10 == 0 else f"Report {i}") for i in range(60)]
    records[7]["title"] = "Embassy embassy report"  # the best match for "embassy" (title and body)
    cli("import", jsonl(tmp_path / "r.jsonl", records))
    done = subprocess.run([sys.executable, "-c", RUM], env=cli.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    need(
        out["rum"],
        "the rum extension is not installed (scripts/install-system-deps.sh --test installs postgresql-15-rum)",
    )
    exact, rum = out[str(10**9)], out["5"]
    for q in ["embassy", '"embassy reports"', '"reports embassy"', "embas*", "walnut -embassy", "walnut"]:
        assert exact[q][0] == rum[q][0] and sorted(exact[q][1]) == sorted(rum[q][1]), q  # the same matches
    assert exact["embassy"][0] == 60 and exact['"embassy reports"'][0] == 60 and exact['"reports embassy"'][0] == 0
    assert exact["walnut -embassy"][0] == 0 and exact["walnut"][0] == 6
    assert rum["embassy"][1][0] == exact["embassy"][1][0] == "rum-7"  # rank order from the index: best first
    assert len(rum["page2"][1]) == 30 and not set(rum["page2"][1]) & set(rum["embassy"][1][:30])
    assert "Index Scan using rr_search_rum" in out["ordered"] and "Order By" in out["ordered"]
    assert "rr_search_rum" in out["phrase"]


def test_a_wrong_or_unreachable_database_is_a_clear_error(tmp_path, postgres_url):
    """Bad input (issue 15): a database URL of another kind, a server that is not there, a database that does
    not exist, a replica URL that is not one: each command (serve included) stops at once with one line naming
    the setting or the database, never a traceback."""
    base = postgres_url.rsplit("/", 1)[0]
    cases = [
        ({"READINGROOM_DATABASE_URL": "mysql://archive@db/readingroom"}, "READINGROOM_DATABASE_URL"),
        (
            {"READINGROOM_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/archive"},
            "cannot use the database",
        ),
        (
            {"READINGROOM_DATABASE_URL": f"{base}/no_such_archive_here"},
            'database "no_such_archive_here" does not exist',
        ),
        (
            {"READINGROOM_DATABASE_URL": postgres_url, "READINGROOM_REPLICA_URLS": "replica-1"},
            "READINGROOM_REPLICA_URLS",
        ),
    ]
    for env, said in cases:
        cli = CLI(tmp_path / "node", env=env)
        for command in (
            ["search", "x"],
            ["import", str(tmp_path / "none.jsonl")],
            ["serve", "--port", str(free_port())],
        ):
            done = cli(*command, check=False)
            assert done.returncode != 0, (env, command)
            assert said in done.stderr and "Traceback" not in done.stderr, (env, command, done.stderr)
            assert len(done.stderr.strip().splitlines()) == 1, done.stderr
