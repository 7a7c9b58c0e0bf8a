"""The OpenAPI 3.1 description of the JSON API, served at ``/api/openapi.json`` and rendered for people at
``/api/docs``. ``tests/test_openapi.py`` checks that every API route is described and runs schemathesis
against a live server with it."""

from __future__ import annotations

from typing import Any

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
    "id",
    "Document identifier, e.g. `wilson-300023` or `frus1961-63v05/d1` (a `/` may be sent as `%2F`)",
    {"type": "string", "minLength": 1, "maxLength": 200},
    where="path",
    required=True,
)
PAGE = _param("page", "Page number, from 1", _int_or_empty(1, 10_000_000))
SEARCH_PAGE_PARAM = _param(
    "page",
    "Page number, from 1 (at most page 1,000 and the first 100,000 results: narrow the search to go further)",
    _int_or_empty(1, 1000),
)
DATE_BOUND = {"type": "string", "pattern": r"^([0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?)?$"}
DOWNLOAD = _param(
    "download", "`0` to show inline instead of as an attachment (default `1`)", {"type": "string", "enum": ["0", "1"]}
)

SEARCH_PARAMS = [
    _param(
        "q",
        'Query: words, "phrases", OR, -exclusion, prefix*, and title:/person:/place:/archive: fields. '
        "Never fails: text the parser cannot use is searched as words.",
        {"type": "string"},
    ),
    *[
        _param(
            facet,
            f"Filter by {facet} (repeatable: any of the values)",
            {"type": "array", "items": _STR},
            style="form",
            explode=True,
        )
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
    "properties": {
        "language": _NSTR,
        "language_name": _NSTR,
        "label": _STR,
        "title": _STR,
        "text": _STR,
        "extra": {"type": "object"},
    },
    "required": ["language", "label", "title", "text"],
}
SUMMARY = {
    "type": "object",
    "properties": {
        "id": _STR,
        "url": _STR,
        "title": _STR,
        "date": _ref("Date"),
        "summary": _STR,
        "original_languages": {"type": "array", "items": _ref("Language")},
        "repository": _STR,
        "archive": _STR,
    },
    "required": ["id", "url", "title", "date", "summary", "original_languages"],
}
DOCUMENT = {
    "type": "object",
    "description": "The public record. Field names are a contract: fields are added, never renamed.",
    "properties": {
        "id": _STR,
        "url": _STR,
        "permanent_url": _STR,
        "title": _STR,
        "date": _ref("Date"),
        "summary": _STR,
        "citation": {"type": "string", "description": "The citation as the source gives it"},
        "credits": _STR,
        "archive": _STR,
        "original_languages": {"type": "array", "items": _ref("Language")},
        "archival_reference": {
            "type": "object",
            "properties": {k: _STR for k in ("text", "repository", "fonds", "series", "volume", "file", "folios")},
        },
        "contributors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": _STR, "roles": {"type": "array", "items": _STR}},
                "required": ["name", "roles"],
            },
        },
        "contents": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "kind": _STR,
                    "language": _NSTR,
                    "language_name": _NSTR,
                    "label": _STR,
                    "available": {"type": "boolean"},
                },
            },
        },
        "translations": {"type": "array", "items": _ref("Text")},
        "transcripts": {"type": "array", "items": _ref("Text")},
        "source_url": _STR,
        "type": _STR,
        "classification": _STR,
        "rights": _STR,
        "subjects": {"type": "array", "items": _STR},
        "places": {
            "type": "array",
            "items": {"type": "object", "properties": {"name": _STR, "path": {"type": "array", "items": _STR}}},
        },
        "collections": {"type": "array", "items": {"type": "object", "properties": {"id": _STR, "title": _STR}}},
        "persons": {
            "type": "array",
            "items": {"type": "object", "properties": {"id": _STR, "name": _STR, "description": _STR}},
        },
        "related": {"type": "array", "items": _STR},
        "holding_archive": {
            "type": ["object", "null"],
            "description": "The archive authority the document is held by",
            "properties": {"id": _STR, "name": _STR, "url": _STR},
        },
        "relations": {
            "type": "array",
            "description": "Typed links to other documents",
            "items": {"type": "object", "properties": {"type": _STR, "target": _STR}},
        },
        "extra": {"type": "object"},
        "created_at": _NSTR,
        "updated_at": _NSTR,
        "published_at": _NSTR,
        "citations": {
            "type": "object",
            "description": "Plain-text citation per style",
            "properties": {s: _STR for s in STYLE_LABELS},
        },
        "exports": {
            "type": "object",
            "description": "Download URL per export format",
            "properties": {f: _STR for f in FORMATS},
        },
    },
    "required": [
        "id",
        "url",
        "title",
        "date",
        "citation",
        "archival_reference",
        "contributors",
        "contents",
        "translations",
        "transcripts",
        "citations",
        "exports",
    ],
}
LIST_PAGE = {
    "type": "object",
    "properties": {
        "total": _INT,
        "page": _INT,
        "per_page": _INT,
        "pages": _INT,
        "sort": _STR,
        "filters": {"type": "object"},
        "next": _NSTR,
        "previous": _NSTR,
        "results": {"type": "array", "items": _ref("DocumentSummary")},
    },
    "required": ["total", "page", "per_page", "pages", "results"],
}
FACET_VALUE = {
    "type": "object",
    "properties": {"value": _STR, "label": _STR, "count": _INT},
    "required": ["value", "count"],
}
SEARCH_PAGE = {
    "type": "object",
    "properties": {
        "q": _STR,
        "total": _INT,
        "total_exact": {
            "type": "boolean",
            "description": "false when total is an estimate (PostgreSQL full text past 1,000 matches)",
        },
        "page": _INT,
        "per_page": _INT,
        "pages": _INT,
        "sort": _STR,
        "filters": {"type": "object", "additionalProperties": {"type": "array", "items": _STR}},
        "date_from": _NSTR,
        "date_to": _NSTR,
        "notices": {"type": "array", "items": _STR},
        "results": {
            "type": "array",
            "items": {
                "allOf": [
                    _ref("DocumentSummary"),
                    {
                        "type": "object",
                        "properties": {
                            "snippet": {"type": "string", "description": "HTML: escaped text with <b> around matches"},
                            "score": {"type": "number"},
                        },
                    },
                ]
            },
        },
        "facets": {"type": "object", "additionalProperties": {"type": "array", "items": _ref("FacetValue")}},
        "facets_exact": {
            "type": "boolean",
            "description": "false when facet, year and decade counts were counted on a sample of the matches",
        },
        "years": {"type": "array", "items": {"type": "object", "properties": {"year": _INT, "count": _INT}}},
        "decades": {"type": "array", "items": {"type": "object", "properties": {"decade": _INT, "count": _INT}}},
    },
    "required": ["q", "total", "page", "per_page", "pages", "results"],
}
CITATION = {
    "type": "object",
    "properties": {
        "id": _STR,
        "style": {"type": "string", "enum": list(STYLE_LABELS)},
        "label": _STR,
        "text": _STR,
        "html": _STR,
        "note": _STR,
    },
    "required": ["id", "style", "label", "text", "html"],
}
ERROR = {
    "type": "object",
    "properties": {
        "error": {"type": "object", "properties": {"status": _INT, "message": _STR}, "required": ["status", "message"]}
    },
    "required": ["error"],
}

