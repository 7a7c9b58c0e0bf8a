"""Bring the search index in step with the records before a server starts reading it.

Two things can leave the index behind the records: an index that is new or was rebuilt empty (a first
start, a changed index schema, a deleted index folder), and queued changes that an interrupted import or a
crash left unapplied. :func:`heal_index` mends both; ``readingroom serve`` runs it before the web workers
start, so they read a complete index from their first request.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from readingroom.documents.models import Document
from readingroom.search.backends import get_backend
from readingroom.search.indexing import IndexBusy, pending, process_queue, reindex, request_rebuild


class Healing(StrEnum):
    """What :func:`heal_index` did."""

    NOTHING = "nothing"  # the index was complete
    REBUILT = "rebuilt"  # it was empty while records exist: built from the records
    REBUILD_REQUESTED = "rebuild requested"  # the same, but another process owns the index: it rebuilds it
    CAUGHT_UP = "caught up"  # queued changes were applied (or left to the process that owns the index)


def heal_index(say: Callable[[str], None] = lambda line: None) -> Healing:
    """Rebuild an empty index when records exist, else apply what is queued; ``say`` hears what is about to
    take time. The index writer is closed again afterwards: the caller's worker process owns it from then on.
    """
    backend = get_backend()
    try:
        if backend.count() == 0 and Document.objects.exists():  # a new or rebuilt (schema changed) index
            say("search index: building it from the records ...")
            try:
                reindex(backend)
            except IndexBusy:  # another process owns the index (an import); the worker rebuilds it once it may
                request_rebuild()
                return Healing.REBUILD_REQUESTED
            return Healing.REBUILT
        queued = pending()
        if queued:  # finish indexing that an interrupted import or a crash left queued
            say(f"search index: catching up with {queued:,} queued changes ...")
            process_queue(backend)  # (when another process owns the index, it or the worker applies them)
            return Healing.CAUGHT_UP
        return Healing.NOTHING
    finally:
        backend.close()  # the web workers only read; the worker the server starts owns the index writer
