"""Normalise a record read from any source into the canonical record (the public JSON shape, minus the
fields the archive itself derives: urls, availability, timestamps).

Strings become Unicode NFC and are otherwise kept as given. Fields the source leaves out are derived
(``date.start``/``end`` from ``date.display``, language names from codes) and never overwrite a given value.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

import orjson

from readingroom.archives.linktypes import NAMES, type_name
from readingroom.documents.models import IDENTIFIER_PATTERN
from readingroom.ingest.citation import REFERENCE_PARTS
from readingroom.ingest.dates import DateError, expand_partial, parse_date
from readingroom.ingest.errors import RecordError
from readingroom.ingest.languages import UnknownLanguage, resolve
from readingroom.ingest.limits import check_chars, current

SCALARS = ("summary", "citation", "credits", "archive", "source_url", "type", "classification", "rights")
TEXT_FIELDS = ("language", "label", "title", "text")


def nfc(value: Any) -> Any:
    if isinstance(value, str):
        return value if value.isascii() else unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [nfc(v) for v in value]
    if isinstance(value, dict):
        return {k: nfc(v) for k, v in value.items()}
    return value


def _str(data: dict, key: str, field: str | None = None) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value if value.isascii() else unicodedata.normalize("NFC", value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise RecordError(f"expected text, got {type(value).__name__}", field=field or key)


def _list(data: dict, key: str) -> list:
    value = data.get(key)
    if value is None or value == "":
        return []
    if not isinstance(value, list):
        raise RecordError(f"expected a list, got {type(value).__name__}", field=key)
    return value


def _language(value: Any, field: str) -> tuple[str, str] | None:
    if value in (None, ""):
        return None
    try:
        code, name = resolve(value)
        return code, nfc(name)
    except UnknownLanguage as exc:
        raise RecordError(str(exc), field=field) from None


def slug(text: str) -> str:
    s = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-") or "collection"


def normalise(data: dict) -> dict:
    """The canonical record for ``data``.

    :raises RecordError: with the field at fault when a value has the wrong type or cannot be read
    """
    if not isinstance(data, dict):
        raise RecordError(f"a record must be an object, got {type(data).__name__}")
    # Strings become NFC as each field is taken (``_str``, ``nfc``), not in a pass over the whole record.
    rec: dict[str, Any] = {"id": _str(data, "id").strip(), "title": _str(data, "title")}

    date = data.get("date") or {}
    if isinstance(date, str):
        date = {"display": date}
    if not isinstance(date, dict):
        raise RecordError("expected an object with display/start/end/certainty", field="date")
    display = _str(date, "display", "date.display")
    start, end = _str(date, "start", "date.start"), _str(date, "end", "date.end")
    certainty = _str(date, "certainty", "date.certainty")
    if len(display) > 200:  # before parsing it (validate says the same; a huge date is not worth reading)
        raise RecordError("the date as written is longer than 200 characters", field="date")
    if display and not start:
        try:
            parsed = parse_date(display)
        except DateError as exc:
            raise RecordError(str(exc), field="date") from None
        start, end = parsed.start, parsed.end
        certainty = certainty or parsed.certainty
    if start and not end:
        end = start
    try:  # a partial ISO date ("1962-09", "1963") stands for its whole month or year
        if re.fullmatch(r"\d{4}(?:-\d{2})?", start):
            start = expand_partial(start)[0]
        if re.fullmatch(r"\d{4}(?:-\d{2})?", end):
            end = expand_partial(end)[1]
    except DateError as exc:
        raise RecordError(str(exc), field="date") from None
    if start and not display:
        display = start if start == end else f"{start}/{end}"
    rec["date"] = {
        "display": display,
        "start": start,
        "end": end,
        "certainty": certainty or ("exact" if start else "unknown"),
    }

    for key in SCALARS:
        rec[key] = _str(data, key)

    langs: list[dict[str, str]] = []
    for i, value in enumerate(_list(data, "original_languages")):
        language = _language(value, f"original_languages[{i}]")
        if language is None:
            raise RecordError(
                "an empty entry: give a language code or name, or leave the entry out", field=f"original_languages[{i}]"
            )
        code, name = language
        if code not in [lang["code"] for lang in langs]:
            langs.append({"code": code, "name": name})
    rec["original_languages"] = langs

    ref = data.get("archival_reference") or {}
    if isinstance(ref, str):
        ref = {"text": ref}
    if not isinstance(ref, dict):
        raise RecordError("expected an object", field="archival_reference")
    rec["archival_reference"] = {k: _str(ref, k, f"archival_reference.{k}") for k in ("text", *REFERENCE_PARTS)}

    contributors = []
    for i, c in enumerate(_list(data, "contributors")):
        if isinstance(c, str):
            c = {"name": c, "roles": []}
        if not isinstance(c, dict):
            raise RecordError("expected an object with name and roles", field=f"contributors[{i}]")
        roles = c.get("roles") or []
        if isinstance(roles, str):
            roles = [r.strip() for r in roles.split(",") if r.strip()]
        if not isinstance(roles, list) or not all(isinstance(r, (str, int, float)) for r in roles):
            raise RecordError("expected a list of roles", field=f"contributors[{i}].roles")
        contributors.append({"name": _str(c, "name", f"contributors[{i}].name"), "roles": [nfc(str(r)) for r in roles]})
    rec["contributors"] = contributors

    contents = []
    for i, c in enumerate(_list(data, "contents")):
        if isinstance(c, str):
            c = {"label": c, "kind": "other"}
        if not isinstance(c, dict):
            raise RecordError("expected an object with kind, language and label", field=f"contents[{i}]")
        lang = _language(c.get("language"), f"contents[{i}].language")
        contents.append(
            {
                "kind": _str(c, "kind", f"contents[{i}].kind") or "other",
                "language": lang[0] if lang else None,
                "label": _str(c, "label", f"contents[{i}].label"),
            }
        )
    rec["contents"] = contents

    for key in ("translations", "transcripts"):
        texts = []
        for i, t in enumerate(_list(data, key)):
            if not isinstance(t, dict):
                raise RecordError("expected an object with language and text", field=f"{key}[{i}]")
            lang = _language(t.get("language"), f"{key}[{i}].language")
            entry = {
                "language": lang[0] if lang else None,
                "label": _str(t, "label", f"{key}[{i}].label"),
                "title": _str(t, "title", f"{key}[{i}].title"),
                "text": _str(t, "text", f"{key}[{i}].text"),
            }
            # Source structure kept with the text (FRUS footnotes): its "extra" object, plus unknown keys.
            extra = t.get("extra") or {}
            if not isinstance(extra, dict):
                raise RecordError("expected an object", field=f"{key}[{i}].extra")
            extra = {
                **extra,
                **{k: v for k, v in t.items() if k not in TEXT_FIELDS and k not in {"language_name", "extra"}},
            }
            if extra:
                entry["extra"] = nfc(extra)
            texts.append(entry)
        rec[key] = texts

    subjects = _list(data, "subjects")
    for i, s in enumerate(subjects):
        if not isinstance(s, (str, int, float)) or isinstance(s, bool):
            raise RecordError(f"expected a subject name, got {type(s).__name__}", field=f"subjects[{i}]")
    rec["subjects"] = [nfc(str(s)) for s in subjects]
    places = []
    for i, p in enumerate(_list(data, "places")):
        if isinstance(p, dict):
            p = p.get("path") or [p.get("name", "")]
        if isinstance(p, str):
            p = [part.strip() for part in p.split(">")]
        if not isinstance(p, list) or not all(isinstance(x, str) and x.strip() for x in p):
            raise RecordError("expected a place name or a path of names", field=f"places[{i}]")
        places.append([nfc(x) for x in p])
    rec["places"] = places
    collections = []
    for i, c in enumerate(_list(data, "collections")):
        if isinstance(c, str):
            c = {"title": c}
        if not isinstance(c, dict):
            raise RecordError("expected a collection title or an object with id and title", field=f"collections[{i}]")
        title = _str(c, "title", f"collections[{i}].title")
        collections.append({"id": _str(c, "id", f"collections[{i}].id") or slug(title), "title": title})
    rec["collections"] = collections
    persons: list[dict[str, str]] = []
    for i, person in enumerate(_list(data, "persons")):
        if isinstance(person, str):
            person = {"name": person}
        if not isinstance(person, dict):
            raise RecordError("expected a name or an object with id and name", field=f"persons[{i}]")
        name = _str(person, "name", f"persons[{i}].name")
        known_as = {"id": _str(person, "id", f"persons[{i}].id") or slug(name), "name": name}
        if person.get("description"):
            known_as["description"] = _str(person, "description", f"persons[{i}].description")
        if known_as["id"] not in [p["id"] for p in persons]:
            persons.append(known_as)
    rec["persons"] = persons
    related = []
    for r in _list(data, "related"):
        if isinstance(r, dict):
            r = r.get("id", "")
        related.append(nfc(str(r)))
    rec["related"] = related
    # Typed relations (readingroom.archives): [{"type": "enclosure-of", "target": id}]; the key is present only
    # when the source gives some, so records without any keep the content hash they had.
    relations = _relations(data, rec["id"])
    if relations:
        rec["relations"] = relations
    extra = data.get("extra") or {}
    if not isinstance(extra, dict):
        raise RecordError("expected an object", field="extra")
    rec["extra"] = nfc(extra)
    return rec


def _relations(data: dict, own_id: str) -> list[dict]:
    items = _list(data, "relations")
    limit = current().list_items
    if len(items) > limit:
        raise RecordError(f"more than {limit:,} entries (setting READINGROOM_MAX_IMPORT_LIST_ITEMS)", field="relations")
    out: list[dict] = []
    for i, r in enumerate(items):
        if isinstance(r, str) and ":" in r:  # "enclosure-of:wilson-300023"
            type_, _, target = r.partition(":")
            r = {"type": type_, "target": target}
        if not isinstance(r, dict):
            raise RecordError('expected an object {"type": ..., "target": id}', field=f"relations[{i}]")
        type_ = type_name(_str(r, "type", f"relations[{i}].type"))
        target = _str(r, "target", f"relations[{i}].target").strip() or _str(r, "id", f"relations[{i}].target").strip()
        if type_ not in NAMES:
            raise RecordError(
                f"{type_[:100]!r} is not a relation type (one of {', '.join(NAMES)})", field=f"relations[{i}].type"
            )
        if not target:
            raise RecordError("the relation names no target document", field=f"relations[{i}].target")
        if len(target) > 200 or not re.fullmatch(IDENTIFIER_PATTERN, target):
            if not target.isprintable():
                check_chars(target, f"relations[{i}].target", multiline=False)
            raise RecordError(f"{target[:200]!r} is not a valid document id", field=f"relations[{i}].target")
        if target == own_id:
            raise RecordError("a document cannot be related to itself", field=f"relations[{i}].target")
        entry = {"type": type_, "target": target}
        if entry not in out:
            out.append(entry)
    # one canonical order (the record's JSON lists them so), so that a record read back from an export or a
    # bag has the content hash of the record as first imported
    return sorted(out, key=lambda e: (e["type"], e["target"]))


def canonical_json(record: dict) -> bytes:
    """The canonical record as JSON with sorted keys (what :func:`content_hash` hashes)."""
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)


def content_hash(record: dict) -> str:
    """SHA-256 of the canonical record: equal hashes mean an import would store nothing new."""
    return hashlib.sha256(canonical_json(record)).hexdigest()
