"""Keep the search index in step with the records.

Every store/update/delete writes a row of the change feed (:class:`IndexQueue`) in the same transaction as
the record change (:mod:`readingroom.search.feed`). Each index follows the feed from its own position: the
embedded index of every node (several app servers on one PostgreSQL database each keep their own), or
PostgreSQL's shared full text. On one node, exactly one process applies the feed to its index at a time,
the holder of the writer lease (:mod:`readingroom.search.writer`): the worker of a running ``readingroom
serve`` follows the feed (:func:`follow_queue`); when nothing serves, the command that wrote applies it
itself. Applying is idempotent (indexing a document twice replaces it) and the position moves only after
the index has committed, so a crash at any point leaves work that the next holder finishes.

A full rebuild (``readingroom reindex``) while another process holds the lease is a request in the feed
(an ``action="rebuild"`` row) that every index carries out when it reaches it.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager

from django.db import close_old_connections, connection
from django.db.models import Q

from readingroom.documents import models as dm
from readingroom.records.queries import published, with_relations
from readingroom.records.serialise import document_record
from readingroom.search import feed, writer
from readingroom.search.backends import get_backend
from readingroom.search.backends.base import SearchBackend
from readingroom.search.documents import search_document
from readingroom.search.models import IndexQueue

log = logging.getLogger(__name__)

#: set in the process that owns the lease for its whole life (the worker beside ``serve``)
_owner_for_life = False
#: the feed rows an import of this process indexed itself (their ``origin``), skipped when the feed is applied
_inline_origin = ""
#: PostgreSQL: rows applied ahead of the position (committed past the horizon), by index: not applied twice
_ahead: dict[str, set[int]] = {}
#: between two chunks of a long round, the newest rows committed are applied first (see :func:`_fast_lane`)
FAST_LANE = 100
#: PostgreSQL: a transaction with at most this many feed rows is taken by the fast lane (an import's has 500)
SMALL_TRANSACTION = 20
#: rows a lifelong follower applies between two looks at the fast lane
FOLLOW_CHUNK = 200
#: within a chunk of a long round (read from the database at once), the fast lane is looked at every
#: FAST_LANE_STEP documents indexed once FAST_LANE_EVERY seconds have passed since the last look (a chunk of
#: 200 took 1.5-3 s on two cores busy with an import)
FAST_LANE_STEP = 25
FAST_LANE_EVERY = 0.5


def current_origin() -> str:
    """What a writer stores as the ``origin`` of its feed rows ('' unless an import indexes them inline)."""
    return _inline_origin


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
            global _inline_origin
            _inline_origin = ""
            try:
                (backend or get_backend()).close()
            finally:
                lease.release()


def pending(backend: SearchBackend | None = None) -> int:
    """Feed rows this node's index has not applied yet (all of them when it must be rebuilt)."""
    state = feed.read_state(backend or get_backend())
    return feed.pending(state.position if state is not None else 0)


def _index_ids(backend: SearchBackend, ids: list[str], between: Callable[[], list[str]] | None = None) -> None:
    """(Re)index ``ids`` as they are now. ``between``: called every :data:`FAST_LANE_STEP` documents (the fast
    lane); the documents it indexed are not added again from this call's earlier read of them."""
    # Only published documents are searchable: a draft, one in review or a withdrawn one is removed.
    docs = with_relations(published(dm.Document.objects.filter(identifier__in=ids), by_row=True))
    found = {d.identifier: d for d in docs}
    gone = [i for i in ids if i not in found]
    if gone:
        backend.delete(gone)
    present = [i for i in ids if i in found]
    step = FAST_LANE_STEP if between else max(1, len(present))
    fresher: set[str] = set()  # read again by the fast lane after this call read them
    for k in range(0, len(present), step):
        piece = [i for i in present[k : k + step] if i not in fresher]
        if piece:
            backend.add([search_document(document_record(found[i])) for i in piece])
        if between:
            fresher.update(between())


