"""Validate a canonical record before anything of it is stored."""

from __future__ import annotations

import re
from datetime import date, datetime

from readingroom.documents.models import IDENTIFIER_PATTERN
from readingroom.ingest.errors import RecordError

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


def validate(rec: dict) -> dict:
    """Check a canonical record; return it unchanged.

    :raises RecordError: naming the field at fault
    """
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
        if not _ID.fullmatch(r):
            raise RecordError(f"{r!r} is not a valid document id", field=f"related[{i}]")
    return rec
