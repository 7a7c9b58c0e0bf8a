"""Document pages: browse (``/documents``) and the document page (``/documents/<id>``), each with a JSON twin."""

from __future__ import annotations

from django.conf import settings
from django.db.models.functions import Length, Substr
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _

from readingroom.archives.services import archival_context
from readingroom.documents import models as m
from readingroom.documents import services
from readingroom.documents.text import blocks
from readingroom.history.services import errata
from readingroom.publish import metadata
from readingroom.publish import services as publish
from readingroom.records.params import InvalidQuery
from readingroom.records.queries import DocumentNotFound, DocumentWithdrawn, get_document
from readingroom.records.serialise import document_record
from readingroom.scans.jobs import progress
from readingroom.web.align import align_texts
from readingroom.web.http import error, link_json_twin, list_params, page_json, preview_document

FORMAT_LABELS = {"bibtex": "BibTeX", "ris": "RIS", "csl-json": "CSL-JSON", "dc": "Dublin Core XML", "json": "JSON"}
#: how the kinds of text are called on the page (a text's own label, as the archive wrote it, comes first)
KIND_LABELS = {
    "translation": gettext_lazy("Translation"),
    "transcript": gettext_lazy("Transcript"),
    "ocr": gettext_lazy("Machine OCR"),
    "scan": gettext_lazy("Original scan"),
}
CONTENT_KINDS = {
    "scan": gettext_lazy("scan"),
    "translation": gettext_lazy("translation"),
    "transcript": gettext_lazy("transcript"),
}
CERTAINTY = {
    "approximate": gettext_lazy("approximate"),
    "inferred": gettext_lazy("inferred"),
    "uncertain": gettext_lazy("uncertain"),
    "unknown": gettext_lazy("unknown"),
}


def browse(request: HttpRequest, format: str | None = None) -> HttpResponse:
    params = list_params(request)
    try:
        page = services.list_documents(**params)
    except InvalidQuery as exc:
        if format == "json":
            return error(400, str(exc))
        return render(
            request, "documents/browse.html", {"error": str(exc), "overview": services.archive_overview()}, status=400
        )
    if format == "json":
        return JsonResponse(page_json(request, page, request.path), json_dumps_params={"ensure_ascii": False})
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "params": params,
        "overview": services.archive_overview(),
        "query": query.urlencode(),
        "sorts": [
            ("date", _("Date, oldest first")),
            ("-date", _("Date, newest first")),
            ("title", _("Title, A–Z")),
            ("-title", _("Title, Z–A")),
        ],
    }
    json_url = "/documents.json" + (f"?{request.GET.urlencode()}" if request.GET else "")
    return link_json_twin(render(request, "documents/browse.html", context), json_url)


def withdrawn(request: HttpRequest, exc: DocumentWithdrawn, format: str | None = None) -> HttpResponse:
    if format == "json":
        return error(
            410, str(exc), withdrawn_at=exc.withdrawn_at.isoformat() if exc.withdrawn_at else None, note=exc.note
        )
    return render(
        request,
        "documents/withdrawn.html",
        {"identifier": exc.identifier, "withdrawn_at": exc.withdrawn_at, "note": exc.note},
        status=410,
    )


