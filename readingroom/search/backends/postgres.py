"""PostgreSQL full text, for deployments that keep everything in one shared PostgreSQL.

One table, ``rr_search``, beside the records: ``tsvector`` columns (all text weighted title A / people B /
places and archive C / body D, and one per searchable field) with GIN indexes, facet values as ``text[]``.
Text is analysed per language (``search.analysis``, docs/search.md): every text goes in folded only
through ``rr_simple`` (``simple`` over ``unaccent``: the exact forms), and again stemmed in its own language
through ``rr_<lang>`` (the built-in Snowball configuration over ``unaccent``: english, russian, german,
french, hungarian, romanian, ...). Languages PostgreSQL cannot stem (Polish, Czech, Albanian, ...) are
stemmed in Python and given to ``rr_simple`` as stems; Chinese is given as Simplified characters (one per
word) and jieba words. The vectors are computed by ``rr_tsv`` at insert time. A query word is analysed with
``rr_simple`` and with every language the index holds, OR-ed; an exact form matches both, so it ranks
higher. Queries are built from the parsed query tree with bound parameters only.

**RUM** (the ``rum`` extension, Debian ``postgresql-15-rum``; optional): when the server has it, the weighted
whole (``tsv``) also gets a RUM index (on :data:`RUM_EXPR`; prefix queries stay on GIN). RUM keeps each word's
positions (and weights) in the index, so phrases are answered from the index without reading every candidate
row's ``tsvector``, and it can return matches in rank order (``tsv <=> query``), so a broad query reads its first
page from the index instead of ranking every match. A search with more than :data:`EXACT_RANK_UP_TO` matches is
ordered by RUM's rank (the same weights, its own formula) of the query's ranking form: a phrase as the AND of its
words less those nearly every document holds (``pg_tsquery.for_ranking``), a prefix of many words as its most
frequent ones, its other matches after those (:data:`PREFIX_RANKED`); smaller result sets keep the exact
``ts_rank`` order (with the boosts of exact name forms). Without the extension everything stays on GIN, as
before. A bulk load drops the RUM index and the writer builds it again when done (:data:`RUM_BULK_SHARE`); a
prefix is searched as the index's words that it starts (``rr_search_words``), so it can use RUM too.

**Bounded cost for broad queries**: a query word's analyses are resolved to one tsquery literal with duplicates
removed (``_analysed``), one ``@@`` per column; counts are exact up to :data:`EXACT_COUNT_UP_TO` matches and the
planner's estimate past it (``total_exact``), and a one-word query the statistics show to match far more is not
counted at all (:data:`SURELY_MORE`); facet counts past :data:`EXACT_FACETS_UP_TO` matches come from a
fixed sample of the matches, scaled (``facets_exact``).
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
from typing import NamedTuple

from django.db import DatabaseError, connection, transaction

from readingroom.dbrouter import read_connection
from readingroom.search import analysis, feed, lemmas, snippets
from readingroom.search.backends import pg_tsquery
from readingroom.search.backends.base import FACETS, Hit, SearchBackend, SearchRequest, SearchResults
from readingroom.search.documents import title_key
from readingroom.search.query import Clause, Phrase, Term, Variant

#: a guessed transliteration that no word of the index began with is looked up again after this long
GUESS_SECONDS = 5.0
SCHEMA_VERSION = "3"  # 3: Albanian endings stack (analysis.albanian_stem)
#: with RUM: result sets up to this size are ranked exactly (ts_rank + boosts); larger ones in RUM's index order
EXACT_RANK_UP_TO = 500  # (4x that with filters: see search())
#: matches are counted exactly up to this many; past it ``total`` is the planner's estimate (never below it) and
#: ``total_exact`` is False: an exact count visits every matching row (110 ms for a common word at 100k)
EXACT_COUNT_UP_TO = 1000
#: facet and year counts over every match up to this many; past it over a sample of about FACET_SAMPLE matches
#: (a fixed hash of the id picks the sample: the same query counts the same rows), scaled, ``facets_exact`` False
EXACT_FACETS_UP_TO = 5000
FACET_SAMPLE = 2000
SAMPLE_BUCKETS = 1024
SAMPLE_EXPR = "(hashtext(id) & 1023)"
#: the RUM index is kept up to date row by row (about 15 ms a document, growing with the index; GIN takes its
#: pending list) until a writer adds more than this share of the table (at least RUM_BULK_MIN rows) in one go:
#: then it is dropped and built again when the writer is done (36 s at 100k, one sorted pass)
RUM_BULK_SHARE = 0.025
RUM_BULK_MIN = 500
#: a prefix (``negotiat*``) is looked up in the index's word list and searched as the words it starts, so it
#: can use RUM (RUM 1.3 crashes on ``:*`` queries, see RUM_EXPR); past this many words it stays a GIN prefix
MAX_PREFIX_WORDS = 256
#: a prefix that starts more words than this is ranked by its most frequent ones (RUM goes through every word's
#: postings for every match: 340 ms for the 28 words of ``commun*`` at 100k, 46 ms for 4): its matches holding
#: one of those come first, in rank order, the others after them, in id order
PREFIX_RANKED = 4
#: in the ranking of a broad result set, an AND (a phrase) leaves out a word in more than this share of the
#: documents (see pg_tsquery.for_ranking)
UBIQUITOUS = 0.9
#: a query of one clause that a word held by more than this many documents (the column statistics) would match
#: is not counted: it has more than EXACT_COUNT_UP_TO matches whatever the count would say (20-40 ms at 100k)
SURELY_MORE = 10 * 1000
#: words a writer process remembers having sent to the word list (forgotten all at once past this many)
SEEN_WORDS_MAX = 300_000
_WORDS = re.compile(r"\w+")
#: the RUM index is on this expression (the same vector), not on ``tsv`` itself: RUM 1.3 crashes the server
#: process on prefix queries ('commun':*), so those must never reach it: they use the GIN index on ``tsv``.
#: ``COALESCE`` of a NOT NULL column hands the row's vector on as it is; the expression of earlier indexes,
#: :data:`OLD_RUM_EXPR`, copied the vector wherever it was evaluated (15 µs a row at 100k, on every row a
#: ranked page passes: 5,020 rows for page 251)
RUM_EXPR = "COALESCE(tsv, ''::tsvector)"
OLD_RUM_EXPR = "(tsv || ''::tsvector)"  # an index built before: searched until the next writer builds anew
# "text:" searches the weighted whole: a body-only tsvector would analyse the longest text twice.
FIELD_COLUMNS = {
    None: "tsv",
    "title": "tsv_title",
    "people": "tsv_people",
    "places": "tsv_places",
    "archive": "tsv_archive",
    "body": "tsv",
}
VECTORS = ["tsv_title", "tsv_people", "tsv_places", "tsv_archive", "tsv_body"]


def _config_ddl(lang: str, snowball: str) -> str:
    return f"""DO $$ BEGIN
         IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'rr_{lang}') THEN
           CREATE TEXT SEARCH CONFIGURATION rr_{lang} (COPY = {snowball});
           ALTER TEXT SEARCH CONFIGURATION rr_{lang}
             ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {snowball}_stem;
         END IF;
       END $$"""  # noqa: S608 - language and stemmer names from the constant tables


DDL = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """DO $$ BEGIN
         IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'rr_simple') THEN
           CREATE TEXT SEARCH CONFIGURATION rr_simple (COPY = simple);
           ALTER TEXT SEARCH CONFIGURATION rr_simple ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
         END IF;
       END $$""",
    *[_config_ddl(lang, name) for lang, name in analysis.ENGINE_STEMMERS.items()],
    """CREATE OR REPLACE FUNCTION rr_tsv(cfgs text[], texts text[]) RETURNS tsvector LANGUAGE plpgsql IMMUTABLE AS $$
       DECLARE v tsvector := ''; i int;
       BEGIN
         FOR i IN 1 .. coalesce(array_length(cfgs, 1), 0) LOOP
           v := v || to_tsvector(cfgs[i]::regconfig, coalesce(texts[i], ''));
         END LOOP;
         RETURN v;
       END $$""",
    "CREATE TABLE IF NOT EXISTS rr_search_meta (key text PRIMARY KEY, value text NOT NULL)",
    "CREATE TABLE IF NOT EXISTS rr_search_langs (lang text PRIMARY KEY)",
    # every exact (folded) word the index has held: prefixes are expanded against it ('C' collation: a prefix is
    # a range of the primary key)
    'CREATE TABLE IF NOT EXISTS rr_search_words (word text COLLATE "C" PRIMARY KEY)',
    f"""CREATE TABLE IF NOT EXISTS rr_search (
        id text PRIMARY KEY,
        title text NOT NULL, body text NOT NULL, people text NOT NULL, places text NOT NULL, archive text NOT NULL,
        {", ".join(f"{f} text[] NOT NULL DEFAULT '{{}}'" for f in FACETS)},
        year integer, date_key integer NOT NULL, date_end_key integer NOT NULL, title_sort text NOT NULL,
        langs text[] NOT NULL DEFAULT '{{}}',
        tsv tsvector NOT NULL, tsv_title tsvector NOT NULL, tsv_people tsvector NOT NULL,
        tsv_places tsvector NOT NULL, tsv_archive tsvector NOT NULL
    )""",
    *[
        f"CREATE INDEX IF NOT EXISTS rr_search_{c} ON rr_search USING gin ({c})"
        for c in sorted(set(FIELD_COLUMNS.values()))
    ],
    *[f"CREATE INDEX IF NOT EXISTS rr_search_f_{f} ON rr_search USING gin ({f})" for f in FACETS],
    "CREATE INDEX IF NOT EXISTS rr_search_date ON rr_search (date_key, id)",
    "CREATE INDEX IF NOT EXISTS rr_search_title_sort ON rr_search (title_sort, id)",
    f"CREATE INDEX IF NOT EXISTS rr_search_sample ON rr_search ({SAMPLE_EXPR})",
    # the 10,000 most common words of the weighted whole in its statistics, not 1,000: at 100k documents a word in
    # 12 % of them was not listed, and the planner took it for one in 1 % (the total, the sample of the facets,
    # the ranking of prefixes and phrases read these shares); ANALYZE then reads 300,000 rows (10 s at 100k)
    "ALTER TABLE rr_search ALTER COLUMN tsv SET STATISTICS 1000",
    f"INSERT INTO rr_search_meta VALUES ('schema_version', '{SCHEMA_VERSION}') ON CONFLICT (key) DO NOTHING",  # noqa: S608 - a constant
]
COLUMNS = [
    "id",
    "title",
    "body",
    "people",
    "places",
    "archive",
    *FACETS,
    "year",
    "date_key",
    "date_end_key",
    "title_sort",
    "langs",
]


COLUMN_TYPES = {
    **{f: "text[]" for f in FACETS},
    "langs": "text[]",
    "year": "integer",
    "date_key": "integer",
    "date_end_key": "integer",
}


class _Rank(NamedTuple):
    """The ranking of a query with words: the tsqueries selected as ``q`` and ``b0``, ``b1``... (the boosted
    alternatives), the score over them, and the whole tsquery on its own (the RUM distance)."""

    select: str
    select_params: list
    score: str
    whole: str
    whole_params: list


def _config(lang: str) -> str:
    return f"rr_{lang}" if lang in analysis.ENGINE_STEMMERS else "rr_simple"


def _vectors(d: dict) -> list:
    """(configs, texts) for each of VECTORS: the exact forms, then each language's stemmed forms."""
    title, body = analysis.prefold(d["title"]), analysis.prefold(d["body"])
    title_cfgs, title_texts = ["rr_simple"], [title]
    for lang in d.get("title_langs", ()):
        if lang in analysis.ENGINE_STEMMERS:
            title_cfgs.append(_config(lang))
            title_texts.append(title)
        elif lang in analysis.PY_STEMMERS:
            title_cfgs.append("rr_simple")
            title_texts.append(analysis.py_stemmed_text(lang, title))
    body_cfgs, body_texts = ["rr_simple"], [body]
    for lang, text in d.get("texts", {}).items():
        if lang in analysis.ENGINE_STEMMERS:
            body_cfgs.append(_config(lang))
            body_texts.append(analysis.prefold(text))
        elif lang in analysis.PY_STEMMERS:
            body_cfgs.append("rr_simple")
            body_texts.append(analysis.py_stemmed_text(lang, text))
    if "zh" in d.get("langs", ()):
        title_cfgs += ["rr_simple"] * 2
        title_texts += [analysis.cjk_chars_text(title), analysis.cjk_words_text(title)]
        body_cfgs += ["rr_simple"] * 2
        body_texts += [analysis.cjk_chars_text(body), analysis.cjk_words_text(body)]
    names = [(["rr_simple", "rr_en"], [analysis.prefold(d[f])] * 2) for f in ("people", "places", "archive")]
    return [(title_cfgs, title_texts), *names, (body_cfgs, body_texts)]


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


