"""Keep the search index in step with the records.

Every store/update/delete writes an :class:`IndexQueue` row in the same transaction as the record
change. The queue is applied by exactly one process at a time, the holder of the writer lease
(:mod:`readingroom.search.writer`): the worker of a running ``readingroom serve`` follows the queue
(:func:`follow_queue`); when nothing serves, the command that wrote applies it itself. Applying is
idempotent (indexing a document twice replaces it) and queue rows are deleted only once the index has
committed, so a crash at any point leaves work that the next holder finishes.

A full rebuild (``readingroom reindex``) while another process holds the lease is a request in the queue
(an ``action="rebuild"`` row) that the holder carries out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager

from readingroom.documents import models as dm
from readingroom.documents.services import with_relations, document_record
from readingroom.search import writer
from readingroom.search.backends import get_backend
from readingroom.search.backends.base import SearchBackend
from readingroom.search.documents import search_document
from readingroom.search.models import IndexQueue

log = logging.getLogger(__name__)

#: set in the process that owns the lease for its whole life (the worker beside ``serve``)
_owner_for_life = False


@contextmanager
def writing(wait: float = 0.0, backend: SearchBackend | None = None):
    """Hold the writer lease for a block: yields True when this process may write the index.

    A process that takes the lease here gives it back at the end of the block (closing the index writer,
    so no engine lock outlives it), unless it is the lifelong owner. Yields False when another process
    holds it: that process applies the queue.
    """
    lease = writer.lease()
    if not lease.held and not lease.acquire(wait):
        yield False
        return
    try:
        with writer._lease_lock:
            yield True
    finally:
        if not _owner_for_life:
            try:
                (backend or get_backend()).close()
            finally:
                lease.release()


def pending() -> int:
    return IndexQueue.objects.count()


def _index_ids(backend: SearchBackend, ids: list[str]) -> None:
    # Only published documents are searchable: a draft, one in review or a withdrawn one is removed.
    docs = with_relations(dm.Document.objects.filter(identifier__in=ids, status=dm.Document.Status.PUBLISHED))
    found = {d.identifier: d for d in docs}
    present = [search_document(document_record(found[i])) for i in ids if i in found]
    gone = [i for i in ids if i not in found]
    if present:
        backend.add(present)
    if gone:
        backend.delete(gone)


def process_queue(
    backend: SearchBackend | None = None, chunk: int = 2000, progress: Callable[[int, int], None] | None = None,
    wait: float = 0.0,
) -> int:
    """Apply the queue when this process holds (or can take) the writer lease; return how many documents
    were (re)indexed or removed. When another process holds the lease, return 0: that process applies it."""
    backend = backend or get_backend()
    with writing(wait, backend) as mine:
        if not mine:
            return 0
        return _apply_queue(backend, chunk, progress)


def _apply_queue(backend: SearchBackend, chunk: int, progress: Callable[[int, int], None] | None) -> int:
    if IndexQueue.objects.filter(action="rebuild").exists():
        done = _reindex(backend, chunk, progress)["documents"]
    else:
        done = 0
    total = pending()
    while True:
        rows = list(IndexQueue.objects.order_by("id").values_list("id", "identifier", "action")[:chunk])
        if not rows:
            break
        ids = list(dict.fromkeys(ident for _, ident, action in rows if action != "rebuild"))
        if ids:
            _index_ids(backend, ids)
        backend.commit()
        IndexQueue.objects.filter(id__lte=rows[-1][0]).delete()
        done += len(ids)
        if progress:
            progress(done, total)
    return done


class IndexBusy(RuntimeError):
    """Another process holds the writer lease."""


def reindex(backend: SearchBackend | None = None, chunk: int = 2000, progress: Callable[[int, int], None] | None = None,
            wait: float = 0.0) -> dict:
    """Rebuild the whole index from the records (this process must hold or take the writer lease; see
    :func:`request_rebuild` for asking the holder)."""
    backend = backend or get_backend()
    with writing(wait, backend) as mine:
        if not mine:
            raise IndexBusy("another process writes the search index")
        return _reindex(backend, chunk, progress)


def request_rebuild() -> int:
    """Ask the lease holder to rebuild the index; returns the request's queue id (see :func:`wait_applied`)."""
    return IndexQueue.objects.create(identifier="", action="rebuild").id