def process_queue(
    backend: SearchBackend | None = None,
    chunk: int = 2000,
    progress: Callable[[int, int], None] | None = None,
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
    """Apply the feed from this index's position up to the current horizon (rebuilding when the index cannot
    follow it: new, from another archive, or behind what was pruned). Returns documents (re)indexed."""
    state = feed.read_state(backend)
    if not feed.usable(state):
        return _reindex(backend, chunk, progress)["documents"]
    upto = feed.horizon()
    if upto == state.position and not feed.transactional():
        return 0  # nothing new (PostgreSQL: transactions past the horizon may have committed meanwhile)
    rows = feed.window(state.position, upto)
    if rows.filter(action="rebuild").exists():
        return _reindex(backend, chunk, progress)["documents"]
    total = rows.count()
    done = seen = 0
    ahead_before = _ahead.get(feed.node_name(backend), set())
    ahead: set[int] = set()
    fast: set[int] = set()  # rows the fast lane applied in this round (skipped when the round reaches them)
    last: tuple[int | None, int] = (None, 0)  # keyset: (txid, id) on PostgreSQL, (None, id) on SQLite
    looked = time.monotonic()  # when the fast lane was last looked at
    while True:
        page = rows
        if last[1]:
            if feed.transactional():
                page = page.filter(Q(txid__gt=last[0]) | Q(txid=last[0], id__gt=last[1]))
            else:
                page = page.filter(id__gt=last[1])
        batch = list(page.values_list("txid", "id", "identifier", "origin")[:chunk])
        if not batch:
            break
        ids = list(
            dict.fromkeys(
                ident
                for _, row, ident, origin in batch
                if ident
                and row not in ahead_before
                and row not in fast
                and not (_inline_origin and origin == _inline_origin)
            )
        )
        long_round = len(batch) == chunk  # (an import's thousands of rows): what was just written goes first

        def between() -> list[str]:
            nonlocal looked, done
            if time.monotonic() - looked <= FAST_LANE_EVERY:
                return []
            applied = _fast_lane(backend, state.position, upto, fast, ahead)
            looked = time.monotonic()
            done += len(applied)
            return applied

        if ids:
            _index_ids(backend, ids, between if long_round else None)
        backend.commit()
        last = (batch[-1][0], batch[-1][1])
        if feed.transactional():
            ahead.update(row for txid, row, _, _ in batch if txid >= upto)
        else:
            feed.write_state(backend, last[1])
        done += len(ids)
        seen += len(batch)
        if progress:
            progress(seen, total)
        if long_round:
            done += len(_fast_lane(backend, state.position, upto, fast, ahead))
            looked = time.monotonic()
    feed.write_state(backend, upto)
    _ahead[feed.node_name(backend)] = ahead
    feed.prune()
    return done


def _fast_lane(backend: SearchBackend, position: int, upto: int, fast: set[int], ahead: set[int]) -> list[str]:
    """Apply the newest committed feed rows of small transactions (at most :data:`FAST_LANE`; on SQLite the
    rows written since the round began) ahead of the round's order.

    A round applies the feed in commit order; behind an import of 100k documents, an editor's change made
    meanwhile would wait for all of it (15 s at p99 on two nodes sharing two cores). Applying is idempotent and
    reads each document as it is now, so order does not matter to the result: the rows done here are remembered
    (``fast``: skipped when the round reaches them; past the horizon, ``ahead``: skipped by the next round too).
    On SQLite the rows after the round's end come again in the next round (applied twice, harmlessly).
    """
    if feed.transactional():
        # the rows of small transactions (an editor's change, a publication: not an import's batches of 500),
        # newest first, committed (visible) ones only
        table = IndexQueue._meta.db_table
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT txid, id, identifier, origin FROM {table} "  # noqa: S608 - the table name from the model's _meta, values as parameters
                "WHERE txid >= %s AND txid_visible_in_snapshot(txid, txid_current_snapshot()) "
                f"AND txid IN (SELECT txid FROM {table} WHERE txid >= %s GROUP BY txid HAVING count(*) <= %s) "
                "ORDER BY txid DESC, id DESC LIMIT %s",
                [position, position, SMALL_TRANSACTION, FAST_LANE],
            )
            newest = cur.fetchall()
    else:  # SQLite: one writer at a time, the rows written since the round began
        newest = list(
            IndexQueue.objects.filter(id__gt=upto)
            .order_by("-id")
            .values_list("txid", "id", "identifier", "origin")[:FAST_LANE]
        )
    rows = [
        (txid, row, ident)
        for txid, row, ident, origin in newest
        if ident and row not in fast and not (_inline_origin and origin == _inline_origin)
    ]
    ids = list(dict.fromkeys(ident for _, _, ident in rows))
    if not ids:
        return []
    _index_ids(backend, ids)
    backend.commit()
    for txid, row, _ in rows:
        fast.add(row)
        if feed.transactional() and txid >= upto:
            ahead.add(row)
    return ids


