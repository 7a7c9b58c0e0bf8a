"""Search as every interface uses it: ``/search``, ``/api/search`` and ``readingroom search``."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from django.db import connection

from readingroom.documents import models as dm
from readingroom.names.services import expand, notice
from readingroom.records.params import InvalidQuery, parse_int
from readingroom.records.queries import PUBLISHED
from readingroom.records.serialise import date_json, summary
from readingroom.scans.models import Page
from readingroom.search.backends import get_backend
from readingroom.search.backends.base import FACETS, SORTS, SearchRequest, SearchResults
from readingroom.search.query import ParsedQuery, parse

MAX_PER_PAGE = 100
MAX_RESULT_WINDOW = 100_000
#: pages beyond this are refused (with the largest page size that is the whole window)
MAX_PAGE = 1000
FACET_LABELS = {
    "language": "Original language",
    "translation": "Translation",
    "repository": "Archive",
    "collection": "Collection",
    "subject": "Subject",
    "person": "Person",
    "place": "Place",
    "type": "Document type",
    "classification": "Classification",
}


@dataclass
class SearchPage:
    q: str
    parsed: ParsedQuery
    request: SearchRequest
    results: SearchResults
    documents: list[dict]
    page: int
    per_page: int
    filters: dict[str, list[str]]
    date_from: str
    date_to: str
    notices: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.results.total

    @property
    def pages(self) -> int:
        return max(1, min(MAX_PAGE, math.ceil(min(self.total, MAX_RESULT_WINDOW) / self.per_page)))

    def facet_list(self, names: dict[str, str] | None = None) -> list[dict]:
        """Facets with labels and human names (language codes become names; ``names``: the table of
        :func:`language_names` when the caller has it)."""
        if names is None:
            names = language_names() if any(self.results.facets.get(f) for f in ("language", "translation")) else {}
        out = []
        for facet in FACETS:
            buckets = self.results.facets.get(facet, [])
            if not buckets:
                continue
            values = []
            for value, count in buckets:
                label = names.get(value, value) if facet in {"language", "translation"} else value
                values.append(
                    {"value": value, "label": label, "count": count, "selected": value in self.filters.get(facet, [])}
                )
            out.append({"name": facet, "label": FACET_LABELS[facet], "values": values})
        return out

    def decades(self) -> list[tuple[int, int]]:
        acc: dict[int, int] = {}
        for year, n in self.results.years:
            acc[year // 10 * 10] = acc.get(year // 10 * 10, 0) + n
        return sorted(acc.items())

    def as_json(self) -> dict:
        return {
            "q": self.q,
            "total": self.total,
            "total_exact": self.results.total_exact,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "sort": self.request.sort,
            "filters": self.filters,
            "date_from": self.date_from or None,
            "date_to": self.date_to or None,
            "notices": self.notices,
            "results": self.documents,
            "facets": {
                f["name"]: [{"value": v["value"], "label": v["label"], "count": v["count"]} for v in f["values"]]
                for f in self.facet_list()
            },
            "facets_exact": self.results.facets_exact,
            "years": [{"year": y, "count": n} for y, n in self.results.years],
            "decades": [{"decade": d, "count": n} for d, n in self.decades()],
        }


def language_names() -> dict[str, str]:
    """Language code -> name, for facet labels (a small table; read each time so new languages show)."""
    return dict(dm.Language.objects.values_list("code", "name"))


def _date_bound(value: str, end: bool, name: str) -> int | None:
    if not value:
        return None
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", value.strip())
    if not m:
        raise InvalidQuery(f"{name} must be a year, YYYY-MM or YYYY-MM-DD, not {value!r}")
    y, mo, d = int(m[1]), m[2], m[3]
    if mo and not 1 <= int(mo) <= 12 or d and not 1 <= int(d) <= 31:
        raise InvalidQuery(f"{name}: {value!r} is not a date")
    if d:
        return y * 10000 + int(mo) * 100 + int(d)
    if mo:
        return y * 10000 + int(mo) * 100 + (31 if end else 1)
    return y * 10000 + (1231 if end else 101)


def _getlist(params: Mapping, key: str) -> list[str]:
    if hasattr(params, "getlist"):
        values = params.getlist(key)
    else:
        v = params.get(key)
        values = v if isinstance(v, list) else ([v] if v else [])
    return [str(x) for x in values if str(x).strip()]


def _request(params: Mapping, *, facets: bool, snippets: bool) -> tuple[SearchRequest, dict]:
    """Parse request-like parameters into a backend request (see :func:`search`)."""
    q = str(params.get("q") or "")
    parsed = parse(q)
    sort = params.get("sort") or "relevance"
    if sort not in SORTS:
        raise InvalidQuery(f"sort must be one of {', '.join(SORTS)}")
    per_page = parse_int(params.get("per_page"), "per_page", 1, MAX_PER_PAGE, 20)
    page = parse_int(params.get("page"), "page", 1, 10**9, 1)
    if page > MAX_PAGE or (page - 1) * per_page >= MAX_RESULT_WINDOW:
        raise InvalidQuery(
            f"pages past {MAX_PAGE:,} (or results past the first {MAX_RESULT_WINDOW:,}) cannot be "
            "paged to; narrow the search"
        )
    filters = {f: vals for f in FACETS if (vals := _getlist(params, f)[:20])}
    date_from_s = str(params.get("date_from") or "")
    date_to_s = str(params.get("date_to") or "")
    date_from = _date_bound(date_from_s, False, "date_from")
    date_to = _date_bound(date_to_s, True, "date_to")
    if params.get("year"):
        y = parse_int(params.get("year"), "year", 1, 9999, 0)
        date_from, date_to = max(date_from or 0, y * 10000 + 101), min(date_to or 99991231, y * 10000 + 1231)
    if params.get("decade"):
        d = parse_int(params.get("decade"), "decade", 1, 9990, 0) // 10 * 10
        date_from, date_to = max(date_from or 0, d * 10000 + 101), min(date_to or 99991231, (d + 9) * 10000 + 1231)
    expanded, names = expand_names(parsed)
    request = SearchRequest(
        query=expanded,
        filters=filters,
        date_from=date_from,
        date_to=date_to,
        sort=sort,
        offset=(page - 1) * per_page,
        limit=per_page,
        facets=facets,
        snippets=snippets,
    )
    return request, {
        "q": q,
        "page": page,
        "per_page": per_page,
        "date_from": date_from_s,
        "date_to": date_to_s,
        "parsed": parsed,
        "names": names,
    }


def expand_names(parsed: ParsedQuery) -> tuple[ParsedQuery, list]:
    """Names across scripts (``readingroom.names``): a name in the query also finds its other forms, in any
    script (``Mao Zedong`` = ``Mao Tse-tung`` = ``Мао Цзэдун`` = ``毛泽东``); the typed form ranks first. Done
    here, before the backend, so every backend does it. A query without a known name is left as it is."""
    if os.environ.get("READINGROOM_NAME_VARIANTS", "1") == "0":  # off (for measuring; docs/search.md)
        return parsed, []
    return expand(parsed, cyrillic_texts="ru" in get_backend().languages())


def index_version() -> str | None:
    """The search index's version as every process sees it (None: the backend does not tell)."""
    return get_backend().version()


