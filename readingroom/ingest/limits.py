"""Limits on everything an import reads (docs/limits-import.md lists each with its default and setting).

Every limit is a Django setting (``READINGROOM_MAX_IMPORT_*``, from the environment variable of the same
name) read when an import runs, so an operator can raise one and a test can lower one. A value over a limit
rejects the record (or the file) with the usual ``FILE:LINE: record ID: field 'F': message``; nothing of a
rejected record is stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from readingroom.ingest.errors import RecordError

#: name -> default; the setting is ``READINGROOM_<NAME>``
DEFAULTS = {
    "MAX_IMPORT_FILE_MB": 4096,  # any import file (JSON Lines, CSV and TEI are streamed)
    "MAX_IMPORT_WHOLE_FILE_MB": 200,  # files read whole into memory: .json, reference (seed) text, UN speeches
    "MAX_IMPORT_RECORD_MB": 16,  # one record (a JSON line, a CSV cell, the canonical record as JSON)
    "MAX_IMPORT_NESTING": 64,  # JSON arrays/objects inside each other; XML elements inside each other
    "MAX_IMPORT_TITLE_CHARS": 2_000,  # title, and the title of each text
    "MAX_IMPORT_SUMMARY_CHARS": 20_000,
    "MAX_IMPORT_TEXT_CHARS": 2_000_000,  # each transcript and translation
    "MAX_IMPORT_NOTE_CHARS": 20_000,  # citation, credits, rights, descriptions, footnotes, every string in "extra"
    "MAX_IMPORT_FIELD_CHARS": 1_000,  # every other (single-line) metadata field, unless its column is smaller
    "MAX_IMPORT_LIST_ITEMS": 10_000,  # entries in any one list of a record (subjects, places, footnotes ...)
}


@dataclass(frozen=True)
class Limits:
    file_bytes: int
    whole_file_bytes: int
    record_bytes: int
    nesting: int
    title: int
    summary: int
    text: int
    note: int
    field: int
    list_items: int


def current() -> Limits:
    """The limits in force (settings, else the defaults)."""
    try:

        def get(name: str) -> int:
            return int(getattr(settings, f"READINGROOM_{name}", DEFAULTS[name]))

        get("MAX_IMPORT_FILE_MB")
    except Exception:  # settings not configured: the defaults  # noqa: BLE001

        def get(name: str) -> int:
            return DEFAULTS[name]

    mb = 1024 * 1024
    return Limits(
        file_bytes=get("MAX_IMPORT_FILE_MB") * mb,
        whole_file_bytes=get("MAX_IMPORT_WHOLE_FILE_MB") * mb,
        record_bytes=get("MAX_IMPORT_RECORD_MB") * mb,
        nesting=get("MAX_IMPORT_NESTING"),
        title=get("MAX_IMPORT_TITLE_CHARS"),
        summary=get("MAX_IMPORT_SUMMARY_CHARS"),
        text=get("MAX_IMPORT_TEXT_CHARS"),
        note=get("MAX_IMPORT_NOTE_CHARS"),
        field=get("MAX_IMPORT_FIELD_CHARS"),
        list_items=get("MAX_IMPORT_LIST_ITEMS"),
    )


# Characters refused on import. In text blocks (transcripts, translations, summary, notes): every C0 and C1
# control except tab, line feed and carriage return; in single-line fields (title, names, ids ...): all of
# them. Everywhere: lone surrogates and U+FFFE/U+FFFF (not characters; illegal in XML and in UTF-8).
_BAD_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_BAD_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_NAMES = {"\t": "a tab", "\n": "a line break", "\r": "a line break", "\u2028": "a line break", "\u2029": "a line break"}


# The fast test (most values pass it): in UTF-8, a C0 control or DEL is a byte below 0x20 or 0x7F, a C1
# control is 0xC2 0x80-0x9F, a lone surrogate cannot be encoded at all.
_OK_TEXT_BYTES = bytes([9, 10, 13, *range(0x20, 0x7F), *range(0x80, 0x100)])
_OK_LINE_BYTES = bytes([*range(0x20, 0x7F), *range(0x80, 0x100)])
_C1_UTF8 = re.compile(b"\xc2[\x80-\x9f]")


def _clean(value: str, multiline: bool) -> bool:
    if value.isprintable():  # no control, separator or format character at all (the common case of a line)
        return True
    try:
        data = value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    if data.translate(None, _OK_TEXT_BYTES if multiline else _OK_LINE_BYTES):
        return False
    if b"\xc2" in data and _C1_UTF8.search(data):
        return False
    if "\ufffe" in value or "\uffff" in value:
        return False
    return multiline or ("\u2028" not in value and "\u2029" not in value)


def check_chars(value: str, field: str, *, multiline: bool) -> None:
    """:raises RecordError: when ``value`` holds a character refused in this kind of field"""
    if _clean(value, multiline):
        return
    m = (_BAD_IN_TEXT if multiline else _BAD_IN_LINE).search(value)
    if m:
        ch = m.group()
        what = _NAMES.get(ch) or (
            f"a control character U+{ord(ch):04X}"
            if ord(ch) < 0xA0
            else f"a lone surrogate U+{ord(ch):04X}"
            if 0xD800 <= ord(ch) <= 0xDFFF
            else f"the non-character U+{ord(ch):04X}"
        )
        where = f"at character {m.start() + 1}"
        if multiline:
            raise RecordError(
                f"contains {what} {where} (not allowed in a text; only tab and line breaks are)", field=field
            )
        raise RecordError(f"contains {what} {where} (not allowed in a single-line field)", field=field)


def check_length(value: str, field: str, limit: int, setting: str) -> None:
    if len(value) > limit:
        raise RecordError(
            f"longer than {limit:,} characters ({len(value):,}; setting READINGROOM_{setting})", field=field
        )


def nesting_depth(obj: object, limit: int) -> int:
    """How deep lists and dicts nest in ``obj`` (iteratively: never a RecursionError); stops past ``limit``."""
    deepest = 0
    stack = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        children: Iterable[object]
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest
