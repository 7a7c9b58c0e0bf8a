"""How the PostgreSQL backend ranks a broad result set from its RUM index (issue 15), on real PostgreSQL:

* the RUM index is on an expression that hands the row's vector on as it is (``COALESCE``): the one before
  (``tsv || ''``) copied the vector on every row a ranked page passed; an index built on the old expression is
  searched until the next writer builds the new one beside it;
* a page computes RUM's distance once a row (the select list named it a second time);
* a broad phrase is ranked by the AND of its words without the words nearly every document holds (RUM's
  distance of a phrase costs several times the AND's), with the same matches;
* a prefix of many words is ranked by its most frequent words, its other matches after them by id: every match
  on exactly one page;
* a one-word query that the statistics say matches more than the count would stop at is not counted.

Nothing is mocked: the documents go in through ``readingroom import``, the searches run in a subprocess against
the database."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from readingroom.search.backends import pg_tsquery
from tests.conftest import CLI, need
from tests.test_cluster import jsonl

N = 60


def record(i: int) -> dict:
    body = f"Report {i}. The alpha of the archive."
    title = f"Report {i}"
    if i < 40:
        body += " The commune met."
    if i == 5:
        title = "Commune commune"
    if i in (50, 51):
        body += " A communal farm."
    if i in (52, 53, 54):
        body += " A communique."
    if 10 <= i < 30:
        body += " The Secretary of State spoke."
    if i == 12:
        title = "Secretary of State report"
    if 30 <= i < 40:
        body += " The state secretary wrote."
    if i in (41, 42, 43):
        body += " Quince."
    return {
        "id": f"rank-{i:02d}",
        "title": title,
        "date": f"{1950 + i % 30}-07-22",
        "original_languages": ["en"],
        "archival_reference": {"repository": "Archive"},
        "transcripts": [{"language": "en", "text": body}],
    }


SCRIPT = r"""
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "readingroom.settings"
import django
django.setup()
from django.db import connection, connections
from readingroom.search.backends import get_backend, postgres
from readingroom.search.backends.base import SearchRequest
from readingroom.search.query import parse

backend = get_backend()
backend._ensure()
with connection.cursor() as cur:
    cur.execute("ANALYZE rr_search")
out = {"expr": backend._rum_expr()}
statements = []

def capture(execute, sql, params, many, context):
    statements.append((sql, params))
    return execute(sql, params, many, context)

def search(q, **kw):
    statements.clear()
    wrappers = [c.execute_wrapper(capture) for c in connections.all()]
    for w in wrappers:
        w.__enter__()
    try:
        r = backend.search(SearchRequest(query=parse(q), **kw))
    finally:
        for w in wrappers:
            w.__exit__(None, None, None)
    return {"total": r.total, "exact": r.total_exact, "ids": [h.id for h in r.hits]}

def pages(q, size):
    seen, offset = [], 0
    while True:
        ids = search(q, limit=size, offset=offset)["ids"]
        seen += ids
        if len(ids) < size:
            return seen
        offset += size

postgres.EXACT_RANK_UP_TO = 10**9  # exact ts_rank order: the reference
out["exact"] = {q: search(q, limit=100)["ids"] for q in ['"Secretary of State"', "commun*"]}
postgres.EXACT_RANK_UP_TO = 5  # every result set here is ranked from the RUM index
postgres.PREFIX_RANKED = 1
out["phrase"] = search('"Secretary of State"', limit=100)
out["phrase_ranking"] = [p for sql, ps in statements if "<=>" in sql for p in ps if isinstance(p, str)]
out["prefix_pages"] = pages("commun*", 7)
search("commun*", limit=7)
out["prefix_lookups"] = sum("FROM rr_search_words" in sql for sql, _ in statements)

# the ranked page: one distance a row, no copy of the vector
phrase = "phraseto_tsquery('rr_simple', 'secretary state')"
sql = (f"SELECT id, 1.0 / greatest(d, 1e-9) FROM (SELECT id, {postgres.RUM_EXPR} <=> {phrase} AS d FROM rr_search "
       f"WHERE {postgres.RUM_EXPR} @@ {phrase} ORDER BY d LIMIT 5 OFFSET 3) AS page")
with connection.cursor() as cur:
    cur.execute("SET enable_seqscan = off; SET enable_bitmapscan = off")
    cur.execute("EXPLAIN (VERBOSE) " + sql)
    out["plan"] = "\n".join(r[0] for r in cur.fetchall())
    cur.execute("RESET enable_seqscan; RESET enable_bitmapscan")

# a word every document holds: not counted, more than the count would stop at
postgres.EXACT_COUNT_UP_TO, postgres.SURELY_MORE = 5, 10
out["broad"] = search("alpha", limit=3)
out["broad_counted"] = [sql for sql, _ in statements if sql.startswith("SELECT count(*)")]
out["rare"] = search("quince", limit=3)
out["rare_counted"] = [sql for sql, _ in statements if sql.startswith("SELECT count(*)")]
postgres.EXACT_COUNT_UP_TO, postgres.SURELY_MORE = 1000, 10000

