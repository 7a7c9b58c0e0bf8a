"""``/api/documents/<id>/cite``, ``/api/documents/<id>/export``, ``/api/search/export`` and ``/oai``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from readingroom.api.views import error
from readingroom.documents.services import DocumentNotFound, InvalidQuery
from readingroom.publish import oai as oai_provider
from readingroom.publish import services
from readingroom.publish.citations import UnknownStyle
from readingroom.publish.formats import UnknownFormat, bibtex_key


@require_GET
def cite(request: HttpRequest, doc_id: str) -> HttpResponse:
    style = request.GET.get("style") or "archive"
    try:
        citation = services.cite(doc_id, style, services.base_url(request))
    except DocumentNotFound as exc:
        return error(404, str(exc))
    except UnknownStyle as exc:
        return error(400, str(exc))
    if request.GET.get("format") == "json":
        return JsonResponse({"id": doc_id, **citation}, json_dumps_params={"ensure_ascii": False})
    if request.GET.get("format") == "html":
        return HttpResponse(citation["html"], content_type="text/html; charset=utf-8")
    if request.GET.get("format") not in (None, "", "text"):
        return error(400, "format must be text, html or json")
    return HttpResponse(citation["text"] + "\n", content_type="text/plain; charset=utf-8")


def _attachment(response: HttpResponse, filename: str, download: bool) -> HttpResponse:
    if download:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def export_document(request: HttpRequest, doc_id: str) -> HttpResponse:
    try:
        fmt, body = services.export_document(doc_id, request.GET.get("format"), services.base_url(request))
    except DocumentNotFound as exc:
        return error(404, str(exc))
    except UnknownFormat as exc:
        return error(400, str(exc))
    response = HttpResponse(body, content_type=fmt.media_type)
    return _attachment(response, f"{bibtex_key(doc_id)}.{fmt.extension}", request.GET.get("download") != "0")


@require_GET
def export_search(request: HttpRequest) -> HttpResponse:
    try:
        fmt, chunks = services.export_search(request.GET, request.GET.get("format"), services.base_url(request))
    except (InvalidQuery, UnknownFormat) as exc:
        return error(400, str(exc))
    response = StreamingHttpResponse((c.encode() for c in chunks), content_type=fmt.media_type)
    return _attachment(response, f"search-results.{fmt.extension}", request.GET.get("download") != "0")


@csrf_exempt
@require_http_methods(["GET", "POST", "HEAD"])
def oai(request: HttpRequest) -> HttpResponse:
    """OAI-PMH 2.0 (GET, or POST with application/x-www-form-urlencoded arguments)."""
    query = request.POST if request.method == "POST" else request.GET
    result = oai_provider.Provider(services.base_url(request)).handle(oai_provider.iter_args(query))
    return HttpResponse(result.xml, content_type="text/xml; charset=utf-8", status=result.status)


@require_GET
def robots(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search",
        "Disallow: /api/search",
        "Allow: /",
        f"Sitemap: {services.base_url(request)}/sitemap.xml",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
