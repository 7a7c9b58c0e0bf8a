"""IIIF endpoints (Image API 3, Presentation 3 manifests, Content Search 1, hOCR) and the combined PDF."""

from __future__ import annotations

import json

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from readingroom.documents import services as documents
from readingroom.publish import services as publish
from readingroom.scans import contentsearch, images, manifest
from readingroom.scans.models import Page

CORS = {"Access-Control-Allow-Origin": "*"}


def _cors(response: HttpResponse) -> HttpResponse:
    for k, v in CORS.items():
        response[k] = v
    return response


def _page_for(iiif_id: str) -> Page:
    # an image is public while a published document shows it
    page = Page.objects.select_related("image").filter(iiif_id=iiif_id, document__status="published").first()
    if page is None:
        raise Http404(f"no image {iiif_id!r}")
    return page


def _error(status: int, message: str) -> HttpResponse:
    return _cors(HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8"))


@require_GET
def image_base(request: HttpRequest, iiif_id: str) -> HttpResponse:
    _page_for(iiif_id)
    response = HttpResponse(status=303)
    response["Location"] = f"{publish.base_url(request)}/iiif/image/{iiif_id}/info.json"
    return _cors(response)


@require_GET
def image_info(request: HttpRequest, iiif_id: str) -> HttpResponse:
    try:
        page = _page_for(iiif_id)
    except Http404 as exc:
        return _error(404, str(exc))
    body = images.info(f"{publish.base_url(request)}/iiif/image/{iiif_id}", page.width, page.height)
    wants_ld = "application/ld+json" in request.headers.get("Accept", "")
    content_type = (f'application/ld+json;profile="{images.CONTEXT}"' if wants_ld else "application/json")
    response = HttpResponse(json.dumps(body), content_type=content_type)
    response["Link"] = f'<{images.PROFILE_URI}>;rel="profile"'
    response["Cache-Control"] = "public, max-age=86400"
    return _cors(response)


@require_GET
def image(request: HttpRequest, iiif_id: str, region: str, size: str, rotation: str, quality: str, fmt: str) -> HttpResponse:
    try:
        page = _page_for(iiif_id)
    except Http404 as exc:
        return _error(404, str(exc))
    try:
        req = images.parse(region, size, rotation, quality, fmt, page.width, page.height)
    except images.ImageRequestError as exc:
        return _error(400, str(exc))
    path = images.derived(iiif_id, page.image.path, req)
    response = FileResponse(path.open("rb"), content_type=images.FORMATS[fmt][1])
    response["Link"] = f'<{images.PROFILE_URI}>;rel="profile"'
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return _cors(response)


def _document_pages(doc_id: str):
    try:
        doc = documents.get_document(doc_id)
    except documents.DocumentNotFound as exc:
        raise Http404(str(exc)) from None
    return doc, documents.related(doc, "pages")


def _not_found(message: str) -> HttpResponse:
    return _cors(JsonResponse({"error": {"status": 404, "message": message}}, status=404))


def _json(body: dict, content_type: str = "application/json") -> HttpResponse:
    return _cors(HttpResponse(json.dumps(body, ensure_ascii=False), content_type=content_type))


@require_GET
def presentation(request: HttpRequest, doc_id: str) -> HttpResponse:
    try:
        doc, pages = _document_pages(doc_id)
    except Http404 as exc:
        return _not_found(str(exc))
    if not pages:
        return _not_found(f"document {doc_id!r} has no scans")
    base = publish.base_url(request)
    record = documents.document_record(doc)
    citation = publish.document_citations(record, base)["archive"]["text"]
    body = manifest.build(record, pages, base, citation, f"{base}/documents/{doc_id}.pdf")
    wants_ld = "application/ld+json" in request.headers.get("Accept", "")
    ctype = f'application/ld+json;profile="{manifest.PRESENTATION_CONTEXT}"' if wants_ld else "application/json"
    return _json(body, ctype)


@require_GET
def content_search(request: HttpRequest, doc_id: str) -> HttpResponse:
    try:
        _, pages = _document_pages(doc_id)
    except Http404 as exc:
        return _not_found(str(exc))
    q = request.GET.get("q", "")[:500]
    return _json(contentsearch.search(pages, q, publish.base_url(request), doc_id, request.build_absolute_uri()))


@require_GET
def hocr(request: HttpRequest, doc_id: str, position: int) -> HttpResponse:
    _, pages = _document_pages(doc_id)
    page = next((p for p in pages if p.position == int(position)), None)
    if page is None or not hasattr(page, "ocr"):
        raise Http404("no OCR for that page")
    return _cors(HttpResponse(page.ocr.hocr, content_type="text/vnd.hocr+html; charset=utf-8"))


@require_GET
def pdf(request: HttpRequest, doc_id: str) -> HttpResponse:
    """``/documents/<id>.pdf``: made once per version of the document, then served from the cache."""
    from readingroom.scans import pdf as pdf_builder

    doc, pages = _document_pages(doc_id)
    base = publish.base_url(request)
    record = documents.document_record(doc)
    path = pdf_builder.cache_path(record, base)
    if not path.exists():
        citation = publish.document_citations(record, base)["archive"]["text"]
        images_ = [(p.image.path, p.width, p.height) for p in pages]
        pdf_builder.build(record, images_, citation, publish.permanent_url(record, base), path)
    response = FileResponse(path.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{doc_id.replace("/", "_")}.pdf"'
    return response
