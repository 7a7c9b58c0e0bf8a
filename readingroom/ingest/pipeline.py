"""The import pipeline: files -> read -> normalise -> validate -> store, in batches.

``import_paths`` is what ``readingroom import`` and the tests call. Bad records are rejected one by one
with a :class:`RecordError` naming file, line, record and field; good records in the same file go in.

Reading, normalising, validating and hashing run in a reader process (``parallel=True``) while this
process stores: on two cores the two halves overlap. Both modes produce the same stream of events.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import multiprocessing
import os
import queue
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection

from readingroom.documents.models import Document
from readingroom.history.importing import batch_history
from readingroom.ingest import readers
from readingroom.ingest.errors import RecordError
from readingroom.ingest.limits import Limits, current
from readingroom.ingest.normalise import canonical_json, normalise
from readingroom.ingest.store import Lookups, refresh_statistics, store_batch
from readingroom.ingest.validate import validate
from readingroom.records.queries import published
from readingroom.records.unitofwork import UnitOfWork
from readingroom.scans.models import OcrText
from readingroom.search.documents import search_document
from readingroom.search.indexing import InlineIndexer, current_origin, process_queue


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
    #: documents (re)indexed for search after storing, and how long that took
    indexed: int = 0
    index_seconds: float = 0.0
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
            "indexed": self.indexed,
            "index_seconds": round(self.index_seconds, 3),
            "errors": [e.as_dict() for e in self.errors],
        }


@dataclass
class Prepared:
    """A record that passed normalise and validate, ready to store."""

    record: dict
    digest: str
    format: str
    path: str
    where: str
    search: dict  # the search document, built here too (in the reader process when parallel)
    offset: int = 0  # bytes of its file read up to the end of this record (0: the reader does not say)


def iter_files(paths: Iterable[str | Path]) -> Iterator[tuple[Path, bool]]:
    """``(file, named explicitly)`` for files named and files under folders named (recursively, sorted)."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not any(part.startswith(".") for part in child.relative_to(path).parts):
                    yield child, False
        else:
            yield path, True


def _describe(exc: BaseException) -> str:
    """An unexpected failure in plain words (for the error line; never a traceback)."""
    if isinstance(exc, RecursionError):
        return "it is nested too deeply to read"
    if isinstance(exc, MemoryError):
        return "it does not fit in memory"
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}" if text else type(exc).__name__


def prepare_file(path: Path, fmt: str, limits: Limits | None = None) -> Iterator[Prepared | RecordError]:
    """Read one file and run every record through normalise and validate (no database needed).

    Whatever goes wrong comes out as a :class:`RecordError` naming the file (and the record and line where
    known): a failure inside a reader ends the file with an error saying how many records were read before it.
    """
    limits = limits or current()
    p = str(path)
    records = iter(readers.read(path, fmt))
    position = read_ok = 0
    last_line: int | None = None
    while True:
        try:
            item = next(records)
        except StopIteration:
            return
        except RecordError as exc:
            exc.stops_file = True
            item = exc
        except Exception as exc:  # noqa: BLE001 - a reader must never end an import with a traceback
            item = RecordError(
                f"the file could not be read further ({_describe(exc)}); nothing after this point was read",
                path=p,
                line=last_line,
                stops_file=True,
            )
        position += 1
        if isinstance(item, RecordError):
            if item.stops_file:  # say truthfully what of this file goes in: the valid records before the error
                item.message += (
                    "; nothing of this file is imported"
                    if read_ok == 0
                    else "; of this file, only the 1 record before it is imported"
                    if read_ok == 1
                    else f"; of this file, only the {read_ok:,} records before it are imported"
                )
                yield item.located(path=p)
                return
            yield item.located(path=p)
            continue
        last_line = item.line or last_line
        ident = item.data.get("id") if isinstance(item.data, dict) else None
        ident = ident if isinstance(ident, str) and ident.isprintable() and len(ident) <= 200 else None
        try:
            record = validate(normalise(item.data), limits)
            blob = canonical_json(record)
            if len(blob) > limits.record_bytes:
                raise RecordError(
                    f"the record is larger than {limits.record_bytes // 2**20} MB as JSON "
                    "(setting READINGROOM_MAX_IMPORT_RECORD_MB)"
                )
            search = search_document(record)
        except RecordError as exc:
            yield exc.located(path=item.path, line=item.line_of(exc.field), record=ident or f"#{position}")
            continue
        except Exception as exc:  # noqa: BLE001 - one bad record never stops the import
            yield RecordError(
                f"the record could not be read ({_describe(exc)})",
                path=item.path,
                line=item.line,
                record=ident or f"#{position}",
            )
            continue
        read_ok += 1
        where = f"{item.path}:{item.line}" if item.line else item.path
        yield Prepared(record, hashlib.sha256(blob).hexdigest(), fmt, item.path, where, search, item.offset)


