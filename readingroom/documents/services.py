"""Service functions: the one way pages, the JSON API, the CLI and exports read the archive.

Views and commands stay thin: they parse their input, call these, and render what comes back.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Lower

from readingroom.documents import models as m


class DocumentNotFound(LookupError):
    def __init__(self, identifier: str) -> None:
        super().__init__(f"no document with id {identifier!r}")
        self.identifier = identifier


class DocumentWithdrawn(DocumentNotFound):
    """A document that was published and then withdrawn: its URL answers 410 with a notice."""

    def __init__(self, identifier: str, withdrawn_at, note: str) -> None:
        LookupError.__init__(self, f"document {identifier!r} was withdrawn")
        self.identifier = identifier
        self.withdrawn_at = withdrawn_at
        self.note = note


class InvalidTransition(ValueError):
    """A workflow step that is not allowed from the document's present state."""


class InvalidQuery(ValueError):
    """A listing parameter that cannot be honoured (bad page, unknown sort, ...)."""


SORTS = {
    "date": ("date_sort", "identifier"),
    "-date": ("-date_sort", "-identifier"),
    "title": ("title_sort", "identifier"),
    "-title": ("-title_sort", "-identifier"),
}
MAX_PER_PAGE = 200
OVERVIEW_SECONDS = 60


def with_relations(qs: QuerySet) -> QuerySet:
    """``qs`` with everything a record needs, prefetched into plain lists (``related(doc, name)`` reads
    them). Lists, not managers: Django clones a queryset per document and relation otherwise, which cost
    more than the queries themselves when records are built by the thousand (exports, OAI-PMH)."""
    from readingroom.archives.models import DocumentLink
    from readingroom.scans.models import Page

    def pf(name: str, queryset: QuerySet) -> Prefetch:
        return Prefetch(name, queryset=queryset, to_attr=f"pf_{name}")

    return qs.select_related("repository", "holding_archive").prefetch_related(
        pf("pages", Page.objects.select_related("image", "source", "ocr").order_by("position")),
        pf("documentlanguage_set", m.DocumentLanguage.objects.select_related("language")),
        pf("contributors", m.Contributor.objects.all()),
        pf("contents", m.ContentItem.objects.select_related("language")),
        pf("texts", m.Text.objects.select_related("language")),
        pf("documentsubject_set", m.DocumentSubject.objects.select_related("subject")),
        pf("documentplace_set", m.DocumentPlace.objects.select_related("place__parent__parent__parent")),
        pf("documentcollection_set", m.DocumentCollection.objects.select_related("collection")),
        pf("documentperson_set", m.DocumentPerson.objects.select_related("person")),
        pf("relations", m.Relation.objects.all()),
        pf("links_out", DocumentLink.objects.order_by("type", "target")),
    )


def related(doc: m.Document, name: str) -> list:
    """A document's related rows: the prefetched list when :func:`with_relations` loaded it, else a query."""
    cached = getattr(doc, f"pf_{name}", None)
    return cached if cached is not None else list(getattr(doc, name).all())


def public_documents() -> QuerySet:
    """The documents the public may see: published ones. Every public surface starts here."""
    return m.Document.objects.filter(status=m.Document.Status.PUBLISHED)


def in_states_by_row(qs: QuerySet, *states: str) -> QuerySet:
    """``qs`` restricted to documents in ``states``, tested on each row the query walks rather than looked up
    through an index on the state.

    For walks in another order that stop after a page (newest first by primary key, OAI-PMH, the sitemap): a
    plain ``status = ...`` lets SQLite, which has no statistics unless ANALYZE ran, take the state for a
    selective key, read every published document through a status-first index and sort them all. Wrapped
    (``LOWER(status)``: the states are lower case already) the column offers no index, on SQLite and
    PostgreSQL alike; ``tests/test_query_plans.py`` checks the plans.
    """
    return qs.alias(row_state=Lower("status")).filter(row_state__in=states)


def get_document(identifier: str, *, public: bool = True) -> m.Document:
    """The document with id ``identifier``, with everything its record needs loaded.

    ``public`` (the default): only a published document; a draft or one in review does not exist, a
    withdrawn one raises :class:`DocumentWithdrawn`.

    :raises DocumentNotFound: when there is none (for the public)
    """
    try:
        doc = with_relations(m.Document.objects.all()).get(identifier=identifier)
    except m.Document.DoesNotExist:
        raise DocumentNotFound(identifier) from None
    if public and doc.status != m.Document.Status.PUBLISHED:
        if doc.status == m.Document.Status.WITHDRAWN:
            raise DocumentWithdrawn(identifier, doc.withdrawn_at, doc.withdrawal_note)
        raise DocumentNotFound(identifier)
    return doc


