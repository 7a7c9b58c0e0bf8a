"""The embedded default: tantivy (a Lucene-like engine in Rust), its index under ``<data dir>/search``.

Text is analysed per language (``search.analysis``, docs/search.md): ``title`` and ``body`` hold every text
folded only (Unicode words, lower case, ASCII-folded: the exact form, weighted higher); ``title_<lang>`` and
``body_<lang>`` hold the texts of one language stemmed with tantivy's Snowball stemmer (en, ru, de, fr, es,
it, pt, hu, ro, ...) or pre-stemmed in Python (pl, cs, sq, ...); ``title_zh``/``body_zh`` hold Chinese
characters (Simplified) one per token and ``zhw`` jieba words. A query word is analysed with each field's
analysis and searched in the fields of the languages the index holds. Facets are raw-string fast fields
counted with aggregations. Web workers only read; one process at a time writes (tantivy's lock).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import threading
from collections import OrderedDict
from pathlib import Path

import tantivy
from django.conf import settings

from readingroom.search import analysis, feed, lemmas, snippets
from readingroom.search.backends.base import FACETS, Hit, SearchBackend, SearchRequest, SearchResults
from readingroom.search.query import Clause, Phrase, Term, Variant, prefix_stems

# 3: Albanian endings stack (analysis.albanian_stem); 4: a total order of the results (tb); 5: tb indexed (the
# proximity of a query's words is scored on the first ranks found by it)
SCHEMA_VERSION = "5"
TITLE_BOOST = 1.0
#: the exact (folded, unstemmed) fields weigh more than the stemmed ones: an exact form ranks first
EXACT_BOOST = 2.5
TIE_BREAKER = 0.3
#: by relevance, at most this many documents before and after a page are read to order its scores' equals
TIE_GROUP_MAX = 1000
#: facet and year counts over every match up to this many; past it over a sample of about FACET_SAMPLE matches
#: (those whose ``tb`` hash falls below a bound), scaled, and ``facets_exact`` is False
FACET_SAMPLE_FROM = 50_000
FACET_SAMPLE = 25_000
#: ranks read before a page at first (more when its first score's group begins before them), and beyond them
#: a share of the page's offset on either side (1/TIE_WINDOW)
TIE_LOOK_BACK = 4
TIE_WINDOW = 16
#: people, places, archive: short fields, where BM25 would make any word weigh a lot
NAME_BOOST = 1.0
#: a word's other forms from the dictionary (readingroom.search.lemmas), in its language's stemmed fields, weigh
#: this much of what its own stem weighs: a match the stemmer makes is surer than one through a dictionary's lemma
LEMMA_BOOST = 0.8
ENGINE_LANGS = tuple(analysis.ENGINE_STEMMERS)
PY_LANGS = tuple(analysis.PY_STEMMERS)
STEM_LANGS = ENGINE_LANGS + PY_LANGS
NAME_FIELDS = ("people", "places", "archive")
#: a prefix query scores the index's words it begins as words (BM25) when they are at most this many in a field;
#: when there are more, the PREFIX_TERMS_BROAD most frequent are scored and the rest match at PREFIX_REST_SCORE
#: (less than any word's score, and the same for every document)
PREFIX_TERMS = 64
PREFIX_TERMS_BROAD = 4
PREFIX_REST_SCORE = 0.01
#: by relevance, a query of at least PROXIMITY_MIN_WORDS words also scores, in the exact text and title, its words
#: within a distance of PROXIMITY_SLOP in all (a phrase with slop: the words between added up, a swapped pair two;
#: weighed PROXIMITY_BOOST; its first PROXIMITY_MAX_WORDS words): a document where they stand together, a
#: remembered passage, ranks first.
#: It reorders the first PROXIMITY_WINDOW ranks (in the order of the other scores), whatever the matches.
PROXIMITY_MIN_WORDS = 3
PROXIMITY_SLOP = 8
PROXIMITY_BOOST = 1.0
PROXIMITY_MAX_WORDS = 32
PROXIMITY_WINDOW = 100


def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("title", stored=True, tokenizer_name="rr_fold")
    sb.add_text_field("body", tokenizer_name="rr_fold")
    sb.add_bytes_field("text", stored=True)  # the body as written (UTF-8), for snippets
    for lang in STEM_LANGS:
        tok = f"rr_{lang}" if lang in analysis.ENGINE_STEMMERS else "rr_ws"
        sb.add_text_field(f"title_{lang}", tokenizer_name=tok)
        sb.add_text_field(f"body_{lang}", tokenizer_name=tok)
    for name in ("title_zh", "body_zh", "zhw"):
        sb.add_text_field(name, tokenizer_name="rr_ws")
    for name in NAME_FIELDS:
        sb.add_text_field(name, tokenizer_name="rr_en")
    for facet in FACETS:
        sb.add_text_field(f"f_{facet}", fast=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("langs", stored=True, fast=True, tokenizer_name="raw", index_option="basic")
    for name in ("year", "date_key", "date_end_key"):
        sb.add_integer_field(name, fast=True, indexed=True)
    sb.add_text_field("title_sort", fast=True, tokenizer_name="raw", index_option="basic")
    # Ties in the order of the results are broken by the document, the same way on every node (each node's own
    # index orders equal keys by where the documents sit in it, which differs with the order they came in and
    # with merges): ``tb`` a hash of the identifier, ``date_order`` the date then it, ``title_sort`` ends with it.
    # (signed: a Python int reaches tantivy as i64; indexed: the first ranks of a search are found again by it)
    sb.add_integer_field("tb", fast=True, indexed=True)
    sb.add_integer_field("date_order", fast=True)
    return sb.build()


def tie_key(identifier: str) -> int:
    """A stable 63-bit number for a document identifier (the same on every node and in every process)."""
    return int.from_bytes(hashlib.blake2b(identifier.encode(), digest_size=8).digest(), "big") >> 1


def analyzer(stem: bool | str = True) -> tantivy.TextAnalyzer:
    """Unicode words, lower case, then (``stem``: True = English, or a Snowball name) stemmed, then folded
    to ASCII. Stemming comes before folding, so the stemmers see the letters their rules are written for."""
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(60))
        .filter(tantivy.Filter.lowercase())
    )
    if stem:
        builder = builder.filter(tantivy.Filter.stemmer("english" if stem is True else stem))
    return builder.filter(tantivy.Filter.ascii_fold()).build()


def whitespace_analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
        .filter(tantivy.Filter.remove_long(60))
        .filter(tantivy.Filter.lowercase())
        .build()
    )


class TantivyBackend(SearchBackend):
    name = "tantivy"

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path or Path(settings.DATA_DIR) / "search" / "tantivy")
        self.schema = build_schema()
        self.folded = analyzer(stem=False)
        self.stemmed = analyzer(stem=True)
        self.analyzers = {lang: analyzer(name) for lang, name in analysis.ENGINE_STEMMERS.items()}
        self._writer: tantivy.IndexWriter | None = None
        self._lock = threading.Lock()
        #: the index's ``meta.json`` as this object last loaded it (None: not read yet)
        self._meta_seen: bytes | None = None
        self._version: tuple[bytes, str] | None = None
        self._langs: tuple[int, tuple[str, ...]] | None = None
        #: counts the index versions this object has seen (a key of the facet cache)
        self._generation = 0
        #: facet and year counts of recent searches, for the index version they were counted on (a reader
        #: paging through results, or many readers on one popular search, count them once)
        self._facet_cache: OrderedDict[tuple, tuple[dict, list, bool]] = OrderedDict()
        self.index = self._open()

    # -- index lifecycle -------------------------------------------------------------------------
    def _open(self) -> tantivy.Index:
        """Open the index, made anew when it is of another schema version (``readingroom serve`` then refills it
        from the records). Every process that opens it (the web workers and the index worker start together)
        looks at the version under one lock, beside the index, and the version file is written only when the
        index is made, whole at once: every open used to rewrite it, and a process that read it while another
        had just emptied it to write it took a live index for one of another schema and deleted it."""
        version = self.path / "readingroom-schema-version"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.parent / f"{self.path.name}.open.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
            try:
                current: str | None = version.read_text().strip()
            except FileNotFoundError:
                current = None
            if current != SCHEMA_VERSION and self.path.exists():
                shutil.rmtree(self.path)  # another schema version (or none): start empty
            self.path.mkdir(parents=True, exist_ok=True)
            index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
            if current != SCHEMA_VERSION:
                written = version.with_suffix(".tmp")
                written.write_text(SCHEMA_VERSION)
                os.replace(written, version)
        index.register_tokenizer("rr_fold", self.folded)
        index.register_tokenizer("rr_ws", whitespace_analyzer())
        for lang, a in self.analyzers.items():
            index.register_tokenizer(f"rr_{lang}", a)
        return index

    def _get_writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            self._writer = self.index.writer(heap_size=128_000_000, num_threads=1)
        return self._writer

    def add(self, docs: list[dict]) -> None:
        writer = self._get_writer()
        for d in docs:
            writer.delete_documents_by_term("id", d["id"])
            writer.add_document(tantivy.Document(**self.fields(d)))

    @staticmethod
    def fields(d: dict) -> dict:
        """The tantivy fields of a search document (``search.documents.search_document``)."""
        title, body = analysis.prefold(d["title"]), analysis.prefold(d["body"])
        tie = tie_key(d["id"])
        fields = {
            "id": [d["id"]],
            "title": [title],
            "body": [body],
            "text": [d["body"].encode()],
            "people": [d["people"]],
            "places": [d["places"]],
            "archive": [d["archive"]],
            "date_key": [d["date_key"]],
            "date_end_key": [d["date_end_key"]],
            "title_sort": [f"{d['title_sort']}\x1f{d['id']}"],
            "tb": [tie],
            "date_order": [(d["date_key"] << 31) | (tie >> 32)],
        }
        for lang, text in d.get("texts", {}).items():
            if lang in analysis.ENGINE_STEMMERS:
                fields[f"body_{lang}"] = [analysis.prefold(text)]
            elif lang in analysis.PY_STEMMERS:
                fields[f"body_{lang}"] = [analysis.py_stemmed_text(lang, text)]
        for lang in d.get("title_langs", ()):
            if lang in analysis.ENGINE_STEMMERS:
                fields[f"title_{lang}"] = [title]
            elif lang in analysis.PY_STEMMERS:
                fields[f"title_{lang}"] = [analysis.py_stemmed_text(lang, title)]
        if "zh" in d.get("langs", ()):
            fields["title_zh"] = [analysis.cjk_chars_text(title)]
            fields["body_zh"] = [analysis.cjk_chars_text(body)]
            fields["zhw"] = [analysis.cjk_words_text(title + "\n" + body)]
        if d.get("langs"):
            fields["langs"] = list(d["langs"])
        if d["year"] is not None:
            fields["year"] = [d["year"]]
        for facet in FACETS:
            if d[facet]:
                fields[f"f_{facet}"] = list(d[facet])
        return fields

    def delete(self, ids: list[str]) -> None:
        writer = self._get_writer()
        for ident in ids:
            writer.delete_documents_by_term("id", ident)

    def commit(self) -> None:
        if self._writer is not None:
            self._writer.commit()
            self.index.reload()
            self._generation += 1
            self._langs = None

    def reset(self) -> None:
        writer = self._get_writer()
        writer.delete_all_documents()
        writer.commit()
        self.index.reload()
        self._generation += 1
        self._langs = None
        feed.forget(self)  # an empty index has no position in the change feed

    def close(self) -> None:
        if self._writer is not None:
            self._writer.wait_merging_threads()
            self._writer = None

    def count(self) -> int:
        self._refresh()
        return self.index.searcher().num_docs

    def _meta(self) -> bytes | None:
        """The index's ``meta.json`` (every commit and merge replaces it whole, by a rename): its bytes, not its
        time, tell a new version, since the file system stamps it with a coarse clock (two commits within a few
        milliseconds keep one modification time). A few kilobytes, read in microseconds."""
        try:
            return (self.path / "meta.json").read_bytes()
        except FileNotFoundError:
            return None

    def _refresh(self) -> None:
        """See what another process committed (an import next to the web server)."""
        meta = self._meta()
        if meta is not None and meta != self._meta_seen:
            with self._lock:
                self.index.reload()
                self._generation += 1
                self._meta_seen = meta

    def version(self) -> str | None:
        """A hash of the index's ``meta.json`` (rewritten by every commit and merge). Read before a search, which
        reloads when the file differs from what this process loaded, so the search sees this version or a later
        one."""
        meta = self._meta()
        if meta is None:
            return None
        if self._version is None or self._version[0] != meta:
            self._version = (meta, hashlib.blake2b(meta, digest_size=12).hexdigest())
        return self._version[1]

    # -- queries -----------------------------------------------------------------------------------
    def languages(self) -> tuple[str, ...]:
        """The analysis languages the index holds (counted once per index version this object loaded)."""
        generation = self._generation
        if self._langs is None or self._langs[0] != generation:  # reset on commit and on reload
            searcher = self.index.searcher()
            langs: tuple[str, ...] = ()
            if searcher.num_docs:
                out = searcher.aggregate(tantivy.Query.all_query(), {"l": {"terms": {"field": "langs", "size": 200}}})
                langs = tuple(sorted(b["key"] for b in out.get("l", {}).get("buckets", [])))
            self._langs = (generation, langs)
        return self._langs[1]

    def _tokens(self, text: str, stem: bool = True) -> list[str]:
        return list((self.stemmed if stem else self.folded).analyze(analysis.prefold_word(text)))

    @staticmethod
    def _analysis_of(field: str) -> str:
        """The analysis ``field`` is indexed with: ``fold`` (title, body), ``stem`` (the name fields), or a
        language (``title_de`` and ``body_de``: German)."""
        if field in ("title", "body"):
            return "fold"
        if field in NAME_FIELDS:
            return "stem"
        return field.split("_", 1)[1]

    def _terms(self, field: str, words: str) -> list[str]:
        """``words`` analysed as ``field`` analyses its text."""
        kind = self._analysis_of(field)
        if kind == "fold":
            return list(self.folded.analyze(words))
        if kind == "stem":
            return list(self.stemmed.analyze(words))
        if kind in self.analyzers:
            return list(self.analyzers[kind].analyze(words))
        return analysis.query_stems(kind, words)

    def _match(self, field: str, tokens: list[str], boost: float) -> tantivy.Query | None:
        if not tokens:
            return None
        return self._match_tokens(field, tokens, boost)

    def _match_tokens(self, field: str, tokens: list[str], boost: float) -> tantivy.Query:
        """``tokens`` (at least one) in a row in ``field``."""
        if len(tokens) == 1:
            q = tantivy.Query.term_query(self.schema, field, tokens[0])
        else:
            words: list[str | tuple[int, str]] = list(tokens)
            q = tantivy.Query.phrase_query(self.schema, field, words)
        return tantivy.Query.boost_query(q, boost) if boost != 1.0 else q

    def _text_fields(self, target: str | None) -> list[tuple[str, float]]:
        """(field, boost) a word is looked for in: the exact fields, then the stemmed fields of every language
        the index holds."""
        langs = [lang for lang in self.languages() if lang in STEM_LANGS] or ["en"]
        out: list[tuple[str, float]] = []
        if target in (None, "title"):
            out.append(("title", TITLE_BOOST * EXACT_BOOST))
            out += [(f"title_{lang}", TITLE_BOOST) for lang in langs]
        if target in (None, "body"):
            out.append(("body", EXACT_BOOST))
            out += [(f"body_{lang}", 1.0) for lang in langs]
        if target is None:
            out += [(name, NAME_BOOST) for name in NAME_FIELDS]
        elif target in NAME_FIELDS:
            out.append((target, 1.0))
        return out

    def _words_query(self, words: str, target: str | None, exact: bool = False) -> tantivy.Query | None:
        """Non-CJK words (one word, or a phrase) over the fields of ``target``: the best field counts. A quoted
        phrase (``exact``) matches the exact forms only (folded, not stemmed)."""
        words = analysis.prefold_word(words)
        seen: dict[tuple[str, tuple[str, ...]], bool] = {}
        analysed: dict[str, list[str]] = {}  # one analysis for the fields that share it (title_de, body_de)
        others: dict[str, list[str]] = {}  # and one look-up of the word's other forms
        queries = []
        for field, boost in self._text_fields(target):
            if exact and field.startswith(("title_", "body_")):
                continue
            kind = self._analysis_of(field)
            if kind not in analysed:
                analysed[kind] = self._terms(field, words)
            tokens = analysed[kind]
            if field.startswith(("title_", "body_")) and (field, tuple(tokens)) in seen:
                continue
            seen[(field, tuple(tokens))] = True
            q = self._match(field, tokens, boost)
            if q is not None and not exact and len(tokens) == 1 and kind in lemmas.LANGUAGES:
                if kind not in others:
                    others[kind] = self._other_stems(field, kind, words, tokens[0])
                if others[kind]:
                    q = self._with_other_stems(q, field, others[kind], boost)
            if q is not None:
                queries.append(q)
        if not queries:
            return None
        return (
            queries[0] if len(queries) == 1 else tantivy.Query.disjunction_max_query(queries, tie_breaker=TIE_BREAKER)
        )

    def _other_stems(self, field: str, lang: str, word: str, stem: str) -> list[str]:
        """The stems of the word's other forms in its language's dictionary (Spanish ``gobiernos`` -> ``gobi``, and
        ``gobierno`` -> ``gobiern``), analysed as ``field`` analyses its text; not its own."""
        forms = lemmas.other_forms(lang, word.strip())
        return list(dict.fromkeys(t for f in forms for t in self._terms(field, f)[:1] if t != stem))

    def _with_other_stems(self, q: tantivy.Query, field: str, stems: list[str], boost: float) -> tantivy.Query:
        """``q`` (one stem in a stemmed field) or one of ``stems``: the best counts."""
        others = [
            tantivy.Query.boost_query(tantivy.Query.term_query(self.schema, field, t), boost * LEMMA_BOOST)
            for t in stems
        ]
        return tantivy.Query.disjunction_max_query([q, *others])

    def _begins_a_word(self, text: str) -> bool:
        """Some word of the exact text or title begins as ``text``'s forms do (``analysis.word_start``)."""
        folded = self._tokens(text, stem=False)
        if len(folded) != 1:
            return True
        start = analysis.word_start(folded[0])
        searcher = self.index.searcher()
        return any(searcher.terms_with_prefix(field, start, limit=1) for field in ("body", "title"))

    def _cjk_query(self, run: str, target: str | None) -> tantivy.Query | None:
        """A Chinese word or phrase: its characters in a row (so every occurrence is found); a whole jieba
        word ranks higher."""
        chars = [c for c in analysis.simplified(run) if not c.isspace()]
        if not chars or target in NAME_FIELDS:
            return None
        queries = []
        if target in (None, "title"):
            queries.append(self._match_tokens("title_zh", chars, TITLE_BOOST))
        if target in (None, "body"):
            queries.append(self._match_tokens("body_zh", chars, 1.0))
        q = queries[0] if len(queries) == 1 else tantivy.Query.disjunction_max_query(queries, tie_breaker=TIE_BREAKER)
        word = tantivy.Query.term_query(self.schema, "zhw", "".join(chars))
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, q), (tantivy.Occur.Should, word)])

    def _prefix_query(self, alt: Term) -> tantivy.Query | None:
        """``word*``: in each field, the words of the index the prefix begins, scored as words are (BM25, the
        best field counting), so that the matches are ranked, not all equal; past ``PREFIX_TERMS`` words in a
        field, the most frequent few are scored and the rest still match, with a constant score below any
        word's (a regular expression). The stemmed name fields also hold stems shorter than the prefix
        ("negotiat*": "negoti")."""
        folded = self._tokens(alt.text, stem=False)
        if len(folded) != 1:
            return None
        prefix = folded[0]
        searcher = self.index.searcher()
        queries = []
        for field, boost in self._text_fields(alt.field):
            if field in ("title", "body"):
                q = self._expanded(searcher, field, prefix, ())
            elif field in NAME_FIELDS:
                q = self._expanded(searcher, field, prefix, prefix_stems(prefix))
            else:
                continue
            if q is not None:
                queries.append(tantivy.Query.boost_query(q, boost) if boost != 1.0 else q)
        if not queries:  # no word of the index begins so
            return None
        return (
            queries[0] if len(queries) == 1 else tantivy.Query.disjunction_max_query(queries, tie_breaker=TIE_BREAKER)
        )

    def _expanded(
        self, searcher: tantivy.Searcher, field: str, prefix: str, stems: list[str] | tuple[()]
    ) -> tantivy.Query | None:
        """The words of ``field`` that begin with ``prefix`` (scored as words, or past ``PREFIX_TERMS`` of them the
        most frequent few, and the rest at a constant score), or equal one of ``stems``: None when there is none."""
        words = [w for w, _ in searcher.terms_with_prefix(field, prefix, limit=PREFIX_TERMS + 1)]
        rest = len(words) > PREFIX_TERMS
        # a prefix that begins more words (``co*``) matches most of the archive through the regular expression
        # anyway: scoring many of its words too would add the cost of their long postings to it (at 1M, ``th*``
        # 73 -> 116 ms with 64 of them, 79 ms with 4)
        words = words[: PREFIX_TERMS_BROAD if rest else PREFIX_TERMS] + [
            s for s in stems if searcher.doc_freq(field, s)
        ]
        if not words:
            return None
        Should = tantivy.Occur.Should
        clauses = [(Should, tantivy.Query.term_query(self.schema, field, w)) for w in words]
        if rest:
            every = tantivy.Query.regex_query(self.schema, field, re.escape(prefix) + ".*")
            clauses.append((Should, tantivy.Query.const_score_query(every, PREFIX_REST_SCORE)))
        return clauses[0][1] if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)

    def _alternative(self, alt: Term | Phrase) -> tantivy.Query | None:
        q = self._unboosted(alt)
        if q is not None and alt.boost != 1.0:
            q = tantivy.Query.boost_query(q, alt.boost)
        return q

    def _unboosted(self, alt: Term | Phrase) -> tantivy.Query | None:
        text = alt.text if isinstance(alt, Term) else alt.words
        if isinstance(alt, Term) and not alt.prefix and len(text.split()) > 1:
            # several words in one term (a name the query holds, readingroom.names): each must match
            each = [self._unboosted(Term(w, alt.field)) for w in text.split()]
            parts = [p for p in each if p is not None]
            if not parts:
                return None
            return (
                parts[0] if len(parts) == 1 else tantivy.Query.boolean_query([(tantivy.Occur.Must, p) for p in parts])
            )
        if not analysis.has_cjk(text):
            if isinstance(alt, Term) and alt.prefix:
                return self._prefix_query(alt)
            if isinstance(alt, Variant) and alt.guess and not self._begins_a_word(text):
                return None  # a transliteration no word of the index begins with: nothing to find (and to build)
            # a name variant is a phrase analysed as words are (stemmed: inflected forms match)
            return self._words_query(text, alt.field, exact=isinstance(alt, Phrase) and not isinstance(alt, Variant))
        # Mixed or CJK text: every CJK piece and the rest must each match. An unquoted run is cut into words.
        found: list[tantivy.Query | None] = []
        for run in analysis.CJK_RUN.findall(text):
            pieces = analysis.segment(run) if isinstance(alt, Term) else [run]
            found += [self._cjk_query(p, alt.field) for p in pieces or [run]]
        rest = analysis.CJK_RUN.sub(" ", text)
        if isinstance(alt, Phrase):
            chunks = [c for c in rest.split("  ") if c.strip()] if rest.strip() else []
            found += [self._words_query(c, alt.field, exact=not isinstance(alt, Variant)) for c in chunks]
        else:
            found += [self._words_query(w, alt.field) for w in rest.split()]
        parts = [p for p in found[: analysis.MAX_QUERY_PIECES] if p is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else tantivy.Query.boolean_query([(tantivy.Occur.Must, p) for p in parts])

    def _clause(self, clause: Clause) -> tantivy.Query | None:
        pairs = [(a, self._alternative(a)) for a in clause.alternatives]
        queries = [q for _, q in pairs if q is not None]
        if not queries:
            return None
        if len(queries) == 1:
            kept = next(a for a, q in pairs if q is not None)
            others = [a for a, _ in pairs if a is not kept]
            if kept.boost != 1.0 and others and all(isinstance(a, Term | Variant) and a.guess for a in others):
                # the other forms were guessed (a transliteration) and found nothing: a plain word again, without
                # the weight of a name's typed form over the query's other words
                return self._unboosted(kept)
            return queries[0]
        if any(isinstance(a, Variant) for a in clause.alternatives):
            # a name and its other forms (readingroom.names): the best form counts, so the typed (boosted) form
            # ranks first however many other forms a document has
            return tantivy.Query.disjunction_max_query(queries, tie_breaker=0.1)
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])

    @staticmethod
    def _typed(clause: Clause) -> str | None:
        """The words of a clause when it is plain words over every field, as the reader typed them: its one word
        (or words), or a name with its other forms added (``readingroom.names``: the typed form comes first).
        None for the rest: alternatives joined by OR, phrases, prefixes, fields, Chinese."""
        first, *others = clause.alternatives
        if others and not any(isinstance(o, Variant) for o in others):
            return None  # words joined by OR
        if type(first) is not Term or first.prefix or first.field is not None or analysis.has_cjk(first.text):
            return None
        return first.text

    def _proximity(self, request: SearchRequest) -> list[tantivy.Query]:
        """The query's plain words, as typed, near one another in the exact text or title (``PROXIMITY_*``): one
        phrase a field, none for a query of fewer words, or one not ranked by relevance. The reader's other clauses
        (a phrase, a prefix, an OR) are left out of it; the words either side of them may still stand close. Known-item
        queries (six words of a paragraph, unquoted) find their FRUS document with a mean reciprocal rank of
        0.93-1.00 with it, 0.88-0.96 without, by volume (bench/known_items.py, docs/search.md): stemming lets in
        texts that have the words in other forms, and BM25 alone does not tell which text holds the passage."""
        if request.sort != "relevance":
            return []
        words = [w for w in (self._typed(c) for c in request.query.positive) if w]
        tokens: list[str | tuple[int, str]] = list(self.folded.analyze(analysis.prefold_word(" ".join(words))))
        tokens = tokens[:PROXIMITY_MAX_WORDS]
        if len(tokens) < PROXIMITY_MIN_WORDS:
            return []
        # in the text and in the title: both count when both hold the words together (searched one by one: a
        # phrase intersected with the first ranks only checks them, where in a union it would walk every match)
        near = [
            tantivy.Query.phrase_query(self.schema, field, tokens, slop=PROXIMITY_SLOP) for field in ("body", "title")
        ]
        return [tantivy.Query.boost_query(q, PROXIMITY_BOOST) for q in near] if PROXIMITY_BOOST != 1.0 else near

    def build_query(self, request: SearchRequest) -> tuple[tantivy.Query, tantivy.Query | None]:
        """(the whole query with filters, the text part alone for snippets)."""
        Must, MustNot, Should = tantivy.Occur.Must, tantivy.Occur.MustNot, tantivy.Occur.Should
        parts: list[tuple] = []
        text_parts = []
        for clause in request.query.positive:
            q = self._clause(clause)
            if q is None:  # a clause that cannot match anything (e.g. only punctuation once analysed)
                parts.append((Must, tantivy.Query.empty_query()))
            else:
                parts.append((Must, q))
                text_parts.append(q)
        for clause in request.query.negative:
            q = self._clause(clause)
            if q is not None:
                parts.append((MustNot, q))
        for facet, values in request.filters.items():
            if values:
                terms = [tantivy.Query.term_query(self.schema, f"f_{facet}", v) for v in values]
                parts.append(
                    (Must, terms[0] if len(terms) == 1 else tantivy.Query.boolean_query([(Should, t) for t in terms]))
                )
        if request.date_to is not None:
            parts.append(
                (
                    Must,
                    tantivy.Query.range_query(self.schema, "date_key", tantivy.FieldType.Integer, 1, request.date_to),
                )
            )
        if request.date_from is not None:
            parts.append(
                (
                    Must,
                    tantivy.Query.range_query(
                        self.schema, "date_end_key", tantivy.FieldType.Integer, request.date_from, None
                    ),
                )
            )
        if not any(occur == Must for occur, _ in parts):
            parts.append((Must, tantivy.Query.all_query()))
        query = parts[0][1] if len(parts) == 1 else tantivy.Query.boolean_query(parts)
        text = None
        if text_parts:
            text = (
                text_parts[0]
                if len(text_parts) == 1
                else tantivy.Query.boolean_query([(Should, q) for q in text_parts])
            )
        return query, text

    def _ranked(
        self, searcher: tantivy.Searcher, query: tantivy.Query, sort: str, offset: int, limit: int
    ) -> tuple[tantivy.SearchResult, list[tuple]]:
        """The search result (its count) and the page's ``(key, address)``s in a total order, the same on every
        node. Sorted by a field, the field holds the tie-break (``date_order``, ``title_sort``). By relevance,
        documents of equal score are ordered by ``tb``: the page is read with the whole groups of equal score
        its first and last ranks belong to (up to ``TIE_GROUP_MAX`` ranks on either side), sorted by
        (score, tb), and cut."""
        if sort != "relevance":
            field = "date_order" if sort.lstrip("-") == "date" else "title_sort"
            order = tantivy.Order.Desc if sort.startswith("-") else tantivy.Order.Asc
            result = searcher.search(
                query, limit=max(1, limit), count=True, offset=offset, order_by_field=field, order=order
            )
            return result, list(result.hits[:limit]) if limit else []
        if not limit:
            return searcher.search(query, limit=1, count=True), []
        # Ranks read before the page (its first score's group may begin there) and after it (its last score's group
        # may go on). A second search costs as much as the first, while reading more ranks costs little next to
        # the ``offset`` ranks the engine orders anyway: a deep page reads a window in proportion (at offset 5,000
        # in a 100k archive, equal scores come in groups of up to ~170 for one common word: BM25's lengths are
        # quantised; 5,000 ranks and a window of 2 x 312 cost 3.4 ms where the engine's page alone costs 3.0 and
        # each second search 3), page 1 a few ranks.
        back = min(offset, TIE_LOOK_BACK + offset // TIE_WINDOW, TIE_GROUP_MAX)
        extra = min(32 + offset // TIE_WINDOW, TIE_GROUP_MAX)
        while True:
            start = offset - back
            result = searcher.search(query, limit=back + limit + extra, count=True, offset=start)
            hits = result.hits
            if len(hits) <= back:
                return result, []
            first, last = hits[back][0], hits[min(back + limit, len(hits)) - 1][0]
            before = start > 0 and hits[0][0] == first and back < offset and back < TIE_GROUP_MAX
            after = len(hits) == back + limit + extra and hits[-1][0] == last and extra < TIE_GROUP_MAX
            if not (before or after):
                break
            if before:
                back = min(offset, back * 16, TIE_GROUP_MAX)
            if after:
                extra = min(extra * 32, TIE_GROUP_MAX)
        # Only the ranks from the start of the first score's group to the end of the last one's need ordering:
        # those before have higher scores, those after lower ones, so they keep their places (a deep page reads
        # hundreds of ranks around it, its groups are a few dozen).
        lo, hi = back, min(back + limit, len(hits))
        while lo > 0 and hits[lo - 1][0] == first:
            lo -= 1
        while hi < len(hits) and hits[hi][0] == last:
            hi += 1
        group = hits[lo:hi]
        ties = searcher.fast_field_values("tb", [address for _, address in group])
        ranking = sorted(range(len(group)), key=lambda i: (-group[i][0], ties[i] or 0))
        return result, [group[i] for i in ranking[back - lo : back - lo + limit]]

    def _near_first(
        self,
        searcher: tantivy.Searcher,
        query: tantivy.Query,
        near: list[tantivy.Query],
        offset: int,
        limit: int,
    ) -> tuple[tantivy.SearchResult, list[tuple]]:
        """``_ranked`` by relevance, its first ``PROXIMITY_WINDOW`` ranks ordered again with the scores of ``near``
        (``_proximity``) added: rescored, as a search engine's rescoring window, not scored on every match (the
        words' positions in every text holding them cost 3-8x a broad search of three words at 100k, and grow with
        the archive). The ranks past the window keep their order, below every rank of it (its scores only rise)."""
        if not limit or offset >= PROXIMITY_WINDOW:
            return self._ranked(searcher, query, "relevance", offset, limit)
        result, window = self._ranked(searcher, query, "relevance", 0, PROXIMITY_WINDOW)
        if window:
            addresses = [address for _, address in window]
            ties = searcher.fast_field_values("tb", addresses)
            # the window's documents found again by their tie-break hashes (a term look-up each, where fetching
            # their stored identifiers cost 14 µs a document); another document of the same hash gains nothing
            Should = tantivy.Occur.Should
            among = tantivy.Query.boolean_query(
                [(Should, tantivy.Query.term_query(self.schema, "tb", t)) for t in ties if t is not None]
            )
            among = tantivy.Query.const_score_query(among, 0.0)
            bonus: dict[tuple[int, int], float] = {}
            for phrase in near:
                found = searcher.search(
                    tantivy.Query.boolean_query([(tantivy.Occur.Must, phrase), (tantivy.Occur.Must, among)]),
                    limit=len(window),
                )
                for score, a in found.hits:
                    bonus[(a.segment_ord, a.doc)] = bonus.get((a.segment_ord, a.doc), 0.0) + score
            scores = [
                key + bonus.get((a.segment_ord, a.doc), 0.0) for (key, _), a in zip(window, addresses, strict=True)
            ]
            order = sorted(range(len(window)), key=lambda i: (-scores[i], ties[i] or 0))
            window = [(scores[i], addresses[i]) for i in order]
        page = window[offset : offset + limit]
        if offset + limit > PROXIMITY_WINDOW and len(window) == PROXIMITY_WINDOW:
            page += self._ranked(searcher, query, "relevance", PROXIMITY_WINDOW, offset + limit - PROXIMITY_WINDOW)[1]
        return result, page

    def _facets(
        self, searcher: tantivy.Searcher, generation: int, query: tantivy.Query, request: SearchRequest, total: int
    ) -> tuple[dict[str, list[tuple[str, int]]], list[tuple[int, int]], bool]:
        """The facet and year counts of the ``total`` matches, and whether they are exact: past FACET_SAMPLE_FROM
        matches they are counted on a sample of about FACET_SAMPLE (a fixed share of the documents, chosen by
        the hash ``tb``, so the same for every search and every node) and scaled. Kept for the index version
        ``generation`` (the searcher's: taken before it) for the next READINGROOM_FACET_CACHE searches; a
        commit or a reload makes a new version."""
        keep = settings.READINGROOM_FACET_CACHE
        key = (
            generation,
            repr(request.query),
            tuple(sorted((f, tuple(v)) for f, v in request.filters.items())),
            request.date_from,
            request.date_to,
            request.facet_size,
        )
        with self._lock:
            cached = self._facet_cache.get(key) if keep > 0 else None
            if cached is not None:
                self._facet_cache.move_to_end(key)
                return cached
        aggs = {f: {"terms": {"field": f"f_{f}", "size": request.facet_size}} for f in FACETS}
        aggs["years"] = {"histogram": {"field": "year", "interval": 1, "min_doc_count": 1}}
        scale, counted = 1.0, query
        if total > FACET_SAMPLE_FROM:
            share = FACET_SAMPLE / total  # of the documents: tb is uniform over [0, 2**63)
            bound = int(share * 2**63)
            sample = tantivy.Query.range_query(self.schema, "tb", tantivy.FieldType.Integer, 0, bound)
            counted = tantivy.Query.boolean_query([(tantivy.Occur.Must, query), (tantivy.Occur.Must, sample)])
            scale = 2**63 / (bound + 1)
        out = searcher.aggregate(counted, aggs)

        def n(bucket: dict) -> int:
            return round(int(bucket["doc_count"]) * scale)

        facets = {f: [(b["key"], n(b)) for b in out.get(f, {}).get("buckets", [])] for f in FACETS}
        years = [(int(b["key"]), n(b)) for b in out.get("years", {}).get("buckets", []) if b["doc_count"]]
        kept = (facets, years, scale == 1.0)
        if keep > 0:
            with self._lock:
                self._facet_cache[key] = kept
                while len(self._facet_cache) > keep:
                    self._facet_cache.popitem(last=False)
        return kept

    def search(self, request: SearchRequest) -> SearchResults:
        self._refresh()
        generation = self._generation
        searcher = self.index.searcher()
        query, text_query = self.build_query(request)
        sort = request.sort
        if sort == "relevance" and not request.query.positive:  # nothing to rank by: newest first
            sort = "-date"
        near = self._proximity(request) if sort == "relevance" else []
        if near:
            result, ranked = self._near_first(searcher, query, near, request.offset, request.limit)
        else:
            result, ranked = self._ranked(searcher, query, sort, request.offset, request.limit)
        hits = []
        patterns = snippets.Patterns(request.query)
        for key, address in ranked:
            doc = searcher.doc(address)
            text = ""
            if request.snippets:
                stored = doc["text"]  # each look-up converts the value again (4.5 KB for a body)
                text = snippets.snippet(stored[0].decode() if stored else "", patterns.get(doc["langs"]))
            hits.append(Hit(id=doc["id"][0], score=float(key) if sort == "relevance" else 0.0, snippet=text))
        total = result.count  # type: ignore[attr-defined]  # set since count=True; tantivy's stub omits the attribute
        facets, years, exact = (
            self._facets(searcher, generation, query, request, total) if request.facets else ({}, [], True)
        )
        return SearchResults(total=total, hits=hits, facets=facets, years=years, facets_exact=exact)
