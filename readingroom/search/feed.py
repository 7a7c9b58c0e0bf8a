"""The change feed every search index follows, and where each index is in it.

Every record change writes an :class:`~readingroom.search.models.IndexQueue` row in its own transaction. An
index (the embedded one of a node, or PostgreSQL's shared full text) applies the rows after its *position*
and then moves its position on. Nothing is deleted by applying: several nodes, each with its own index,
follow the same feed; rows are pruned once every node seen lately has passed them.

Positions differ by database, so that no reader can pass a row that commits late:

* SQLite writes one transaction at a time, so row ids commit in order: the position is the last id applied.
* On PostgreSQL ids are taken before commit, so a transaction holding id 10 may commit after one holding
  id 11. Each row carries the id of its transaction (``txid``, set by the database), and a reader applies
  the transactions older than every transaction still running (``txid_snapshot_xmin`` of its snapshot):
  the position is that horizon, and a row is applied when ``position <= txid < horizon``. A transaction
  that is still running is never passed; it is applied by the round after it commits.

An index keeps its position beside its data (the embedded index: a file in its directory, written after
each commit; the shared PostgreSQL index: a row of ``rr_search_feed``), with the *signature* of the
archive it follows (:class:`~readingroom.search.models.ArchiveIdentity`, a random id made with the database):
an index from another archive, or one the feed has been pruned past, is rebuilt; one whose data directory
moved, or whose database was renamed, follows on.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TypeGuard

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, transaction
from django.utils import timezone

from readingroom.search.models import ArchiveIdentity, IndexQueue, SearchNode

PRUNED = "(pruned)"
#: a node not seen for this long no longer holds back pruning (it rebuilds when it comes back)
NODE_TIMEOUT_HOURS = float(os.environ.get("READINGROOM_FEED_NODE_TIMEOUT_HOURS", "24"))


#: SQLite: the newest id ever given to a feed row (AUTOINCREMENT never reuses one), even once the rows are pruned
NEWEST_ID = (
    "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'search_indexqueue'), 0), "
    "COALESCE((SELECT MAX(id) FROM search_indexqueue), 0))"
)


def transactional() -> bool:
    """True where positions are transaction horizons (PostgreSQL), False where they are row ids (SQLite)."""
    return connection.vendor == "postgresql"


def signature() -> str:
    """Which archive an index follows: its identity, read from the primary (made there when missing: a database
    a flush emptied holds a new archive)."""
    identities = ArchiveIdentity.objects.using(DEFAULT_DB_ALIAS)
    found = identities.filter(pk=1).values_list("uuid", flat=True).first()
    if found is None:
        try:
            with transaction.atomic(using=DEFAULT_DB_ALIAS):
                found = identities.get_or_create(pk=1)[0].uuid
        except IntegrityError:  # made by another process at the same moment
            found = identities.get(pk=1).uuid
    return f"archive:{found}"


def legacy_signature() -> str:
    """The signature of indexes written before the archive had an identity: the database's address."""
    db = settings.DATABASES["default"]
    return f"{connection.vendor}:{db.get('HOST') or ''}:{db.get('PORT') or ''}:{db['NAME']}"


def same_archive(state: State | None) -> TypeGuard[State]:
    """An index at ``state`` follows this archive (one written before the identity, by this database's address:
    its next position is written with the identity)."""
    return state is not None and state.signature in (signature(), legacy_signature())


def horizon() -> int:
    """The position everything before which has committed (or failed) for good."""
    with connection.cursor() as cur:
        if transactional():
            cur.execute("SELECT txid_snapshot_xmin(txid_current_snapshot())")
        else:
            cur.execute(NEWEST_ID)
        return int(cur.fetchone()[0])


def written_horizon() -> int:
    """A position at or past every change committed before this call (what a writer waits for)."""
    with connection.cursor() as cur:
        if transactional():
            cur.execute("SELECT txid_snapshot_xmax(txid_current_snapshot())")
        else:
            cur.execute(NEWEST_ID)
        return int(cur.fetchone()[0])


