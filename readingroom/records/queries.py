"""The queries every reader of the records starts from: what the public may see, and one document with
everything its record needs.

* :func:`published`: the one filter for published documents (every public surface starts from it);
* :func:`in_states_by_row`: a state filter tested on each row (for walks in another order, see there);
* :func:`get_document`, :func:`with_relations`, :func:`related`: a document and its related rows.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Lower

from readingroom.archives.models import DocumentLink
from readingroom.documents import models as m
from readingroom.scans.models import Page

PUBLISHED = m.Document.Status.PUBLISHED


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


def published(qs: QuerySet | None = None, *, by_row: bool = False) -> QuerySet:
    """The documents the public may see: the published ones (of ``qs``; by default of all documents).

    Every public surface starts here. ``by_row``: the state is tested on each row the query walks (for a walk
    in another order that stops after a page, and for a look-up by key, ``identifier__in``; see
    :func:`in_states_by_row`), else through the state index. A look-up by key with the state in SQL is answered
    by SQLite without statistics (an archive nobody ran ``ANALYZE`` on, such as one being imported) by walking
    every published document: once a batch in an import, it made an import slow down as the archive grew.
    """
    qs = m.Document.objects.all() if qs is None else qs
    return in_states_by_row(qs, PUBLISHED) if by_row else qs.filter(status=PUBLISHED)


def is_published(doc: m.Document) -> bool:
    """A loaded document (or row) the public may see: the same rule as :func:`published`, tested in Python."""
    return doc.status == PUBLISHED


def with_relations(qs: QuerySet) -> QuerySet:
    """``qs`` with everything a record needs, prefetched into plain lists (``related(doc, name)`` reads
    them). Lists, not managers: Django clones a queryset per document and relation otherwise, which cost
    more than the queries themselves when records are built by the thousand (exports, OAI-PMH)."""

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


def with_languages(qs: QuerySet) -> QuerySet:
    """``qs`` with the original languages a summary shows (see ``records.serialise.document_summary``)."""
    return qs.prefetch_related(
        Prefetch("documentlanguage_set", queryset=m.DocumentLanguage.objects.select_related("language"))
    )


def related(doc: m.Document, name: str) -> list:
    """A document's related rows: the prefetched list when :func:`with_relations` loaded it, else a query."""
    cached = getattr(doc, f"pf_{name}", None)
    return cached if cached is not None else list(getattr(doc, name).all())


def get_document(identifier: str, *, public: bool = True, relations: bool = True) -> m.Document:
    """The document with id ``identifier``, with everything its record needs loaded (``relations``; without,
    the document's own row alone).

    ``public`` (the default): only a published document; a draft or one in review does not exist, a
    withdrawn one raises :class:`DocumentWithdrawn`. Whether there is one to show is read first in one small
    query, so a missing, unpublished or withdrawn document (every 404 and 410 of the site) costs that query
    and not the record's joins and prefetches.

    :raises DocumentNotFound: when there is none (for the public)
    """
    state = list(
        m.Document.objects.filter(identifier=identifier).values_list("pk", "status", "withdrawn_at", "withdrawal_note")[
            :1
        ]
    )
    if not state:
        raise DocumentNotFound(identifier)
    pk, status, withdrawn_at, note = state[0]
    if public and status != PUBLISHED:
        if status == m.Document.Status.WITHDRAWN:
            raise DocumentWithdrawn(identifier, withdrawn_at, note)
        raise DocumentNotFound(identifier)
    try:
        doc = (with_relations(m.Document.objects.all()) if relations else m.Document.objects).get(pk=pk)
    except m.Document.DoesNotExist:  # deleted since the first read
        raise DocumentNotFound(identifier) from None
    if public and not is_published(doc):  # withdrawn or sent back since the first read
        if doc.status == m.Document.Status.WITHDRAWN:
            raise DocumentWithdrawn(identifier, doc.withdrawn_at, doc.withdrawal_note)
        raise DocumentNotFound(identifier)
    return doc