def _iso(dt) -> str | None:
    return dt.isoformat().replace("+00:00", "Z") if dt else None


def _date(doc: m.Document) -> dict:
    return {"display": doc.date_display, "start": doc.date_start, "end": doc.date_end, "certainty": doc.date_certainty}


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
        "archival_reference": {
            "text": doc.ref_text,
            "repository": doc.ref_repository,
            "fonds": doc.ref_fonds,
            "series": doc.ref_series,
            "volume": doc.ref_volume,
            "file": doc.ref_file,
            "folios": doc.ref_folios,
        },
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
        "holding_archive": (
            {
                "id": doc.holding_archive.identifier,
                "name": doc.holding_archive.name,
                "url": doc.holding_archive.get_absolute_url(),
            }
            if doc.holding_archive_id
            else None
        ),
        "relations": [{"type": link.type, "target": link.target} for link in related(doc, "links_out")],
        "pages": [_page(p) for p in pages],
        "ocr": [_ocr(p) for p in pages if _has_ocr(p)],
        "extra": doc.extra,
        "created_at": _iso(doc.created_at),
        "updated_at": _iso(doc.updated_at),
        "published_at": _iso(doc.published_at),
    }


def document_summary(doc: m.Document) -> dict:
    """The short form of a document used in lists (the same keys as search results)."""
    return {
        "id": doc.identifier,
        "url": doc.get_absolute_url(),
        "title": doc.title,
        "date": _date(doc),
        "summary": doc.summary,
        "original_languages": _languages(doc),
        "repository": doc.ref_repository,
        "archive": doc.archive,
    }


@dataclass
class DocumentPage:
    """One page of a document listing: summaries (see :func:`document_summary`)."""

    documents: list[dict]
    total: int
    page: int
    per_page: int
    sort: str
    filters: dict

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def parse_int(value, name: str, minimum: int, maximum: int, default: int | None = None) -> int | None:
    """A whole-number request parameter within bounds, or ``default`` when absent.

    :raises InvalidQuery: naming the parameter
    """
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidQuery(f"{name} must be a whole number, not {value!r}") from None
    if not minimum <= number <= maximum:
        raise InvalidQuery(f"{name} must be between {minimum} and {maximum}")
    return number


def list_documents(
    *,
    year: int | str | None = None,
    language: str | None = None,
    sort: str = "date",
    page: int | str | None = 1,
    per_page: int | str | None = 50,
) -> DocumentPage:
    """Browse the archive: filter by year and original language, sort by date or title, paginate.

    The sorts walk the ``doc_by_date`` / ``doc_by_title`` indexes, so a page costs the same at any size.

    :raises InvalidQuery: for a parameter out of range (unknown sort, page 0, ...)
    """
    if sort not in SORTS:
        raise InvalidQuery(f"sort must be one of {', '.join(SORTS)}")
    year_n = parse_int(year, "year", -9999, 9999)
    page_n = parse_int(page, "page", 1, 10**7, 1)
    per_page_n = parse_int(per_page, "per_page", 1, MAX_PER_PAGE, 50)
    qs = public_documents()
    filters: dict = {}
    if year_n is not None:
        qs = qs.filter(year=year_n)
        filters["year"] = year_n
    if language:
        qs = qs.filter(documentlanguage__language_id=language)
        filters["language"] = language
    total = qs.count()
    offset = (page_n - 1) * per_page_n
    docs = list(
        qs.order_by(*SORTS[sort]).prefetch_related(
            Prefetch("documentlanguage_set", queryset=m.DocumentLanguage.objects.select_related("language"))
        )[offset : offset + per_page_n]
    )
    return DocumentPage([document_summary(d) for d in docs], total, page_n, per_page_n, sort, filters)


def archive_overview() -> dict:
    """What the archive holds: totals, and counts by year, decade, original language and archive.

    Counted by the search index (its facet counts: 0.6 s at a million documents, where SQL ``GROUP BY``
    took 1.6 s) and kept for a minute, so the home and browse pages do not count on every view.
    """
    from django.core.cache import cache

    from readingroom.search import services as search

    cached = cache.get("archive-overview")
    if cached is not None:
        return cached
    result = search.search({"per_page": 1}, facets=True, snippets=False)
    facets = result.as_json()
    overview = {
        "total": result.total,
        "years": facets["years"],
        "decades": facets["decades"],
        "languages": [
            {"code": b["value"], "name": b["label"], "count": b["count"]} for b in facets["facets"].get("language", [])
        ],
        "repositories": [{"name": b["value"], "count": b["count"]} for b in facets["facets"].get("repository", [])],
    }
    cache.set("archive-overview", overview, OVERVIEW_SECONDS)
    return overview


