"""``/search`` (with its ``.json`` twin) and ``/api/search``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from readingroom.api.views import api_view, error
from readingroom.documents.services import InvalidQuery
from readingroom.search import services
from readingroom.search.backends.base import SORTS


@api_view
def api_search(request: HttpRequest) -> JsonResponse:
    facets = request.GET.get("facets", "1").lower() not in {"0", "false", "no"}
    try:
        page = services.search(request.GET, facets=facets)
    except InvalidQuery as exc:
        return error(400, str(exc))
    return JsonResponse(page.as_json(), json_dumps_params={"ensure_ascii": False})


@require_GET
def search_page(request: HttpRequest, format: str | None = None) -> HttpResponse:
    if format == "json":
        return api_search(request)
    try:
        page = services.search(request.GET)
    except InvalidQuery as exc:
        return render(request, "search/results.html", {"error": str(exc), "q": request.GET.get("q", "")}, status=400)
    query = request.GET.copy()
    query.pop("page", None)

    def toggle(facet: str, value: str) -> str:
        params = query.copy()
        values = params.getlist(facet)
        params.setlist(facet, [v for v in values if v != value] if value in values else [*values, value])
        return "?" + params.urlencode()

    facets = page.facet_list()
    names = services.language_names()
    for f in facets:
        for v in f["values"]:
            v["href"] = toggle(f["name"], v["value"])
    context = {
        "page": page,
        "q": page.q,
        "facets": facets,
        "query": query.urlencode(),
        "export_formats": [("bibtex", "BibTeX"), ("ris", "RIS"), ("csl-json", "CSL-JSON"), ("dc", "Dublin Core"), ("json", "JSON")],
        "sorts": [(s, label) for s, label in zip(SORTS, ["Relevance", "Date, oldest first", "Date, newest first", "Title, A–Z", "Title, Z–A"])],
        "selected": [
            (f, v, toggle(f, v), names.get(v, v) if f in {"language", "translation"} else v)
            for f, vals in page.filters.items()
            for v in vals
        ],
    }
    response = render(request, "search/results.html", context)
    response["Link"] = f'</search.json?{request.GET.urlencode()}>; rel="alternate"; type="application/json"'
    return response
