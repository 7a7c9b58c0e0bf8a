"""Document pages: browse (``/documents``) and the document page (``/documents/<id>``), each with a JSON twin."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from readingroom.api.views import error, list_params, page_json
from readingroom.documents import services
from readingroom.documents.text import blocks
from readingroom.publish import metadata
from readingroom.publish import services as publish

FORMAT_LABELS = {"bibtex": "BibTeX", "ris": "RIS", "csl-json": "CSL-JSON", "dc": "Dublin Core XML", "json": "JSON"}


def _alternate(response: HttpResponse, url: str) -> HttpResponse:
    """A ``Link`` to the JSON twin; none when it would be longer than READINGROOM_MAX_LINK_HEADER (the URL
    may carry the request's query string, which is never echoed into a header unbounded)."""
    link = f'<{url}>; rel="alternate"; type="application/json"'
    if len(link) <= settings.READINGROOM_MAX_LINK_HEADER:
        response["Link"] = link
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
    texts = _page_texts(request, doc, record)
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


def _wanted_part(request: HttpRequest) -> tuple[int, int]:
    """``?text=N&part=M``: which text (1-based, as on the page) shows which part; (0, 1) otherwise."""
    try:
        number = int(request.GET.get("text", "0"))
        part = int(request.GET.get("part", "1"))
    except ValueError:
        return 0, 1
    return (number, part) if number > 0 and part > 0 else (0, 1)


def part_bounds(body: str, size: int) -> list[tuple[int, int]]:
    """``body`` cut into parts of at most ``size`` characters, each ending at a paragraph break, else a line
    break, else a space, found in its last tenth (a part never ends inside a word when it can help it)."""
    if len(body) <= size:
        return [(0, len(body))]
    bounds, start = [], 0
    while start < len(body):
        end = min(len(body), start + size)
        if end < len(body):
            floor = start + size * 9 // 10
            for sep in ("\n\n", "\n", " "):
                cut = body.rfind(sep, floor, end)
                if cut > start:
                    end = cut + len(sep)
                    break
        bounds.append((start, end))
        start = end
    return bounds


def _text_url(doc_id: str, number: int) -> str | None:
    """The plain-text download of text ``number`` (when the URL is routed)."""
    try:
        return reverse("document-text", kwargs={"doc_id": doc_id, "number": number})
    except NoReverseMatch:
        return None


def _page_texts(request: HttpRequest, doc, record: dict) -> list[dict]:
    """The texts as the page shows them: a text longer than READINGROOM_PAGE_TEXT_CHARS shows one part
    (the first, or the ``?text=N&part=M`` asked for) with a note, links to the other parts and to the full
    text; once the page holds five parts' worth of text, further texts show only the note and links."""
    size = max(1000, settings.READINGROOM_PAGE_TEXT_CHARS)
    budget = 5 * size
    wanted, wanted_part = _wanted_part(request)
    texts = []
    all_texts = [(kind, t) for kind, key in (("translation", "translations"), ("transcript", "transcripts"))
                 for t in record[key]]
    for number, (kind, t) in enumerate(all_texts, start=1):
        body = t["text"] or ""
        footnotes = (t.get("extra") or {}).get("footnotes", []) or []
        entry = {**t, "kind": kind, "note_prefix": f"text-{number}-note", "number": number, "length": len(body),
                 "txt_url": _text_url(doc.identifier, number)}
        del entry["text"]
        if len(body) > size or budget <= 0:
            bounds = part_bounds(body, size)
            part = min(wanted_part, len(bounds)) if number == wanted else 1
            start, end = bounds[part - 1]
            if budget <= 0 and number != wanted:
                start = end = 0  # the page is full: only the note and the links
            base = f"?text={number}&part="
            entry["partial"] = {
                "part": part, "parts": len(bounds), "start": start, "end": end, "shown": end - start,
                "previous": f"{base}{part - 1}#text-{number}" if part > 1 else None,
                "next": f"{base}{part + 1}#text-{number}" if part < len(bounds) else None,
                "first": f"{base}1#text-{number}", "omitted": start == end,
            }
            body = body[start:end]
        budget -= len(body)
        shown_notes, note_chars = [], 0
        for n in footnotes:
            note_chars += len(str(n.get("text", "")))
            if note_chars > size:
                break
            shown_notes.append(n)
        entry["footnotes"] = shown_notes
        entry["footnotes_omitted"] = len(footnotes) - len(shown_notes)
        entry["blocks"] = blocks(body)
        texts.append(entry)
    return texts


def text_plain(request: HttpRequest, doc_id: str, number: int | str) -> HttpResponse:
    """``/documents/<id>/text/<n>.txt``: text ``n`` of the document (numbered as on its page) in full, as
    plain UTF-8, streamed from the database a megabyte at a time."""
    from django.db.models.functions import Length, Substr

    from readingroom.documents import models as m

    try:
        doc = services.get_document(doc_id)
    except services.DocumentWithdrawn as exc:
        return withdrawn(request, exc)
    except services.DocumentNotFound as exc:
        doc = _preview(request, doc_id)
        if doc is None:
            raise Http404(str(exc)) from None
    order = {m.Text.Kind.TRANSLATION: 0, m.Text.Kind.TRANSCRIPT: 1}
    rows = sorted(m.Text.objects.filter(document=doc).annotate(size=Length("body")).values_list("pk", "kind", "position", "size"),
                  key=lambda r: (order.get(r[1], 2), r[2], r[0]))
    number = int(number)
    if not 1 <= number <= len(rows):
        raise Http404(f"{doc_id} has no text {number}")
    pk, size = rows[number - 1][0], rows[number - 1][3]
    chunk = 1_000_000

    def stream():
        for offset in range(0, size, chunk):
            part = m.Text.objects.filter(pk=pk).annotate(part=Substr("body", offset + 1, chunk)).values_list("part", flat=True).first()
            if not part:
                return
            yield part.encode("utf-8")

    response = StreamingHttpResponse(stream(), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


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
