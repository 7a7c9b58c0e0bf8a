"""``/documents/<id>/history`` (who changed what, when, and why) and ``/documents/<id>/versions/<n>``
(a permanent URL for a version as it was)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from readingroom.documents.text import blocks
from readingroom.documents.views import withdrawn
from readingroom.records.queries import DocumentNotFound, DocumentWithdrawn, get_document


def _document(doc_id: str):
    try:
        return get_document(doc_id)
    except DocumentWithdrawn:
        raise
    except DocumentNotFound as exc:
        raise Http404(str(exc)) from None


@require_GET
def history(request: HttpRequest, doc_id: str) -> HttpResponse:
    try:
        doc = _document(doc_id)
    except DocumentWithdrawn as exc:
        return withdrawn(request, exc)
    versions = list(doc.versions.order_by("-number"))
    return render(request, "history/history.html", {"doc": doc, "versions": versions})


@require_GET
def version(request: HttpRequest, doc_id: str, number: int) -> HttpResponse:
    try:
        doc = _document(doc_id)
    except DocumentWithdrawn as exc:
        return withdrawn(request, exc)
    v = doc.versions.filter(number=int(number)).first()
    if v is None:
        raise Http404(f"{doc_id} has no version {number}")
    record = v.snapshot
    texts = [
        {**t, "kind": kind, "blocks": blocks(t["text"])}
        for kind, key in (("translation", "translations"), ("transcript", "transcripts"))
        for t in record.get(key, [])
    ]
    latest = doc.versions.order_by("-number").values_list("number", flat=True).first()
    return render(
        request,
        "history/version.html",
        {"doc": doc, "v": v, "record": record, "texts": texts, "is_latest": v.number == latest},
    )