def _reads_whole(path: Path, fmt: str) -> bool:
    """Formats read whole into memory (the others are streamed record by record)."""
    return fmt in {"seed", "un-speech"} or (fmt == "json" and path.suffix.lower() not in {".jsonl", ".ndjson"})


def events(files: list[tuple[Path, bool]], format: str | None) -> Iterator[tuple]:
    """The import as a stream: ``("item", Prepared|RecordError)``, ``("file", path, size, status)``."""
    limits = current()
    mb = 2**20
    for path, explicit in files:
        p = str(path)
        try:
            if not path.exists():
                yield ("item", RecordError("no such file or folder", path=p))
                yield ("file", p, 0, "rejected")
                continue
            st = path.stat()
        except OSError as exc:
            yield ("item", RecordError(f"cannot read the file ({exc.strerror or exc})", path=p))
            yield ("file", p, 0, "rejected")
            continue
        size = st.st_size
        if not stat.S_ISREG(st.st_mode):
            yield ("item", RecordError("not a regular file (a device, pipe or socket); nothing of it was read", path=p))
            yield ("file", p, 0, "rejected")
            continue
        fmt = format or readers.detect(path)
        if fmt is None:
            if explicit:
                yield ("item", RecordError("not a format Reading Room can import", path=p))
            yield ("file", p, size, "rejected" if explicit else "skipped")
            continue
        if size > limits.file_bytes:
            yield (
                "item",
                RecordError(
                    f"the file is larger than the import limit of {limits.file_bytes // mb} MB"
                    " (READINGROOM_MAX_IMPORT_FILE_MB):"
                    f" {size / mb:,.1f} MB; nothing of it was read",
                    path=p,
                ),
            )
            yield ("file", p, size, "rejected")
            continue
        if _reads_whole(path, fmt) and size > limits.whole_file_bytes:
            yield (
                "item",
                RecordError(
                    f"the file is larger than the import limit of {limits.whole_file_bytes // mb} MB for files read "
                    f"whole (READINGROOM_MAX_IMPORT_WHOLE_FILE_MB): {size / mb:,.1f} MB; nothing of it was read"
                    " (JSON Lines is read line by line: use .jsonl for larger imports)",
                    path=p,
                ),
            )
            yield ("file", p, size, "rejected")
            continue
        for item in prepare_file(path, fmt, limits):
            yield ("item", item)
        yield ("file", p, size, "read")


