"""``/search`` (with its ``.json`` twin) and ``/api/search``.

For readers without a session, each process keeps its last ``READINGROOM_SEARCH_PAGE_CACHE`` answers (128;
0: none) of at most 256 KB, under the newest audit event (every write to the archive makes one) and the search
index's version (every commit of the index changes it), both read before the search: what an answer shows is
never older than the state it is kept under, so no reader sees a page from before a committed edit, publish,
withdrawal or index update.

A query longer than ``READINGROOM_MAX_QUERY_LENGTH`` characters (default 1,000) is trimmed to it (at a
space when there is one near the end) and searched, with a notice saying so. No request input goes into a
response header unbounded: the ``Link`` to the JSON twin is left out when it would be longer than
``READINGROOM_MAX_LINK_HEADER``.
"""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from readingroom.documents.pagecache import cached_page, newest_event
from readingroom.records.params import InvalidQuery
from readingroom.search import services
from readingroom.search.backends.base import SORTS
from readingroom.web.charts import year_bars
from readingroom.web.http import api_view, error, link_json_twin
from readingroom.web.templatetags.reading import language_name


def trim_query(q: str, limit: int | None = None) -> tuple[str, str | None]:
    """``q`` cut to at most ``limit`` characters (READINGROOM_MAX_QUERY_LENGTH), at the last space in the
    final tenth when there is one; and the notice to show when it was cut."""
    limit = settings.READINGROOM_MAX_QUERY_LENGTH if limit is None else limit
    if len(q) <= limit:
        return q, None
    cut = q[:limit]
    space = cut.rfind(" ", limit * 9 // 10)
    if space > 0:
        cut = cut[:space]
    cut = cut.rstrip()

    def n(x: int) -> str:
        return number_format(x, force_grouping=True)

    return cut, _(
        "The query was %(length)s characters long; only its first %(searched)s were searched "
        "(queries are limited to %(limit)s characters)."
    ) % {"length": n(len(q)), "searched": n(len(cut)), "limit": n(limit)}


def bounded_params(request: HttpRequest):
    """The request's parameters with ``q`` trimmed (see :func:`trim_query`), and the notice if it was."""
    q, notice = trim_query(request.GET.get("q", ""))
    if notice is None:
        return request.GET, None
    params = request.GET.copy()
    params["q"] = q
    return params, notice


#: the largest answer kept in the "searches" cache
KEPT_BYTES = 256 * 1024


def page_state() -> tuple | None:
    """What a search's answer depends on besides its request (None: answers are not kept)."""
    if settings.READINGROOM_SEARCH_PAGE_CACHE <= 0:
        return None
    version = services.index_version()
    return None if version is None else (newest_event(), version)


kept = cached_page(page_state, using="searches", max_bytes=KEPT_BYTES)


@kept
def _api_search(request: HttpRequest) -> JsonResponse:
    facets = request.GET.get("facets", "1").lower() not in {"0", "false", "no"}
    params, notice = bounded_params(request)
    try:
        page = services.search(params, facets=facets)
    except InvalidQuery as exc:
        return error(400, str(exc))
    if notice:
        page.notices.insert(0, notice)
    return JsonResponse(page.as_json(), json_dumps_params={"ensure_ascii": False})


api_search = api_view(_api_search)


#: the facets' names for readers, in the interface language
FACET_LABELS = {
    "language": gettext_lazy("Original language"),
    "translation": gettext_lazy("Translation"),
    "repository": gettext_lazy("Archive"),
    "collection": gettext_lazy("Collection"),
    "subject": gettext_lazy("Subject"),
    "person": gettext_lazy("Person"),
    "place": gettext_lazy("Place"),
    "type": gettext_lazy("Document type"),
    "classification": gettext_lazy("Classification"),
}


def _year_chart(page, pairs: list[tuple[str, str]]) -> dict | None:
    """The results by year as bars; a bar links to the same search narrowed to its years."""
    kept = urlencode([(k, v) for k, v in pairs if k not in {"date_from", "date_to", "year", "decade", "page"}])

    def href(first: int, last: int) -> str:
        return f"?{kept}&date_from={first}&date_to={last}" if kept else f"?date_from={first}&date_to={last}"

    selected = None
    if page.date_from[:4].isdigit() and page.date_to[:4].isdigit():
        selected = (int(page.date_from[:4]), int(page.date_to[:4]))
    return year_bars(page.results.years, href, selected)


@require_GET
def search_page(request: HttpRequest, format: str | None = None) -> HttpResponseBase:
    if format == "json":
        return _api_search(request)
    return _search_page(request)


@kept
def _search_page(request: HttpRequest) -> HttpResponseBase:
    params, notice = bounded_params(request)
    try:
        page = services.search(params)
    except InvalidQuery as exc:
        return render(request, "search/results.html", {"error": str(exc), "q": params.get("q", "")}, status=400)
    if notice:
        page.notices.insert(0, notice)
    query = params.copy()
    query.pop("page", None)
    pairs = [(k, v) for k, vals in query.lists() for v in vals]
    encoded = urlencode(pairs)  # once: a link that adds a value appends it

    def toggle(facet: str, value: str) -> str:
        if (facet, value) in chosen:
            return "?" + urlencode([p for p in pairs if p != (facet, value)])
        return f"?{encoded}&{urlencode([(facet, value)])}" if encoded else "?" + urlencode([(facet, value)])

    chosen = set(pairs)
    names = services.language_names()
    facets = page.facet_list(names)

    for f in facets:
        f["label"] = FACET_LABELS.get(f["name"], f["label"])
        for v in f["values"]:
            v["href"] = toggle(f["name"], v["value"])
            if f["name"] in {"language", "translation"}:
                v["label"] = language_name(v["value"], v["label"])
    context = {
        "page": page,
        "q": page.q,
        "facets": facets,
        "query": query.urlencode(),
        "export_formats": [
            ("bibtex", "BibTeX"),
            ("ris", "RIS"),
            ("csl-json", "CSL-JSON"),
            ("dc", "Dublin Core"),
            ("json", "JSON"),
        ],
        "sorts": [
            (s, label)
            for s, label in zip(
                SORTS,
                [_("Relevance"), _("Date, oldest first"), _("Date, newest first"), _("Title, A–Z"), _("Title, Z–A")],
                strict=True,
            )
        ],
        "year_chart": _year_chart(page, pairs),
        "selected": [
            (f, v, toggle(f, v), language_name(v, names.get(v, v)) if f in {"language", "translation"} else v)
            for f, vals in page.filters.items()
            for v in vals
        ],
    }
    # The facet column and the year chart are the dearest part of the template (9 facets of up to 20 links, the
    # bars) and the same for every page of a search: kept, per process (the "fragments" cache), under what they
    # are made of. 10.5 -> 8.4 ms a repeated search page at 100k; a new search pays the key and the set, ~1 ms.
    made_of = [get_language(), context["query"], facets, page.decades, page.results.facets_exact, context["year_chart"]]
    context["side_key"] = hashlib.sha256(json.dumps(made_of, default=str, sort_keys=True).encode()).hexdigest()
    response = render(request, "search/results.html", context)
    return link_json_twin(response, f"/search.json?{params.urlencode()}")
