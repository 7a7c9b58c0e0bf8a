"""``/api/documents`` and ``/api/documents/<id>``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from readingroom.documents import services


def error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": {"status": status, "message": message}}, status=status)


def page_json(request: HttpRequest, page: services.DocumentPage, path: str) -> dict:
    def link(n: int) -> str:
        params = {k: v for k, v in request.GET.items() if k != "page"}
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


def list_params(request: HttpRequest) -> dict:
    return {
        "year": request.GET.get("year"),
        "language": request.GET.get("language") or None,
        "sort": request.GET.get("sort") or "date",
        "page": request.GET.get("page"),
        "per_page": request.GET.get("per_page"),
    }


@require_GET
def documents(request: HttpRequest) -> JsonResponse:
    try:
        page = services.list_documents(**list_params(request))
    except services.InvalidQuery as exc:
        return error(400, str(exc))
    return JsonResponse(page_json(request, page, request.path), json_dumps_params={"ensure_ascii": False})


@require_GET
def document(request: HttpRequest, doc_id: str) -> JsonResponse:
    try:
        doc = services.get_document(doc_id)
    except services.DocumentNotFound as exc:
        return error(404, str(exc))
    return JsonResponse(services.document_record(doc), json_dumps_params={"ensure_ascii": False})