_PERSON_DOCS = {
    "type": "object",
    "properties": {
        "total": _INT,
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"id": _STR, "url": _STR, "title": _STR, "date": _ref("Date"), "snippet": _STR},
                "required": ["id", "url", "title"],
            },
        },
    },
    "required": ["total", "results"],
}
PERSON = {
    "type": "object",
    "description": "A person and every form of the name: as the sources give it, editors' forms, curated forms and "
    "automatic ones (pinyin, Wade-Giles, Palladius Cyrillic, BGN/PCGN and other romanisations). "
    "`documents`: published documents whose persons list names the person; `mentions`: others whose "
    "text has a form of the name.",
    "properties": {
        "id": _STR,
        "url": _STR,
        "name": _STR,
        "description": _STR,
        "variants": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": _STR,
                    "script": {"type": "string", "description": "ISO 15924: Latn, Cyrl, Hani, Zyyy"},
                    "kind": {"type": "string", "enum": ["source", "editor", "automatic", "seed"]},
                    "scheme": _STR,
                },
                "required": ["name", "script", "kind"],
            },
        },
        "documents": _PERSON_DOCS,
        "mentions": _PERSON_DOCS,
    },
    "required": ["id", "url", "name", "variants", "documents", "mentions"],
}

_EXPORT_CONTENT = {
    FORMATS[name].media_type.split(";")[0]: {"schema": _STR if name not in {"json", "csl-json"} else {"type": "array"}}
    for name in FORMATS
}
_EXPORT_CONTENT["application/json"] = {"schema": {}}


