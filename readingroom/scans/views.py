"""IIIF endpoints (Image API 3, Presentation 3 manifests, Content Search 1, hOCR) and the combined PDF.

What the public reads is what a published document shows. A signed-in editor who may see an unpublished
document (the same rule as its page's preview, ``web.http.preview_document``) reads its scans, IIIF
resources and PDF too; those answers are ``Cache-Control: private, no-store`` and never shared."""

from __future__ import annotations

import json
from typing import TypeVar

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from readingroom.documents.models import Document
from readingroom.publish import services as publish
from readingroom.records.queries import PUBLISHED, DocumentNotFound, DocumentWithdrawn, get_document, related
from readingroom.records.serialise import document_record
from readingroom.scans import contentsearch, images, manifest
from readingroom.scans.models import Page
from readingroom.web.http import preview_document

CORS = {"Access-Control-Allow-Origin": "*"}
PRIVATE = "private, no-store"
PREVIEW_STATES = ("draft", "review")

_Response = TypeVar("_Response", bound=HttpResponseBase)


def _cors(response: _Response) -> _Response:
    for k, v in CORS.items():
        response[k] = v
    return response


def _private(response: _Response) -> _Response:
    """An editor's preview: for this user only, stored by no cache."""
    response["Cache-Control"] = PRIVATE
    response.headers.pop("Access-Control-Allow-Origin", None)
    response["Vary"] = "Cookie"
    return response


def _may_preview(request: HttpRequest, doc) -> bool:
    return doc.status in PREVIEW_STATES and preview_document(request, doc.identifier) is not None


def _page_for(request: HttpRequest, iiif_id: str) -> tuple[Page, bool]:
    """The page an image identifier names, and whether it is a preview. An image is public while a
    published document shows it; an editor sees the images of the drafts they may preview."""
    page = Page.objects.select_related("image").filter(iiif_id=iiif_id, document__status=PUBLISHED).first()
    if page is not None:
        return page, False
    if request.user.is_authenticated and request.user.is_staff:
        for candidate in Page.objects.select_related("image", "document").filter(
            iiif_id=iiif_id, document__status__in=PREVIEW_STATES
        ):
            if _may_preview(request, candidate.document):
                return candidate, True
    raise Http404(f"no image {iiif_id!r}")


def _error(status: int, message: str, retry_after: int | None = None) -> HttpResponse:
    response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    if retry_after:
        response["Retry-After"] = str(retry_after)
        response["Cache-Control"] = "no-store"
    return _cors(response)


@require_GET
def image_base(request: HttpRequest, iiif_id: str) -> HttpResponse:
    _, preview = _page_for(request, iiif_id)
    response = HttpResponse(status=303)
    response["Location"] = f"{publish.base_url(request)}/iiif/image/{iiif_id}/info.json"
    return _private(response) if preview else _cors(response)


@require_GET
def image_info(request: HttpRequest, iiif_id: str) -> HttpResponse:
    try:
        page, preview = _page_for(request, iiif_id)
    except Http404 as exc:
        return _error(404, str(exc))
    body = images.info(f"{publish.base_url(request)}/iiif/image/{iiif_id}", page.width, page.height)
    wants_ld = "application/ld+json" in request.headers.get("Accept", "")
    content_type = f'application/ld+json;profile="{images.CONTEXT}"' if wants_ld else "application/json"
    response = HttpResponse(json.dumps(body), content_type=content_type)
    response["Link"] = f'<{images.PROFILE_URI}>;rel="profile"'
    if preview:
        return _private(response)
    response["Cache-Control"] = "public, max-age=86400"
    return _cors(response)


@require_GET
def image(
    request: HttpRequest, iiif_id: str, region: str, size: str, rotation: str, quality: str, fmt: str
) -> HttpResponseBase:
    try:
        page, preview = _page_for(request, iiif_id)
    except Http404 as exc:
        return _error(404, str(exc))
    jpeg = page.image.media_type == "image/jpeg"
    try:
        req = images.parse(region, size, rotation, quality, fmt, page.width, page.height, jpeg=jpeg, iiif_id=iiif_id)
        result = images.derived(iiif_id, page.image.path, req, jpeg=jpeg, width=page.width, height=page.height)
    except images.ImageRequestError as exc:
        return _error(400, str(exc))
    except images.ImageBusy as exc:
        return _error(503, str(exc), retry_after=exc.retry_after)
    response = FileResponse(result, content_type=images.FORMATS[fmt][1])
    response["Link"] = f'<{images.PROFILE_URI}>;rel="profile"'
    if preview:
        return _private(response)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return _cors(response)


def _document_pages(request: HttpRequest, doc_id: str, relations: bool = True):
    """The document (published, or a draft this editor may preview), its pages, and whether it is a preview.
    Without ``relations``, the document's own row (and no pages)."""
    doc: Document | None
    try:
        doc = get_document(doc_id, relations=relations)
        preview = False
    except DocumentWithdrawn as exc:
        raise Http404(str(exc)) from None
    except DocumentNotFound as exc:
        doc = preview_document(request, doc_id)
        if doc is None or doc.status not in PREVIEW_STATES:
            raise Http404(str(exc)) from None
        preview = True
    return doc, related(doc, "pages") if relations else [], preview


