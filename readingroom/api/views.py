"""``/api/documents`` and ``/api/documents/<id>``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from readingroom.api.openapi import spec
from readingroom.documents import services
from readingroom.publish import services as publish
from readingroom.records.params import InvalidQuery
from readingroom.records.queries import DocumentNotFound, DocumentWithdrawn, get_document
from readingroom.records.serialise import document_record
from readingroom.web.http import api_view, error, list_params, page_json


@api_view
def documents(request: HttpRequest) -> JsonResponse:
    try:
        page = services.list_documents(**list_params(request))
    except InvalidQuery as exc:
        return error(400, str(exc))
    return JsonResponse(page_json(request, page, request.path), json_dumps_params={"ensure_ascii": False})


@api_view
def document(request: HttpRequest, doc_id: str) -> JsonResponse:
    try:
        doc = get_document(doc_id)
    except DocumentWithdrawn as exc:
        return error(410, f"{exc}: {exc.note}" if exc.note else str(exc))
    except DocumentNotFound as exc:
        return error(404, str(exc))
    record = publish.public_document(document_record(doc), publish.base_url(request))
    return JsonResponse(record, json_dumps_params={"ensure_ascii": False})


@api_view
def openapi_json(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(spec(), json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def docs(request: HttpRequest) -> HttpResponse:
    """The API described for people: every operation, its parameters and responses, from the same spec."""
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
