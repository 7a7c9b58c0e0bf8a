"""CSV (and TSV) tables, one document per row, with a fixed column mapping (docs/import-formats.md).

Scalar columns map to the record field of the same name; list columns are separated by ``;``; places
nest with ``>``; contributors are written ``Name (role, role)``; texts go in ``translation:<language>``
and ``transcript:<language>`` columns. A column outside the mapping rejects the file, naming the column.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from readingroom.ingest.errors import RecordError
from readingroom.ingest.limits import current
from readingroom.ingest.readers import SourceRecord

FORMAT = "csv"
SCALARS = {"id", "title", "summary", "citation", "credits", "archive", "source_url", "type", "classification", "rights"}
DATE = {"date": "display", "date_start": "start", "date_end": "end", "date_certainty": "certainty"}
REFERENCE = {
    "reference": "text",
    "repository": "repository",
    "fonds": "fonds",
    "series": "series",
    "volume": "volume",
    "file": "file",
    "folios": "folios",
}
#: ``relations``: typed links, ``type:target`` separated by ``;`` (``enclosure-of:wilson-300023; cites:frus/d2``)
LISTS = {"original_languages", "subjects", "collections", "places", "contributors", "persons", "related", "relations"}
TEXT_COLUMN = re.compile(r"^(translation|transcript):(?P<lang>[A-Za-z]{2,3})$")
KNOWN = SCALARS | set(DATE) | set(REFERENCE) | LISTS


def sniff(path: Path, head: bytes) -> bool:
    return path.suffix.lower() in {".csv", ".tsv"}


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(";") if v.strip()]


def _contributor(value: str) -> dict:
    m = re.fullmatch(r"(?P<name>.+?)\s*\((?P<roles>[^)]*)\)", value)
    if m:
        return {"name": m["name"], "roles": [r.strip() for r in m["roles"].split(",") if r.strip()]}
    return {"name": value, "roles": []}


def row_to_record(row: dict[str, str]) -> dict:
    data: dict = {}
    for column, value in row.items():
        value = (value or "").strip("\ufeff")
        if value == "":
            continue
        if column in SCALARS:
            data[column] = value
        elif column in DATE:
            data.setdefault("date", {})[DATE[column]] = value
        elif column in REFERENCE:
            data.setdefault("archival_reference", {})[REFERENCE[column]] = value
        elif column == "places":
            data["places"] = [[part.strip() for part in v.split(">")] for v in _split(value)]
        elif column == "contributors":
            data["contributors"] = [_contributor(v) for v in _split(value)]
        elif column in LISTS:
            data[column] = _split(value)
        else:
            m = TEXT_COLUMN.match(column)
            if m is None:  # (the reader checks the header first: any other column is a text column)
                raise RecordError(f"unknown column {column[:100]!r}", field="header")
            kind, lang = m[1], m["lang"]
            data.setdefault(f"{kind}s", []).append({"language": lang, "text": value.replace("\r\n", "\n")})
            data.setdefault("contents", []).append(
                {"kind": kind, "language": lang, "label": f"{kind.capitalize()} - {lang}"}
            )
    return data


def _open_quote_line(path: Path, delimiter: str, first: int) -> int | None:
    """The line on which a quoted field that is still open at the end of the file was opened (reading from the
    row that starts on line ``first``), or ``None``."""
    state, opened = "start", None
    with open(path, encoding="utf-8-sig", newline="", errors="replace") as fh:
        for lineno, text in enumerate(fh, start=1):
            if lineno < first:
                continue
            for ch in text:
                if state == "quoted":
                    if ch == '"':
                        state = "quote"
                elif state == "quote":  # a quote inside a quoted field: doubled, or the field's end
                    state = "quoted" if ch == '"' else "start" if ch in (delimiter, "\r", "\n") else "plain"
                elif state == "start":
                    if ch == '"':
                        state, opened = "quoted", lineno
                    elif ch not in (delimiter, "\r", "\n"):
                        state = "plain"
                elif ch in (delimiter, "\r", "\n"):
                    state = "start"
    return opened if state == "quoted" else None


def read(path: Path) -> Iterator[SourceRecord | RecordError]:
    p = str(path)
    limits = current()
    # A cell may hold a whole transcript: allow up to the record limit (the csv module's default is 128 KiB).
    csv.field_size_limit(max(limits.record_bytes, 131072))
    try:
        fh = open(path, encoding="utf-8-sig", newline="")
        fh.read(65536)
    except UnicodeDecodeError as exc:
        yield RecordError(f"the file is not UTF-8 ({exc.reason})", path=p, field="encoding")
        return
    with fh:
        fh.seek(0)
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
        # strict: a quote where none may stand (or never closed) is an error, not text swallowing the rows after it
        reader = csv.DictReader(fh, delimiter=delimiter, strict=True)
        try:
            header = reader.fieldnames or []
        except UnicodeDecodeError:
            yield RecordError("the file is not UTF-8", path=p, line=1, field="encoding")
            return
        except csv.Error as exc:
            yield RecordError(
                f"the header row is not valid CSV ({exc}); nothing of the file was read", path=p, line=1, field="csv"
            )
            return
        unknown = [c for c in header if c not in KNOWN and not TEXT_COLUMN.match(c or "")]
        if unknown:
            column = unknown[0][:100]
            yield RecordError(
                f"unknown column {column!r} (see docs/import-formats.md for the columns Reading Room reads)",
                path=p,
                line=1,
                field=column if column.isprintable() else "header",
            )
            return
        if "title" not in header:
            yield RecordError("the table has no 'title' column", path=p, line=1, field="title")
            return
        line = reader.line_num
        try:
            for position, row in enumerate(reader, start=1):
                start_line, line = line + 1, reader.line_num
                if None in row:
                    yield RecordError(
                        "the row has more cells than the header", path=p, line=start_line, record=f"row {position}"
                    )
                    continue
                yield SourceRecord(data=row_to_record(row), path=p, line=start_line, format=FORMAT)
        except UnicodeDecodeError:
            yield RecordError(
                "the file is not UTF-8 from here on; nothing after this point was read",
                path=p,
                line=line + 1,
                field="encoding",
                stops_file=True,
            )
        except csv.Error as exc:
            start = line + 1
            rest = f"nothing from line {start} on was read"
            opened = _open_quote_line(path, delimiter, start) if "end of data" in str(exc) else None
            if opened:
                yield RecordError(
                    f'the quoted field opened on line {opened} is never closed (a missing closing quote "); {rest}',
                    path=p,
                    line=opened,
                    field="csv",
                    stops_file=True,
                )
            elif "field limit" in str(exc):
                yield RecordError(
                    f"a cell of the row starting on line {start} is longer than {limits.record_bytes // 2**20} MB"
                    f" (setting READINGROOM_MAX_IMPORT_RECORD_MB; often a quote that is never closed); {rest}",
                    path=p,
                    line=start,
                    field="csv",
                    stops_file=True,
                )
            else:
                yield RecordError(
                    f"malformed CSV in the row starting on line {start}: {exc}; {rest}",
                    path=p,
                    line=start,
                    field="csv",
                    stops_file=True,
                )