def search(params: Mapping, *, facets: bool = True, snippets: bool = True) -> SearchPage:
    """Run a search from request-like parameters.

    ``q``; filters ``language``, ``translation``, ``repository``, ``collection``, ``subject``, ``person``,
    ``place``, ``type``, ``classification`` (repeatable: any of the values); ``date_from``/``date_to``
    (YYYY, YYYY-MM or YYYY-MM-DD), ``year``, ``decade``; ``sort`` (relevance, date, -date, title, -title);
    ``page``, ``per_page``.

    :raises InvalidQuery: for parameters out of range; the query text itself never raises
    """
    request, p = _request(params, facets=facets, snippets=snippets)
    results = get_backend().search(request)
    documents = hydrate(results)
    return SearchPage(
        p["q"],
        p["parsed"],
        request,
        results,
        documents,
        p["page"],
        p["per_page"],
        request.filters,
        p["date_from"],
        p["date_to"],
        notices=list(request.query.notices) + notice(p["names"]),
    )


def iter_result_ids(params: Mapping, *, chunk: int = 500, limit: int = MAX_RESULT_WINDOW) -> Iterator[str]:
    """Every matching identifier in result order (up to ``limit``), fetched ``chunk`` at a time: what a
    result-set export reads. ``page``/``per_page`` are ignored.

    :raises InvalidQuery: as :func:`search`, before anything is yielded
    """
    params = {
        k: (params.getlist(k) if hasattr(params, "getlist") else params[k])
        for k in params
        if k not in {"page", "per_page", "format"}
    }
    params = {k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in params.items()}
    request, _ = _request(params, facets=False, snippets=False)
    return _ids(request, chunk, limit)


