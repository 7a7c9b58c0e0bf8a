"""Rendered public pages kept in the shared cache, never stale.

A document page costs a dozen queries and a template; the same bytes are served again to every reader
until something changes. :func:`cached_document_page` wraps a view of one document: for a reader with no
session (no editor, no preview) it answers from the cache when the stored page was made from the same
*state*, and renders and stores it otherwise.

The state is read with one indexed query per request: the document's status and ``updated_at`` (changed in
the same transaction as any change of the record, its scans or its OCR) and the newest audit event id of
the archive (every write, the admin's edits of persons, places or collections included, writes an audit
event), so a page is never served from before a committed edit, publish or withdrawal. The cache is the one
all processes share (``CACHES`` in settings), so a change made by the CLI is seen by every web worker.

:func:`cached_archive_page` wraps the pages made from many documents (the archives, an archive, a level of
the hierarchy): their state is the newest audit event id alone.

:func:`cached_page` wraps pages whose state is given by the caller (the search pages: the newest audit event
and the search index's version), kept in the cache named by ``using`` (the search pages: ``searches``, in
each process's memory).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import BaseCache, cache, caches
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from readingroom.documents.models import Document
from readingroom.history.models import AuditEvent

#: how long an entry may stay unused (its key changes anyway when the state does)
SECONDS = 24 * 3600
#: a page larger than this is rendered every time rather than stored
MAX_BYTES = 2_000_000
KEPT_HEADERS = ("Content-Type", "Link", "Content-Language", "X-Robots-Tag")


def _state_sql() -> str:
    doc, audit = Document._meta.db_table, AuditEvent._meta.db_table
    # The sub-select is answered from the end of the primary key; the outer one by the unique identifier index.
    return (
        f'SELECT d.status, d.updated_at, (SELECT MAX(a.id) FROM "{audit}" a) '  # noqa: S608 - table names from the models' _meta, the value a parameter
        f'FROM "{doc}" d WHERE d.identifier = %s'
    )


def document_state(identifier: str) -> tuple | None:
    """(status, updated_at, newest audit id) of a document, or None when there is no such document."""
    with connection.cursor() as cur:
        cur.execute(_state_sql(), [identifier])
        return cur.fetchone()


def _cacheable_request(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and len(request.META.get("QUERY_STRING", "")) <= 200
    )


def cached_document_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Serve ``view(request, doc_id, ...)`` from the cache for readers without a session (see module doc)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, doc_id: str, *args, **kwargs):
        if not _cacheable_request(request):
            return view(request, doc_id, *args, **kwargs)
        state = document_state(doc_id)
        if state is None:  # no such document: the view answers (404) as it always did
            return view(request, doc_id, *args, **kwargs)
        return _from_cache(request, view, (doc_id, *args), kwargs, state)

    return wrapper


def _from_cache(
    request: HttpRequest,
    view,
    args: tuple,
    kwargs: dict,
    state: tuple,
    store: BaseCache = cache,
    max_bytes: int = MAX_BYTES,
) -> HttpResponse:
    """The stored response of ``view(request, *args, **kwargs)`` made from the same ``state`` (and for the same
    host, scheme, interface language and query), or the view's, stored in ``store`` when it may be."""
    raw = "|".join(
        map(
            str,
            (
                view.__module__,
                view.__name__,
                args,
                sorted(kwargs.items()),
                request.get_host(),
                request.is_secure(),
                getattr(request, "LANGUAGE_CODE", ""),
                request.META.get("QUERY_STRING", ""),
                *state,
            ),
        )
    )
    key = "page:" + hashlib.sha256(raw.encode()).hexdigest()
    hit = store.get(key)
    if hit is not None:
        status, headers, content = hit
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        response["X-Page-Cache"] = "hit"
        return response
    response = view(request, *args, **kwargs)
    if (
        response.status_code in (200, 410)
        and not response.streaming
        and not response.cookies
        and "Cookie" not in response.get("Vary", "")
        and "private" not in response.get("Cache-Control", "")
        and len(response.content) <= max_bytes
    ):
        headers = [(h, response[h]) for h in KEPT_HEADERS if response.has_header(h)]
        store.set(key, (response.status_code, headers, response.content), SECONDS)
        response["X-Page-Cache"] = "miss"
    return response


def newest_event() -> int | None:
    """The newest audit event id: every write to the archive (an import's batch, a publish, an editor's
    change) makes one, in the same transaction."""
    with connection.cursor() as cur:
        cur.execute(f'SELECT MAX(id) FROM "{AuditEvent._meta.db_table}"')  # noqa: S608 - table name from _meta
        return cur.fetchone()[0]


def cached_archive_page(view):
    """Serve a page that depends on the whole archive (the archives, a level of the hierarchy: counts and
    dates over many documents) from the cache while no write happened since it was made (for readers
    without a session; see the module doc)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not _cacheable_request(request):
            return view(request, *args, **kwargs)
        return _from_cache(request, view, args, kwargs, (newest_event(),))

    return wrapper


def cached_page(state: Callable[[], tuple | None], *, using: str = "default", max_bytes: int = MAX_BYTES):
    """Serve a page from the cache ``using`` while ``state()`` is what it was when the page was made (for
    readers without a session; see the module doc); a page larger than ``max_bytes`` is not kept.
    ``state()`` is read before the view runs, so a page is never stored under a state newer than its content;
    None means: do not cache now."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not _cacheable_request(request):
                return view(request, *args, **kwargs)
            current = state()
            if current is None:
                return view(request, *args, **kwargs)
            return _from_cache(request, view, args, kwargs, current, caches[using], max_bytes)

        return wrapper

    return decorate
