"""JSON and JSON Lines in the public record shape (what ``readingroom export --format jsonl`` writes).

``.jsonl``/``.ndjson``: one record per line. ``.json``: one record, a list of records, or
``{"documents": [...]}``. Fields the archive derives (``url``, ``contents[].available``, timestamps) are
ignored on the way in, so an export re-imports losslessly.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson

from readingroom.ingest.errors import RecordError
from readingroom.ingest.limits import current, nesting_depth
from readingroom.ingest.readers import SourceRecord

FORMAT = "json"
DERIVED = {
    "url",
    "created_at",
    "updated_at",
    "published_at",
    "pages",
    "ocr",
    "permanent_url",
    "citations",
    "exports",
    "iiif_manifest",
    "pdf",
    "status",
}


def sniff(path: Path, head: bytes) -> bool:
    return path.suffix.lower() in {".json", ".jsonl", ".ndjson"}


def _record(obj, path: str, line: int | None, position: int) -> SourceRecord | RecordError:
    if not isinstance(obj, dict):
        return RecordError(
            f"a record must be a JSON object, got {type(obj).__name__}", path=path, line=line, record=f"#{position}"
        )
    data = {k: v for k, v in obj.items() if k not in DERIVED}
    return SourceRecord(data=data, path=path, line=line, format=FORMAT)


def _too_deep(limit: int) -> str:
    return f"nesting deeper than {limit} levels"


def _json_error(exc: orjson.JSONDecodeError, limit: int) -> str:
    if "depth limit" in exc.msg or "recursion" in exc.msg:
        return _too_deep(limit)
    return f"not valid JSON: {exc.msg} (column {exc.colno})"


def _brackets(raw: bytes) -> int:
    """How many arrays and objects open in ``raw`` at most (brackets inside strings count too)."""
    return raw.count(b"[") + raw.count(b"{")


def _lines(fh, limit: int) -> Iterator[tuple[bytes, bool]]:
    """The file's lines, each at most ``limit`` bytes: ``(line, complete)``; a longer line is skipped to its end."""
    while True:
        raw = fh.readline(limit + 1)
        if not raw:
            return
        if len(raw) > limit and not raw.endswith(b"\n"):
            while True:  # the rest of the overlong line, read in pieces and dropped
                rest = fh.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            yield b"", False
            continue
        yield raw, True


def read(path: Path) -> Iterator[SourceRecord | RecordError]:
    p = str(path)
    limits = current()
    if path.suffix.lower() in {".jsonl", ".ndjson"}:
        with open(path, "rb") as fh:
            for n, (raw, complete) in enumerate(_lines(fh, limits.record_bytes), start=1):
                if not complete:
                    yield RecordError(
                        f"the line is longer than {limits.record_bytes // 2**20} MB "
                        "(setting READINGROOM_MAX_IMPORT_RECORD_MB)",
                        path=p,
                        line=n,
                        field="json",
                    )
                    continue
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
                    yield RecordError(
                        _json_error(exc, limits.nesting),
                        path=p,
                        line=n,
                        field=None if "depth limit" in exc.msg else "json",
                    )
                    continue
                # (a line with few brackets cannot nest deeply: counting bytes is much cheaper than walking)
                if _brackets(raw) > limits.nesting and nesting_depth(obj, limits.nesting) > limits.nesting:
                    yield RecordError(_too_deep(limits.nesting), path=p, line=n)
                    continue
                item = _record(obj, p, n, n)
                if isinstance(item, SourceRecord):
                    item.offset = fh.tell()
                yield item
        return
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            yield RecordError("the file is not UTF-8", path=p, field="encoding")
            return
        if "depth limit" in exc.msg:
            yield RecordError(_too_deep(limits.nesting), path=p)
        else:
            yield RecordError(_json_error(exc, limits.nesting), path=p, line=exc.lineno, field="json")
        return
    deep = _brackets(raw) > limits.nesting
    del raw
    if deep and nesting_depth(obj, limits.nesting + 2) > limits.nesting + 2:  # + a list, {"documents": [...]}
        yield RecordError(_too_deep(limits.nesting), path=p)
        return
    if isinstance(obj, dict) and isinstance(obj.get("documents"), list):
        obj = obj["documents"]
    items = obj if isinstance(obj, list) else [obj]
    for i, item in enumerate(items, start=1):
        if deep and nesting_depth(item, limits.nesting) > limits.nesting:
            yield RecordError(_too_deep(limits.nesting), path=p, record=f"#{i}")
            continue
        yield _record(item, p, None, i)
