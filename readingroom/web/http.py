"""HTTP plumbing shared by the pages and the JSON API.

* :func:`error`: the one JSON error envelope, ``{"error": {"status", "message", ...}}``;
* :func:`api_view`: the decorator of a read-only API endpoint (GET and HEAD, no CSRF check);
* :func:`link_json_twin`: the ``Link`` header from a page to its JSON twin (the same URL with ``.json``);
* :func:`preview_document`: an unpublished document for a signed-in editor who may see it (pages, scans, exports);
* :func:`list_params`, :func:`page_json`: a document listing's parameters and its JSON form (``/documents.json``
  and ``/api/documents`` answer the same).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypedDict
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from readingroom.accounts.roles import is_restricted
from readingroom.documents.models import Document
from readingroom.documents.services import DocumentPage
from readingroom.records.queries import DocumentNotFound, get_document

_P = ParamSpec("_P")


class ListParams(TypedDict):
    """The keyword arguments of ``documents.services.list_documents``, as a request gives them."""

    year: str | None
    language: str | None
    sort: str
    page: str | None
    per_page: str | None


def error(status: int, message: str, **details: object) -> JsonResponse:
    """The JSON error envelope every JSON answer uses (``details``: more keys beside status and message)."""
    return JsonResponse({"error": {"status": status, "message": message, **details}}, status=status)


def api_view(
    view: Callable[Concatenate[HttpRequest, _P], HttpResponseBase],
) -> Callable[Concatenate[HttpRequest, _P], HttpResponseBase]:
    """A read-only API endpoint: GET and HEAD only (any other method: a JSON 405 with ``Allow``), no CSRF
    check (it changes nothing and reads no cookie-bound state)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, /, *args: _P.args, **kwargs: _P.kwargs) -> HttpResponseBase:
        if request.method not in {"GET", "HEAD"}:
            response = error(405, f"method {request.method} is not allowed here; use GET")
            response["Allow"] = "GET, HEAD"
            return response
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapper)


def link_json_twin(response: HttpResponse, url: str) -> HttpResponse:
    """A ``Link`` to the page's JSON twin at ``url``; none when it would be longer than
    READINGROOM_MAX_LINK_HEADER (the URL may carry the request's query string, which is never echoed into a
    header unbounded)."""
    link = f'<{url}>; rel="alternate"; type="application/json"'
    if len(link) <= settings.READINGROOM_MAX_LINK_HEADER:
        response["Link"] = link
    return response


def list_params(request: HttpRequest) -> ListParams:
    """The parameters of a document listing (``documents.services.list_documents``) from the request."""
    return {
        "year": request.GET.get("year"),
        "language": request.GET.get("language") or None,
        "sort": request.GET.get("sort") or "date",
        "page": request.GET.get("page"),
        "per_page": request.GET.get("per_page"),
    }


def page_json(request: HttpRequest, page: DocumentPage, path: str) -> dict[str, Any]:
    """One page of a document listing as JSON, with the links to the next and previous pages."""

    def link(n: int) -> str:
        params: dict[str, object] = {k: v for k, v in request.GET.items() if k != "page"}
        params["page"] = n
        return f"{path}?{urlencode(params)}"

    return {
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "pages": page.pages,
        "sort": page.sort,
        "filters": page.filters,
        "next": link(page.page + 1) if page.has_next else None,
        "previous": link(page.page - 1) if page.has_previous else None,
        "results": page.documents,
    }


def preview_document(request: HttpRequest, doc_id: str) -> Document | None:
    """An unpublished document for a signed-in editor who may see it (a contributor: only their own)."""
    user = request.user
    if not (user.is_authenticated and user.is_staff and user.has_perm("documents.view_document")):
        return None
    try:
        doc = get_document(doc_id, public=False)
    except DocumentNotFound:
        return None
    if is_restricted(user) and doc.created_by_id != user.pk:
        return None
    return doc
