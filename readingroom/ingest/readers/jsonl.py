"""JSON and JSON Lines in the public record shape (what ``readingroom export --format jsonl`` writes).

``.jsonl``/``.ndjson``: one record per line. ``.json``: one record, a list of records, or
``{"documents": [...]}``. Fields the archive derives (``url``, ``contents[].available``, timestamps) are
ignored on the way in, so an export re-imports losslessly.
"""

from __future__ import annotations

import json

import orjson
from collections.abc import Iterator
from pathlib import Path

from readingroom.ingest.errors import RecordError
from readingroom.ingest.readers import SourceRecord

FORMAT = "json"
DERIVED = {"url", "created_at", "updated_at", "published_at", "pages", "ocr", "permanent_url", "citations", "exports",
           "iiif_manifest", "pdf", "status"}


def sniff(path: Path, head: bytes) -> bool:
    return path.suffix.lower() in {".json", ".jsonl", ".ndjson"}


def _record(obj, path: str, line: int | None, position: int) -> SourceRecord | RecordError:
    if not isinstance(obj, dict):
        return RecordError(f"a record must be a JSON object, got {type(obj).__name__}", path=path, line=line, record=f"#{position}")
    data = {k: v for k, v in obj.items() if k not in DERIVED}
    return SourceRecord(data=data, path=path, line=line, format=FORMAT)


def read(path: Path) -> Iterator[SourceRecord | RecordError]:
    p = str(path)
    if path.suffix.lower() in {".jsonl", ".ndjson"}:
        with open(path, "rb") as fh:
            for n, raw in enumerate(fh, start=1):
                if not raw.strip():
                    continue
                try:
                    obj = orjson.loads(raw)
                except orjson.JSONDecodeError as exc:
                    try:
                        raw.decode("utf-8")
                    except UnicodeDecodeError:
                        yield RecordError("the line is not UTF-8", path=p, line=n, field="encoding")
                        continue
                    yield RecordError(f"not valid JSON: {exc}", path=p, line=n, field="json")
                    continue
                yield _record(obj, p, n, n)
        return
    try:
        obj = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        yield RecordError("the file is not UTF-8", path=p, field="encoding")
        return
    except json.JSONDecodeError as exc:
        yield RecordError(f"not valid JSON: {exc.msg} (column {exc.colno})", path=p, line=exc.lineno, field="json")
        return
    if isinstance(obj, dict) and isinstance(obj.get("documents"), list):
        obj = obj["documents"]
    items = obj if isinstance(obj, list) else [obj]
    for i, item in enumerate(items, start=1):
        yield _record(item, p, None, i)
