"""PostgreSQL full text at scale (issue 15): what keeps a broad search's cost bounded on the ``postgres`` backend.

* counts are exact up to ``EXACT_COUNT_UP_TO`` matches, then the planner's estimate (``total_exact`` false,
  "About N results" on the page);
* facet counts past ``EXACT_FACETS_UP_TO`` matches come from a fixed sample of the matches, scaled
  (``facets_exact`` false);
* a prefix is expanded to the index's own words, so it can use the RUM index (RUM 1.3 crashes on ``:*``);
  an index older than the word list falls back to GIN until a writer completes the list;
* a bulk load drops the RUM index (kept row by row it costs about 15 ms a document) and the writer builds it
  again when done; a writer that finds it missing builds it.

Real PostgreSQL, real imports through the command line, real HTTP. Nothing is mocked."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
import urllib.request

import psycopg

from tests.conftest import CLI, Served, need
from tests.test_cluster import jsonl

N = 1100  # past EXACT_COUNT_UP_TO (1,000) and past RUM_BULK_MIN (500): the bulk path runs for real


def record(i: int) -> dict:
    return {
        "id": f"scale-{i}",
        "title": f"Walnut report {i}" if i % 100 == 0 else f"Report {i}",
        "date": f"{1950 + i % 30}-07-22",
        "original_languages": ["en"],
        "archival_reference": {"repository": f"Archive {i % 3}"},
        "transcripts": [{"language": "en", "text": f"Report {i}. The embassy reports on the negotiations."}],
    }


SCRIPT = r"""
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "readingroom.settings"
import django
django.setup()
from django.db import connection
from readingroom.search.backends import get_backend, postgres
from readingroom.search.backends.base import SearchRequest
from readingroom.search.query import Term, parse

backend = get_backend()
backend._ensure()
out = {}

def run(q, **kw):
    r = backend.search(SearchRequest(query=parse(q), limit=2000, **kw))
    return {"total": r.total, "exact": r.total_exact, "ids": sorted(h.id for h in r.hits),
            "facets": r.facets, "facets_exact": r.facets_exact, "years": r.years}

with connection.cursor() as cur:
    cur.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('rr_search_rum')")
    out["rum_after_bulk"] = cur.fetchall()
out["rum"] = backend.rum

# a prefix: the words it starts, answered through RUM; the same matches as GIN's own prefix
out["prefix_sql"] = backend._tsquery(Term("negotiat", prefix=True))
out["prefix"] = run("negotiat* walnut")
postgres.MAX_PREFIX_WORDS = 0  # too many words: GIN's prefix
out["prefix_gin_sql"] = backend._tsquery(Term("negotiat", prefix=True))
out["prefix_gin"] = run("negotiat* walnut")
postgres.MAX_PREFIX_WORDS = 256
out["nothing"] = run("zzyzx*")

# an index older than the word list: GIN until a writer completes the list
with connection.cursor() as cur:
    cur.execute("DELETE FROM rr_search_meta WHERE key = 'lexicon'")
    cur.execute("TRUNCATE rr_search_words")
backend._lexicon = None
out["incomplete_sql"] = backend._tsquery(Term("negotiat", prefix=True))
out["incomplete"] = run("negotiat* walnut")
backend.close()
backend._lexicon = None
out["completed_sql"] = backend._tsquery(Term("negotiat", prefix=True))

# facet counts from a sample
postgres.EXACT_FACETS_UP_TO, postgres.FACET_SAMPLE = 100, 300
out["sampled"] = run("embassy", facets=True)
postgres.EXACT_FACETS_UP_TO, postgres.FACET_SAMPLE = 5000, 2000
out["exact"] = run("embassy", facets=True)

# a RUM index that went missing (a writer killed in a bulk load): GIN meanwhile, built by the next writer
with connection.cursor() as cur:
    cur.execute("DROP INDEX rr_search_rum")
