"""Pick the search backend: ``READINGROOM_SEARCH_BACKEND`` = ``tantivy`` | ``postgres``; by default
tantivy on the embedded SQLite database and PostgreSQL full text on a PostgreSQL database."""

from __future__ import annotations

import os
import threading

from django.db import connection

from readingroom.search.backends.base import SearchBackend

_lock = threading.Lock()
_backends: dict[str, SearchBackend] = {}


def backend_name() -> str:
    name = os.environ.get("READINGROOM_SEARCH_BACKEND", "").strip().lower()
    if name:
        return name
    return "postgres" if connection.vendor == "postgresql" else "tantivy"


def get_backend(name: str | None = None) -> SearchBackend:
    name = name or backend_name()
    with _lock:
        if name not in _backends:
            if name == "tantivy":
                # deferred: tantivy is loaded only by the tantivy backend
                from readingroom.search.backends.tantivy_backend import TantivyBackend

                _backends[name] = TantivyBackend()
            elif name == "postgres":
                # deferred: the PostgreSQL backend is loaded only when it is the one chosen
                from readingroom.search.backends.postgres import PostgresBackend

                _backends[name] = PostgresBackend()
            else:
                raise ValueError(f"READINGROOM_SEARCH_BACKEND: unknown backend {name!r} (tantivy or postgres)")
        return _backends[name]


def reset_backends() -> None:
    """Forget open backends (tests switch data directories)."""
    with _lock:
        for b in _backends.values():
            b.close()
        _backends.clear()
