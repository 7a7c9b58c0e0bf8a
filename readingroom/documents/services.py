"""The archive as lists and as a workflow: browsing (``list_documents``), what the archive holds
(``archive_overview``, ``recent_documents``), and the workflow's writes (``set_status``, ``delete_document``),
each one unit of work.

A document and its record are read through :mod:`readingroom.records` (``queries``: ``published``,
``get_document``; ``serialise``: ``document_record``, ``document_summary``; ``params``: ``parse_int``,
``InvalidQuery``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone

from readingroom.documents import models as m
from readingroom.records.params import InvalidQuery, parse_int
from readingroom.records.queries import DocumentNotFound, published, with_languages
from readingroom.records.serialise import document_summary
from readingroom.records.unitofwork import OVERVIEW_KEY, UnitOfWork
from readingroom.search import services as search


class InvalidTransition(ValueError):
    """A workflow step that is not allowed from the document's present state."""


SORTS = {
    "date": ("date_sort", "identifier"),
    "-date": ("-date_sort", "-identifier"),
    "title": ("title_sort", "identifier"),
    "-title": ("-title_sort", "-identifier"),
}
MAX_PER_PAGE = 200
OVERVIEW_SECONDS = 60


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
    qs = published()
    filters: dict = {}
    if year_n is not None:
        qs = qs.filter(year=year_n)
        filters["year"] = year_n
    if language:
        qs = qs.filter(documentlanguage__language_id=language)
        filters["language"] = language
    total = qs.count()
    offset = (page_n - 1) * per_page_n
    docs = list(with_languages(qs.order_by(*SORTS[sort]))[offset : offset + per_page_n])
    return DocumentPage([document_summary(d) for d in docs], total, page_n, per_page_n, sort, filters)


def archive_overview() -> dict:
    """What the archive holds: totals, and counts by year, decade, original language and archive.

    Counted by the search index (its facet counts: 0.6 s at a million documents, where SQL ``GROUP BY``
    took 1.6 s) and kept for a minute, so the home and browse pages do not count on every view.
    """
    cached = cache.get(OVERVIEW_KEY)
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
    cache.set(OVERVIEW_KEY, overview, OVERVIEW_SECONDS)
    return overview


def recent_documents(limit: int = 10) -> list[dict]:
    """The documents added last (newest rows first: the primary key's index, no sort over the archive)."""
    docs = with_languages(published(by_row=True).order_by("-id"))[:limit]
    return [document_summary(d) for d in docs]


def delete_document(identifier: str, *, actor: str = "", source: str = "", address: str = "") -> None:
    """Delete a document, leaving a tombstone (OAI-PMH reports it deleted); its removal from the search
    index and its audit event commit with it (one unit of work).

    :raises DocumentNotFound: when there is none
    """
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
TRANSITIONS: dict[str, set[str]] = {
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