class IndexBusy(RuntimeError):
    """Another process holds the writer lease."""


def reindex(
    backend: SearchBackend | None = None,
    chunk: int = 2000,
    progress: Callable[[int, int], None] | None = None,
    wait: float = 0.0,
) -> dict:
    """Rebuild the whole index from the records (this process must hold or take the writer lease; see
    :func:`request_rebuild` for asking the holder)."""
    backend = backend or get_backend()
    with writing(wait, backend) as mine:
        if not mine:
            raise IndexBusy("another process writes the search index")
        return _reindex(backend, chunk, progress)


def request_rebuild() -> int:
    """Ask every index to rebuild (the lease holder of each node does); returns the position to wait for."""
    IndexQueue.objects.create(identifier="", action="rebuild")
    return feed.written_horizon()


def newest_queued() -> int:
    """The position that covers every change committed so far (see :func:`wait_applied`)."""
    return feed.written_horizon()


def wait_applied(upto: int, timeout: float, progress: Callable[[int], None] | None = None, poll: float = 0.2) -> bool:
    """Wait until this node's index has applied the feed up to ``upto`` (a :func:`newest_queued` position),
    whichever process of this node applies it."""
    deadline = time.monotonic() + timeout
    backend = get_backend()
    while True:
        state = feed.read_state(backend)
        position = state.position if feed.same_archive(state) else -1
        if position >= upto:
            return True
        left = feed.pending(max(position, 0))
        if left == 0 and position >= 0 and not feed.transactional():
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
    global _owner_for_life
    _owner_for_life = True
    lease = writer.lease()
    backend = get_backend()
    try:
        while not stop.is_set():
            try:
                if lease.held or lease.acquire():
                    with writer._lease_lock:
                        state = feed.read_state(backend)
                        behind = (
                            state is None
                            or feed.window(state.position, feed.horizon()).exists()
                            or not feed.usable(state)
                        )
                        if behind:
                            _apply_queue(backend, FOLLOW_CHUNK, None)
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
    upto = feed.horizon()  # changes committed from here on are applied after the rebuild
    backend.reset()
    feed.forget(backend)
    public = published()
    total = public.count()
    done = 0
    ids = list(public.order_by("id").values_list("identifier", flat=True))
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        _index_ids(backend, part)
        done += len(part)
        if progress:
            progress(done, total)
    backend.commit()
    feed.write_state(backend, upto)
    feed.prune()
    return {"documents": done, "seconds": round(time.monotonic() - t0, 2), "backend": backend.name}


class InlineIndexer:
    """Index records straight from an import, after their batch has committed.

    Only when this process holds the writer lease (nothing else is serving): it takes the lease here (an
    index that cannot follow the feed is rebuilt first) and gives it back at the import's closing
    :func:`process_queue` (or :meth:`close`). The import's feed rows carry this indexer's ``origin``, so
    that closing pass skips what was indexed here and applies only what others changed meanwhile. When
    another process holds the lease, the import only stores; that process applies the import's rows.
    """

    def __init__(self, backend: SearchBackend | None = None, commit_every: int = 20000) -> None:
        global _inline_origin
        self.backend = backend or get_backend()
        self.commit_every = commit_every
        self.pending = 0
        self.indexed = 0
        self.active = writer.lease().acquire()
        if self.active:
            if not feed.usable(feed.read_state(self.backend)):
                _reindex(self.backend, 2000, None)
            _inline_origin = uuid.uuid4().hex

    def add(self, docs: list[dict]) -> None:
        """Index search documents (``search.documents.search_document`` of records just committed)."""
        if not docs or not self.active:
            return
        self.backend.add(docs)
        self.pending += len(docs)
        if self.pending >= self.commit_every:
            self.commit()

    def commit(self) -> None:
        if not self.pending or not self.active:
            return
        self.backend.commit()
        self.indexed += self.pending
        self.pending = 0

    def close(self) -> None:
        """Give the lease back (an import that stopped early; :func:`process_queue` does it otherwise). The
        rows of what was indexed here are applied again by the next pass (idempotent)."""
        global _inline_origin
        if self.active and not _owner_for_life:
            _inline_origin = ""
            try:
                self.backend.close()
            finally:
                writer.lease().release()
        self.active = False
