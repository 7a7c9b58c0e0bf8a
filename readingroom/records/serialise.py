"""The public record of a document: its JSON (``document_record``, what ``GET /api/documents/<id>``, the
page's ``.json`` twin, exports, OAI-PMH and the versions all show) and its short form in lists and search
results (``summary``), and the records streamed for exports.

Field names are a public contract: add fields freely, rename none.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.core.exceptions import ObjectDoesNotExist

from readingroom.documents import models as m
from readingroom.records.queries import is_published, published, related, with_relations


def _iso(dt) -> str | None:
    return dt.isoformat().replace("+00:00", "Z") if dt else None


def _date(doc: m.Document) -> dict:
    return date_json(doc.date_display, doc.date_start, doc.date_end, doc.date_certainty)


def _languages(doc: m.Document) -> list[dict]:
    return [{"code": dl.language_id, "name": dl.language.name} for dl in related(doc, "documentlanguage_set")]


def _text(t: m.Text) -> dict:
    out = {
        "language": t.language_id,
        "language_name": t.language.name if t.language else None,
        "label": t.label,
        "title": t.title,
        "text": t.body,
    }
    if t.extra:
        out["extra"] = t.extra
    return out


def _has_ocr(page) -> bool:
    try:
        return page.ocr is not None
    except ObjectDoesNotExist:  # no OCR text for the page (RelatedObjectDoesNotExist)
        return False


def _page(page) -> dict:
    return {
        "position": page.position,
        "label": page.label,
        "width": page.width,
        "height": page.height,
        "iiif_image": f"/iiif/image/{page.iiif_id}",
        "file": {
            "name": page.source.original_name.rsplit("/", 1)[-1],
            "sha256": page.source.sha256,
            "size": page.source.size,
            "media_type": page.source.media_type,
            "page": page.source_page + 1,
        },
        "ocr": _has_ocr(page),
    }


def _ocr(page) -> dict:
    """Machine OCR of a page: kept apart from edited transcripts and marked as such."""
    return {
        "page": page.position,
        "kind": "machine-ocr",
        "languages": page.ocr.languages,
        "engine": page.ocr.engine,
        "mean_confidence": page.ocr.mean_confidence,
        "text": page.ocr.text,
    }


def _holding_archive(doc: m.Document) -> dict[str, str] | None:
    archive = doc.holding_archive if doc.holding_archive_id else None
    if archive is None:
        return None
    return {"id": archive.identifier, "name": archive.name, "url": archive.get_absolute_url()}


def archival_reference(doc: m.Document) -> dict[str, str]:
    """The archival reference as written, and its parts (the record's ``archival_reference``)."""
    return {
        "text": doc.ref_text,
        "repository": doc.ref_repository,
        "fonds": doc.ref_fonds,
        "series": doc.ref_series,
        "volume": doc.ref_volume,
        "file": doc.ref_file,
        "folios": doc.ref_folios,
    }


def document_record(doc: m.Document) -> dict:
    """The public JSON record of a document (``GET /api/documents/<id>``; also what ``export`` writes).

    Field names are a public contract: add fields freely, rename none.
    """
    texts = related(doc, "texts")
    have_text = {(t.kind, t.language_id) for t in texts}
    pages = related(doc, "pages")
    contents = related(doc, "contents")
    if pages:
        have_text |= {("scan", c.language_id) for c in contents if c.kind == "scan"}
    return {
        "id": doc.identifier,
        "url": doc.get_absolute_url(),
        "status": doc.status,
        "title": doc.title,
        "date": _date(doc),
        "summary": doc.summary,
        "citation": doc.citation,
        "credits": doc.credits,
        "archive": doc.archive,
        "original_languages": _languages(doc),
        "archival_reference": archival_reference(doc),
        "contributors": [{"name": c.name, "roles": list(c.roles)} for c in related(doc, "contributors")],
        "contents": [
            {
                "kind": c.kind,
                "language": c.language_id,
                "language_name": c.language.name if c.language else None,
                "label": c.label,
                "available": (c.kind, c.language_id) in have_text,
            }
            for c in contents
        ],
        "translations": [_text(t) for t in texts if t.kind == m.Text.Kind.TRANSLATION],
        "transcripts": [_text(t) for t in texts if t.kind == m.Text.Kind.TRANSCRIPT],
        "source_url": doc.source_url,
        "type": doc.doc_type,
        "classification": doc.classification,
        "rights": doc.rights,
        "subjects": [ds.subject.name for ds in related(doc, "documentsubject_set")],
        "places": [{"name": dp.place.name, "path": dp.place.path()} for dp in related(doc, "documentplace_set")],
        "collections": [
            {"id": dc.collection.identifier, "title": dc.collection.title}
            for dc in related(doc, "documentcollection_set")
        ],
        "persons": [
            {
                "id": dp.person.identifier,
                "name": dp.person.name,
                **({"description": dp.person.description} if dp.person.description else {}),
            }
            for dp in related(doc, "documentperson_set")
        ],
        "related": [r.target for r in related(doc, "relations")],
        "holding_archive": _holding_archive(doc),
        "relations": [{"type": link.type, "target": link.target} for link in related(doc, "links_out")],
        "pages": [_page(p) for p in pages],
        "ocr": [_ocr(p) for p in pages if _has_ocr(p)],
        "extra": doc.extra,
        "created_at": _iso(doc.created_at),
        "updated_at": _iso(doc.updated_at),
        "published_at": _iso(doc.published_at),
    }


def summary(
    identifier: str,
    *,
    title: str,
    date: dict,
    summary: str,
    languages: list[dict],
    repository: str,
    archive: str,
) -> dict:
    """The short form of a document used in lists and search results, from its values (search hydration
    reads them with plain SQL, :func:`document_summary` from a model instance)."""
    return {
        "id": identifier,
        "url": m.document_url(identifier),
        "title": title,
        "date": date,
        "summary": summary,
        "original_languages": languages,
        "repository": repository,
        "archive": archive,
    }


def date_json(display: str, start: str, end: str, certainty: str) -> dict:
    """A record's ``date``: as written, its ISO start and end, and how certain it is."""
    return {"display": display, "start": start, "end": end, "certainty": certainty}


def document_summary(doc: m.Document) -> dict:
    """The short form of a document used in lists (the same keys as search results)."""
    return summary(
        doc.identifier,
        title=doc.title,
        date=_date(doc),
        summary=doc.summary,
        languages=_languages(doc),
        repository=doc.ref_repository,
        archive=doc.archive,
    )


def iter_records(chunk_size: int = 500, *, public: bool = False) -> Iterator[dict]:
    """Every document's record (``public``: only the published ones), in id order, without holding the
    archive in memory. The operator's export (``readingroom export``) has every state."""
    qs = with_relations((published() if public else m.Document.objects.all()).order_by("identifier"))
    for doc in qs.iterator(chunk_size=chunk_size):
        yield document_record(doc)


def iter_records_by_ids(identifiers: Iterable[str], chunk_size: int = 200) -> Iterator[dict]:
    """The public records of ``identifiers``, in that order, loaded ``chunk_size`` at a time; identifiers
    with no published record (deleted or unpublished since they were found) are skipped."""
    chunk: list[str] = []

    def flush() -> Iterator[dict]:
        # by identifier alone (the unique index), the state tested on the rows: see search.services.hydrate
        docs = {
            d.identifier: d for d in with_relations(m.Document.objects.filter(identifier__in=chunk)) if is_published(d)
        }
        for ident in chunk:
            if ident in docs:
                yield document_record(docs[ident])

    for ident in identifiers:
        chunk.append(ident)
        if len(chunk) >= chunk_size:
            yield from flush()
            chunk = []
    if chunk:
        yield from flush()