def detail(request: HttpRequest, doc_id: str, format: str | None = None) -> HttpResponse:
    preview = False
    doc: m.Document | None  # None: not found, and not previewable either
    try:
        doc = get_document(doc_id)
    except DocumentWithdrawn as exc:
        return withdrawn(request, exc, format)
    except DocumentNotFound as exc:
        doc = preview_document(request, doc_id) if format != "json" else None
        if doc is None:
            if format == "json":
                return error(404, str(exc))
            raise Http404(str(exc)) from None
        preview = True
    base = publish.base_url(request)
    record = document_record(doc)
    if format == "json":
        return JsonResponse(publish.public_document(record, base), json_dumps_params={"ensure_ascii": False})
    url = publish.permanent_url(record, base)
    texts = _page_texts(request, doc, record)
    for item in record["contents"]:
        index = next(
            (i for i, t in enumerate(texts, 1) if t["kind"] == item["kind"] and t["language"] == item["language"]), None
        )
        item["anchor"] = f"text-{index}" if item["available"] and index else None
        item["kind_label"] = CONTENT_KINDS.get(item["kind"], item["kind"])
    context = {
        "doc": record,
        "texts": texts,
        "reference_parts": _reference_parts(record["archival_reference"]),
        "permanent_url": url,
        "citations": publish.document_citations(record, base),
        "exports": [(FORMAT_LABELS[name], href) for name, href in publish.export_links(record).items()],
        "meta_tags": metadata.meta_tags(record, url, pdf_url=f"{base}/documents/{doc.identifier}.pdf"),
        "pages": [
            {
                **p,
                "thumb": f"{p['iiif_image']}/full/,160/0/default.jpg",
                "thumb_width": max(1, round(p["width"] * 160 / p["height"])),
            }
            for p in record["pages"]
        ],
        "ocr_pages": {o["page"]: o["text"] for o in record["ocr"]},
        "manifest_url": f"{base}/iiif/presentation/{doc.identifier}/manifest" if record["pages"] else None,
        "ocr_progress": _ocr_progress(request, doc) if record["pages"] else None,
        "preview": preview,
        "errata": _errata(doc),
        "versions": doc.versions.count(),
        "json_ld": metadata.json_ld_script(record, url),
        "certainty": CERTAINTY.get(record["date"]["certainty"], record["date"]["certainty"]),
        "compare": _compare_links(doc.identifier, _compare_sources(record)),
        # the archival context (authorities, hierarchy, neighbours, relations) the archives app will provide;
        # documents/includes/context_panel.html renders nothing while this is None
        "archival_context": archival_context(doc),
    }
    return link_json_twin(render(request, "documents/detail.html", context), f"/documents/{doc.identifier}.json")


def _get_readable(request: HttpRequest, doc_id: str):
    """(document, preview?) for a page of the document: published, or an editor's preview; 404/410 otherwise."""
    try:
        return get_document(doc_id), False
    except DocumentWithdrawn:
        raise
    except DocumentNotFound as exc:
        doc = preview_document(request, doc_id)
        if doc is None:
            raise Http404(str(exc)) from None
        return doc, True


def _compare_sources(record: dict) -> dict[str, dict]:
    """What a document offers to read side by side, by the key its URL names it with: its texts numbered
    as on the document page ("1", "2", ...), its machine OCR ("ocr") and its scan ("scan")."""
    out: dict[str, dict] = {}
    all_texts = [
        (kind, t) for kind, key in (("translation", "translations"), ("transcript", "transcripts")) for t in record[key]
    ]
    for number, (kind, t) in enumerate(all_texts, start=1):
        out[str(number)] = {
            "key": str(number),
            "kind": kind,
            "label": t["label"] or str(KIND_LABELS[kind]),
            "language": t["language"] or "",
            "language_name": t.get("language_name") or "",
            "title": t.get("title") or "",
            "body": t["text"] or "",
        }
    first_language = record["original_languages"][0]["code"] if record["original_languages"] else ""
    if record["ocr"]:
        out["ocr"] = {
            "key": "ocr",
            "kind": "ocr",
            "label": str(KIND_LABELS["ocr"]),
            "language": first_language,
            "language_name": "",
            "title": "",
            "pages": {o["page"]: o["text"] for o in record["ocr"]},
            "body": "\n\n".join(o["text"] for o in record["ocr"]),
        }
    if record["pages"]:
        out["scan"] = {
            "key": "scan",
            "kind": "scan",
            "label": str(KIND_LABELS["scan"]),
            "language": first_language,
            "language_name": "",
            "title": "",
            "body": "",
        }
    return out


def _default_pair(sources: dict[str, dict]) -> tuple[str, str]:
    """The original on the left (the scan, else a transcript), a translation on the right."""
    keys = list(sources)
    left = (
        next((k for k in keys if sources[k]["kind"] == "scan"), None)
        or next((k for k in keys if sources[k]["kind"] == "transcript"), None)
        or keys[0]
    )
    right = next((k for k in keys if sources[k]["kind"] == "translation" and k != left), None) or next(
        k for k in keys if k != left
    )
    return left, right


