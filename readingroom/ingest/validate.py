"""Validate a canonical record before anything of it is stored."""

from __future__ import annotations

import re
from datetime import date, datetime

from readingroom.documents.models import IDENTIFIER_PATTERN
from readingroom.ingest.errors import RecordError
from readingroom.ingest.limits import Limits, check_chars, check_length, current, nesting_depth

_ID = re.compile(IDENTIFIER_PATTERN)
CONTENT_KINDS = {"scan", "transcript", "translation", "other"}
CERTAINTIES = {"exact", "approximate", "inferred", "uncertain", "unknown"}
#: Column sizes (see documents.models): a value that would not fit is an error, not a truncation.
MAX_LENGTHS = {"type": 100, "classification": 200, "archive": 300, "source_url": 1000}
REF_MAX = {"fonds": 300, "volume": 100, "file": 300, "folios": 100}


def _iso(value: str, field: str) -> str:
    try:
        if "T" in value:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise RecordError(f"{value!r} is not an ISO 8601 date (YYYY-MM-DD)", field=field) from None


def validate(rec: dict, limits: Limits | None = None) -> dict:
    """Check a canonical record; return it unchanged.

    :param limits: the import limits (by default those in force, see ``limits.py``)
    :raises RecordError: naming the field at fault
    """
    check_content(rec, limits or current())
    if not rec["id"]:
        raise RecordError("the record has no id", field="id")
    if len(rec["id"]) > 200 or not _ID.fullmatch(rec["id"]):
        raise RecordError(
            f"{rec['id']!r} is not a valid id (letters, digits, '_' and '-', in segments separated by '/')",
            field="id",
        )
    if not rec["title"].strip():
        raise RecordError("the title is empty", field="title")
    d = rec["date"]
    if len(d["display"]) > 200:
        raise RecordError("the date as written is longer than 200 characters", field="date")
    if d["start"]:
        start = _iso(d["start"], "date.start")
        end = _iso(d["end"], "date.end")
        if end < start:
            raise RecordError(f"the date ends ({d['end']}) before it starts ({d['start']})", field="date")
    if d["certainty"] not in CERTAINTIES:
        raise RecordError(f"certainty must be one of {', '.join(sorted(CERTAINTIES))}", field="date.certainty")
    if rec.get("source_url") and not rec["source_url"].lower().startswith(("http://", "https://")):
        raise RecordError("the source URL must be an http:// or https:// address", field="source_url")
    for key, limit in MAX_LENGTHS.items():
        if len(rec[key]) > limit:
            raise RecordError(f"longer than {limit} characters", field=key)
    for key, limit in REF_MAX.items():
        if len(rec["archival_reference"][key]) > limit:
            raise RecordError(f"longer than {limit} characters", field=f"archival_reference.{key}")
    for i, c in enumerate(rec["contributors"]):
        if not c["name"].strip() or len(c["name"]) > 300:
            raise RecordError("a contributor needs a name of at most 300 characters", field=f"contributors[{i}].name")
    for i, c in enumerate(rec["contents"]):
        if c["kind"] not in CONTENT_KINDS:
            raise RecordError(f"kind must be one of {', '.join(sorted(CONTENT_KINDS))}", field=f"contents[{i}].kind")
        if not c["label"].strip() or len(c["label"]) > 300:
            raise RecordError("a content item needs a label of at most 300 characters", field=f"contents[{i}].label")
    for key in ("translations", "transcripts"):
        for i, t in enumerate(rec[key]):
            if not t["text"].strip():
                raise RecordError("the text is empty", field=f"{key}[{i}].text")
            if key == "translations" and not t["language"]:
                raise RecordError("a translation needs a language", field=f"{key}[{i}].language")
    for i, s in enumerate(rec["subjects"]):
        if not s.strip() or len(s) > 300:
            raise RecordError("a subject needs a name of at most 300 characters", field=f"subjects[{i}]")
    for i, c in enumerate(rec["collections"]):
        if not _ID.fullmatch(c["id"]) or not c["title"].strip():
            raise RecordError("a collection needs a valid id and a title", field=f"collections[{i}]")
    for i, person in enumerate(rec["persons"]):
        if not _ID.fullmatch(person["id"]) or not person["name"].strip() or len(person["name"]) > 300:
            raise RecordError("a person needs a valid id and a name of at most 300 characters", field=f"persons[{i}]")
    for i, r in enumerate(rec["related"]):
        if not _ID.fullmatch(r) or len(r) > 200:
            raise RecordError(f"{r[:200]!r} is not a valid document id", field=f"related[{i}]")
    # the other columns of a bounded size: a value that would not fit is an error, not a database failure
    if len(rec["archival_reference"]["repository"]) > 500:
        raise RecordError("longer than 500 characters", field="archival_reference.repository")
    for i, path in enumerate(rec["places"]):
        if any(len(part) > 300 for part in path):
            raise RecordError("a place name is longer than 300 characters", field=f"places[{i}]")
    for key in ("translations", "transcripts"):
        for i, t in enumerate(rec[key]):
            if len(t["label"]) > 300:
                raise RecordError("longer than 300 characters", field=f"{key}[{i}].label")
    for key in ("collections", "persons"):
        for i, c in enumerate(rec[key]):
            if len(c["id"]) > 200:
                raise RecordError("the id is longer than 200 characters", field=f"{key}[{i}]")
    return rec


