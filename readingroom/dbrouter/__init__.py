"""Reads that may lag go to a streaming replica; everything else goes to the primary.

``READINGROOM_REPLICA_URLS`` (comma-separated ``postgresql://`` URLs) adds the databases ``replica1``,
``replica2``, ... (``config.replica_settings``) and this router. The rule is simple and errs on the side of
the primary:

* a read goes to a replica only while a web request of a reader **without a session** is served (``GET`` or
  ``HEAD``, no session cookie, no pending messages): the pages and API answers anyone may be shown a moment
  late. Replicas apply the primary's changes within milliseconds on a healthy network;
* everything else reads the primary: the command line, the job worker, the search feed follower (they run
  outside any request), signed-in editors (they have a session), any request that is not a ``GET``/``HEAD``;
* a request that has written, or has read anything from the primary (the page cache's state query, search
  hydration with a raw cursor, ...), reads **only** the primary from then on, so one answer never mixes a
  newer state with an older one and a cached page is never stored under a state newer than its content;
* a replica that refuses a connection or does not answer within its ``connect_timeout`` (2 s) is skipped for
  ``READINGROOM_REPLICA_RETRY_SECONDS`` (10) with a warning in the log, and reads go to another replica or
  the primary; a connection kept between requests is checked at the start of every request (``SELECT 1``),
  so a replica that stopped is noticed by the next request, not by a reader's error page. (A replica that
  dies in the middle of a request fails that one request.)
* a "replica" that is not a copy of the primary (another cluster: ``pg_control_system()`` differs) is never
  read: an error is logged and reads go to the primary.

The engine of the replica databases is this package (``base.py``): PostgreSQL's, with the fallback above.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time

from django.conf import settings
from django.db import connections
from django.db.backends.signals import connection_created

from readingroom.accounts.acting import current_request

log = logging.getLogger("readingroom.dbrouter")

DEFAULT = "default"
#: how long a replica that refused a connection (or did not answer in time) is skipped
RETRY_SECONDS = float(os.environ.get("READINGROOM_REPLICA_RETRY_SECONDS", "10"))

_lock = threading.Lock()
_down_until: dict[str, float] = {}
_foreign: set[str] = set()  # "replicas" that are another cluster: never read


def replicas() -> list[str]:
    return [alias for alias in settings.DATABASES if alias != DEFAULT]


def is_down(alias: str) -> bool:
    return alias in _foreign or _down_until.get(alias, 0.0) > time.monotonic()


def _where(alias: str) -> str:
    db = settings.DATABASES[alias]
    return f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db.get('NAME')}"


def mark_down(alias: str, error: BaseException) -> None:
    """The replica refused or did not answer: skip it for RETRY_SECONDS (logged once per outage)."""
    with _lock:
        was_down = _down_until.get(alias, 0.0) > time.monotonic()
        _down_until[alias] = time.monotonic() + RETRY_SECONDS
    if not was_down:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        log.warning(
            "replica %s (%s) is not answering (%s): reading from the primary, trying it again in %.0f s",
            alias,
            _where(alias),
            reason,
            RETRY_SECONDS,
        )


def mark_up(alias: str) -> None:
    with _lock:
        was_down = _down_until.pop(alias, None) is not None
    if was_down:
        log.warning("replica %s (%s) answers again", alias, _where(alias))


def mark_foreign(alias: str, detail: str) -> None:
    if alias not in _foreign:
        _foreign.add(alias)
        log.error(
            "READINGROOM_REPLICA_URLS: %s (%s) is not a replica of the primary (%s): it is never read",
            alias,
            _where(alias),
            detail,
        )


# -- which request may read a replica -----------------------------------------------------------------------
def _request():
    return current_request.get(None)  # set by HistoryMiddleware for each request


def _may_lag(request) -> bool:
    cookies = request.COOKIES
    return (
        request.method in ("GET", "HEAD") and settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies
    )


def pin_to_primary() -> None:
    """The current request reads only the primary from now on (it wrote, or read the primary)."""
    request = _request()
    if request is not None:
        request._rr_primary = True


def read_alias() -> str:
    """The database this thread should read now: a healthy replica for a reader without a session, or the
    primary (see the module doc)."""
    names = replicas()
    if not names:
        return DEFAULT
    request = _request()
    if request is None or getattr(request, "_rr_primary", False):
        return DEFAULT
    if not _may_lag(request):
        request._rr_primary = True
        return DEFAULT
    alias = getattr(request, "_rr_replica", None)
    if alias is None or is_down(alias):
        up = [a for a in names if not is_down(a)]
        if not up:
            return DEFAULT
        alias = request._rr_replica = random.choice(up)  # noqa: S311 - spreads reads over replicas, no secret
    return alias


def read_connection():
    """The connection to read from (``read_alias``), for code that reads with a raw cursor."""
    return connections[read_alias()]


class ReplicaRouter:
    """Django database router: ``DATABASE_ROUTERS = ["readingroom.dbrouter.ReplicaRouter"]``."""

    def db_for_read(self, model, **hints):
        instance = hints.get("instance")
        if instance is not None and getattr(instance._state, "db", None):
            return instance._state.db  # related objects come from where their instance came from
        if model._meta.app_label == "search":
            return DEFAULT  # the change feed and node positions: always the primary
        return read_alias()

    def db_for_write(self, model, **hints):
        pin_to_primary()
        return DEFAULT

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT  # replicas are read-only copies of the primary


# -- any statement on the primary during a request pins the request to it --------------------------------------
def _pin_wrapper(execute, sql, params, many, context):
    pin_to_primary()
    return execute(sql, params, many, context)


def _watch_primary(sender, connection, **kwargs) -> None:
    if connection.alias == DEFAULT and _pin_wrapper not in connection.execute_wrappers and replicas():
        connection.execute_wrappers.append(_pin_wrapper)


connection_created.connect(_watch_primary, dispatch_uid="readingroom.dbrouter.watch_primary")
