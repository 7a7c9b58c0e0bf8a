"""PostgreSQL full text, for deployments that keep everything in one shared PostgreSQL.

One table, ``rr_search``, beside the records: generated ``tsvector`` columns (all text weighted title A /
people B / places and archive C / body D, and one per searchable field) with GIN indexes, facet values as
``text[]``. The text search configuration ``rr`` is English stemming over ``unaccent``, so case and
diacritics never matter, as with the embedded engine. Queries are built from the parsed query tree with
bound parameters only.
"""

from __future__ import annotations

import re
import threading

from django.db import connection

from readingroom.search import snippets
from readingroom.search.backends.base import FACETS, Hit, SearchBackend, SearchRequest, SearchResults
from readingroom.search.documents import title_key
from readingroom.search.query import Clause, Phrase, Term, prefix_stems

# "text:" searches the weighted whole: a body-only tsvector would analyse the longest text twice.
FIELD_COLUMNS = {None: "tsv", "title": "tsv_title", "people": "tsv_people", "places": "tsv_places", "archive": "tsv_archive", "body": "tsv"}

DDL = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """DO $$ BEGIN
         IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'rr') THEN
           CREATE TEXT SEARCH CONFIGURATION rr (COPY = english);
           ALTER TEXT SEARCH CONFIGURATION rr ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
         END IF;
       END $$""",
    f"""CREATE TABLE IF NOT EXISTS rr_search (
        id text PRIMARY KEY,
        title text NOT NULL, body text NOT NULL, people text NOT NULL, places text NOT NULL, archive text NOT NULL,
        {", ".join(f"{f} text[] NOT NULL DEFAULT '{{}}'" for f in FACETS)},
        year integer, date_key integer NOT NULL, date_end_key integer NOT NULL, title_sort text NOT NULL,
        tsv tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('rr', title), 'A') || setweight(to_tsvector('rr', people), 'B')
            || setweight(to_tsvector('rr', places || ' ' || archive), 'C') || setweight(to_tsvector('rr', body), 'D')) STORED,
        tsv_title tsvector GENERATED ALWAYS AS (to_tsvector('rr', title)) STORED,
        tsv_people tsvector GENERATED ALWAYS AS (to_tsvector('rr', people)) STORED,
        tsv_places tsvector GENERATED ALWAYS AS (to_tsvector('rr', places)) STORED,
        tsv_archive tsvector GENERATED ALWAYS AS (to_tsvector('rr', archive)) STORED
    )""",
    *[f"CREATE INDEX IF NOT EXISTS rr_search_{c} ON rr_search USING gin ({c})" for c in sorted(set(FIELD_COLUMNS.values()))],
    *[f"CREATE INDEX IF NOT EXISTS rr_search_f_{f} ON rr_search USING gin ({f})" for f in FACETS],
    "CREATE INDEX IF NOT EXISTS rr_search_date ON rr_search (date_key, id)",
    "CREATE INDEX IF NOT EXISTS rr_search_title_sort ON rr_search (title_sort, id)",
]
COLUMNS = ["id", "title", "body", "people", "places", "archive", *FACETS, "year", "date_key", "date_end_key", "title_sort"]