#: Which kind of text each string of a canonical record is: (multiline?, limit attribute, setting name)
_LINE = (False, "field", "MAX_IMPORT_FIELD_CHARS")
_TITLE = (False, "title", "MAX_IMPORT_TITLE_CHARS")
_NOTE = (True, "note", "MAX_IMPORT_NOTE_CHARS")
_TEXT = (True, "text", "MAX_IMPORT_TEXT_CHARS")
_SUMMARY = (True, "summary", "MAX_IMPORT_SUMMARY_CHARS")
_KEY = re.compile(r"[A-Za-z0-9_-]{1,100}")
_SCALAR_KINDS = {
    "summary": _SUMMARY,
    "citation": _NOTE,
    "credits": _NOTE,
    "rights": _NOTE,
    "archive": _LINE,
    "source_url": _LINE,
    "type": _LINE,
    "classification": _LINE,
}


def _strings(rec: dict, limits: Limits) -> list[tuple[str, str, tuple]]:
    """Every string of the record with its field name and kind; list lengths and nesting checked on the way."""
    out: list[tuple[str, str, tuple]] = [("id", rec["id"], _LINE), ("title", rec["title"], _TITLE)]
    out += [(f"date.{k}", v, _LINE) for k, v in rec["date"].items() if isinstance(v, str)]
    out += [(k, rec[k], kind) for k, kind in _SCALAR_KINDS.items()]
    out += [(f"archival_reference.{k}", v, _LINE) for k, v in rec["archival_reference"].items()]
    for key in (
        "original_languages",
        "contributors",
        "contents",
        "translations",
        "transcripts",
        "subjects",
        "places",
        "collections",
        "persons",
        "related",
    ):
        if len(rec[key]) > limits.list_items:
            raise RecordError(
                f"more than {limits.list_items:,} entries (setting READINGROOM_MAX_IMPORT_LIST_ITEMS)", field=key
            )
    for i, lang in enumerate(rec["original_languages"]):
        out.append((f"original_languages[{i}]", lang["name"], _LINE))
    for i, c in enumerate(rec["contributors"]):
        out.append((f"contributors[{i}].name", c["name"], _LINE))
        if len(c["roles"]) > limits.list_items:
            raise RecordError(f"more than {limits.list_items:,} entries", field=f"contributors[{i}].roles")
        out += [(f"contributors[{i}].roles[{j}]", r, _LINE) for j, r in enumerate(c["roles"])]
    for i, c in enumerate(rec["contents"]):
        out += [(f"contents[{i}].kind", c["kind"], _LINE), (f"contents[{i}].label", c["label"], _LINE)]
    for key in ("translations", "transcripts"):
        for i, t in enumerate(rec[key]):
            out += [
                (f"{key}[{i}].label", t["label"], _LINE),
                (f"{key}[{i}].title", t["title"], _TITLE),
                (f"{key}[{i}].text", t["text"], _TEXT),
            ]
            if "extra" in t:
                out += _json_strings(t["extra"], f"{key}[{i}].extra", limits)
    out += [(f"subjects[{i}]", s, _LINE) for i, s in enumerate(rec["subjects"])]
    for i, path in enumerate(rec["places"]):
        if len(path) > limits.nesting:
            raise RecordError(f"nested deeper than {limits.nesting} levels", field=f"places[{i}]")
        out += [(f"places[{i}]", part, _LINE) for part in path]
    for i, c in enumerate(rec["collections"]):
        out += [(f"collections[{i}].id", c["id"], _LINE), (f"collections[{i}].title", c["title"], _TITLE)]
    for i, p in enumerate(rec["persons"]):
        out += [(f"persons[{i}].id", p["id"], _LINE), (f"persons[{i}].name", p["name"], _LINE)]
        if "description" in p:
            out.append((f"persons[{i}].description", p["description"], _NOTE))
    out += [(f"related[{i}]", r, _LINE) for i, r in enumerate(rec["related"])]
    out += _json_strings(rec["extra"], "extra", limits)
    return out


def _json_strings(value, field: str, limits: Limits) -> list[tuple[str, str, tuple]]:
    """The strings of free-form JSON (``extra``): values are notes, keys single-line (iterative: any depth)."""
    if nesting_depth(value, limits.nesting) > limits.nesting:
        raise RecordError(f"nesting deeper than {limits.nesting} levels", field=field)
    out: list[tuple[str, str, tuple]] = []
    stack = [(field, value)]
    while stack:
        name, v = stack.pop()
        if isinstance(v, str):
            out.append((name, v, _NOTE))
        elif isinstance(v, dict):
            for n, (k, child) in enumerate(v.items()):
                key = f"{name}.{k}" if _KEY.fullmatch(k) else f"{name}[key {n}]"
                out.append((key, k, _LINE))
                stack.append((key, child))
        elif isinstance(v, list):
            if len(v) > limits.list_items:
                raise RecordError(
                    f"more than {limits.list_items:,} entries (setting READINGROOM_MAX_IMPORT_LIST_ITEMS)", field=name
                )
            stack.extend((f"{name}[{i}]", child) for i, child in enumerate(v))
    out.reverse()
    return out


def check_content(rec: dict, limits: Limits) -> None:
    """Every string of the record within its length limit and free of refused characters.

    :raises RecordError: naming the first field at fault
    """
    bounds = {kind: getattr(limits, kind[1]) for kind in (_LINE, _TITLE, _NOTE, _TEXT, _SUMMARY)}
    for field, value, kind in _strings(rec, limits):
        if not value:
            continue
        if len(value) > bounds[kind]:
            check_length(value, field, bounds[kind], kind[2])
        if not value.isprintable():  # (the common case, a plain line, needs nothing more)
            check_chars(value, field, multiline=kind[0])
