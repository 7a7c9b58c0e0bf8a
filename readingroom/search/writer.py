"""Exactly one process applies the search-index queue: the holder of the *writer lease*.

Writers of records (imports, ``attach``, the workflow, the admin, OCR jobs) only commit their records and
the :class:`~readingroom.search.models.IndexQueue` rows that go with them. Applying the queue to the index
is the job of one process at a time, the one that holds the lease:

* while ``readingroom serve`` runs, its worker process holds it for its whole life and applies the queue
  a few times a second (:func:`readingroom.search.indexing.follow_queue`), so a change written by any
  other process (a CLI import, the admin in a web worker) becomes searchable within about a second;
* when nothing serves, the command that wrote takes the lease for as long as it needs it and applies the
  queue itself (an import indexes inline, the fast path).

The lease is an advisory ``flock`` on ``<data dir>/search/writer.lock``: the kernel drops it when its
holder exits, even after ``kill -9``, so a dead owner never blocks the archive. On PostgreSQL with the
shared full-text backend, several app servers share one index, so the lease is also a session advisory
lock in that database (held on a connection of its own), and only one node applies the queue at a time.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from readingroom.search.backends import backend_name

if TYPE_CHECKING:
    import psycopg

#: pg_advisory_lock key of the shared index ("rrindex" in ASCII)
PG_LOCK_KEY = 0x7272696E646578


class WriterLease:
    """A non-reentrant, process-wide lease. ``acquire`` never waits unless asked to."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path or Path(settings.DATA_DIR) / "search" / "writer.lock")
        self._fd: int | None = None
        self._pg: psycopg.Connection | None = (
            None  # a psycopg connection holding the advisory lock (shared PostgreSQL index only)
        )

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, wait: float = 0.0) -> bool:
        """Take the lease; wait up to ``wait`` seconds for it. True when held."""
        if self._fd is not None:
            return True
        deadline = time.monotonic() + wait
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(0.05)
                continue
            if not self._acquire_shared(deadline):
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
                return False
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            self._fd = fd
            return True

    def _acquire_shared(self, deadline: float) -> bool:
        """On a shared PostgreSQL index, one node at a time: a session advisory lock of our own."""
        db = settings.DATABASES["default"]
        if "postgresql" not in db["ENGINE"] or backend_name() != "postgres":
            return True
        # deferred: psycopg is needed (and installed) only with PostgreSQL
        import psycopg

        conn = psycopg.connect(
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            dbname=db["NAME"],
            autocommit=True,
            application_name="readingroom index writer",
        )
        while True:
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", [PG_LOCK_KEY]).fetchone()
            if row is None:
                raise RuntimeError("pg_try_advisory_lock returned no row")
            if row[0]:
                self._pg = conn
                return True
            if time.monotonic() >= deadline:
                conn.close()
                return False
            time.sleep(0.1)

    def release(self) -> None:
        if self._pg is not None:
            try:
                self._pg.close()  # ends the session, and with it the advisory lock
            finally:
                self._pg = None
        if self._fd is not None:
            os.ftruncate(self._fd, 0)  # the file names the holder only while it holds the lease
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


_lease: WriterLease | None = None
_lease_lock = threading.RLock()  # threads of the holding process apply one at a time


def lease() -> WriterLease:
    """This process's lease (created on first use, for the current data directory)."""
    global _lease
    path = Path(settings.DATA_DIR) / "search" / "writer.lock"
    if _lease is None or (_lease.path != path and not _lease.held):
        _lease = WriterLease(path)
    return _lease


def held() -> bool:
    return _lease is not None and _lease.held


def holder_pid() -> int | None:
    """The pid written by the current holder (for messages), or None."""
    try:
        text = (Path(settings.DATA_DIR) / "search" / "writer.lock").read_text().strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None
