"""Exports of the whole archive: JSON Lines in the API's shape, and the reference (seed) text format."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from readingroom.ingest.normalise import slug
from readingroom.ingest.readers.seed import derive_identifier
from readingroom.records.serialise import iter_records


def write_jsonl(out: IO[str], records: Iterable[dict] | None = None) -> int:
    """Write one JSON object per line, exactly as ``GET /api/documents/<id>`` returns it."""
    n = 0
    for record in records if records is not None else iter_records():
        out.write(json.dumps(record, ensure_ascii=False, sort_keys=False))
        out.write("\n")
        n += 1
    return n


def _section(name: str, value: str) -> str:
    return f"**{name}:**\n\n{value}\n\n"


def to_seed(record: dict) -> str:
    """A record in the reference format; reading it back yields the same record."""
    parts = ["\n\n"]
    parts.append(f"**{record['date']['display'] or 'undated'}**\n\n")
    parts.append(f"**{record['title']}**\n\n")
    parts.append(_section("Citation", record["citation"]))
    if record["summary"]:
        parts.append(_section("Summary", record["summary"]))
    if record["credits"]:
        parts.append(_section("Credits", record["credits"]))
    if record["original_languages"]:
        parts.append(_section("Original Language", "\n".join(lang["name"] for lang in record["original_languages"])))
    if derive_identifier(record["archive"], record["source_url"], Path("")) != record["id"]:
        parts.append(_section("Record ID", record["id"]))
    for key, name in (("type", "Type"), ("classification", "Classification"), ("rights", "Rights")):
        if record[key]:
            parts.append(_section(name, record[key]))
    if record["subjects"]:
        parts.append(_section("Subjects Discussed", "\n".join(record["subjects"])))
    if record["places"]:
        parts.append(_section("Geographic Coverage", "\n".join(" > ".join(p["path"]) for p in record["places"])))
    if record["collections"]:
        lines = [
            c["title"] if slug(c["title"]) == c["id"] else f"{c['title']} [{c['id']}]" for c in record["collections"]
        ]
        parts.append(_section("Collections", "\n".join(lines)))
    parts.append(_section("Contents", "  \n".join(c["label"] for c in record["contents"])).rstrip("\n") + "\n\n")
    texts = [("translation", t) for t in record["translations"]] + [("transcript", t) for t in record["transcripts"]]
    ordered = []
    for item in record["contents"]:
        if item["kind"] not in {"translation", "transcript"}:
            continue
        match = next(
            (t for t in texts if t[0] == item["kind"] and t[1]["label"] == item["label"] and t not in ordered), None
        ) or next(
            (t for t in texts if t[0] == item["kind"] and t[1]["language"] == item["language"] and t not in ordered),
            None,
        )
        if match:
            ordered.append(match)
    for i, (_, text) in enumerate(ordered):
        if i:
            parts.append(f"**{text['label']}:**\n\n")
        if text["title"]:
            parts.append(f"**{text['title']}**\n\n")
        parts.append(text["text"] + "\n\n")
    return "".join(parts).rstrip("\n") + "\n"


def seed_filename(identifier: str) -> str:
    return identifier.replace("/", "__") + ".txt"


def write_seed_dir(directory: Path, records: Iterable[dict] | None = None) -> int:
    """Write each record as ``<id>.txt`` (``/`` in ids becomes ``__``) in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    n = 0
    for record in records if records is not None else iter_records():
        (directory / seed_filename(record["id"])).write_text(to_seed(record), encoding="utf-8")
        n += 1
    return n