backend._rum = None
out["rum_missing"] = backend.rum
out["without_rum"] = run("embassy walnut")
backend.close()
out["rum_rebuilt"] = backend.rum
out["with_rum"] = run("embassy walnut")
print(json.dumps(out))
"""


def api(base: str, **params) -> dict:
    with urllib.request.urlopen(f"{base}/api/search?{urllib.parse.urlencode(params)}", timeout=30) as r:
        return json.loads(r.read())


def test_broad_searches_stay_bounded_on_postgres(tmp_path, postgres_url):
    cli = CLI(tmp_path / "pg", env={"READINGROOM_DATABASE_URL": postgres_url, "READINGROOM_SEARCH_BACKEND": "postgres"})
    cli("import", jsonl(tmp_path / "r.jsonl", [record(i) for i in range(N)]))
    with psycopg.connect(postgres_url) as conn:
        rum = conn.execute("SELECT to_regclass('rr_search_rum') IS NOT NULL").fetchone()[0]
        words = conn.execute("SELECT count(*) FROM rr_search_words WHERE word LIKE 'negotiat%'").fetchone()[0]
    need(rum, "the rum extension is not installed (scripts/install-system-deps.sh --test installs postgresql-15-rum)")
    assert words == 1  # "negotiations", folded as the index folds it

    done = subprocess.run([sys.executable, "-c", SCRIPT], env=cli.env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["rum_after_bulk"] == [[True]] and out["rum"]  # dropped for the bulk load, built again after it

    assert out["prefix_sql"] == ["%s::tsquery", ["'negotiations'"]]
    assert out["prefix_gin_sql"] == ["to_tsquery('rr_simple', %s)", ["'negotiat':*"]]
    assert out["prefix"]["ids"] == out["prefix_gin"]["ids"] and len(out["prefix"]["ids"]) == N // 100
    assert out["nothing"]["total"] == 0
    assert out["incomplete_sql"][0] == "to_tsquery('rr_simple', %s)"  # the list is not trusted until complete
    assert out["incomplete"]["ids"] == out["prefix"]["ids"]
    assert out["completed_sql"] == out["prefix_sql"]

    exact, sampled = out["exact"], out["sampled"]
    assert not exact["exact"] and exact["total"] > 1000  # past EXACT_COUNT_UP_TO: an estimate, never below it
    assert exact["facets_exact"] and dict(exact["facets"]["repository"]) == {
        "Archive 0": 367,
        "Archive 1": 367,
        "Archive 2": 366,
    }
    assert not sampled["facets_exact"]
    counts = dict(sampled["facets"]["repository"])
    assert set(counts) == {"Archive 0", "Archive 1", "Archive 2"}
    assert all(200 <= n <= 550 for n in counts.values()), counts  # scaled from the sample
    assert 0.6 * N <= sum(n for _, n in sampled["years"]) <= 1.4 * N

    assert out["rum_missing"] is False and out["rum_rebuilt"] is True
    assert out["without_rum"]["ids"] == out["with_rum"]["ids"] and len(out["with_rum"]["ids"]) == N // 100

    with Served(cli) as served:
        broad = api(served.base, q="embassy", per_page=5)
        assert broad["total_exact"] is False and broad["total"] > 1000 and broad["facets_exact"] is True
        rare = api(served.base, q="walnut")
        assert rare["total_exact"] is True and rare["total"] == N // 100
        with urllib.request.urlopen(f"{served.base}/search?q=embassy", timeout=30) as r:
            page = r.read().decode()
        assert "About " in page and " results for <strong>embassy</strong>" in page


VERSION_SCRIPT = r"""
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "readingroom.settings"
import django
django.setup()
from readingroom.search.backends import get_backend

backend = get_backend()
seen = [backend.version()]
backend.delete(["kept-1"])  # the shared index alone: no record, no audit event
backend.commit()
seen.append(backend.version())
print(json.dumps({"versions": seen}))
"""


def test_kept_answers_see_a_change_of_the_shared_index_alone(tmp_path, postgres_url):
    """On the PostgreSQL backend the index's version is a counter its writer moves on with its rows: a change of
    the shared index that no record change came with (what a writer applying the feed late looks like) gives
    a new version, so a node's kept answer is not served past it."""
    env = {"READINGROOM_DATABASE_URL": postgres_url, "READINGROOM_SEARCH_BACKEND": "postgres"}
    cli = CLI(tmp_path / "pg", env=env)
    cli("import", jsonl(tmp_path / "r.jsonl", [{**record(0), "id": "kept-1", "title": "Quince report"}]))
    server = Served(cli)
    try:

        def ask() -> tuple[int, str | None]:
            url = f"{server.base}/api/search?{urllib.parse.urlencode({'q': 'quince'})}"
            with urllib.request.urlopen(url, timeout=30) as r:
                return json.loads(r.read())["total"], r.headers.get("X-Page-Cache")

        assert {ask() for _ in range(8)} == {(1, "miss"), (1, "hit")}
        done = subprocess.run(
            [sys.executable, "-c", VERSION_SCRIPT], env=cli.env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        before, after = json.loads(done.stdout.strip().splitlines()[-1])["versions"]
        assert before != after
        assert all(ask()[0] == 0 for _ in range(8))  # both workers: the index no longer holds it
    finally:
        server.stop()