def newest_queued() -> int:
    return IndexQueue.objects.order_by("-id").values_list("id", flat=True).first() or 0


def wait_applied(upto: int, timeout: float, progress: Callable[[int], None] | None = None, poll: float = 0.2) -> bool:
    """Wait until every queue row up to id ``upto`` has been applied (by whichever process holds the lease)."""
    deadline = time.monotonic() + timeout
    while True:
        left = IndexQueue.objects.filter(id__lte=upto).count()
        if not left:
            return True
        if progress:
            progress(left)
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll)


def follow_queue(stop: threading.Event, poll: float = 0.25) -> None:
    """The lifelong owner: take the lease as soon as it is free and apply the queue until ``stop``.

    Runs in a thread of the worker that ``readingroom serve`` starts, so that a change committed by any
    process is searchable within about ``poll`` seconds (plus the time to index it), even while an OCR
    job runs.
    """
    from django.db import close_old_connections, connection

    global _owner_for_life
    _owner_for_life = True
    lease = writer.lease()
    backend = get_backend()
    try:
        while not stop.is_set():
            try:
                if lease.held or lease.acquire():
                    with writer._lease_lock:
                        if IndexQueue.objects.exists():
                            _apply_queue(backend, 2000, None)
                            backend.close()  # no engine lock or writer memory kept between rounds
            except Exception:  # logged; the queue keeps the work and the next round retries it
                log.exception("applying the search index queue failed; retrying")
                time.sleep(1)
            finally:
                close_old_connections()
            stop.wait(poll)
    finally:
        _owner_for_life = False
        try:
            backend.close()
        finally:
            lease.release()
            connection.close()


def _reindex(backend: SearchBackend, chunk: int, progress: Callable[[int, int], None] | None) -> dict:
    t0 = time.monotonic()
    last_queued = IndexQueue.objects.order_by("-id").values_list("id", flat=True).first()
    backend.reset()
    total = dm.Document.objects.filter(status=dm.Document.Status.PUBLISHED).count()
    done = 0
    ids = list(dm.Document.objects.filter(status=dm.Document.Status.PUBLISHED).order_by("id").values_list("identifier", flat=True))
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        _index_ids(backend, part)
        done += len(part)
        if progress:
            progress(done, total)
    backend.commit()
    if last_queued is not None:
        IndexQueue.objects.filter(id__lte=last_queued).delete()
    return {"documents": done, "seconds": round(time.monotonic() - t0, 2), "backend": backend.name}


class InlineIndexer:
    """Index records straight from an import, after their batch has committed.

    Only when this process holds the writer lease (nothing else is serving): it takes the lease here and
    gives it back at the import's closing :func:`process_queue` (or :meth:`close`). When another process
    holds it, the import only stores; the records' queue rows are applied by that process.

    The queue rows the store wrote stay until the index has committed these documents; then only those
    rows (these ids, up to the newest row seen) are removed, so a change queued meanwhile by someone else
    is still worked off later.
    """

    def __init__(self, backend: SearchBackend | None = None, commit_every: int = 20000) -> None:
        self.backend = backend or get_backend()
        self.commit_every = commit_every
        self.ids: list[str] = []
        self.indexed = 0
        self.active = writer.lease().acquire()

    def add(self, docs: list[dict]) -> None:
        """Index search documents (``search.documents.search_document`` of records just committed)."""
        if not docs or not self.active:
            return
        self.backend.add(docs)
        self.ids += [d["id"] for d in docs]
        if len(self.ids) >= self.commit_every:
            self.commit()

    def commit(self) -> None:
        if not self.ids or not self.active:
            return
        newest = IndexQueue.objects.order_by("-id").values_list("id", flat=True).first()
        self.backend.commit()
        for start in range(0, len(self.ids), 500):
            IndexQueue.objects.filter(identifier__in=self.ids[start : start + 500], id__lte=newest or 0).delete()
        self.indexed += len(self.ids)
        self.ids = []

    def close(self) -> None:
        """Give the lease back (an import that stopped early; :func:`process_queue` does it otherwise)."""
        if self.active and not _owner_for_life:
            try:
                self.backend.close()
            finally:
                writer.lease().release()
        self.active = False