def _compare_links(doc_id: str, sources: dict[str, dict]) -> dict | None:
    if len(sources) < 2:
        return None
    left, right = _default_pair(sources)
    return {
        "url": f"/documents/{doc_id}/compare?left={left}&right={right}",
        "choices": [{"key": k, "label": v["label"], "language": v["language"]} for k, v in sources.items()],
    }


def _text_dir(code: str) -> str:
    base = (code or "").split("-")[0].lower()
    if base in {"ar", "he", "fa", "ur", "yi", "ps", "dv", "ckb", "syr"}:
        return "rtl"
    try:
        return "rtl" if get_language_info(code)["bidi"] else "ltr"
    except KeyError:
        return "ltr"


def _side(source: dict, body: str) -> dict:
    return {
        "key": source["key"],
        "kind": source["kind"],
        "label": source["label"],
        "language": source["language"] or "und",
        "dir": _text_dir(source["language"]),
        "language_name": source["language_name"],
        "title": source["title"],
        "length": len(body),
    }


def compare(request: HttpRequest, doc_id: str) -> HttpResponse:
    """``/documents/<id>/compare?left=A&right=B``: two texts of a document (numbered as on its page, or
    ``ocr``, or ``scan``) in parallel columns, aligned paragraph by paragraph (``readingroom.web.align``)."""
    try:
        doc, preview = _get_readable(request, doc_id)
    except DocumentWithdrawn as exc:
        return withdrawn(request, exc)
    record = document_record(doc)
    sources = _compare_sources(record)
    if len(sources) < 2:
        raise Http404(_("The document %(id)s has only one text: there is nothing to read beside it.") % {"id": doc_id})
    default_left, default_right = _default_pair(sources)
    left_key = request.GET.get("left", default_left)[:20]
    right_key = request.GET.get("right", default_right)[:20]
    for key in (left_key, right_key):
        if key not in sources:
            raise Http404(
                _("The document %(id)s has no text “%(key)s”. It has: %(keys)s.")
                % {"id": doc_id, "key": key, "keys": ", ".join(f"{k} ({v['label']})" for k, v in sources.items())}
            )
    left, right = sources[left_key], sources[right_key]
    size = max(1000, settings.READINGROOM_PAGE_TEXT_CHARS)
    # Long texts are read in parts: both texts cut into the same number of parts, part N beside part N.
    parts = max(1, -(-len(left["body"]) // size), -(-len(right["body"]) // size))
    try:
        part = min(max(1, int(request.GET.get("part", "1"))), parts)
    except ValueError:
        part = 1

    def piece(body: str) -> str:
        if parts == 1:
            return body
        bounds = part_bounds(body, max(1, -(-len(body) // parts)))
        if part > len(bounds):
            return ""
        start, end = bounds[part - 1] if part < parts else (bounds[part - 1][0], len(body))
        return body[start:end]

    left_body, right_body = piece(left["body"]), piece(right["body"])
    context = {
        "doc": record,
        "preview": preview,
        "sources": list(sources.values()),
        "left": _side(left, left_body),
        "right": _side(right, right_body),
        "part": part,
        "parts": parts,
        "rows": None,
        "pages": None,
        "permanent_url": publish.permanent_url(record, publish.base_url(request)),
    }
    scan_side = "left" if left["kind"] == "scan" else "right" if right["kind"] == "scan" else None
    if scan_side:
        other = right if scan_side == "left" else left
        ocr_pages = other.get("pages") or {}
        context["scan_side"] = scan_side
        context["pages"] = [
            {
                **p,
                "src": f"{p['iiif_image']}/full/800,/0/default.jpg",
                "height_800": max(1, round(p["height"] * 800 / p["width"])),
                "ocr": ocr_pages.get(p["position"], "") if other["kind"] == "ocr" else None,
            }
            for p in record["pages"]
        ]
        context["other_blocks"] = blocks(right_body if scan_side == "left" else left_body)
    else:
        context["rows"] = align_texts(left_body, right_body)
    response = render(request, "documents/compare.html", context)
    response["Link"] = f'<{context["permanent_url"]}>; rel="canonical"'
    return response


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
    all_texts = [
        (kind, t) for kind, key in (("translation", "translations"), ("transcript", "transcripts")) for t in record[key]
    ]
    for number, (kind, t) in enumerate(all_texts, start=1):
        body = t["text"] or ""
        footnotes = (t.get("extra") or {}).get("footnotes", []) or []
        entry = {
            **t,
            "kind": kind,
            "kind_label": KIND_LABELS[kind],
            "note_prefix": f"text-{number}-note",
            "number": number,
            "length": len(body),
            "txt_url": _text_url(doc.identifier, number),
        }
        del entry["text"]
        if len(body) > size or budget <= 0:
            bounds = part_bounds(body, size)
            part = min(wanted_part, len(bounds)) if number == wanted else 1
            start, end = bounds[part - 1]
            if budget <= 0 and number != wanted:
                start = end = 0  # the page is full: only the note and the links
            base = f"?text={number}&part="
            entry["partial"] = {
                "part": part,
                "parts": len(bounds),
                "start": start,
                "end": end,
                "shown": end - start,
                "previous": f"{base}{part - 1}#text-{number}" if part > 1 else None,
                "next": f"{base}{part + 1}#text-{number}" if part < len(bounds) else None,
                "first": f"{base}1#text-{number}",
                "omitted": start == end,
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


def text_plain(request: HttpRequest, doc_id: str, number: int | str) -> HttpResponseBase:
    """``/documents/<id>/text/<n>.txt``: text ``n`` of the document (numbered as on its page) in full, as
    plain UTF-8, streamed from the database a megabyte at a time."""
    doc: m.Document | None  # None: not found, and not previewable either
    try:
        doc = get_document(doc_id)
    except DocumentWithdrawn as exc:
        return withdrawn(request, exc)
    except DocumentNotFound as exc:
        doc = preview_document(request, doc_id)
        if doc is None:
            raise Http404(str(exc)) from None
    order: dict[str, int] = {m.Text.Kind.TRANSLATION: 0, m.Text.Kind.TRANSCRIPT: 1}
    rows = sorted(
        m.Text.objects.filter(document=doc).annotate(size=Length("body")).values_list("pk", "kind", "position", "size"),
        key=lambda r: (order.get(r[1], 2), r[2], r[0]),
    )
    number = int(number)
    if not 1 <= number <= len(rows):
        raise Http404(f"{doc_id} has no text {number}")
    pk, size = rows[number - 1][0], rows[number - 1][3]
    chunk = 1_000_000

    def stream():
        for offset in range(0, size, chunk):
            part = (
                m.Text.objects.filter(pk=pk)
                .annotate(part=Substr("body", offset + 1, chunk))
                .values_list("part", flat=True)
                .first()
            )
            if not part:
                return
            yield part.encode("utf-8")

    response = StreamingHttpResponse(stream(), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _errata(doc) -> list[dict]:
    out = []
    for v in errata(doc):
        parts = [
            _("%(field)s was “%(before)s”, is “%(after)s”")
            % {"field": c["field"].replace("_", " ").replace(".", " "), "before": c["before"], "after": c["after"]}
            for c in v.changes
            if len(str(c["before"])) <= 200 and len(str(c["after"])) <= 200
        ][:5]
        out.append({"date": v.created_at, "changes": parts, "note": v.note, "number": v.number})
    return out


def _ocr_progress(request: HttpRequest, doc) -> dict | None:
    """OCR progress, for signed-in staff (editors follow the background job)."""
    if not request.user.is_authenticated or not request.user.is_staff:
        return None

    return progress(doc)


def _reference_parts(ref: dict) -> list[tuple[str, str]]:
    labels = [
        ("repository", _("Repository")),
        ("fonds", _("Fonds")),
        ("series", _("Series")),
        ("volume", _("Volume")),
        ("file", _("File")),
        ("folios", _("Folios")),
    ]
    return [(label, ref[key]) for key, label in labels if ref.get(key)]