def recent_documents(limit: int = 10) -> list[dict]:
    """The documents added last (newest rows first: the primary key's index, no sort over the archive)."""
    docs = (
        in_states_by_row(m.Document.objects.all(), m.Document.Status.PUBLISHED)
        .order_by("-id")
        .prefetch_related(
            Prefetch("documentlanguage_set", queryset=m.DocumentLanguage.objects.select_related("language"))
        )[:limit]
    )
    return [document_summary(d) for d in docs]


def iter_records(chunk_size: int = 500, *, public: bool = False) -> Iterator[dict]:
    """Every document's record (``public``: only the published ones), in id order, without holding the
    archive in memory. The operator's export (``readingroom export``) has every state."""
    qs = with_relations((public_documents() if public else m.Document.objects.all()).order_by("identifier"))
    for doc in qs.iterator(chunk_size=chunk_size):
        yield document_record(doc)


def iter_records_by_ids(identifiers: Iterable[str], chunk_size: int = 200) -> Iterator[dict]:
    """The public records of ``identifiers``, in that order, loaded ``chunk_size`` at a time; identifiers
    with no published record (deleted or unpublished since they were found) are skipped."""
    chunk: list[str] = []

    def flush() -> Iterator[dict]:
        # by identifier alone (the unique index), the state tested on the rows: see search.services.hydrate
        docs = {
            d.identifier: d
            for d in with_relations(m.Document.objects.filter(identifier__in=chunk))
            if d.status == m.Document.Status.PUBLISHED
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


def delete_document(identifier: str, *, actor: str = "", source: str = "", address: str = "") -> None:
    """Delete a document, leaving a tombstone (OAI-PMH reports it deleted); its removal from the search
    index and its audit event commit with it (one unit of work).

    :raises DocumentNotFound: when there is none
    """
    from django.utils import timezone

    from readingroom.records.unitofwork import UnitOfWork

    with UnitOfWork(actor=actor, source=source, address=address) as uow:
        doc = m.Document.objects.filter(identifier=identifier).first()
        if doc is None:
            raise DocumentNotFound(identifier)
        collections = list(doc.collections.values_list("identifier", flat=True))
        doc.delete()
        m.Tombstone.objects.update_or_create(
            identifier=identifier,
            defaults={"title": doc.title, "collections": collections, "deleted_at": timezone.now()},
        )
        uow.deleted(identifier)
        uow.audit("document.delete", identifier, details={"title": doc.title})


#: state -> the states it may move to
TRANSITIONS = {
    m.Document.Status.DRAFT: {m.Document.Status.REVIEW, m.Document.Status.PUBLISHED},
    m.Document.Status.REVIEW: {m.Document.Status.DRAFT, m.Document.Status.PUBLISHED},
    m.Document.Status.PUBLISHED: {m.Document.Status.WITHDRAWN},
    m.Document.Status.WITHDRAWN: {m.Document.Status.PUBLISHED},
}


def set_status(
    identifier: str, status: str, *, actor: str = "", note: str = "", source: str = "cli", address: str = ""
) -> m.Document:
    """Move a document through the workflow (draft -> in review -> published -> withdrawn).

    Publishing sets ``published_at`` (the first time) and records a version; withdrawing keeps the record
    (its URL answers 410 and its identifier is never reused) and takes it out of every public surface.
    The change, its audit event, its version and the search-index update commit together (one unit of work).

    :raises DocumentNotFound, InvalidTransition:
    """
    from django.utils import timezone

    from readingroom.records.unitofwork import UnitOfWork

    with UnitOfWork(actor=actor, source=source, address=address) as uow:
        doc = m.Document.objects.select_for_update().filter(identifier=identifier).first()
        if doc is None:
            raise DocumentNotFound(identifier)
        old = doc.status
        if status not in TRANSITIONS.get(old, set()):
            raise InvalidTransition(f"{identifier}: cannot go from {old} to {status}")
        now = timezone.now()
        doc.status = status
        fields = ["status", "updated_at"]
        if status == m.Document.Status.PUBLISHED:
            doc.published_at = doc.published_at or now  # the first publication's date stays
            doc.withdrawn_at, doc.withdrawal_note = None, ""
            fields += ["published_at", "withdrawn_at", "withdrawal_note"]
        elif status == m.Document.Status.WITHDRAWN:
            doc.withdrawn_at, doc.withdrawal_note = now, note
            fields += ["withdrawn_at", "withdrawal_note"]
        doc.save(update_fields=fields)
        uow.updated(identifier)  # after commit the home page counts again (the unit clears the overview)
        uow.audit(
            f"document.{status}" if status != "review" else "document.submit",
            identifier,
            details={"from": old, "to": status, **({"note": note} if note else {})},
        )
        if status == m.Document.Status.PUBLISHED:
            uow.version(identifier, note=note or ("published" if old != "withdrawn" else "published again"))
    return doc
