"""The import pipeline: files -> read -> normalise -> validate -> store, in batches.

``import_paths`` is what ``readingroom import`` and the tests call. Bad records are rejected one by one
with a :class:`RecordError` naming file, line, record and field; good records in the same file go in.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from readingroom.ingest import readers
from readingroom.ingest.errors import RecordError
from readingroom.ingest.normalise import normalise
from readingroom.ingest.store import Lookups, store_batch
from readingroom.ingest.validate import validate


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    skipped_files: list[str] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    files: int = 0
    #: bytes of source files finished so far, and in all (for progress and ETA)
    bytes_done: int = 0
    bytes_total: int = 0
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    @property
    def processed(self) -> int:
        return self.imported + self.updated + self.unchanged + self.rejected

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    @property
    def rate(self) -> float:
        return self.processed / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "files": self.files,
            "skipped_files": self.skipped_files,
            "seconds": round(self.seconds, 3),
            "documents_per_second": round(self.rate, 1),
            "errors": [e.as_dict() for e in self.errors],
        }


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files named, and files under folders named (recursively, sorted), skipping hidden ones."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not any(part.startswith(".") for part in child.relative_to(path).parts):
                    yield child
        else:
            yield path


def import_paths(
    paths: Iterable[str | Path],
    *,
    format: str | None = None,
    batch_size: int = 500,
    progress: Callable[[ImportReport, str], None] | None = None,
) -> ImportReport:
    """Import every record in ``paths``.

    :param paths: files and folders; folders are walked recursively
    :param format: force a reader (``seed`` ...); by default each file's format is detected
    :param batch_size: records committed per transaction
    :param progress: called after each batch and file with the report so far and the current file
    """
    paths = list(paths)
    files = list(iter_files(paths))
    report = ImportReport(bytes_total=sum(f.stat().st_size for f in files if f.exists()))
    lookups = Lookups()
    batch: list[tuple[dict, str, str]] = []
    seen: dict[str, str] = {}

    def flush() -> None:
        if not batch:
            return
        for outcome in store_batch(batch, lookups):
            setattr(report, outcome.status, getattr(report, outcome.status) + 1)
        batch.clear()

    for path in files:
        explicit = not any(Path(p).is_dir() and path.is_relative_to(Path(p)) for p in paths)
        if not path.exists():
            report.errors.append(RecordError("no such file or folder", path=str(path)))
            report.rejected += 1
            continue
        size = path.stat().st_size
        fmt = format or readers.detect(path)
        if fmt is None:
            if explicit:
                report.errors.append(RecordError("not a format Reading Room can import", path=str(path)))
                report.rejected += 1
            else:
                report.skipped_files.append(str(path))
            report.bytes_done += size
            continue
        report.files += 1
        for position, item in enumerate(readers.read(path, fmt), start=1):
            if isinstance(item, RecordError):
                report.errors.append(item.located(path=str(path)))
                report.rejected += 1
                continue
            ident = item.data.get("id") if isinstance(item.data, dict) else None
            try:
                record = validate(normalise(item.data))
            except RecordError as exc:
                report.errors.append(exc.located(path=item.path, line=item.line_of(exc.field), record=ident or f"#{position}"))
                report.rejected += 1
                continue
            if record["id"] in seen:
                report.errors.append(
                    RecordError(
                        f"the id {record['id']!r} was already imported in this run from {seen[record['id']]}",
                        path=item.path, line=item.line, record=record["id"], field="id",
                    )
                )
                report.rejected += 1
                continue
            seen[record["id"]] = f"{item.path}:{item.line}" if item.line else item.path
            batch.append((record, fmt, item.path))
            if len(batch) >= batch_size:
                flush()
                if progress:
                    progress(report, str(path))
        report.bytes_done += size
        if progress:
            progress(report, str(path))
    flush()
    report.finished = time.monotonic()
    if progress:
        progress(report, "")
    return report
