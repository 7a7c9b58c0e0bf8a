"""The unit of work: the one way a write reaches the records.

Every write (an import batch, the workflow, the admin, scans, OCR jobs, archive and name edits, a restore)
runs inside ``with UnitOfWork(...) as uow:``. The block changes its rows and says what it changed; at the
end of the block, in the same transaction, the unit writes what follows from that:

* the change feed: one :class:`~readingroom.search.models.IndexQueue` row per document created, updated
  (:meth:`UnitOfWork.created`, :meth:`UnitOfWork.updated`) or deleted (:meth:`UnitOfWork.deleted`), so
  every search index catches up;
* ``updated_at`` of the documents updated with ``touch=True`` (their scans, OCR or links changed: cached
  pages and harvesters see it);
* a version of each document given to :meth:`UnitOfWork.version` that is published by then (the state
  before the first change is kept by :meth:`UnitOfWork.changing`, which must be called before the change);
* the audit events (:meth:`UnitOfWork.audit`), after any restored ones.

Then the transaction commits, and what was cached from the state before is cleared (the home page's
overview; pages are cached by state and need nothing). A failure anywhere rolls all of it back together:
the records, their feed rows, their audit events and their versions commit together or not at all, so a
``kill -9`` can never leave a stored batch without its history.

A unit opened inside another joins it: one transaction, written when the outermost unit ends. An inner unit
that fails is rolled back to its savepoint and what it registered is forgotten, so a caller that catches the
error keeps the rest.

Layers (docs/architecture.md): a service (layer 3). It imports the models (documents, history, search), the
record queries and the history writers (:mod:`readingroom.history.services`); the write sites import it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable
from typing import Literal

from django.core.cache import cache
from django.db import connections, models, router, transaction
from django.utils import timezone

from readingroom.accounts import acting
from readingroom.documents import models as dm
from readingroom.history import services as history
from readingroom.history.models import AuditEvent, DocumentVersion
from readingroom.records.queries import published
from readingroom.search.models import IndexQueue

#: what the home and browse pages show (``documents.services.archive_overview``)
OVERVIEW_KEY = "archive-overview"
#: the cache entries made from many documents, stale after any change of a document: the overview and the
#: archives list's counts (``archives.services.archive_counts``)
DOCUMENT_CACHES = (OVERVIEW_KEY, "archive-counts")

_open: contextvars.ContextVar[UnitOfWork | None] = contextvars.ContextVar("readingroom_unit_of_work", default=None)


class UnitOfWork:
    """One transaction of writes and everything that follows from them (see the module documentation).

    :param actor: who, for the audit events and versions that do not say (default: the request's user or
        the operating-system user, as :func:`readingroom.accounts.acting.who` finds)
    :param source: where from (``cli``, ``admin``, ``import``, ``worker``, ``web``)
    :param address: the client's address or the host name
    :param origin: the ``origin`` of the feed rows (an import that indexes its records itself marks its rows)
    :param feed: ``False`` for a restore into an empty archive, which rebuilds every index from the records
        afterwards: no feed rows are written and any there are dropped
    """

    def __init__(
        self, *, actor: str = "", source: str = "", address: str = "", origin: str = "", feed: bool = True
    ) -> None:
        self.actor, self.source, self.address = actor, source, address
        self.origin = origin
        self.feed = feed
        self.using = router.db_for_write(dm.Document)
        self._root: UnitOfWork = self
        self._atomic: transaction.Atomic | None = None
        self._token: contextvars.Token[UnitOfWork | None] | None = None
        self._mark: tuple[int, ...] = ()
        # What was registered (on the outermost unit: those joined to it register there).
        self._feed: list[tuple[str, str]] = []
        self._touched: list[str] = []
        self._versions: list[tuple[str, str, str, bool]] = []
        self._events: list[AuditEvent] = []
        self._caches: list[str] = []

    # -- the block

    @classmethod
    def current(cls) -> UnitOfWork | None:
        """The unit open in this thread (or task), if any."""
        return _open.get()

    def __enter__(self) -> UnitOfWork:
        outer = _open.get()
        if outer is not None:
            self._root = outer._root
            self._mark = self._root._lengths()
        self._atomic = transaction.atomic(using=self.using)
        self._atomic.__enter__()
        self._token = _open.set(self)
        return self

    def __exit__(self, exc_type, exc, tb) -> Literal[False]:
        if self._token is None or self._atomic is None:
            raise RuntimeError("UnitOfWork.__exit__ without __enter__")
        _open.reset(self._token)
        outermost = self._root is self
        if exc_type is None and outermost:
            try:
                self._write()
            except BaseException as error:
                self._forget()
                self._atomic.__exit__(type(error), error, error.__traceback__)
                raise
        elif exc_type is not None:
            self._forget()
        self._atomic.__exit__(exc_type, exc, tb)  # commits (the outermost unit) or releases its savepoint
        if exc_type is None and outermost:
            self._clear_caches()
        return False

    # -- what the block says it changed

    def created(self, *identifiers: str) -> None:
        """New documents: each gets its feed row."""
        self._changed(identifiers, "index")

    def updated(self, *identifiers: str, touch: bool = False) -> None:
        """Changed documents: each gets its feed row; ``touch``: their ``updated_at`` moves too (for changes
        that do not save the document's own row: scans, OCR, links)."""
        self._changed(identifiers, "index")
        if touch:
            self._root._touched.extend(identifiers)

    def deleted(self, *identifiers: str) -> None:
        """Deleted documents: each gets its feed row (the indexes remove it)."""
        self._changed(identifiers, "delete")

    def _changed(self, identifiers: tuple[str, ...], action: str) -> None:
        if identifiers:
            self._root._feed.extend((ident, action) for ident in identifiers)
            self._root._caches.extend(key for key in DOCUMENT_CACHES if key not in self._root._caches)

    def changing(self, *identifiers: str, actor: str = "") -> int:
        """Call *before* changing documents: a published one that has no version yet gets one of its present
        state now (in this transaction), so the state before its first change is kept. Returns how many."""
        if not identifiers:
            return 0
        return history.ensure_base_version(list(identifiers), actor=actor or self.actor)

    def version(self, *identifiers: str, note: str = "", erratum: bool = False, actor: str = "") -> None:
        """Record a version of these documents at the end of the unit, if they are published by then and their
        record differs from their last version (a public note; ``erratum``: listed as a correction)."""
        who = actor or self.actor
        self._root._versions.extend((ident, who, note, erratum) for ident in identifiers)

    def audit(
        self,
        action: str,
        object_id: str = "",
        *,
        actor: str = "",
        source: str = "",
        address: str = "",
        details: dict | None = None,
    ) -> None:
        """An audit event, written at the end of the unit (who and where from: the arguments, else the unit's,
        else the request's or the operating system's)."""
        who, where_from, addr = acting.who()
        self._root._events.append(
            AuditEvent(
                actor=actor or self.actor or who,
                source=source or self.source or where_from,
                address=address or self.address or addr,
                action=action,
                object_id=object_id[:300],
                details=details or {},
            )
        )

    def clear_cache(self, *keys: str) -> None:
        """Cache entries to delete once the unit has committed (besides the overview, when documents changed)."""
        self._root._caches.extend(keys)

    def restore_history(self, *, versions: Iterable[DocumentVersion] = (), events: Iterable[AuditEvent] = ()) -> None:
        """Versions and audit events carried over as they were (a restored bag), written now."""
        DocumentVersion.objects.using(self.using).bulk_create(list(versions))
        AuditEvent.objects.using(self.using).bulk_create(list(events), batch_size=2000)

    @property
    def documents(self) -> list[str]:
        """The identifiers of the documents this unit (with those joined to it) created, updated or deleted."""
        return list(dict.fromkeys(ident for ident, _ in self._root._feed))

    # -- the end of the block

    def _lengths(self) -> tuple[int, ...]:
        return len(self._feed), len(self._touched), len(self._versions), len(self._events), len(self._caches)

    def _forget(self) -> None:
        """Drop what this unit registered (an outermost unit: everything)."""
        root = self._root
        feed, touched, versions, events, caches = self._mark or (0, 0, 0, 0, 0)
        del root._feed[feed:], root._touched[touched:], root._versions[versions:], root._events[events:]
        del root._caches[caches:]

    def _write(self) -> None:
        if self._touched:
            dm.Document.objects.using(self.using).filter(identifier__in=set(self._touched)).update(
                updated_at=timezone.now()
            )
        if self._versions:
            wanted: dict[str, tuple[str, str, bool]] = {}
            for ident, actor, note, erratum in self._versions:
                wanted[ident] = (actor, note, erratum)  # the last word on a document counts
            for doc in published(
                dm.Document.objects.using(self.using).filter(identifier__in=list(wanted)), by_row=True
            ):
                actor, note, erratum = wanted[doc.identifier]
                history.record_version(doc, actor=actor, note=note, erratum=erratum)
        if self.feed:
            self._write_feed()
        else:
            IndexQueue.objects.using(self.using).all().delete()
        if self._events:
            AuditEvent.objects.using(self.using).bulk_create(self._events)

    def _write_feed(self) -> None:
        """One row per document (its last action), in one ``executemany`` (an import writes 500 at a time)."""
        if not self._feed:
            return
        last: dict[str, str] = {}
        for ident, action in self._feed:
            last.pop(ident, None)
            last[ident] = action
        connection = connections[self.using]
        qn = connection.ops.quote_name
        fields: list[models.Field] = []
        columns: list[str] = []
        for name in ("identifier", "action", "created_at", "origin"):
            field = IndexQueue._meta.get_field(name)
            if not isinstance(field, models.Field) or field.column is None:
                raise TypeError(f"IndexQueue.{name} is not a column")
            fields.append(field)
            columns.append(field.column)
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - quoted names from the model's _meta, values are parameters
            qn(IndexQueue._meta.db_table), ", ".join(qn(c) for c in columns), ", ".join(["%s"] * len(fields))
        )
        now = fields[2].get_db_prep_save(timezone.now(), connection)
        with connection.cursor() as cursor:
            cursor.executemany(sql, [(ident, action, now, self.origin) for ident, action in last.items()])

    def _clear_caches(self) -> None:
        keys = list(dict.fromkeys(self._caches))
        if not keys:
            return
        cache.delete_many(keys)
        if connections[self.using].in_atomic_block:
            # inside a transaction this unit does not own (the admin's, a test's): again once that commits,
            # so that no reader caches the state from before in between
            transaction.on_commit(lambda: cache.delete_many(keys), using=self.using)
