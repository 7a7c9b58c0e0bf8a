"""Document pages: browse (``/documents``) and the document page (``/documents/<id>``), each with a JSON twin."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from readingroom.api.views import error, list_params, page_json
from readingroom.documents import services
from readingroom.documents.text import blocks
from readingroom.publish import metadata
from readingroom.publish import services as publish

FORMAT_LABELS = {"bibtex": "BibTeX", "ris": "RIS", "csl-json": "CSL-JSON", "dc": "Dublin Core XML", "json": "JSON"}


def _alternate(response: HttpResponse, url: str) -> HttpResponse:
    response["Link"] = f'<{url}>; rel="alternate"; type="application/json"'
    return response


def browse(request: HttpRequest, format: str | None = None) -> HttpResponse:
    params = list_params(request)
    try:
        page = services.list_documents(**params)
    except services.InvalidQuery as exc:
        if format == "json":
            return error(400, str(exc))
        return render(request, "documents/browse.html", {"error": str(exc), "overview": services.archive_overview()}, status=400)
    if format == "json":
        return JsonResponse(page_json(request, page, request.path), json_dumps_params={"ensure_ascii": False})
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "params": params,
        "overview": services.archive_overview(),
        "query": query.urlencode(),
        "sorts": [("date", "Date, oldest first"), ("-date", "Date, newest first"), ("title", "Title, A–Z"), ("-title", "Title, Z–A")],
    }
    json_url = "/documents.json" + (f"?{request.GET.urlencode()}" if request.GET else "")
    return _alternate(render(request, "documents/browse.html", context), json_url)


def _preview(request: HttpRequest, doc_id: str):
    """An unpublished document for a signed-in editor who may see it (a contributor: only their own)."""
    user = request.user
    if not (user.is_authenticated and user.is_staff and user.has_perm("documents.view_document")):
        return None
    from readingroom.accounts.roles import is_restricted

    try:
        doc = services.get_document(doc_id, public=False)
    except services.DocumentNotFound:
        return None
    if is_restricted(user) and doc.created_by_id != user.pk:
        return None
    return doc


def withdrawn(request: HttpRequest, exc: services.DocumentWithdrawn, format: str | None = None) -> HttpResponse:
    if format == "json":
        return JsonResponse({"error": {"status": 410, "message": str(exc), "withdrawn_at": exc.withdrawn_at.isoformat()
                                       if exc.withdrawn_at else None, "note": exc.note}}, status=410)
    return render(request, "documents/withdrawn.html", {"identifier": exc.identifier, "withdrawn_at": exc.withdrawn_at,
                                                          "note": exc.note}, status=410)


def detail(request: HttpRequest, doc_id: str, format: str | None = None) -> HttpResponse:
    preview = False
    try:
        doc = services.get_document(doc_id)
    except services.DocumentWithdrawn as exc:
        return withdrawn(request, exc, format)
    except services.DocumentNotFound as exc:
        doc = _preview(request, doc_id) if format != "json" else None
        if doc is None:
            if format == "json":
                return error(404, str(exc))
            raise Http404(str(exc)) from None
        preview = True
    base = publish.base_url(request)
    record = services.document_record(doc)
    if format == "json":
        return JsonResponse(publish.public_document(record, base), json_dumps_params={"ensure_ascii": False})
    url = publish.permanent_url(record, base)
    texts = [
        {**t, "kind": kind, "blocks": blocks(t["text"]), "footnotes": (t.get("extra") or {}).get("footnotes", [])}
        for kind, key in (("translation", "translations"), ("transcript", "transcripts"))
        for t in record[key]
    ]
    for i, t in enumerate(texts, start=1):
        t["note_prefix"] = f"text-{i}-note"
    for item in record["contents"]:
        index = next(
            (i for i, t in enumerate(texts, 1) if t["kind"] == item["kind"] and t["language"] == item["language"]), None
        )
        item["anchor"] = f"text-{index}" if item["available"] and index else None
    context = {
        "doc": record,
        "texts": texts,
        "reference_parts": _reference_parts(record["archival_reference"]),
        "permanent_url": url,
        "citations": publish.document_citations(record, base),
        "exports": [(FORMAT_LABELS[name], href) for name, href in publish.export_links(record).items()],
        "meta_tags": metadata.meta_tags(record, url, pdf_url=f"{base}/documents/{doc.identifier}.pdf"),
        "pages": [{**p, "thumb": f"{p['iiif_image']}/full/,160/0/default.jpg",
                   "thumb_width": max(1, round(p["width"] * 160 / p["height"]))} for p in record["pages"]],
        "ocr_pages": {o["page"]: o["text"] for o in record["ocr"]},
        "manifest_url": f"{base}/iiif/presentation/{doc.identifier}/manifest" if record["pages"] else None,
        "ocr_progress": _ocr_progress(request, doc) if record["pages"] else None,
        "preview": preview,
        "errata": _errata(doc),
        "versions": doc.versions.count(),
        "json_ld": metadata.json_ld_script(record, url),
    }
    return _alternate(render(request, "documents/detail.html", context), f"/documents/{doc.identifier}.json")


def _errata(doc) -> list[dict]:
    from readingroom.history.services import errata

    out = []
    for v in errata(doc):
        parts = [f"{c['field'].replace('_', ' ').replace('.', ' ')} was “{c['before']}”, is “{c['after']}”"
                 for c in v.changes if len(str(c["before"])) <= 200 and len(str(c["after"])) <= 200][:5]
        out.append({"date": v.created_at, "changes": parts, "note": v.note, "number": v.number})
    return out


def _ocr_progress(request: HttpRequest, doc) -> dict | None:
    """OCR progress, for signed-in staff (editors follow the background job)."""
    if not request.user.is_authenticated or not request.user.is_staff:
        return None
    from readingroom.scans.jobs import progress

    return progress(doc)


def _reference_parts(ref: dict) -> list[tuple[str, str]]:
    labels = [("repository", "Repository"), ("fonds", "Fonds"), ("series", "Series"), ("volume", "Volume"), ("file", "File"), ("folios", "Folios")]
    return [(label, ref[key]) for key, label in labels if ref.get(key)]