def _watch_parent(parent: int) -> None:
    """End this reader as soon as the importing process is gone (even by kill -9): otherwise its queue's
    feeder thread would wait forever on a pipe nobody reads."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _reader_process(files, format, out, parent: int, chunk: int = 100) -> None:
    """Run :func:`events` in a child process, sending chunks; give up if the parent dies (kill -9)."""
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    buffer: list[tuple] = []

    def send(items) -> None:
        while True:
            try:
                out.put(items, timeout=1.0)
                return
            except queue.Full:
                if os.getppid() != parent:
                    os._exit(1)

    try:
        for event in events(files, format):
            buffer.append(event)
            if len(buffer) >= chunk or event[0] == "file":
                send(buffer)
                buffer = []
        send(buffer + [("done",)])
    except BaseException as exc:  # noqa: BLE001 - an unexpected failure in a reader: surface it in the parent
        send(buffer + [("crash", _describe(exc))])


def parallel_events(files: list[tuple[Path, bool]], format: str | None) -> Iterator[tuple]:
    ctx = multiprocessing.get_context("fork")
    channel = ctx.Queue(maxsize=64)
    proc = ctx.Process(target=_reader_process, args=(files, format, channel, os.getpid()), daemon=True)
    proc.start()
    done = 0  # files finished: the one after them is the one being read

    def stopped(why: str) -> tuple:
        path = str(files[done][0]) if done < len(files) else None
        return ("item", RecordError(f"the import stopped: {why}; nothing after this point was read", path=path))

    try:
        while True:
            try:
                chunk = channel.get(timeout=5.0)
            except queue.Empty:
                if not proc.is_alive():
                    yield stopped(f"the reader process died (exit code {proc.exitcode})")
                    return
                continue
            for event in chunk:
                if event[0] == "done":
                    return
                if event[0] == "crash":
                    yield stopped(f"reading failed ({event[1]})")
                    return
                if event[0] == "file":
                    done += 1
                yield event
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join(timeout=5)


#: the cyclic garbage collector's thresholds while an import runs (CPython's default: 700, 10, 10)
IMPORT_GC_THRESHOLDS = (100_000, 50, 100)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector rarely while importing. An import allocates millions of short-lived
    containers (records, rows, search documents) and makes few reference cycles: what it drops is freed by
    reference counting at once. With the default thresholds the collector ran 1,154 times in a 10k import
    (113 of them over the older generations, which hold all of Django), about 1 s of the storing process's
    8-11 s; with these, 3 times (0.07 s). The reader process, forked inside, inherits them. The thresholds
    in force before are restored afterwards (the import may run in a long-lived process)."""
    before = gc.get_threshold()
    gc.set_threshold(*IMPORT_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


#: write-ahead log pages an import lets gather before SQLite copies them back into the database (SQLite's own
#: default, 1,000 pages or about 4 MB, checkpoints after nearly every batch of 500 documents)
IMPORT_WAL_PAGES = 10_000


@contextlib.contextmanager
def fewer_checkpoints() -> Iterator[None]:
    """On SQLite, checkpoint the write-ahead log less often while importing: every IMPORT_WAL_PAGES pages (about
    40 MB) instead of every 1,000, so pages written by several batches (the indexes' above all) are copied back
    once. A 100k import: 1,488-1,517 → 1,630-1,668 documents/s (alternating runs; 20,000 pages gave the same,
    40,000 no more). Readers are not held up: a checkpoint never waits for them. The setting in force before is
    restored afterwards, then a passive checkpoint (one that waits for nobody) copies back what it can."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA wal_autocheckpoint")
        before = int(cur.fetchone()[0])
        cur.execute(f"PRAGMA wal_autocheckpoint={IMPORT_WAL_PAGES:d}")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA wal_autocheckpoint={before:d}")
            if not connection.in_atomic_block:
                cur.execute("PRAGMA wal_checkpoint(PASSIVE)")


def import_paths(
    paths: Iterable[str | Path],
    *,
    format: str | None = None,
    batch_size: int = 500,
    parallel: bool = False,
    index: bool = True,
    progress: Callable[[ImportReport, str], None] | None = None,
    draft: bool = False,
) -> ImportReport:
    """Import every record in ``paths``.

    :param paths: files and folders; folders are walked recursively
    :param format: force a reader (``seed``, ``tei`` ...); by default each file's format is detected
    :param batch_size: records committed per transaction
    :param parallel: read and validate in a second process while this one stores
    :param index: bring the search index up to date afterwards (the queue is durable either way)
    :param progress: called after each batch and file with the report so far and the current file
    :param draft: new documents start as drafts (not public until published); existing ones keep their state

    A published document that an import changes gets a new version (the state before is kept as its first
    version if it had none); every stored batch is an audit event naming the documents it created and changed,
    written in the batch's own transaction (one unit of work per batch).
    """
    with fewer_collections(), fewer_checkpoints():
        return _import_paths(paths, format, batch_size, parallel, index, progress, draft)


def _import_paths(
    paths: Iterable[str | Path],
    format: str | None,
    batch_size: int,
    parallel: bool,
    index: bool,
    progress: Callable[[ImportReport, str], None] | None,
    draft: bool,
) -> ImportReport:
    files = list(iter_files(paths))
    report = ImportReport(bytes_total=sum(f.stat().st_size for f, _ in files if f.exists()))
    lookups = Lookups()
    batch: list[Prepared] = []
    seen: set[str] = set()  # ids of this run (a set, not a map: 1M ids must stay small)
    indexer = None
    if index:
        indexer = InlineIndexer()
    index_time = 0.0

    def flush() -> None:
        nonlocal index_time
        if not batch:
            return

        # the batch, its feed rows, versions and audit event: one transaction (a kill leaves all or none)
        with UnitOfWork(source="import", origin=current_origin()) as uow:
            outcomes = store_batch(
                [(p.record, p.format, p.path, p.digest) for p in batch],
                lookups,
                status="draft" if draft else "published",
                uow=uow,
            )
            batch_history(uow, outcomes, [p.path for p in batch])
        for outcome in outcomes:
            setattr(report, outcome.status, getattr(report, outcome.status) + 1)
        if indexer is not None and indexer.active:
            t0 = time.monotonic()
            indexer.add(
                _with_ocr(
                    [(p.search, o.status) for p, o in zip(batch, outcomes, strict=True) if o.status != "unchanged"]
                )
            )
            index_time += time.monotonic() - t0
        batch.clear()

    try:
        stream = parallel_events(files, format) if parallel else events(files, format)
        for event in stream:
            if event[0] == "file":
                _, path, size, status = event
                report.bytes_done += size
                if status == "read":
                    report.files += 1
                elif status == "skipped":
                    report.skipped_files.append(path)
                if progress:
                    progress(report, path)
                continue
            item = event[1]
            if isinstance(item, RecordError):
                report.errors.append(item)
                report.rejected += 1
                continue
            ident = item.record["id"]
            if ident in seen:
                report.errors.append(
                    RecordError(
                        f"the id {ident!r} appears a second time in this import ({item.where})",
                        path=item.path,
                        line=None,
                        record=ident,
                        field="id",
                    )
                )
                report.rejected += 1
                continue
            seen.add(ident)
            batch.append(item)
            if len(batch) >= batch_size:
                flush()
                if progress:
                    # within a large file: the files before it and this one's bytes read so far
                    files_done, report.bytes_done = report.bytes_done, report.bytes_done + item.offset
                    progress(report, item.path)
                    report.bytes_done = files_done
        flush()
    except BaseException:
        if indexer is not None:
            indexer.close()  # give the index writer back at once (an error, ^C): nothing else is lost
        raise
    if indexer is not None:
        t0 = time.monotonic()
        indexer.commit()
        process_queue(indexer.backend)  # anything queued before this import, or by others meanwhile
        report.indexed = indexer.indexed
        report.index_seconds = index_time + time.monotonic() - t0
    if report.imported or report.updated:
        refresh_statistics()
    report.finished = time.monotonic()
    if progress:
        progress(report, "")
    return report


def _with_ocr(items: list[tuple[dict, str]]) -> list[dict]:
    """Search documents of a stored batch: only the published ones (a draft is not searchable); an
    updated record keeps the machine OCR of its scans (which the source file does not carry)."""
    ids = [doc["id"] for doc, _ in items]
    public = (
        set(
            published(Document.objects.filter(identifier__in=ids), by_row=True)
            .order_by()  # a set: no sort by the model's default order
            .values_list("identifier", flat=True)
        )
        if items
        else set()
    )
    items = [(doc, status) for doc, status in items if doc["id"] in public]
    updated = [doc["id"] for doc, status in items if status == "updated"]
    if updated:
        ocr: dict[str, list[str]] = {}
        for ident, text in (
            OcrText.objects.filter(page__document__identifier__in=updated)
            .order_by("page__position")
            .values_list("page__document__identifier", "text")
        ):
            ocr.setdefault(ident, []).append(text)
        for doc, _ in items:
            if doc["id"] in ocr:
                doc["body"] = "\n\n".join([doc["body"], *ocr[doc["id"]]])
    return [doc for doc, _ in items]
