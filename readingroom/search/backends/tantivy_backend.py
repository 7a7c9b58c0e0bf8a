"""The embedded default: tantivy (a Lucene-like engine in Rust), its index under ``<data dir>/search``.

Text is analysed the same way for indexing and querying: Unicode-aware words, lower case, folded to
ASCII ("Mëhilli" -> "mehilli"), English stemming ("negotiations" -> "negoti"). Facets are raw-string fast
fields counted with aggregations. Web workers only read; one process at a time writes (tantivy's lock).
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import tantivy
from django.conf import settings

from readingroom.search import snippets
from readingroom.search.backends.base import FACETS, Hit, SearchBackend, SearchRequest, SearchResults
from readingroom.search.query import Clause, Phrase, Term, prefix_stems

SCHEMA_VERSION = "1"
TEXT_FIELDS = ("title", "body", "people", "places", "archive")
TITLE_BOOST = 3.0


def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("title", stored=True, tokenizer_name="rr")
    sb.add_text_field("body", stored=True, tokenizer_name="rr")
    for name in ("people", "places", "archive"):
        sb.add_text_field(name, tokenizer_name="rr")
    for facet in FACETS:
        sb.add_text_field(f"f_{facet}", fast=True, tokenizer_name="raw", index_option="basic")
    for name in ("year", "date_key", "date_end_key"):
        sb.add_integer_field(name, fast=True, indexed=True)
    sb.add_text_field("title_sort", fast=True, tokenizer_name="raw", index_option="basic")
    return sb.build()


def analyzer(stem: bool = True) -> tantivy.TextAnalyzer:
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(60))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
    )
    if stem:
        builder = builder.filter(tantivy.Filter.stemmer("english"))
    return builder.build()


class TantivyBackend(SearchBackend):
    name = "tantivy"

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path or Path(settings.DATA_DIR) / "search" / "tantivy")
        self.schema = build_schema()
        self.stemmed = analyzer(stem=True)
        self.folded = analyzer(stem=False)
        self._writer = None
        self._lock = threading.Lock()
        self._meta_mtime = 0.0
        self.index = self._open()

    # -- index lifecycle -------------------------------------------------------------------------
    def _open(self) -> tantivy.Index:
        version = self.path / "readingroom-schema-version"
        if self.path.exists() and (not version.exists() or version.read_text().strip() != SCHEMA_VERSION):
            # An index from another schema version: start empty; `readingroom reindex` refills it from the records.
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        index.register_tokenizer("rr", self.stemmed)
        version.write_text(SCHEMA_VERSION)
        return index

    def _get_writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            self._writer = self.index.writer(heap_size=128_000_000, num_threads=1)
        return self._writer

    def add(self, docs: list[dict]) -> None:
        writer = self._get_writer()
        for d in docs:
            writer.delete_documents_by_term("id", d["id"])
            fields = {
                "id": [d["id"]],
                "title": [d["title"]],
                "body": [d["body"]],
                "people": [d["people"]],
                "places": [d["places"]],
                "archive": [d["archive"]],
                "date_key": [d["date_key"]],
                "date_end_key": [d["date_end_key"]],
                "title_sort": [d["title_sort"]],
            }
            if d["year"] is not None:
                fields["year"] = [d["year"]]
            for facet in FACETS:
                if d[facet]:
                    fields[f"f_{facet}"] = list(d[facet])
            writer.add_document(tantivy.Document(**fields))

    def delete(self, ids: list[str]) -> None:
        writer = self._get_writer()
        for ident in ids:
            writer.delete_documents_by_term("id", ident)

    def commit(self) -> None:
        if self._writer is not None:
            self._writer.commit()
            self.index.reload()

    def reset(self) -> None:
        writer = self._get_writer()
        writer.delete_all_documents()
        writer.commit()
        self.index.reload()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.wait_merging_threads()
            self._writer = None

    def count(self) -> int:
        self._refresh()
        return self.index.searcher().num_docs

    def _refresh(self) -> None:
        """See what another process committed (an import next to the web server)."""
        meta = self.path / "meta.json"
        try:
            mtime = meta.stat().st_mtime
        except FileNotFoundError:
            return
        if mtime != self._meta_mtime:
            with self._lock:
                self.index.reload()
                self._meta_mtime = mtime

    # -- queries -----------------------------------------------------------------------------------
    def _tokens(self, text: str, stem: bool = True) -> list[str]:
        return [t for t in (self.stemmed if stem else self.folded).analyze(text)]

    def _field_query(self, alt: Term | Phrase, field: str) -> tantivy.Query | None:
        if isinstance(alt, Term) and alt.prefix:
            folded = self._tokens(alt.text, stem=False)
            if len(folded) != 1:
                return None
            pattern = "|".join([folded[0] + ".*", *prefix_stems(folded[0])])
            q = tantivy.Query.regex_query(self.schema, field, pattern)
        else:
            words = alt.text if isinstance(alt, Term) else alt.words
            tokens = self._tokens(words)
            if not tokens:
                return None
            if len(tokens) == 1:
                q = tantivy.Query.term_query(self.schema, field, tokens[0])
            else:
                q = tantivy.Query.phrase_query(self.schema, field, tokens)
        if field == "title":
            q = tantivy.Query.boost_query(q, TITLE_BOOST)
        return q

    def _alternative(self, alt: Term | Phrase) -> tantivy.Query | None:
        fields = [alt.field] if alt.field else list(TEXT_FIELDS)
        queries = [q for q in (self._field_query(alt, f) for f in fields) if q is not None]
        if not queries:
            return None
        return queries[0] if len(queries) == 1 else tantivy.Query.disjunction_max_query(queries, tie_breaker=0.1)

    def _clause(self, clause: Clause) -> tantivy.Query | None:
        queries = [q for q in (self._alternative(a) for a in clause.alternatives) if q is not None]
        if not queries:
            return None
        if len(queries) == 1:
            return queries[0]
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])

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
                parts.append((Must, terms[0] if len(terms) == 1 else tantivy.Query.boolean_query([(Should, t) for t in terms])))
        if request.date_to is not None:
            parts.append((Must, tantivy.Query.range_query(self.schema, "date_key", tantivy.FieldType.Integer, 1, request.date_to)))
        if request.date_from is not None:
            parts.append((Must, tantivy.Query.range_query(self.schema, "date_end_key", tantivy.FieldType.Integer, request.date_from, None)))
        if not any(occur == Must for occur, _ in parts):
            parts.append((Must, tantivy.Query.all_query()))
        query = parts[0][1] if len(parts) == 1 else tantivy.Query.boolean_query(parts)
        text = None
        if text_parts:
            text = text_parts[0] if len(text_parts) == 1 else tantivy.Query.boolean_query([(Should, q) for q in text_parts])
        return query, text

    def search(self, request: SearchRequest) -> SearchResults:
        self._refresh()
        searcher = self.index.searcher()
        query, text_query = self.build_query(request)
        kwargs = {}
        sort = request.sort
        if sort == "relevance" and not request.query.positive:  # nothing to rank by: newest first
            sort = "-date"
        if sort != "relevance":
            kwargs["order_by_field"] = "date_key" if sort.lstrip("-") == "date" else "title_sort"
            kwargs["order"] = tantivy.Order.Desc if sort.startswith("-") else tantivy.Order.Asc
        result = searcher.search(query, limit=max(1, request.limit), count=True, offset=request.offset, **kwargs)
        hits = []
        regex = snippets.pattern(request.query) if request.snippets else None
        for key, address in result.hits[: request.limit] if request.limit else []:
            doc = searcher.doc(address)
            text = snippets.snippet(doc["body"][0] if doc["body"] else "", regex) if request.snippets else ""
            hits.append(Hit(id=doc["id"][0], score=float(key) if sort == "relevance" else 0.0, snippet=text))
        facets, years = {}, []
        if request.facets:
            aggs = {f: {"terms": {"field": f"f_{f}", "size": request.facet_size}} for f in FACETS}
            aggs["years"] = {"histogram": {"field": "year", "interval": 1, "min_doc_count": 1}}
            out = searcher.aggregate(query, aggs)
            for f in FACETS:
                facets[f] = [(b["key"], int(b["doc_count"])) for b in out.get(f, {}).get("buckets", [])]
            years = [(int(b["key"]), int(b["doc_count"])) for b in out.get("years", {}).get("buckets", []) if b["doc_count"]]
        return SearchResults(total=result.count, hits=hits, facets=facets, years=years)