# an index built on the expression of an earlier version: searched until a writer builds the new one
with connection.cursor() as cur:
    cur.execute("DROP INDEX rr_search_rum")
    cur.execute(f"CREATE INDEX rr_search_rum ON rr_search USING rum ({postgres.OLD_RUM_EXPR} rum_tsvector_ops)")
backend._rum = None
out["old_expr"] = backend._rum_expr()
out["old"] = search('"Secretary of State"', limit=100)
out["old_sql"] = [sql for sql, _ in statements if "<=>" in sql]
backend.close()
out["new_expr"] = backend._rum_expr()
with connection.cursor() as cur:
    cur.execute("SELECT pg_get_indexdef(to_regclass('rr_search_rum'))")
    out["indexdef"] = cur.fetchone()[0]
print(json.dumps(out))
"""


def test_broad_result_sets_are_ranked_from_the_rum_index(tmp_path, postgres_url):
    cli = CLI(tmp_path / "pg", env={"READINGROOM_DATABASE_URL": postgres_url, "READINGROOM_SEARCH_BACKEND": "postgres"})
    cli("import", jsonl(tmp_path / "r.jsonl", [record(i) for i in range(N)]))
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=cli.env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    need(
        out["expr"] is not None,
        "the rum extension is not installed (scripts/install-system-deps.sh --test installs postgresql-15-rum)",
    )
    assert out["expr"] == "COALESCE(tsv, ''::tsvector)"

    # a broad phrase: its matches, the one with the phrase in its title first; ranked by the AND of its words
    # without "of" (in every document)
    phrase = out["phrase"]["ids"]
    assert sorted(phrase) == sorted(out["exact"]['"Secretary of State"']) == [f"rank-{i:02d}" for i in range(10, 30)]
    assert phrase[0] == "rank-12"
    assert out["phrase_ranking"][0] == "'secretary' & 'state'"

    # a prefix of several words ranked by the most frequent ("commune", 40 documents): those first, the one
    # with it in its title at the top, then the documents with "communal" or "communique" only, by id; every
    # match on exactly one page of 7
    pages = out["prefix_pages"]
    assert len(pages) == len(set(pages)) == 45
    assert set(pages) == set(out["exact"]["commun*"])
    assert pages[0] == "rank-05"
    assert set(pages[:40]) == {f"rank-{i:02d}" for i in range(40)}
    assert pages[40:] == [f"rank-{i:02d}" for i in range(50, 55)]
    assert out["prefix_lookups"] == 1  # the words a prefix starts are looked up once a search

    # the distance once a row, the vector not copied
    scan = out["plan"].split("Index Scan using rr_search_rum")[1]
    output = next(line for line in scan.splitlines() if "Output:" in line)
    assert output.count("<=>") == 1 and "||" not in output, out["plan"]

    assert out["broad"]["exact"] is False and out["broad"]["total"] >= 50 and not out["broad_counted"]
    assert out["rare"]["total"] == 3 and out["rare"]["exact"] and out["rare_counted"]

    # the index of an earlier version is searched (same matches) until the writer builds the new one
    assert out["old_expr"] == "(tsv || ''::tsvector)"
    assert sorted(out["old"]["ids"]) == sorted(phrase) and "(tsv || ''::tsvector) <=>" in out["old_sql"][0]
    assert out["new_expr"] == "COALESCE(tsv, ''::tsvector)" and "COALESCE" in out["indexdef"]


FREQ = {"of": 0.99, "the": 0.98, "state": 0.5, "secretary": 0.4}.get


@pytest.mark.parametrize(
    "text, ranked",
    [
        ("'secretary' <-> 'of' <-> 'state'", "'secretary' & 'state'"),
        ("'soviet' <-> 'union'", "'soviet' & 'union'"),
        ("'of' <-> 'the'", "'the'"),  # every word common: the least common kept
        ("( 'a' <-> 'b' ) | ( 'c' <2> 'of' )", "( 'a' & 'b' ) | 'c'"),
        ("'x' & !'y'", "'x' & !'y'"),
        ("'it''s':* & 'of':AB", "'it''s':* & 'of':AB"),  # a lexeme with a suffix is left as it is
        ("'states' | 'state'", "'states' | 'state'"),
    ],
)
def test_the_ranking_form_of_a_query(text, ranked):
    assert pg_tsquery.write(pg_tsquery.parse(text)) == text
    assert pg_tsquery.for_ranking(text, lambda w: FREQ(w, 0.0), 0.9) == ranked


def test_a_text_that_is_not_a_tsquery_is_refused():
    for text in ["'a' &", "( 'a'", "'a' )", "a"]:
        with pytest.raises(ValueError):
            pg_tsquery.parse(text)