class PostgresBackend(SearchBackend):
    name = "postgres"

    def __init__(self) -> None:
        self._ready = False
        self._lock = threading.Lock()

    def _ensure(self) -> None:
        if self._ready:
            return
        if connection.vendor != "postgresql":
            raise RuntimeError("the postgres search backend needs READINGROOM_DATABASE_URL to name a PostgreSQL database")
        with self._lock, connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(74201)")  # several app servers may start at once
            try:
                for statement in DDL:
                    cur.execute(statement)
            finally:
                cur.execute("SELECT pg_advisory_unlock(74201)")
        self._ready = True

    def add(self, docs: list[dict]) -> None:
        self._ensure()
        # The same text must not be in two rows of one statement; the last version wins.
        latest = {d["id"]: d for d in docs}
        rows = [tuple(d[c] if c not in FACETS else list(d[c]) for c in COLUMNS) for d in latest.values()]
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS[1:])
        sql = (f"INSERT INTO rr_search ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))}) "
               f"ON CONFLICT (id) DO UPDATE SET {updates}")
        with connection.cursor() as cur:
            cur.executemany(sql, rows)

    def delete(self, ids: list[str]) -> None:
        self._ensure()
        with connection.cursor() as cur:
            cur.execute("DELETE FROM rr_search WHERE id = ANY(%s)", [list(ids)])

    def reset(self) -> None:
        self._ensure()
        with connection.cursor() as cur:
            cur.execute("TRUNCATE rr_search")

    def count(self) -> int:
        self._ensure()
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM rr_search")
            return cur.fetchone()[0]

    # -- queries -----------------------------------------------------------------------------------
    @staticmethod
    def _tsquery(alt: Term | Phrase) -> tuple[str, list] | None:
        if isinstance(alt, Term) and alt.prefix:
            word = re.sub(r"[^\w]", "", title_key(alt.text))
            if not word:
                return None
            # Lexemes are folded and stemmed; match them exactly ('simple'), see query.prefix_stems.
            return "to_tsquery('simple', %s)", [" | ".join([f"{word}:*", *prefix_stems(word)])]
        if isinstance(alt, Term):
            return "plainto_tsquery('rr', %s)", [alt.text]
        return "phraseto_tsquery('rr', %s)", [alt.words]

    def _clause(self, clause: Clause) -> tuple[str, list, list[tuple[str, list]]] | None:
        parts, params, queries = [], [], []
        for alt in clause.alternatives:
            q = self._tsquery(alt)
            if q is None:
                continue
            sql, p = q
            # numnode() = 0: the words were all stop words; such an alternative matches nothing.
            parts.append(f"({FIELD_COLUMNS[alt.field]} @@ {sql})")
            params += p
            queries.append(q)
        if not parts:
            return None
        return "(" + " OR ".join(parts) + ")", params, queries

    def _where(self, request: SearchRequest) -> tuple[str, list, tuple[str, list] | None]:
        conds, params = [], []
        rank_parts: list[tuple[str, list]] = []
        for clause in request.query.positive:
            c = self._clause(clause)
            if c is None:
                conds.append("false")
                continue
            conds.append(c[0])
            params += c[1]
            rank_parts += c[2]
        for clause in request.query.negative:
            c = self._clause(clause)
            if c is not None:
                conds.append(f"NOT {c[0]}")
                params += c[1]
        for facet, values in request.filters.items():
            if values:
                conds.append(f"{facet} && %s::text[]")
                params.append(list(values))
        if request.date_to is not None:
            conds.append("date_key BETWEEN 1 AND %s")
            params.append(request.date_to)
        if request.date_from is not None:
            conds.append("date_end_key >= %s")
            params.append(request.date_from)
        rank = None
        if rank_parts:
            rank = (" || ".join(sql for sql, _ in rank_parts), [p for _, ps in rank_parts for p in ps])
        return (" AND ".join(conds) or "true"), params, rank

    def search(self, request: SearchRequest) -> SearchResults:
        self._ensure()
        where, params, rank = self._where(request)
        sort = request.sort
        if sort == "relevance" and rank is None:
            sort = "-date"
        order = {
            "date": "date_key ASC, id ASC", "-date": "date_key DESC, id DESC",
            "title": "title_sort ASC, id ASC", "-title": "title_sort DESC, id DESC",
        }.get(sort)
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM rr_search WHERE {where}", params)
            total = cur.fetchone()[0]
            if order is None:
                sql = (f"SELECT id, ts_rank(tsv, q) AS score FROM rr_search, ({'SELECT ' + rank[0] + ' AS q'}) AS query "
                       f"WHERE {where} ORDER BY score DESC, id LIMIT %s OFFSET %s")
                cur.execute(sql, rank[1] + params + [request.limit, request.offset])
            else:
                cur.execute(f"SELECT id, 0.0 FROM rr_search WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s",
                            params + [request.limit, request.offset])
            rows = cur.fetchall()
            texts: dict[str, str] = {}
            if request.snippets and rows:
                cur.execute("SELECT id, body FROM rr_search WHERE id = ANY(%s)", [[r[0] for r in rows]])
                texts = dict(cur.fetchall())
            facets: dict[str, list[tuple[str, int]]] = {}
            years: list[tuple[int, int]] = []
            if request.facets:
                unions = " UNION ALL ".join(
                    f"(SELECT '{f}' AS facet, v, count(*) AS n FROM m, unnest(m.{f}) AS v GROUP BY v ORDER BY n DESC, v LIMIT %s)"
                    for f in FACETS
                )
                cur.execute(
                    f"WITH m AS MATERIALIZED (SELECT {', '.join(FACETS)}, year FROM rr_search WHERE {where}) "
                    f"{unions} UNION ALL (SELECT 'year', year::text, count(*) FROM m WHERE year IS NOT NULL GROUP BY year)",
                    params + [request.facet_size] * len(FACETS),
                )
                for facet, value, n in cur.fetchall():
                    if facet == "year":
                        years.append((int(value), n))
                    else:
                        facets.setdefault(facet, []).append((value, n))
                years.sort()
        regex = snippets.pattern(request.query) if request.snippets else None
        hits = [Hit(id=r[0], score=float(r[1]), snippet=snippets.snippet(texts.get(r[0], ""), regex) if request.snippets else "")
                for r in rows]
        return SearchResults(total=total, hits=hits, facets=facets, years=years)