def window(position: int, upto: int):
    """The committed feed rows after ``position`` up to ``upto`` (a :func:`horizon`), in commit order.

    On PostgreSQL this includes the rows of transactions past the horizon that have already committed (so a
    long transaction elsewhere delays nothing else); the position still moves only to the horizon, so those
    rows come again in the next window (:data:`readingroom.search.indexing` remembers them and skips them).
    """
    if transactional():
        return (
            IndexQueue.objects.order_by("txid", "id")
            .filter(txid__gte=position)
            .extra(where=["txid_visible_in_snapshot(txid, txid_current_snapshot())"])
        )
    return IndexQueue.objects.order_by("id").filter(id__gt=position, id__lte=upto)


def pending(position: int) -> int:
    """Rows after ``position`` (committed or not)."""
    if transactional():
        return IndexQueue.objects.filter(txid__gte=position).count()
    return IndexQueue.objects.filter(id__gt=position).count()


@dataclass
class State:
    position: int
    signature: str


# -- where an index is --------------------------------------------------------------------------------------
def _shared(backend) -> bool:
    return getattr(backend, "name", "") == "postgres"


def _file(backend) -> Path:
    return Path(backend.path) / "readingroom-feed.json"


def node_name(backend) -> str:
    """The name an index goes by in :class:`SearchNode`: the shared index, or this host's data directory."""
    if _shared(backend):
        return "postgres (shared)"
    return f"{socket.gethostname()}:{Path(settings.DATA_DIR).resolve()}"


def read_state(backend) -> State | None:
    if _shared(backend):
        with connection.cursor() as cur:
            cur.execute(
                "CREATE TABLE IF NOT EXISTS rr_search_feed (name text PRIMARY KEY, position bigint NOT NULL, "
                "signature text NOT NULL)"
            )
            cur.execute("SELECT position, signature FROM rr_search_feed WHERE name = 'index'")
            row = cur.fetchone()
        return State(int(row[0]), row[1]) if row else None
    try:
        data = json.loads(_file(backend).read_text())
        return State(int(data["position"]), str(data["signature"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_state(backend, position: int) -> None:
    """Record ``position`` (after the index has committed what comes before it)."""
    sig = signature()
    if _shared(backend):
        with connection.cursor() as cur:
            cur.execute(
                "INSERT INTO rr_search_feed (name, position, signature) VALUES ('index', %s, %s) "
                "ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, signature = EXCLUDED.signature",
                [position, sig],
            )
    else:
        path = _file(backend)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"position": position, "signature": sig}))
        os.replace(tmp, path)
    SearchNode.objects.update_or_create(name=node_name(backend), defaults={"position": position})


def forget(backend) -> None:
    """The index was emptied: it has no position."""
    if _shared(backend):
        with connection.cursor() as cur:
            cur.execute(
                "CREATE TABLE IF NOT EXISTS rr_search_feed (name text PRIMARY KEY, position bigint NOT NULL, "
                "signature text NOT NULL)"
            )
            cur.execute("DELETE FROM rr_search_feed WHERE name = 'index'")
    else:
        _file(backend).unlink(missing_ok=True)


def usable(state: State | None) -> TypeGuard[State]:
    """Whether an index at ``state`` can follow the feed (else it is rebuilt): same archive, not behind what
    was pruned, not ahead of the feed (a database that was replaced)."""
    if not same_archive(state):
        return False
    pruned = SearchNode.objects.filter(name=PRUNED).values_list("position", flat=True).first() or 0
    if state.position < pruned:
        return False
    return state.position <= max(written_horizon(), pruned)


def prune() -> int:
    """Delete the rows every node seen lately has applied; returns how many."""
    recent = timezone.now() - timedelta(hours=NODE_TIMEOUT_HOURS)
    positions = list(
        SearchNode.objects.exclude(name=PRUNED).filter(seen_at__gte=recent).values_list("position", flat=True)
    )
    if not positions:
        return 0
    below = min(positions)
    if transactional():
        gone, _ = IndexQueue.objects.filter(txid__lt=below).delete()
    else:
        gone, _ = IndexQueue.objects.filter(id__lte=below).delete()
    current = SearchNode.objects.filter(name=PRUNED).values_list("position", flat=True).first() or 0
    if below > current:
        SearchNode.objects.update_or_create(name=PRUNED, defaults={"position": below})
    return gone