# ---------------------------------------------------------------- archives, hierarchy, chronology, links
_ARCHIVE_ID = _param(
    "id",
    "Archive identifier, e.g. `al-aqsh`",
    {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
    where="path",
    required=True,
)
_RANGE = {"type": "object", "properties": {"from": _NSTR, "to": _NSTR}}
_PAGE_INFO = {"type": "object", "properties": {"total": _INT, "page": _INT, "per_page": _INT, "pages": _INT}}
_ARCHIVE_DOC = {
    "type": "object",
    "properties": {"id": _STR, "url": _STR, "title": _STR, "date": _ref("Date"), "folios": _STR, "reference": _STR},
    "required": ["id", "url", "title"],
}
_LEVEL: dict[str, Any] = {  # a JSON Schema object: values of every JSON type
    "type": "object",
    "properties": {
        "id": _INT,
        "level": _STR,
        "level_name": _STR,
        "label": _STR,
        "url": _STR,
        "documents": _INT,
        "date_range": _RANGE,
    },
    "required": ["id", "level", "label", "url"],
}
_ARCHIVE_FIELDS = {
    "id": _STR,
    "name": _STR,
    "url": _STR,
    "place": _STR,
    "isil": _STR,
    "identifiers": {"type": "object"},
    "description": _STR,
    "documents": _INT,
}
_RELATION = {
    "type": "object",
    "properties": {
        "type": {
            "type": "string",
            "description": "as read from this document: same-event, reply-to / replied-by, "
            "enclosure-of / encloses, translation-of / translated-as, cited-in / cites",
        },
        "label": _STR,
        "id": _STR,
        "url": _STR,
        "title": _STR,
        "date": _STR,
        "note": _STR,
    },
    "required": ["type", "id", "url"],
}
ARCHIVE_SCHEMAS = {
    "Archive": {
        "type": "object",
        "properties": {
            **_ARCHIVE_FIELDS,
            "date_range": _RANGE,
            "other_names": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"name": _STR, "kind": _STR, "language": _STR, "subunit": _STR},
                },
            },
            "levels": {"type": "array", "items": _LEVEL},
            "levels_page": _PAGE_INFO,
            "documents_here": {"type": "array", "items": _ARCHIVE_DOC},
            "documents_here_page": _PAGE_INFO,
        },
        "required": ["id", "name", "url", "documents", "levels"],
    },
    "ArchiveList": {
        "type": "object",
        "properties": {
            "total": _INT,
            "archives": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": _ARCHIVE_FIELDS,
                    "required": ["id", "name", "url", "documents"],
                },
            },
        },
        "required": ["total", "archives"],
    },
    "ArchiveLevel": {
        "type": "object",
        "properties": {
            **{k: v for k, v in _LEVEL["properties"].items() if k != "documents"},
            "total_documents": _INT,
            "archive": {"type": "object"},
            "breadcrumb": {"type": "array", "items": {"type": "object"}},
            "levels": {"type": "array", "items": _LEVEL},
            "levels_page": _PAGE_INFO,
            "documents": {"type": "array", "items": _ARCHIVE_DOC},
            "documents_page": _PAGE_INFO,
        },
        "required": ["id", "level", "label", "breadcrumb", "documents"],
    },
    "Chronology": {
        "type": "object",
        "properties": {
            "span": _STR,
            "date": _NSTR,
            "from": _STR,
            "to": _STR,
            "previous": _STR,
            "next": _STR,
            "total": _INT,
            "page": _INT,
            "per_page": _INT,
            "pages": _INT,
            "filters": {"type": "object"},
            "facets": {"type": "object", "additionalProperties": {"type": "array", "items": _ref("FacetValue")}},
            "days": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "date": _STR,
                        "documents": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "id": _STR,
                                    "url": _STR,
                                    "title": _STR,
                                    "date": _ref("Date"),
                                    "holding_archive": _STR,
                                    "range": {
                                        "type": "boolean",
                                        "description": "dated as a range or not exactly: see date.certainty",
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
        "required": ["span", "from", "to", "total", "days"],
    },
    "DocumentContext": {
        "type": "object",
        "properties": {
            "id": _STR,
            "archive": {"type": ["object", "null"]},
            "repository_as_written": _STR,
            "breadcrumb": {"type": "array", "items": {"type": "object"}},
            "folios": _STR,
            "neighbours": {"type": ["object", "null"]},
            "this_day": {"type": ["object", "null"]},
            "relations": {"type": "array", "items": _RELATION},
        },
        "required": ["id", "archive", "breadcrumb", "relations"],
    },
}
#: a day (YYYY-MM-DD); sent empty (as HTML forms do) it counts as absent
_DATE_OR_EMPTY = {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "maxLength": 0}]}
_PER_PAGE_200 = _param("per_page", "Items per page", _int_or_empty(1, 200))
_LEVEL_PAGE = _param("page", "Page number, from 1 (levels and documents page together)", _int_or_empty(1, 1_000_000))
ARCHIVE_PATHS = {
    "/api/archives": {
        "get": {
            "operationId": "listArchives",
            "summary": "The holding archives (authority records) with their document counts",
            "responses": {
                "200": {"description": "The archives", "content": {"application/json": {"schema": _ref("ArchiveList")}}}
            },
        }
    },
    "/api/archives/{id}": {
        "get": {
            "operationId": "getArchive",
            "summary": "An archive: its record, other names, top levels and counts",
            "parameters": [_ARCHIVE_ID, _LEVEL_PAGE, _PER_PAGE_200],
            "responses": {
                "200": {"description": "The archive", "content": {"application/json": {"schema": _ref("Archive")}}},
                "400": _error("A parameter out of range"),
                "404": _error("No such archive"),
            },
        }
    },
    "/api/levels/{id}": {
        "get": {
            "operationId": "getArchiveLevel",
            "summary": "A level of the hierarchy (fonds, series, volume, file): sub-levels, documents in folio order",
            "parameters": [
                _param(
                    "id",
                    "Level id (from an archive's or level's `levels[].id`)",
                    {"type": "integer", "minimum": 1, "maximum": 2147483647},
                    where="path",
                    required=True,
                ),
                _LEVEL_PAGE,
                _PER_PAGE_200,
            ],
            "responses": {
                "200": {"description": "The level", "content": {"application/json": {"schema": _ref("ArchiveLevel")}}},
                "400": _error("A parameter out of range"),
                "404": _error("No such archive or level"),
            },
        }
    },
    "/api/chronology": {
        "get": {
            "operationId": "chronology",
            "summary": "Everything dated in a day, week or month across all archives (the search's filters apply)",
            "parameters": [
                _param("span", "day, week (default) or month", {"type": "string", "enum": ["day", "week", "month"]}),
                _param("date", "A day in the span (YYYY-MM-DD); default: the earliest dated document", _DATE_OR_EMPTY),
                _param(
                    "from", "Instead of span/date: first day (YYYY-MM-DD); the range is cut to 93 days", _DATE_OR_EMPTY
                ),
                _param("to", "Last day (YYYY-MM-DD)", _DATE_OR_EMPTY),
                *[p for p in SEARCH_PARAMS if p["name"] not in {"date_from", "date_to", "year", "decade", "sort"}],
                _param("page", "Page (100 documents each)", _int_or_empty(1, 1000)),
            ],
            "responses": {
                "200": {"description": "The span", "content": {"application/json": {"schema": _ref("Chronology")}}},
                "400": _error("A bad span, date or filter"),
            },
        }
    },
    "/api/documents/{id}/context": {
        "get": {
            "operationId": "getDocumentContext",
            "summary": "Where a document is kept (archive > fonds > series > volume > file, folios), its neighbours "
            "in the file, the documents of its days, and its typed links",
            "parameters": [DOC_ID],
            "responses": {
                "200": {
                    "description": "The context",
                    "content": {"application/json": {"schema": _ref("DocumentContext")}},
                },
                "404": _error("No such document"),
                "410": _error("The document was withdrawn"),
            },
        }
    },
}


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
            "/api/documents": {
                "get": {
                    "operationId": "listDocuments",
                    "summary": "Browse documents",
                    "parameters": [
                        _param("year", "Only this year", _int_or_empty(-9999, 9999)),
                        _param("language", "Only documents in this original language (code, e.g. `sq`)", _STR),
                        _param("sort", "Order", {"type": "string", "enum": ["date", "-date", "title", "-title"]}),
                        PAGE,
                        _param("per_page", "Results per page", _int_or_empty(1, 200)),
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of documents",
                            "content": {"application/json": {"schema": _ref("DocumentPage")}},
                        },
                        "400": _error("A parameter out of range"),
                    },
                }
            },
            "/api/documents/{id}": {
                "get": {
                    "operationId": "getDocument",
                    "summary": "One document's full record",
                    "parameters": [DOC_ID],
                    "responses": {
                        "200": {
                            "description": "The record",
                            "content": {"application/json": {"schema": _ref("Document")}},
                        },
                        "404": _error("No such document"),
                    },
                }
            },
            "/api/documents/{id}/cite": {
                "get": {
                    "operationId": "citeDocument",
                    "summary": "How to cite a document",
                    "parameters": [
                        DOC_ID,
                        _param(
                            "style",
                            "Citation style (default `archive`, the archive's own form)",
                            {"type": "string", "enum": list(STYLE_LABELS)},
                        ),
                        _param(
                            "format",
                            "`text` (default), `html` or `json`",
                            {"type": "string", "enum": ["text", "html", "json"]},
                        ),
                    ],
                    "responses": {
                        "200": {
                            "description": "The citation",
                            "content": {
                                "text/plain": {"schema": _STR},
                                "text/html": {"schema": _STR},
                                "application/json": {"schema": _ref("Citation")},
                            },
                        },
                        "400": _error("Unknown style or format"),
                        "404": _error("No such document"),
                    },
                }
            },
            "/api/documents/{id}/export": {
                "get": {
                    "operationId": "exportDocument",
                    "summary": "A document for reference managers and catalogues",
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
                }
            },
            "/api/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Full-text search with facets",
                    "parameters": [
                        *SEARCH_PARAMS,
                        SEARCH_PAGE_PARAM,
                        _param("per_page", "Results per page", _int_or_empty(1, 100)),
                        _param("facets", "`0`, `false` or `no` to leave out facet counts (faster)", _STR),
                    ],
                    "responses": {
                        "200": {
                            "description": "Results",
                            "content": {"application/json": {"schema": _ref("SearchPage")}},
                        },
                        "400": _error("A parameter out of range"),
                    },
                }
            },
            "/api/search/export": {
                "get": {
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
                }
            },
            "/api/persons/{id}": {
                "get": {
                    "operationId": "getPerson",
                    "summary": (
                        "A person: every form of the name (scripts, transliterations) and the published documents"
                    ),
                    "parameters": [
                        _param(
                            "id",
                            "Person identifier, e.g. `hsg-123` or `frus1961-63v06/p_KNS1` (from a "
                            "document's `persons[].id`)",
                            {"type": "string", "minLength": 1, "maxLength": 200},
                            where="path",
                            required=True,
                        )
                    ],
                    "responses": {
                        "200": {
                            "description": "The person",
                            "content": {"application/json": {"schema": _ref("Person")}},
                        },
                        "404": _error("No such person"),
                    },
                }
            },
            **ARCHIVE_PATHS,
            "/api/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Date": DATE,
                "Language": LANGUAGE,
                "Text": TEXT,
                "DocumentSummary": SUMMARY,
                "Document": DOCUMENT,
                "DocumentPage": LIST_PAGE,
                "SearchPage": SEARCH_PAGE,
                "FacetValue": FACET_VALUE,
                "Citation": CITATION,
                "Error": ERROR,
                "Person": PERSON,
                **ARCHIVE_SCHEMAS,
            }
        },
    }
