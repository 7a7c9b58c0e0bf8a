"""``/api/documents/<id>/cite``, ``/api/documents/<id>/export``, ``/api/search/export`` and ``/oai``."""

from __future__ import annotations

from typing import TypeVar

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from readingroom.publish import formats, services
from readingroom.publish import oai as oai_provider
from readingroom.publish.citations import UnknownStyle
from readingroom.publish.formats import UnknownFormat, bibtex_key
from readingroom.records.params import InvalidQuery
from readingroom.records.queries import DocumentNotFound, DocumentWithdrawn
from readingroom.records.serialise import document_record
from readingroom.web.http import api_view, error, preview_document

CITE_FORMATS = ("text", "html", "json")


@api_view
def cite(request: HttpRequest, doc_id: str) -> HttpResponse:
    style = request.GET.get("style", "archive")
    output = request.GET.get("format", "text")
    if output not in CITE_FORMATS:
        return error(400, f"format must be one of {', '.join(CITE_FORMATS)}, not {output!r}")
    try:
        citation = services.cite(doc_id, style, services.base_url(request))
    except DocumentWithdrawn as exc:
        return error(410, str(exc))
    except DocumentNotFound as exc:
        return error(404, str(exc))
    except UnknownStyle as exc:
        return error(400, str(exc))
    if output == "json":
        return JsonResponse({"id": doc_id, **citation}, json_dumps_params={"ensure_ascii": False})
    if output == "html":
        return HttpResponse(citation["html"], content_type="text/html; charset=utf-8")
    return HttpResponse(citation["text"] + "\n", content_type="text/plain; charset=utf-8")


def _download(request: HttpRequest) -> bool:
    """:raises InvalidQuery: for a ``download`` other than 0 or 1"""
    value = request.GET.get("download", "1")
    if value not in {"0", "1"}:
        raise InvalidQuery(f"download must be 0 or 1, not {value!r}")
    return value == "1"


_Response = TypeVar("_Response", bound=HttpResponseBase)


def _attachment(response: _Response, filename: str, download: bool) -> _Response:
    if download:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _preview_export(request: HttpRequest, doc_id: str, format_name: str | None, base: str):
    """An unpublished document's export for a signed-in editor who may preview it (the rule of its page's
    preview), else ``None``."""
    doc = preview_document(request, doc_id)
    if doc is None or doc.status not in {"draft", "review"}:
        return None
    fmt = formats.get_format(format_name)
    record = document_record(doc)
    return fmt, formats.render_one(fmt, record, services.permanent_url(record, base))


@api_view
def export_document(request: HttpRequest, doc_id: str) -> HttpResponse:
    preview = False
    try:
        download = _download(request)
        fmt, body = services.export_document(doc_id, request.GET.get("format"), services.base_url(request))
    except DocumentWithdrawn as exc:
        return error(410, str(exc))
    except DocumentNotFound as exc:
        try:
            found = _preview_export(request, doc_id, request.GET.get("format"), services.base_url(request))
        except UnknownFormat as bad:
            return error(400, str(bad))
        if found is None:
            return error(404, str(exc))
        (fmt, body), preview = found, True
    except (InvalidQuery, UnknownFormat) as exc:
        return error(400, str(exc))
    response = HttpResponse(body, content_type=fmt.media_type)
    if preview:  # an editor's preview of an unpublished document: this user only, never a shared cache
        response["Cache-Control"] = "private, no-store"
        response["Vary"] = "Cookie"
        if download:
            response["Content-Disposition"] = f'attachment; filename="{bibtex_key(doc_id)}.{fmt.extension}"'
        return response
    return _attachment(response, f"{bibtex_key(doc_id)}.{fmt.extension}", download)


@api_view
def export_search(request: HttpRequest) -> HttpResponseBase:
    try:
        download = _download(request)
        fmt, chunks = services.export_search(request.GET, request.GET.get("format"), services.base_url(request))
    except (InvalidQuery, UnknownFormat) as exc:
        return error(400, str(exc))
    response = StreamingHttpResponse((c.encode() for c in chunks), content_type=fmt.media_type)
    return _attachment(response, f"search-results.{fmt.extension}", download)


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
