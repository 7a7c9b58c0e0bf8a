"""Keep the search index in step with the records.

Every store/update/delete writes an :class:`IndexQueue` row in the same transaction as the record
change. :func:`process_queue` works the queue off after commit (idempotent: indexing a document twice
replaces it), deleting queue rows only once the index has committed, so a crash at any point between the
two leaves work that the next run (``readingroom serve`` at start, the next import, ``readingroom
reindex``) finishes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from readingroom.documents import models as dm
from readingroom.documents.services import with_relations, document_record
from readingroom.search.backends import get_backend
from readingroom.search.backends.base import SearchBackend
from readingroom.search.documents import search_document
from readingroom.search.models import IndexQueue


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
    backend: SearchBackend | None = None, chunk: int = 2000, progress: Callable[[int, int], None] | None = None
) -> int:
    """Index what the queue holds; return how many documents were (re)indexed or removed."""
    backend = backend or get_backend()
    done = 0
    total = pending()
    while True:
        rows = list(IndexQueue.objects.order_by("id").values_list("id", "identifier")[:chunk])
        if not rows:
            break
        ids = list(dict.fromkeys(ident for _, ident in rows))
        _index_ids(backend, ids)
        backend.commit()
        IndexQueue.objects.filter(id__lte=rows[-1][0]).delete()
        done += len(ids)
        if progress:
            progress(done, total)
    return done


def reindex(backend: SearchBackend | None = None, chunk: int = 2000, progress: Callable[[int, int], None] | None = None) -> dict:
    """Rebuild the whole index from the records."""
    backend = backend or get_backend()
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

    The queue rows the store wrote stay until the index has committed these documents; then only those
    rows (these ids, up to the newest row seen) are removed, so a change queued meanwhile by someone else
    is still worked off later.
    """

    def __init__(self, backend: SearchBackend | None = None, commit_every: int = 20000) -> None:
        self.backend = backend or get_backend()
        self.commit_every = commit_every
        self.ids: list[str] = []
        self.indexed = 0

    def add(self, docs: list[dict]) -> None:
        """Index search documents (``search.documents.search_document`` of records just committed)."""
        if not docs:
            return
        self.backend.add(docs)
        self.ids += [d["id"] for d in docs]
        if len(self.ids) >= self.commit_every:
            self.commit()

    def commit(self) -> None:
        if not self.ids:
            return
        newest = IndexQueue.objects.order_by("-id").values_list("id", flat=True).first()
        self.backend.commit()
        for start in range(0, len(self.ids), 500):
            IndexQueue.objects.filter(identifier__in=self.ids[start : start + 500], id__lte=newest or 0).delete()
        self.indexed += len(self.ids)
        self.ids = []
