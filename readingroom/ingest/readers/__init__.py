"""Readers: one module per source format. Each turns a file into records in the public JSON shape.

A reader is a module with ``FORMAT`` (its name), ``sniff(path, head) -> bool`` (does this file look like
mine?) and ``read(path) -> Iterator[SourceRecord | RecordError]`` (an error stands for one rejected record;
the reader goes on with the next).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from readingroom.ingest.errors import RecordError


@dataclass
class SourceRecord:
    """A record as read from its source, before normalisation."""

    data: dict
    path: str
    line: int | None = None
    format: str = ""
    #: field name -> line in the source, so later stages can point at the line of a bad field
    lines: dict[str, int] = field(default_factory=dict)
    #: bytes of the file read up to the end of this record, for readers that stream a file (import progress)
    offset: int = 0

    def line_of(self, field_name: str | None) -> int | None:
        if field_name:
            top = field_name.split(".")[0].split("[")[0]
            if top in self.lines:
                return self.lines[top]
        return self.line


def registry() -> dict:
    """Format name -> reader module, in the order formats are tried when sniffing."""
    # deferred: the reader modules import SourceRecord from this package, so the registry is filled on first use
    from readingroom.ingest.readers import csv_table, jsonl, seed, tei, un_speech

    return {m.FORMAT: m for m in (tei, un_speech, seed, jsonl, csv_table)}


def detect(path: Path) -> str | None:
    """The format of a file from its name and first bytes, or ``None`` when no reader claims it."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    for name, module in registry().items():
        if module.sniff(path, head):
            return name
    return None


def read(path: Path, format: str) -> Iterator[SourceRecord | RecordError]:
    return registry()[format].read(path)
