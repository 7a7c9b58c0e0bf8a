"""The OpenAPI 3.1 description of the JSON API, served at ``/api/openapi.json`` and rendered for people at
``/api/docs``. ``tests/test_openapi.py`` checks that every API route is described and runs schemathesis
against a live server with it."""

from __future__ import annotations

from django.conf import settings

from readingroom.publish.citations import STYLE_LABELS
from readingroom.publish.formats import FORMATS
from readingroom.search.backends.base import FACETS, SORTS

_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
_INT = {"type": "integer"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _int_or_empty(minimum: int, maximum: int) -> dict:
    """An integer parameter; sent empty (as HTML forms do) it counts as absent."""
    return {"anyOf": [{"type": "integer", "minimum": minimum, "maximum": maximum}, {"type": "string", "maxLength": 0}]}


def _param(name: str, description: str, schema: dict, where: str = "query", required: bool = False, **extra) -> dict:
    return {"name": name, "in": where, "required": required, "description": description, "schema": schema, **extra}


DOC_ID = _param(
    "id", "Document identifier, e.g. `wilson-300023` or `frus1961-63v05/d1` (a `/` may be sent as `%2F`)",
    {"type": "string", "minLength": 1, "maxLength": 200}, where="path",
    required=True,
)
PAGE = _param("page", "Page number, from 1", _int_or_empty(1, 10_000_000))
SEARCH_PAGE_PARAM = _param(
    "page", "Page number, from 1 (at most page 1,000 and the first 100,000 results: narrow the search to go further)",
    _int_or_empty(1, 1000),
)
DATE_BOUND = {"type": "string", "pattern": r"^([0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?)?$"}
DOWNLOAD = _param("download", "`0` to show inline instead of as an attachment (default `1`)",
                  {"type": "string", "enum": ["0", "1"]})

SEARCH_PARAMS = [
    _param("q", "Query: words, \"phrases\", OR, -exclusion, prefix*, and title:/person:/place:/archive: fields. "
                "Never fails: text the parser cannot use is searched as words.", {"type": "string"}),
    *[
        _param(facet, f"Filter by {facet} (repeatable: any of the values)", {"type": "array", "items": _STR},
               style="form", explode=True)
        for facet in FACETS
    ],
    _param("date_from", "Earliest date: YYYY, YYYY-MM or YYYY-MM-DD", DATE_BOUND),
    _param("date_to", "Latest date: YYYY, YYYY-MM or YYYY-MM-DD", DATE_BOUND),
    _param("year", "Only this year", _int_or_empty(1, 9999)),
    _param("decade", "Only this decade (e.g. 1960)", _int_or_empty(1, 9990)),
    _param("sort", "Order of results", {"type": "string", "enum": list(SORTS)}),
]

DATE = {
    "type": "object",
    "properties": {"display": _STR, "start": _STR, "end": _STR, "certainty": _STR},
    "required": ["display", "start", "end", "certainty"],
}
LANGUAGE = {"type": "object", "properties": {"code": _STR, "name": _STR}, "required": ["code", "name"]}
TEXT = {
    "type": "object",
    "properties": {"language": _NSTR, "language_name": _NSTR, "label": _STR, "title": _STR, "text": _STR,
                   "extra": {"type": "object"}},
    "required": ["language", "label", "title", "text"],
}
SUMMARY = {
    "type": "object",
    "properties": {
        "id": _STR, "url": _STR, "title": _STR, "date": _ref("Date"), "summary": _STR,
        "original_languages": {"type": "array", "items": _ref("Language")},
        "repository": _STR, "archive": _STR,
    },
    "required": ["id", "url", "title", "date", "summary", "original_languages"],
}
DOCUMENT = {
    "type": "object",
    "description": "The public record. Field names are a contract: fields are added, never renamed.",
    "properties": {
        "id": _STR, "url": _STR, "permanent_url": _STR, "title": _STR, "date": _ref("Date"), "summary": _STR,
        "citation": {"type": "string", "description": "The citation as the source gives it"},
        "credits": _STR, "archive": _STR,
        "original_languages": {"type": "array", "items": _ref("Language")},
        "archival_reference": {
            "type": "object",
            "properties": {k: _STR for k in ("text", "repository", "fonds", "series", "volume", "file", "folios")},
        },
        "contributors": {"type": "array", "items": {
            "type": "object", "properties": {"name": _STR, "roles": {"type": "array", "items": _STR}},
            "required": ["name", "roles"]}},
        "contents": {"type": "array", "items": {"type": "object", "properties": {
            "kind": _STR, "language": _NSTR, "language_name": _NSTR, "label": _STR, "available": {"type": "boolean"}}}},
        "translations": {"type": "array", "items": _ref("Text")},
        "transcripts": {"type": "array", "items": _ref("Text")},
        "source_url": _STR, "type": _STR, "classification": _STR, "rights": _STR,
        "subjects": {"type": "array", "items": _STR},
        "places": {"type": "array", "items": {"type": "object", "properties": {
            "name": _STR, "path": {"type": "array", "items": _STR}}}},
        "collections": {"type": "array", "items": {"type": "object", "properties": {"id": _STR, "title": _STR}}},
        "persons": {"type": "array", "items": {"type": "object", "properties": {
            "id": _STR, "name": _STR, "description": _STR}}},
        "related": {"type": "array", "items": _STR},
        "extra": {"type": "object"},
        "created_at": _NSTR, "updated_at": _NSTR, "published_at": _NSTR,
        "citations": {"type": "object", "description": "Plain-text citation per style",
                      "properties": {s: _STR for s in STYLE_LABELS}},
        "exports": {"type": "object", "description": "Download URL per export format",
                    "properties": {f: _STR for f in FORMATS}},
    },
    "required": ["id", "url", "title", "date", "citation", "archival_reference", "contributors", "contents",
                 "translations", "transcripts", "citations", "exports"],
}
LIST_PAGE = {
    "type": "object",
    "properties": {
        "total": _INT, "page": _INT, "per_page": _INT, "pages": _INT, "sort": _STR, "filters": {"type": "object"},
        "next": _NSTR, "previous": _NSTR, "results": {"type": "array", "items": _ref("DocumentSummary")},
    },
    "required": ["total", "page", "per_page", "pages", "results"],
}
FACET_VALUE = {"type": "object", "properties": {"value": _STR, "label": _STR, "count": _INT},
               "required": ["value", "count"]}
SEARCH_PAGE = {
    "type": "object",
    "properties": {
        "q": _STR, "total": _INT, "page": _INT, "per_page": _INT, "pages": _INT, "sort": _STR,
        "filters": {"type": "object", "additionalProperties": {"type": "array", "items": _STR}},
        "date_from": _NSTR, "date_to": _NSTR, "notices": {"type": "array", "items": _STR},
        "results": {"type": "array", "items": {"allOf": [_ref("DocumentSummary"), {"type": "object", "properties": {
            "snippet": {"type": "string", "description": "HTML: escaped text with <b> around matches"},
            "score": {"type": "number"}}}]}},
        "facets": {"type": "object", "additionalProperties": {"type": "array", "items": _ref("FacetValue")}},
        "years": {"type": "array", "items": {"type": "object", "properties": {"year": _INT, "count": _INT}}},
        "decades": {"type": "array", "items": {"type": "object", "properties": {"decade": _INT, "count": _INT}}},
    },
    "required": ["q", "total", "page", "per_page", "pages", "results"],
}
CITATION = {
    "type": "object",
    "properties": {"id": _STR, "style": {"type": "string", "enum": list(STYLE_LABELS)}, "label": _STR,
                   "text": _STR, "html": _STR, "note": _STR},
    "required": ["id", "style", "label", "text", "html"],
}
ERROR = {
    "type": "object",
    "properties": {"error": {"type": "object", "properties": {"status": _INT, "message": _STR},
                             "required": ["status", "message"]}},
    "required": ["error"],
}

_EXPORT_CONTENT = {
    FORMATS[name].media_type.split(";")[0]: {"schema": _STR if name not in {"json", "csl-json"} else {"type": "array"}}
    for name in FORMATS
}
_EXPORT_CONTENT["application/json"] = {"schema": {}}


def spec() -> dict:
    """The OpenAPI document (a fresh dict each call)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{settings.READINGROOM_SITE_NAME} API",
            "version": "1",
            "description": (
                "Read-only JSON API of the archive. Every HTML page also has a JSON twin (the same URL with "
                "`.json`). Harvesting is by OAI-PMH at `/oai`; changes are announced at `/feed.atom`."
            ),
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "paths": {
            "/api/documents": {"get": {
                "operationId": "listDocuments", "summary": "Browse documents",
                "parameters": [
                    _param("year", "Only this year", _int_or_empty(-9999, 9999)),
                    _param("language", "Only documents in this original language (code, e.g. `sq`)", _STR),
                    _param("sort", "Order", {"type": "string", "enum": ["date", "-date", "title", "-title"]}),
                    PAGE,
                    _param("per_page", "Results per page", _int_or_empty(1, 200)),
                ],
                "responses": {
                    "200": {"description": "A page of documents",
                            "content": {"application/json": {"schema": _ref("DocumentPage")}}},
                    "400": _error("A parameter out of range"),
                },
            }},
            "/api/documents/{id}": {"get": {
                "operationId": "getDocument", "summary": "One document's full record",
                "parameters": [DOC_ID],
                "responses": {
                    "200": {"description": "The record", "content": {"application/json": {"schema": _ref("Document")}}},
                    "404": _error("No such document"),
                },
            }},
            "/api/documents/{id}/cite": {"get": {
                "operationId": "citeDocument", "summary": "How to cite a document",
                "parameters": [
                    DOC_ID,
                    _param("style", "Citation style (default `archive`, the archive's own form)",
                           {"type": "string", "enum": list(STYLE_LABELS)}),
                    _param("format", "`text` (default), `html` or `json`",
                           {"type": "string", "enum": ["text", "html", "json"]}),
                ],
                "responses": {
                    "200": {"description": "The citation", "content": {
                        "text/plain": {"schema": _STR}, "text/html": {"schema": _STR},
                        "application/json": {"schema": _ref("Citation")}}},
                    "400": _error("Unknown style or format"),
                    "404": _error("No such document"),
                },
            }},
            "/api/documents/{id}/export": {"get": {
                "operationId": "exportDocument", "summary": "A document for reference managers and catalogues",
                "parameters": [
                    DOC_ID,
                    _param("format", "Export format", {"type": "string", "enum": list(FORMATS)}, required=True),
                    DOWNLOAD,
                ],
                "responses": {
                    "200": {"description": "The export", "content": _EXPORT_CONTENT},
                    "400": _error("Unknown format"),
                    "404": _error("No such document"),
                },
            }},
            "/api/search": {"get": {
                "operationId": "search", "summary": "Full-text search with facets",
                "parameters": [
                    *SEARCH_PARAMS, SEARCH_PAGE_PARAM,
                    _param("per_page", "Results per page", _int_or_empty(1, 100)),
                    _param("facets", "`0`, `false` or `no` to leave out facet counts (faster)", _STR),
                ],
                "responses": {
                    "200": {"description": "Results", "content": {"application/json": {"schema": _ref("SearchPage")}}},
                    "400": _error("A parameter out of range"),
                },
            }},
            "/api/search/export": {"get": {
                "operationId": "exportSearch",
                "summary": "Every result of a search (up to 100,000) in an export format, streamed",
                "parameters": [
                    *SEARCH_PARAMS,
                    _param("format", "Export format", {"type": "string", "enum": list(FORMATS)}, required=True),
                    DOWNLOAD,
                ],
                "responses": {
                    "200": {"description": "The export", "content": _EXPORT_CONTENT},
                    "400": _error("Unknown format or a parameter out of range"),
                },
            }},
            "/api/openapi.json": {"get": {
                "operationId": "openapi", "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}},
            }},
        },
        "components": {"schemas": {
            "Date": DATE, "Language": LANGUAGE, "Text": TEXT, "DocumentSummary": SUMMARY, "Document": DOCUMENT,
            "DocumentPage": LIST_PAGE, "SearchPage": SEARCH_PAGE, "FacetValue": FACET_VALUE, "Citation": CITATION,
            "Error": ERROR,
        }},
    }