def _not_found(message: str) -> HttpResponse:
    return _cors(JsonResponse({"error": {"status": 404, "message": message}}, status=404))


def _json(body: dict, content_type: str = "application/json", preview: bool = False) -> HttpResponse:
    response = HttpResponse(json.dumps(body, ensure_ascii=False), content_type=content_type)
    return _private(response) if preview else _cors(response)


@require_GET
def presentation(request: HttpRequest, doc_id: str) -> HttpResponse:
    # Most documents of an archive have no scans (and a harvester asks for every manifest): without pages,
    # the answer is a 404 whose message needs the document's state, not its record.
    scanned = Page.objects.filter(document__identifier=doc_id).exists()
    try:
        doc, pages, preview = _document_pages(request, doc_id, relations=scanned)
    except Http404 as exc:
        return _not_found(str(exc))
    if not pages:
        return _not_found(f"document {doc_id!r} has no scans")
    base = publish.base_url(request)
    record = document_record(doc)
    citation = publish.document_citations(record, base)["archive"]["text"]
    body = manifest.build(record, pages, base, citation, f"{base}/documents/{doc_id}.pdf")
    wants_ld = "application/ld+json" in request.headers.get("Accept", "")
    ctype = f'application/ld+json;profile="{manifest.PRESENTATION_CONTEXT}"' if wants_ld else "application/json"
    return _json(body, ctype, preview)


@require_GET
def content_search(request: HttpRequest, doc_id: str) -> HttpResponse:
    try:
        _, pages, preview = _document_pages(request, doc_id)
    except Http404 as exc:
        return _not_found(str(exc))
    q = request.GET.get("q", "")[:500]
    return _json(
        contentsearch.search(pages, q, publish.base_url(request), doc_id, request.build_absolute_uri()), preview=preview
    )


@require_GET
def hocr(request: HttpRequest, doc_id: str, position: int) -> HttpResponse:
    _, pages, preview = _document_pages(request, doc_id)
    page = next((p for p in pages if p.position == int(position)), None)
    if page is None or not hasattr(page, "ocr"):
        raise Http404("no OCR for that page")
    response = HttpResponse(page.ocr.hocr, content_type="text/vnd.hocr+html; charset=utf-8")
    return _private(response) if preview else _cors(response)


#: how long a browser waits before asking again for a PDF being made
PDF_RETRY_SECONDS = 5


@require_GET
def pdf(request: HttpRequest, doc_id: str) -> HttpResponseBase:
    """``/documents/<id>.pdf``: made once per version of the document, then served from the cache. A small
    document's PDF is made now; a larger one by the background worker, while this answers 202 (with
    ``Retry-After``, a JSON body for ``Accept: application/json``, a page that refreshes itself otherwise)."""
    doc, pages, preview = _document_pages(request, doc_id)
    base = publish.base_url(request)
    record = document_record(doc)
    # deferred: fpdf2 (and numpy with it, a quarter of a second) is loaded only when a PDF is built
    from readingroom.scans import pdf as pdf_builder

    path = pdf_builder.cache_path(record, base)
    if not path.exists() and pdf_builder.inline_ok(record, pages):
        pdf_builder.make(doc, record, pages, base, path)
    if path.exists():
        response = FileResponse(path.open("rb"), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{doc_id.replace("/", "_")}.pdf"'
        return _private(response) if preview else response
    job = pdf_builder.ensure_job(doc, base, path.name)
    return _pdf_pending(request, doc_id, job, preview)


def _pdf_pending(request: HttpRequest, doc_id: str, job, preview: bool) -> HttpResponse:
    params = job.params or {}
    failed = job.state == job.State.FAILED
    status = {
        "id": doc_id,
        "status": job.state,
        "job": job.pk,
        "queued_at": job.created_at.isoformat() if job.created_at else None,
        "ahead_in_queue": pdf_builder_position(job) if job.state == job.State.QUEUED else 0,
        "progress": {"done": params.get("done", 0), "total": params.get("total")},
        "url": f"/documents/{doc_id}.pdf",
        "retry_after": None if failed else PDF_RETRY_SECONDS,
    }
    if failed:
        status["error"] = "the PDF could not be made; the editors have been told (readingroom jobs)"
    http_status = 503 if failed else 202
    response: HttpResponse
    if "application/json" in request.headers.get("Accept", "") or request.GET.get("format") == "json":
        response = JsonResponse(status, status=http_status)
    else:
        response = render(
            request,
            "scans/pdf_pending.html",
            {
                "s": status,
                "doc_id": doc_id,
                "refresh": None if failed else PDF_RETRY_SECONDS,
                "percent": round(100 * status["progress"]["done"] / status["progress"]["total"])
                if status["progress"]["total"]
                else None,
            },
            status=http_status,
        )
    if not failed:
        response["Retry-After"] = str(PDF_RETRY_SECONDS)
    response["Cache-Control"] = PRIVATE if preview else "no-store"
    return response


def pdf_builder_position(job) -> int:
    # deferred: fpdf2 (and numpy with it, a quarter of a second) is loaded only when a PDF is built
    from readingroom.scans import pdf as pdf_builder

    return pdf_builder.queue_position(job)
