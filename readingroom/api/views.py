"""``/api/documents`` and ``/api/documents/<id>``."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from readingroom.documents import services


def error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": {"status": status, "message": message}}, status=status)


def api_view(view):
    """A read-only API endpoint: GET and HEAD only (any other method: a JSON 405 with ``Allow``), no CSRF
    check (it changes nothing and reads no cookie-bound state)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.method not in {"GET", "HEAD"}:
            response = error(405, f"method {request.method} is not allowed here; use GET")
            response["Allow"] = "GET, HEAD"
            return response
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapper)


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


@api_view
def documents(request: HttpRequest) -> JsonResponse:
    try:
        page = services.list_documents(**list_params(request))
    except services.InvalidQuery as exc:
        return error(400, str(exc))
    return JsonResponse(page_json(request, page, request.path), json_dumps_params={"ensure_ascii": False})


@api_view
def document(request: HttpRequest, doc_id: str) -> JsonResponse:
    try:
        doc = services.get_document(doc_id)
    except services.DocumentWithdrawn as exc:
        return error(410, f"{exc}: {exc.note}" if exc.note else str(exc))
    except services.DocumentNotFound as exc:
        return error(404, str(exc))
    from readingroom.publish import services as publish

    record = publish.public_document(services.document_record(doc), publish.base_url(request))
    return JsonResponse(record, json_dumps_params={"ensure_ascii": False})


@api_view
def openapi_json(request: HttpRequest) -> JsonResponse:
    from readingroom.api.openapi import spec

    response = JsonResponse(spec(), json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def docs(request: HttpRequest) -> HttpResponse:
    """The API described for people: every operation, its parameters and responses, from the same spec."""
    from django.shortcuts import render

    from readingroom.api.openapi import spec

    document = spec()
    operations = []
    for path_, methods in document["paths"].items():
        for method, op in methods.items():
            operations.append(
                {
                    "method": method.upper(),
                    "path": path_,
                    "id": op["operationId"],
                    "summary": op["summary"],
                    "parameters": [{**p, "type": _type_label(p["schema"])} for p in op.get("parameters", [])],
                    "responses": [
                        (code, r["description"], ", ".join(r.get("content", {}))) for code, r in op["responses"].items()
                    ],
                    "example": _example(path_),
                }
            )
    return render(request, "api/docs.html", {"spec": document, "operations": operations})


def _type_label(schema: dict) -> str:
    if "enum" in schema:
        return " | ".join(map(str, schema["enum"]))
    if "anyOf" in schema:
        return "integer"
    if schema.get("type") == "array":
        return "repeatable string"
    return str(schema.get("type", ""))


def _example(path_: str) -> str:
    examples = {
        "/api/documents": "/api/documents?sort=-date&per_page=5",
        "/api/documents/{id}": "/api/documents/wilson-300023",
        "/api/documents/{id}/cite": "/api/documents/wilson-300023/cite?style=chicago",
        "/api/documents/{id}/export": "/api/documents/wilson-300023/export?format=bibtex",
        "/api/search": "/api/search?q=nuclear+test+ban&language=en&facets=0",
        "/api/search/export": "/api/search/export?q=Khrushchev&format=ris",
        "/api/openapi.json": "/api/openapi.json",
    }
    return examples.get(path_, path_)