class PostgresBackend(SearchBackend):
    name = "postgres"

    def __init__(self) -> None:
        self._ready = False
        self._lock = threading.Lock()
        self._langs: tuple[float, tuple[str, ...]] | None = None
        self.rum_available = False  #: the server has the RUM extension
        self._rum: tuple[float, str | None] | None = None  # (checked at, the expression of the usable RUM index)
        self._rum_dropped = False  # this writer dropped it for a bulk load: built again at close()
        self._through_rum = 0  # rows this writer added while the RUM index was kept row by row
        self._seen_words: set[str] = set()  # words this process has put in the word list
        self._analyses: dict[tuple, str] = {}  # (analyses, words) -> the tsquery they make (see _analysed)
        self._guesses: dict[str, tuple[float, bool]] = {}  # a guessed name's start -> (when, a word begins so)
        self._lexicon: tuple[float, bool] | None = None  # (checked at, the word list is complete)
        self._stats: tuple[float, float, dict[str, float]] | None = None  # (read at, rows, share of each word)

    def _ensure(self) -> None:
        if self._ready:
            return
        if connection.vendor != "postgresql":
            raise RuntimeError(
                "the postgres search backend needs READINGROOM_DATABASE_URL to name a PostgreSQL database"
            )
        with self._lock, connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(74201)")  # several app servers may start at once
            try:
                cur.execute("SELECT to_regclass('rr_search_meta') IS NOT NULL, to_regclass('rr_search') IS NOT NULL")
                has_meta, has_table = cur.fetchone()
                version = None
                if has_meta:
                    cur.execute("SELECT value FROM rr_search_meta WHERE key = 'schema_version'")
                    row = cur.fetchone()
                    version = row[0] if row else None
                if has_table and version != SCHEMA_VERSION:
                    # Another analysis: start empty; ``serve`` (or ``readingroom reindex``) refills it from the records.
                    cur.execute("DROP TABLE rr_search")
                    cur.execute("DROP TABLE IF EXISTS rr_search_langs")
                    cur.execute("DELETE FROM rr_search_meta WHERE key = 'schema_version'" if has_meta else "SELECT 1")
                for statement in DDL:
                    cur.execute(statement)
                # a new, empty index has a complete word list; one from before the list is completed by a writer
                cur.execute(
                    "INSERT INTO rr_search_meta SELECT 'lexicon', 'complete' "
                    "WHERE NOT EXISTS (SELECT 1 FROM rr_search) ON CONFLICT (key) DO NOTHING"
                )
                cur.execute("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'rum')")
                self.rum_available = cur.fetchone()[0]
                if self.rum_available and self._rows(cur) <= RUM_BULK_MIN:
                    # a new (or small) index gets its RUM index at once; a large one from the next writer's
                    # close(), never from whichever process happens to start first (36 s at 100k)
                    self.rum_available = self._build_rum(cur)
            finally:
                cur.execute("SELECT pg_advisory_unlock(74201)")
        self._ready = True

    @staticmethod
    def _rows(cur) -> int:
        cur.execute("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'rr_search'::regclass")
        return cur.fetchone()[0]

    def _build_rum(self, cur) -> bool:
        """The RUM index on the weighted whole (when missing, or on the expression of an earlier version: the new
        one is built beside it and takes its name, so searches keep the old one meanwhile); False when the
        extension cannot be used."""
        cur.execute("SELECT pg_get_indexdef(to_regclass('rr_search_rum'))")
        existing = cur.fetchone()[0]
        if existing and "COALESCE" in existing:
            return True
        try:
            with transaction.atomic():  # all or nothing (a savepoint inside a caller's transaction)
                cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
                cur.execute("CREATE EXTENSION IF NOT EXISTS rum")
                cur.execute("DROP INDEX IF EXISTS rr_search_rum_new")
                cur.execute(f"CREATE INDEX rr_search_rum_new ON rr_search USING rum ({RUM_EXPR} rum_tsvector_ops)")
                cur.execute("DROP INDEX IF EXISTS rr_search_rum")
                cur.execute("ALTER INDEX rr_search_rum_new RENAME TO rr_search_rum")
            cur.execute("ANALYZE rr_search")  # statistics of the indexed expression, for the planner
        except DatabaseError as exc:  # not allowed to create the extension, or a broken install: stay on GIN
            logging.getLogger(__name__).warning("RUM is installed but cannot be used (%s): full text uses GIN", exc)
            return False
        self._rum = None
        return True

    def _rum_expr(self) -> str | None:
        """The expression of the weighted whole's usable RUM index now, None when there is none (checked every
        few seconds: a writer on any node may drop it for a bulk load and build it again; meanwhile searches
        use GIN)."""
        self._ensure()
        if not self.rum_available or self._rum_dropped:
            return None
        if self._rum is None or time.monotonic() - self._rum[0] > 5:
            with read_connection().cursor() as cur:
                cur.execute(
                    "SELECT pg_get_indexdef(indexrelid) FROM pg_index "
                    "WHERE indexrelid = to_regclass('rr_search_rum') AND indisvalid AND indisready"
                )
                row = cur.fetchone()
                expr = None if row is None else RUM_EXPR if "COALESCE" in row[0] else OLD_RUM_EXPR
                self._rum = (time.monotonic(), expr)
        return self._rum[1]

    @property
    def rum(self) -> bool:
        """The weighted whole has a usable RUM index now (see :meth:`_rum_expr`)."""
        return self._rum_expr() is not None

    def _before_bulk(self, cur, n: int) -> None:
        """Drop the RUM index when this writer's rows would cost more kept row by row than built again."""
        if not self.rum_available or self._rum_dropped:
            return
        self._through_rum += n
        if self._through_rum > max(RUM_BULK_MIN, RUM_BULK_SHARE * self._rows(cur)) and self.rum:
            cur.execute("DROP INDEX IF EXISTS rr_search_rum")
            self._rum_dropped = True
            self._rum = None

    def _add_words(self, cur, docs) -> None:
        """Put the exact words of these documents in the word list (those this process has not sent yet),
        folded by ``rr_simple`` exactly as the index folds them."""
        new: set[str] = set()
        for d in docs:
            for f in ("title", "body", "people", "places", "archive"):
                text = d.get(f) or ""
                if text and not analysis.has_cjk(text):
                    new.update(_WORDS.findall(text.lower()))
                elif text:
                    new.update(_WORDS.findall(analysis.CJK_RUN.sub(" ", text).lower()))
        new -= self._seen_words
        if not new:
            return
        cur.execute(
            "INSERT INTO rr_search_words SELECT DISTINCT w FROM unnest(tsvector_to_array(to_tsvector('rr_simple', "
            "%s))) AS w ON CONFLICT DO NOTHING",
            [analysis.prefold(" ".join(sorted(new)))],
        )
        if len(self._seen_words) + len(new) > SEEN_WORDS_MAX:
            self._seen_words.clear()
        self._seen_words |= new

    def _lexicon_complete(self) -> bool:
        if self._lexicon is None or time.monotonic() - self._lexicon[0] > 5:
            with read_connection().cursor() as cur:
                cur.execute("SELECT EXISTS (SELECT 1 FROM rr_search_meta WHERE key = 'lexicon')")
                self._lexicon = (time.monotonic(), cur.fetchone()[0])
        return self._lexicon[1]

    def _statistics(self) -> tuple[float, dict[str, float]]:
        """The documents the index holds and, for each of its most common words (up to 10,000), the share of the
        documents that hold it: the planner's statistics of the weighted whole (ANALYZE, autovacuum), re-read
        every few minutes. A word not listed is in fewer documents than any listed word."""
        if self._stats is None or time.monotonic() - self._stats[0] > 300:
            with read_connection().cursor() as cur:
                cur.execute(
                    "SELECT (SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'rr_search'::regclass), "
                    "most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                    "WHERE schemaname = current_schema() AND tablename = 'rr_search' AND attname = 'tsv'"
                )
                row = cur.fetchone()
            # (the shares end with three more figures: the least and the greatest share, and the share of nulls)
            rows, words = (float(row[0] or 0), dict(zip(row[1], row[2], strict=False))) if row and row[1] else (0.0, {})
            self._stats = (time.monotonic(), rows, words)
        return self._stats[1], self._stats[2]

    def _share(self, word: str) -> float:
        return self._statistics()[1].get(word, 0.0)

    def _prefix_words(self, prefix: str) -> list[str] | None:
        """The words of the index that start with ``prefix`` (None: too many, or the list is not complete)."""
        if not self._lexicon_complete():
            return None
        with read_connection().cursor() as cur:
            cur.execute(
                "SELECT word FROM rr_search_words WHERE word >= %s AND word < %s || chr(1114111) "
                "ORDER BY word LIMIT %s",
                [prefix, prefix, MAX_PREFIX_WORDS + 1],
            )
            words = [r[0] for r in cur.fetchall()]
        return None if len(words) > MAX_PREFIX_WORDS else words

    def _begins_a_word(self, text: str) -> bool:
        """Some word of the index begins as ``text``'s forms do (``analysis.word_start``; True when the word list
        is not complete). Kept a process: yes for good, no for GUESS_SECONDS (a word a new text brings)."""
        start = re.sub(r"[^\w]", "", analysis.word_start(text))
        if not start:
            return True
        kept = self._guesses.get(start)
        if kept is not None and (kept[1] or time.monotonic() - kept[0] < GUESS_SECONDS):
            return kept[1]
        found = self._prefix_words(start) != []
        if len(self._guesses) >= 4096:
            self._guesses.clear()
        self._guesses[start] = (time.monotonic(), found)
        return found

    def close(self) -> None:
        """The end of a writer's turn: the RUM index built again when it was dropped for a bulk load, or is
        missing (a writer killed in the middle of one, an index made before the extension was installed); the
        word list completed when the index is older than it."""
        self._through_rum = 0
        if not self._ready:
            return
        try:
            with connection.cursor() as cur:
                cur.execute("SELECT EXISTS (SELECT 1 FROM rr_search_meta WHERE key = 'lexicon')")
                if not cur.fetchone()[0]:
                    with transaction.atomic():
                        cur.execute(
                            "INSERT INTO rr_search_words SELECT DISTINCT unnest(tsvector_to_array(tsv)) "
                            "FROM rr_search ON CONFLICT DO NOTHING"
                        )
                        cur.execute(
                            "INSERT INTO rr_search_meta VALUES ('lexicon', 'complete') ON CONFLICT (key) DO NOTHING"
                        )
                    self._lexicon = None
                if not self.rum_available:
                    return
                cur.execute(
                    "SELECT coalesce(strpos(pg_get_indexdef(to_regclass('rr_search_rum')), 'COALESCE') > 0, false)"
                )
                if self._rum_dropped or not cur.fetchone()[0]:  # missing, or on the expression of an earlier version
                    cur.execute("SELECT pg_advisory_lock(74202)")  # one builder at a time
                    try:
                        self.rum_available = self._build_rum(cur)
                        self._bump(cur)  # results of many matches are ordered by RUM's rank again
                    finally:
                        cur.execute("SELECT pg_advisory_unlock(74202)")
        except DatabaseError as exc:  # (an aborted transaction, a lost connection): the next writer does it
            logging.getLogger(__name__).warning("the search index's upkeep is left to the next writer: %s", exc)
            return
        self._rum_dropped = False

    @staticmethod
    def _bump(cur) -> None:
        """A new version of the index (see :meth:`version`): written after the change, in its transaction."""
        cur.execute(
            "INSERT INTO rr_search_meta VALUES ('version', '1') "
            "ON CONFLICT (key) DO UPDATE SET value = (rr_search_meta.value::bigint + 1)::text"
        )

    def version(self) -> str | None:
        """A counter every change of the index moves on (``rr_search_meta``), with the index's schema."""
        self._ensure()
        with connection.cursor() as cur:
            cur.execute("SELECT value FROM rr_search_meta WHERE key = 'version'")
            row = cur.fetchone()
        return f"{SCHEMA_VERSION}:{row[0] if row else 0}"

    def add(self, docs: list[dict]) -> None:
        self._ensure()
        # The same text must not be in two rows of one statement; the last version wins.
        latest = {d["id"]: d for d in docs}
        rows = []
        langs: set[str] = set()
        for d in latest.values():
            row = [d.get(c, []) if c == "langs" else (list(d[c]) if c in FACETS else d[c]) for c in COLUMNS]
            for cfgs, texts in _vectors(d):
                row += [cfgs, texts]
            rows.append(row)
            langs.update(d.get("langs", ()))
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in [*COLUMNS[1:], "tsv", *VECTORS[:-1]])
        sql = (
            f"INSERT INTO rr_search ({', '.join(COLUMNS)}, tsv, {', '.join(VECTORS[:-1])}) "  # noqa: S608 - column names are constants, values bound
            f"SELECT {', '.join(f'v.{c}' for c in COLUMNS)}, "
            "setweight(v.tsv_title, 'A') || setweight(v.tsv_people, 'B') "
            "|| setweight(v.tsv_places || v.tsv_archive, 'C') "
            f"|| setweight(v.tsv_body, 'D'), {', '.join(f'v.{c}' for c in VECTORS[:-1])} "
            f"FROM (SELECT {', '.join('%s::' + COLUMN_TYPES.get(c, 'text') + ' AS ' + c for c in COLUMNS)}, "
            f"{', '.join(f'rr_tsv(%s::text[], %s::text[]) AS {v}' for v in VECTORS)}) AS v "
            f"ON CONFLICT (id) DO UPDATE SET {updates}"
        )
        with connection.cursor() as cur:
            self._before_bulk(cur, len(rows))
            cur.executemany(sql, rows)
            self._add_words(cur, latest.values())
            if langs:
                cur.execute(
                    "INSERT INTO rr_search_langs SELECT unnest(%s::text[]) ON CONFLICT DO NOTHING", [sorted(langs)]
                )
            self._bump(cur)
        self._langs = None

    def delete(self, ids: list[str]) -> None:
        self._ensure()
        with connection.cursor() as cur:
            cur.execute("DELETE FROM rr_search WHERE id = ANY(%s)", [list(ids)])
            self._bump(cur)

    def reset(self) -> None:
        self._ensure()
        with connection.cursor() as cur:
            cur.execute("TRUNCATE rr_search, rr_search_langs, rr_search_words")
            cur.execute("INSERT INTO rr_search_meta VALUES ('lexicon', 'complete') ON CONFLICT (key) DO NOTHING")
            self._bump(cur)
        self._langs = None
        self._lexicon = None
        self._seen_words.clear()
        feed.forget(self)  # an empty index has no position in the change feed

    def count(self) -> int:
        self._ensure()
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM rr_search")
            return cur.fetchone()[0]

    # -- queries -----------------------------------------------------------------------------------
    def languages(self) -> tuple[str, ...]:
        """The analysis languages the index holds (re-read every few seconds: other nodes add documents)."""
        if self._langs is None or time.monotonic() - self._langs[0] > 5:
            with read_connection().cursor() as cur:
                cur.execute("SELECT lang FROM rr_search_langs ORDER BY lang")
                self._langs = (time.monotonic(), tuple(r[0] for r in cur.fetchall()))
        return self._langs[1]

    def _words(self, words: str, phrase: bool, stemmed: bool = False) -> tuple[str, list]:
        """A word (no CJK) analysed exactly and in every language of the index, OR-ed; a quoted phrase
        matches the exact forms only; a name variant (``stemmed``) is a phrase in every language."""
        fn = "phraseto_tsquery" if phrase else "plainto_tsquery"
        parts, params = [f"{fn}('rr_simple', %s)"], [words]
        for lang in () if phrase and not stemmed else self.languages():
            # a word's other forms in its language's dictionary (readingroom.search.lemmas) match too
            forms = lemmas.other_forms(lang, words.strip()) if not phrase else ()
            for form in (words, *forms):
                if lang in analysis.ENGINE_STEMMERS:
                    parts.append(f"{fn}('{_config(lang)}', %s)")
                    params.append(form)
                elif lang in analysis.PY_STEMMERS:
                    stems = analysis.query_stems(lang, form)
                    if stems:
                        parts.append("to_tsquery('rr_simple', %s)")
                        params.append(
                            " <-> ".join(_lexeme(t) for t in stems) if phrase else " & ".join(_lexeme(t) for t in stems)
                        )
        return "%s::tsquery", [self._analysed(parts, params)]

    def _analysed(self, parts: list[str], params: list) -> str:
        """The OR of the distinct tsqueries of ``parts`` as one tsquery literal: most languages analyse a word
        (a name above all) the same way, and a query naming each analysis separately (13 languages x 11 name
        variants for ``Khrushchev``: 143) costs RUM's ranking and the phrase checks that many times over.
        Analysed once per distinct word and language set (kept, so a repeated query costs no round trip)."""
        key = (tuple(parts), tuple(params))
        text = self._analyses.get(key)
        if text is None:
            with read_connection().cursor() as cur:
                cur.execute("SELECT " + ", ".join(f"({p})::text" for p in parts), params)  # noqa: S608 - the parts are constant SQL, the words bound parameters
                distinct = list(dict.fromkeys(t for t in cur.fetchone() if t))
            text = " | ".join(f"( {t} )" for t in distinct) if len(distinct) > 1 else "".join(distinct)
            if len(self._analyses) >= 4096:
                self._analyses.clear()
            self._analyses[key] = text
        return text

    @staticmethod
    def _cjk(run: str) -> tuple[str, list]:
        chars = [c for c in analysis.simplified(run) if not c.isspace()]
        q = " <-> ".join(_lexeme(c) for c in chars)
        if len(chars) > 1:
            q = f"({q}) | {_lexeme(''.join(chars))}"
        return "to_tsquery('rr_simple', %s)", [q]

    def _tsquery(self, alt: Term | Phrase, ranked: bool = False, found: dict | None = None) -> tuple[str, list] | None:
        """The tsquery of one alternative; ``ranked``: a prefix as the PREFIX_RANKED most frequent words it starts;
        ``found``: the words of the prefixes looked up so far in this search (filled in here)."""
        text = analysis.prefold_word(alt.text if isinstance(alt, Term) else alt.words)
        if isinstance(alt, Term) and alt.guess and not self._begins_a_word(text):
            return None  # a prefix guessed from a transliteration, which no word of the index begins with
        if isinstance(alt, Term) and alt.prefix and not analysis.has_cjk(text):
            word = re.sub(r"[^\w]", "", title_key(text))
            if not word:
                return None
            if found is None or word not in found:
                words = self._prefix_words(word)
                if found is not None:
                    found[word] = words
            else:
                words = found[word]
            if words is not None and ranked and len(words) > PREFIX_RANKED:
                words = sorted(words, key=lambda w: (-self._share(w), w))[:PREFIX_RANKED]
            if words is not None:  # the words it starts (none: nothing matches); RUM can answer these
                return "%s::tsquery", [" | ".join(_lexeme(w) for w in words) or _lexeme(word)]
            # Exact forms are indexed folded, not stemmed: a prefix matches them (and the stems) directly.
            return "to_tsquery('rr_simple', %s)", [f"{_lexeme(word)}:*"]
        if isinstance(alt, Variant) and alt.guess and " " not in text.strip() and not self._begins_a_word(text):
            return None  # a transliteration no word of the index begins with (the lexicon is complete)
        if not analysis.has_cjk(text):
            return self._words(text, isinstance(alt, Phrase), stemmed=isinstance(alt, Variant))
        parts: list[tuple[str, list]] = []
        for run in analysis.CJK_RUN.findall(text):
            pieces = analysis.segment(run) if isinstance(alt, Term) else [run]
            parts += [self._cjk(p) for p in pieces or [run]]
        rest = analysis.CJK_RUN.sub(" ", text)
        if isinstance(alt, Phrase):
            parts += [self._words(c, True, stemmed=isinstance(alt, Variant)) for c in rest.split("  ") if c.strip()]
        else:
            parts += [self._words(w, False) for w in rest.split()]
        parts = parts[: analysis.MAX_QUERY_PIECES]
        if not parts:
            return None
        return "(" + " && ".join(sql for sql, _ in parts) + ")", [p for _, ps in parts for p in ps]

    def _clause(
        self, clause: Clause, ranked: bool = False, found: dict | None = None
    ) -> tuple[str, list, list[tuple[str, list, float, str]]] | None:
        # One ``@@`` per column with the alternatives' tsqueries OR-ed: the index answers it in one scan (an OR of
        # several ``@@`` on one column is read as a filter over every row RUM returns: 64 s for a name at 100k).
        by_column: dict[str, tuple[list[str], list]] = {}
        queries = []
        used: list[Term | Phrase] = []  # the alternatives of ``queries``
        for alt in clause.alternatives:
            q = self._tsquery(alt, ranked, found)
            if q is None:
                continue
            sql, p = q
            sqls, ps = by_column.setdefault(FIELD_COLUMNS[alt.field], ([], []))
            sqls.append(sql)
            ps += p
            queries.append((sql, p, alt.boost, FIELD_COLUMNS[alt.field]))
            used.append(alt)
        if not by_column:
            return None
        if len(queries) == 1 and queries[0][2] != 1.0:
            kept = used[0]
            others = [a for a in clause.alternatives if a is not kept]
            if others and all(isinstance(a, Term | Variant) and a.guess for a in others):
                # the other forms were guessed (a transliteration) and found nothing: a plain word again, without
                # the weight of a name's typed form over the query's other words
                queries[0] = (*queries[0][:2], 1.0, queries[0][3])
        parts = [f"({column} @@ ({' || '.join(sqls)}))" for column, (sqls, _) in by_column.items()]
        return "(" + " OR ".join(parts) + ")", [p for _, ps in by_column.values() for p in ps], queries

    def _where(
        self, request: SearchRequest, ranked: bool = False, found: dict | None = None
    ) -> tuple[str, list, _Rank | None]:
        """The conditions of the request, their parameters and its ranking; ``ranked``: the positive clauses' prefixes
        as their most frequent words (the matches ranked first, see PREFIX_RANKED); ``found``: see _tsquery."""
        conds, params = [], []
        rank_parts: list[tuple[str, list, float]] = []
        for clause in request.query.positive:
            c = self._clause(clause, ranked, found)
            if c is None:
                conds.append("false")
                continue
            conds.append(c[0])
            params += c[1]
            rank_parts += [q[:3] for q in c[2]]
        for clause in request.query.negative:
            c = self._clause(clause, found=found)
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
        rank: _Rank | None = None
        if rank_parts:
            # ts_rank of everything, plus (boost - 1) x ts_rank of each boosted alternative (the typed form
            # of a name: exact forms rank first)
            boosted = [(sql, ps, b) for sql, ps, b in rank_parts if b > 1.0]
            select = ", ".join(
                [
                    " || ".join(sql for sql, _, _ in rank_parts) + " AS q",
                    *(f"{sql} AS b{i}" for i, (sql, _, _) in enumerate(boosted)),
                ]
            )
            # a document that has the boosted form at all ranks above one that has other forms only (ts_rank of a
            # title match is ten times that of a body match, so weighting alone would not keep the order)
            score = " + ".join(
                [
                    "ts_rank(tsv, q)",
                    *(
                        f"{b - 1.0!r} * (ts_rank(tsv, b{i}) + (tsv @@ b{i})::int)"
                        for i, (_, _, b) in enumerate(boosted)
                    ),
                ]
            )
            whole = " || ".join(sql for sql, _, _ in rank_parts)
            rank = _Rank(
                select,
                [p for _, ps, _ in rank_parts for p in ps] + [p for _, ps, _ in boosted for p in ps],
                score,
                whole,
                [p for _, ps, _ in rank_parts for p in ps],
            )
        return (" AND ".join(conds) or "true"), params, rank

    def _surely_more(self, request: SearchRequest, found: dict) -> int:
        """Matches the request surely has, from the statistics alone (0: no such bound): a query of one clause,
        nothing excluded or filtered, matches at least every document holding any word one of its alternatives
        (on the weighted whole) is an OR of."""
        query = request.query
        if (
            len(query.positive) != 1
            or query.negative
            or any(request.filters.values())
            or request.date_from is not None
            or request.date_to is not None
        ):
            return 0
        c = self._clause(query.positive[0], found=found)
        if c is None:
            return 0
        rows, _ = self._statistics()
        best = 0.0
        for sql, ps, _, column in c[2]:
            if sql != "%s::tsquery" or column != "tsv":
                continue
            try:
                node = pg_tsquery.parse(ps[0])
            except ValueError:
                continue
            for n in node.args if node.op == "|" else (node,):
                if n.op == "lex" and ":" not in n.text[n.text.rindex("'") :]:
                    best = max(best, self._share(n.lexeme))
        return int(best * rows)

    def search(self, request: SearchRequest) -> SearchResults:
        self._ensure()
        found: dict[str, list[str] | None] = {}  # the prefixes' words, looked up once a search
        where, params, rank = self._where(request, found=found)
        sort = request.sort
        if sort == "relevance" and rank is None:
            sort = "-date"
        order = {
            "date": "date_key ASC, id ASC",
            "-date": "date_key DESC, id DESC",
            "title": "title_sort ASC, id ASC",
            "-title": "title_sort DESC, id DESC",
        }.get(sort)
        if order is None and rank is None:  # "relevance" with nothing to rank by is "-date" (above)
            raise ValueError(f"unknown sort: {sort!r}")
        # a replica may answer (a reader without a session; see readingroom.dbrouter): results are read back
        # from the records, so a hit the primary no longer has is left out
        expr = None if any(isinstance(p, str) and p.endswith(":*") for p in params) else self._rum_expr()
        rum = expr is not None
        # counting and the facet counts read GIN's bitmap (half the cost of RUM's for a broad word: 21 against 35
        # ms for 12,000 matches) unless a phrase needs positions: GIN would read every candidate's tsvector to
        # check them (1.3 s against 76 ms for a broad phrase)
        bitmap_where = where
        if rum:  # the weighted whole through the RUM index (a prefix query stays on GIN: see RUM_EXPR)
            where = where.replace("(tsv @@ ", f"({expr} @@ ")
            if any(isinstance(p, str) and re.search(r"<(-|\d+)>", p) for p in params):
                bitmap_where = where
        with read_connection().cursor() as cur:
            # no JIT: a search's plan looks costly enough to compile (the more so with the penalty below), and
            # compiling costs more than the few rows it then reads
            cur.execute("SET jit = off")
            if rum:
                # The planner prices a sequential scan without the reading of every row's (TOASTed) tsvector: at
                # 100k a broad word's count took 560 ms that way, 110 ms through the RUM index's bitmap.
                cur.execute("SET enable_seqscan = off")
            try:
                surely = self._surely_more(request, found)
                if surely > SURELY_MORE:  # more than EXACT_COUNT_UP_TO whatever a count would say
                    total = max(surely, self._estimate(cur, where, params))
                else:
                    cur.execute(
                        f"SELECT count(*) FROM (SELECT 1 FROM rr_search WHERE {bitmap_where} LIMIT %s) AS m",  # noqa: S608 - WHERE/ORDER built from the parsed query tree with bound parameters only; names are constants
                        [*params, EXACT_COUNT_UP_TO + 1],
                    )
                    total = cur.fetchone()[0]
                    if total > EXACT_COUNT_UP_TO:
                        total = max(total, self._estimate(cur, where, params))
                total_exact = total <= EXACT_COUNT_UP_TO
                # RUM's order is that of the text matches, a filter checked row by row as they come: with filters
                # it walks past the rows they drop, so the exact ranking of the (fewer) filtered matches is kept longer
                filtered = any(request.filters.values()) or request.date_from is not None or request.date_to is not None
                if order is None and rank is not None and expr and total > EXACT_RANK_UP_TO * (4 if filtered else 1):
                    rows = self._ranked_page(cur, request, expr, where, params, rank, found)
                elif order is None and rank is not None:
                    sql = (
                        f"SELECT id, {rank.score} AS score FROM rr_search, (SELECT {rank.select}) AS query "  # noqa: S608 - WHERE/ORDER built from the parsed query tree with bound parameters only; names are constants
                        f"WHERE {where} ORDER BY score DESC, id LIMIT %s OFFSET %s"
                    )
                    cur.execute(sql, rank.select_params + params + [request.limit, request.offset])
                    rows = cur.fetchall()
                else:
                    cur.execute(
                        f"SELECT id, 0.0 FROM rr_search WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s",  # noqa: S608 - WHERE/ORDER built from the parsed query tree with bound parameters only; names are constants
                        params + [request.limit, request.offset],
                    )
                    rows = cur.fetchall()
                texts: dict[str, str] = {}
                langs: dict[str, list[str]] = {}
                if request.snippets and rows:
                    cur.execute("SELECT id, body, langs FROM rr_search WHERE id = ANY(%s)", [[r[0] for r in rows]])
                    for ident, body, doc_langs in cur.fetchall():
                        texts[ident], langs[ident] = body, doc_langs
                facets: dict[str, list[tuple[str, int]]] = {}
                years: list[tuple[int, int]] = []
                facets_exact = True
                if request.facets:
                    sample, scale = "", 1.0
                    if total > EXACT_FACETS_UP_TO:
                        # a sample of about FACET_SAMPLE matches: the bitmap of the text index AND-ed with that
                        # of the id-hash index, so only the sampled rows are read
                        buckets = max(1, min(SAMPLE_BUCKETS, math.ceil(SAMPLE_BUCKETS * FACET_SAMPLE / total)))
                        if buckets < SAMPLE_BUCKETS:
                            sample, scale = f" AND {SAMPLE_EXPR} < {buckets}", SAMPLE_BUCKETS / buckets
                            facets_exact = False
                    unions = " UNION ALL ".join(
                        f"(SELECT '{f}' AS facet, v, count(*) AS n FROM m, unnest(m.{f}) AS v "  # noqa: S608 - facet names are constants
                        "GROUP BY v ORDER BY n DESC, v LIMIT %s)"
                        for f in FACETS
                    )
                    cur.execute(
                        f"WITH m AS MATERIALIZED (SELECT {', '.join(FACETS)}, year FROM rr_search "  # noqa: S608 - WHERE/ORDER built from the parsed query tree with bound parameters only; names are constants
                        f"WHERE {bitmap_where}{sample}) {unions} UNION ALL "
                        "(SELECT 'year', year::text, count(*) FROM m WHERE year IS NOT NULL GROUP BY year)",
                        params + [request.facet_size] * len(FACETS),
                    )
                    for facet, value, n in cur.fetchall():
                        n = round(n * scale)
                        if facet == "year":
                            years.append((int(value), n))
                        else:
                            facets.setdefault(facet, []).append((value, n))
                    years.sort()
            finally:
                try:
                    cur.execute("RESET enable_seqscan; RESET enable_bitmapscan; RESET jit")
                except DatabaseError:  # an aborted transaction: its rollback undoes the SET anyway
                    pass
        patterns = snippets.Patterns(request.query)
        hits = [
            Hit(
                id=r[0],
                score=float(r[1]),
                snippet=snippets.snippet(texts.get(r[0], ""), patterns.get(langs.get(r[0])))
                if request.snippets
                else "",
            )
            for r in rows
        ]
        return SearchResults(
            total=total, hits=hits, facets=facets, years=years, total_exact=total_exact, facets_exact=facets_exact
        )

    def _ranked_page(
        self, cur, request: SearchRequest, expr: str, where: str, params: list, rank: _Rank, found: dict
    ) -> list:
        """A page of a broad result set in the order of RUM's distance, read from the index (no ts_rank of every
        match: a bitmap scan and a sort would work out every match's distance, 2 s for page 251 of a common word
        at 100k), by the ranking form of the query (``pg_tsquery.for_ranking``). A prefix of many words: its
        matches holding one of its most frequent words first, by rank, then the others by id (PREFIX_RANKED)."""
        top_where, top_params, top_rank = where, params, rank
        split = False
        if any(isinstance(a, Term) and a.prefix for c in request.query.positive for a in c.alternatives):
            w, top_params, r = self._where(request, ranked=True, found=found)
            if top_params != params and r is not None:
                split, top_rank = True, r
                top_where = w.replace("(tsv @@ ", f"({expr} @@ ")
        ranking = [self._for_ranking(p) for p in top_rank.whole_params]
        cur.execute("SET enable_bitmapscan = off")
        # the distance named once: the sort key is worked out again from each row the page passes (OFFSET
        # included), a second distance in the select list would double that
        cur.execute(
            f"SELECT id, 1.0 / greatest(d, 1e-9) FROM (SELECT id, {expr} <=> ({top_rank.whole}) AS d "  # noqa: S608 - WHERE/ORDER built from the parsed query tree with bound parameters only; names are constants
            f"FROM rr_search WHERE {top_where} ORDER BY d LIMIT %s OFFSET %s) AS page",
            ranking + top_params + [request.limit, request.offset],
        )
        rows = cur.fetchall()
        cur.execute("RESET enable_bitmapscan")
        if not split or len(rows) == request.limit:
            return rows
        # past the ranked matches: the others (the query's matches but not the ranked form's), by id
        offset = 0
        if not rows:
            cur.execute(f"SELECT count(*) FROM rr_search WHERE {w}", top_params)  # noqa: S608 - WHERE built from the parsed query tree with bound parameters only
            offset = max(0, request.offset - cur.fetchone()[0])
        cur.execute(
            f"SELECT id, 0.0 FROM rr_search WHERE {where} AND NOT ({w}) ORDER BY id LIMIT %s OFFSET %s",  # noqa: S608 - WHERE built from the parsed query tree with bound parameters only
            params + top_params + [request.limit - len(rows), offset],
        )
        return rows + cur.fetchall()

    def _for_ranking(self, param):
        if not isinstance(param, str) or not any(op in param for op in ("<", "&")):
            return param
        try:
            return pg_tsquery.for_ranking(param, self._share, UBIQUITOUS)
        except ValueError:  # not a tsquery text (cannot be, but a ranking is no reason to fail a search)
            return param

    @staticmethod
    def _estimate(cur, where: str, params: list) -> int:
        """The planner's estimate of the matches (from the statistics of the text columns; ANALYZE keeps them)."""
        cur.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM rr_search WHERE {where}", params)  # noqa: S608 - WHERE built from the parsed query tree with bound parameters only
        plan = cur.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        return int(plan[0]["Plan"]["Plan Rows"])