def _ids(request: SearchRequest, chunk: int, limit: int) -> Iterator[str]:
    backend = get_backend()
    offset = 0
    while offset < limit:
        request.offset, request.limit = offset, min(chunk, limit - offset)
        hits = backend.search(request).hits
        yield from (h.id for h in hits)
        if len(hits) < request.limit:
            return
        offset += len(hits)


def hydrate(results: SearchResults) -> list[dict]:
    """The hits as document summaries (``records.serialise.summary``) read from the record database, which
    wins: a record that is gone is left out. Two plain queries (no model instances): this runs on every
    search."""
    ids = [h.id for h in results.hits]
    if not ids:
        return []
    # Raw SQL: compiling the equivalent ORM queries cost more than running them. The tables are the models'.
    doc_t, lang_t, dl_t = dm.Document._meta.db_table, dm.Language._meta.db_table, dm.DocumentLanguage._meta.db_table
    page_t = Page._meta.db_table
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cur:
        # Looked up by identifier alone (the unique index), the state checked on the fetched rows: with
        # ``AND status = ...`` in SQL, SQLite without ANALYZE statistics takes the status equality for the
        # selective one and walks every published document through a status-first browse index
        # (tests/test_query_plans.py).
        cur.execute(
            "SELECT identifier, id, title, date_display, date_start, date_end, date_certainty, summary, "  # noqa: S608 - table names from the models' _meta, values as parameters
            f"ref_repository, archive, status FROM {doc_t} WHERE identifier IN ({marks})",
            ids,
        )
        rows = {row[0]: row[:-1] for row in cur.fetchall() if row[-1] == PUBLISHED}
        pks = [row[1] for row in rows.values()]
        languages: dict[int, list[dict]] = {}
        scanned: set[int] = set()
        if pks:
            pk_marks = ", ".join(["%s"] * len(pks))
            cur.execute(
                f"SELECT dl.document_id, dl.language_id, l.name FROM {dl_t} dl "  # noqa: S608 - table names from the models' _meta, values as parameters
                f"JOIN {lang_t} l ON l.code = dl.language_id "
                f"WHERE dl.document_id IN ({pk_marks}) ORDER BY dl.document_id, dl.position",
                pks,
            )
            for doc_id, code, name in cur.fetchall():
                languages.setdefault(doc_id, []).append({"code": code, "name": name})
            cur.execute(
                f"SELECT DISTINCT document_id FROM {page_t} WHERE document_id IN ({pk_marks})",  # noqa: S608 - table name from the model's _meta, values as parameters
                pks,
            )
            scanned = {row[0] for row in cur.fetchall()}
    out = []
    for hit in results.hits:
        row = rows.get(hit.id)
        if row is None:
            continue
        ident, pk, title, display, start, end, certainty, text, repository, archive = row
        out.append(
            summary(
                ident,
                title=title,
                date=date_json(display, start, end, certainty),
                summary=text,
                languages=languages.get(pk, []),
                repository=repository,
                archive=archive,
            )
            | {"has_scans": pk in scanned, "snippet": hit.snippet, "score": round(hit.score, 4)}
        )
    return out
