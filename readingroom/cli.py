"""``readingroom``: the command line, a thin layer over the same service functions as the site.

Example::

    readingroom import ../shared/corpus/seed/
    readingroom show wilson-300023
    readingroom export --format jsonl > archive.jsonl
    readingroom export --format bibtex --query "Khrushchev" > khrushchev.bib
    readingroom cite wilson-300023 --style chicago
    readingroom serve --port 8000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def _setup(data_dir: str | None) -> None:
    if data_dir:
        os.environ["READINGROOM_DATA_DIR"] = str(Path(data_dir).resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readingroom.settings")
    import django

    django.setup()


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


class Progress:
    """A progress bar (documents, rate, ETA) on a terminal; plain periodic lines otherwise (logs, CI)."""

    def __init__(self, stream=sys.stderr, quiet: bool = False, every: float | None = None) -> None:
        self.stream = stream
        self.quiet = quiet
        # Seconds between plain progress lines (READINGROOM_PROGRESS_EVERY, default 2).
        self.every = every if every is not None else float(os.environ.get("READINGROOM_PROGRESS_EVERY") or 2.0)
        self.last = time.monotonic()
        self.bar = None
        if stream.isatty() and not quiet:
            from rich.console import Console
            from rich.progress import BarColumn, TaskProgressColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as Bar

            self.bar = Bar(
                TextColumn("importing"),
                BarColumn(),
                TaskProgressColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.description}"),
                console=Console(file=stream),
                transient=True,
            )
            self.task = self.bar.add_task("", total=None)
            self.bar.start()

    @staticmethod
    def describe(report) -> str:
        return (
            f"{report.processed:,} documents ({report.imported:,} new, {report.updated:,} updated, "
            f"{report.unchanged:,} unchanged, {report.rejected:,} rejected), {report.rate:,.0f} documents/s"
        )

    def __call__(self, report, current: str) -> None:
        if self.quiet:
            return
        if self.bar is not None:
            self.bar.update(
                self.task,
                total=report.bytes_total or None,
                completed=report.bytes_done,
                description=self.describe(report),
            )
        elif time.monotonic() - self.last >= self.every and current:
            self.last = time.monotonic()
            share = report.bytes_done / report.bytes_total if report.bytes_total else 0
            eta = report.seconds * (1 - share) / share if share > 0 else None
            print(
                f"import: {share:5.1%} {self.describe(report)}"
                + (f", about {eta:,.0f} s left" if eta is not None else "")
                + f"; at {current}",
                file=self.stream,
                flush=True,
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _index_after_write(timeout: float | None = None) -> bool:
    """Make what this command wrote searchable: apply the index queue here when no other process owns the
    index; otherwise the owner (the worker of a running ``serve``) applies it, and we wait for it, saying so.
    Returns False when the owner had not caught up within the wait (the changes stay queued, nothing lost)."""
    from readingroom.search import writer
    from readingroom.search.indexing import newest_queued, process_queue, wait_applied

    upto = newest_queued()
    if not upto:
        return True
    process_queue()
    if timeout is None:
        timeout = float(os.environ.get("READINGROOM_INDEX_WAIT_SECONDS", "120"))
    state = {"said": 0.0}

    def tell(left: int) -> None:
        if time.monotonic() - state["said"] >= 5:
            state["said"] = time.monotonic()
            pid = writer.holder_pid()
            print(
                f"search index: {left:,} queued changes are being applied by the running server"
                + (f" (pid {pid})" if pid else ""),
                file=sys.stderr,
                flush=True,
            )

    if wait_applied(upto, timeout, progress=tell):
        return True
    print(
        f"note: the search index has not caught up yet after {timeout:.0f} s; the changes are queued and "
        "the running server applies them (nothing is lost)",
        file=sys.stderr,
    )
    return False


def cmd_import(args) -> int:
    from readingroom.ingest.pipeline import import_paths

    progress = Progress(quiet=args.quiet)
    try:
        report = import_paths(
            args.paths,
            format=args.format,
            batch_size=args.batch_size,
            parallel=not args.single_process,
            index=not args.no_index,
            progress=progress,
            draft=args.draft,
        )
    except (
        Exception
    ) as exc:  # a database or disk failure: one clear line; committed batches stay, the rest can be rerun
        print(
            f"error: the import stopped: {type(exc).__name__}: {' '.join(str(exc).split())[:500]}; the batches "
            "committed before it are stored, and running the same import again finishes it",
            file=sys.stderr,
        )
        return 1
    finally:
        progress.close()
    for err in report.errors:
        print(f"error: {err}", file=sys.stderr)
    scans = _attach_scan_folders(report) if report.skipped_files else None
    if not args.no_index:
        _index_after_write()
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(
            f"imported {report.imported}, updated {report.updated}, unchanged {report.unchanged}, "
            f"rejected {report.rejected} in {report.seconds:.1f} s ({report.rate:,.0f} documents/s"
            + (f"; search index: {report.indexed:,} in {report.index_seconds:.1f} s" if report.indexed else "")
            + ")"
            + (
                f"; {len(report.skipped_files) - (scans.handled if scans else 0)} files of no known format skipped"
                if report.skipped_files and len(report.skipped_files) > (scans.handled if scans else 0)
                else ""
            )
        )
    return 1 if report.rejected or (scans and scans.errors) else 0


def _attach_scan_folders(report):
    """Scans found by an import (in a folder named after a document) are attached to that document."""
    from readingroom.scans.attach import attach_folders

    result = attach_folders([Path(p) for p in report.skipped_files])
    for err in result.errors:
        print(f"error: {err}", file=sys.stderr)
    if result.attached:
        pages = sum(result.attached.values())
        print(f"scans: attached {pages} pages to {len(result.attached)} documents (OCR queued)", file=sys.stderr)
    if result.already:
        print(f"scans: {result.already} files were attached before", file=sys.stderr)
    if result.unmatched:
        folders = sorted({p.parent.name for p in result.unmatched})
        print(
            f"scans: {len(result.unmatched)} files in folders that name no document ({', '.join(folders[:5])}) skipped",
            file=sys.stderr,
        )
    return result


def cmd_export(args) -> int:
    from readingroom.documents.exporters import write_jsonl, write_seed_dir

    if args.format not in {"jsonl", "seed"}:
        return _export_publish(args)
    if args.query is not None:
        print(f"error: --query works with the reference-manager formats, not {args.format}", file=sys.stderr)
        return 2
    if args.format == "jsonl":
        if args.destination in (None, "-"):
            n = write_jsonl(sys.stdout)
        else:
            with open(args.destination, "w", encoding="utf-8") as fh:
                n = write_jsonl(fh)
    else:
        if not args.destination:
            print("error: export --format seed needs a destination folder", file=sys.stderr)
            return 2
        n = write_seed_dir(Path(args.destination))
    print(f"exported {n} documents", file=sys.stderr)
    return 0


def _export_publish(args) -> int:
    from readingroom.documents.services import InvalidQuery, iter_records
    from readingroom.publish import formats, services

    base = args.base_url.rstrip("/") if args.base_url else services.base_url()
    fmt = formats.get_format(args.format)
    if args.query is not None:
        try:
            fmt, chunks = services.export_search({"q": args.query}, args.format, base)
        except InvalidQuery as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    else:
        chunks = formats.stream(fmt, ((r, services.permanent_url(r, base)) for r in iter_records()))
    out = sys.stdout if args.destination in (None, "-") else open(args.destination, "w", encoding="utf-8")
    n = -2  # head and tail
    try:
        for chunk in chunks:
            out.write(chunk)
            n += 1
    finally:
        if out is not sys.stdout:
            out.close()
    print(f"exported {max(n, 0)} documents", file=sys.stderr)
    return 0


def cmd_cite(args) -> int:
    from readingroom.documents.services import DocumentNotFound
    from readingroom.publish import services
    from readingroom.publish.citations import STYLE_LABELS

    base = args.base_url.rstrip("/") if args.base_url else services.base_url()
    styles = list(STYLE_LABELS) if args.style == "all" else [args.style]
    try:
        for style in styles:
            citation = services.cite(args.id, style, base)
            print(f"{citation['label']}:\n{citation['text']}\n" if len(styles) > 1 else citation["text"])
    except DocumentNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_attach(args) -> int:
    from readingroom.documents.services import DocumentNotFound
    from readingroom.scans.attach import AttachError, attach_paths

    languages = [code.strip() for code in (args.language or "").split(",") if code.strip()] or None
    try:
        pages = attach_paths(args.id, [Path(p) for p in args.files], languages, ocr=not args.no_ocr)
    except DocumentNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except AttachError as exc:
        print(f"error: {exc}; nothing was attached", file=sys.stderr)
        return 1
    _index_after_write()
    print(
        f"attached {len(pages)} page{'s' if len(pages) != 1 else ''} to {args.id}"
        + ("" if args.no_ocr else "; OCR queued (readingroom serve or readingroom worker recognises them)")
    )
    return 0


def cmd_status(args) -> int:
    from readingroom.documents import services

    target = {"publish": "published", "withdraw": "withdrawn", "submit": "review"}[args.command]
    status = 0
    for ident in args.ids:
        try:
            services.set_status(ident, target, note=getattr(args, "note", "") or "", source="cli")
            print(f"{ident}: {target}")
        except (services.DocumentNotFound, services.InvalidTransition) as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
    _index_after_write()
    return status


def cmd_fixity(args) -> int:
    from readingroom.preservation.fixity import check

    report = check()
    for p in report.problems:
        docs = ", ".join(p["documents"]) or "no document"
        print(f"{p['problem'].split(' ')[0].upper()}: {p['path']} ({p['name']}; {docs}): {p['problem']}")
    print(
        f"fixity: {report.checked:,} files, {report.bytes / 1e6:,.1f} MB checked; "
        + ("all intact" if report.ok else f"{len(report.problems)} missing or altered"),
        file=sys.stderr,
    )
    return 0 if report.ok else 1


def cmd_bag(args) -> int:
    from readingroom.preservation.bag import BagError, export_bag, restore_bag

    try:
        if args.action == "export":
            result = export_bag(Path(args.directory), collection=args.collection)
            print(f"bag: {result['documents']:,} documents and {result['files']:,} files in {args.directory}")
        else:
            result = restore_bag(Path(args.directory))
            print(f"restored {result['documents']:,} documents and {result['files']:,} files from {args.directory}")
    except BagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_backup(args) -> int:
    from readingroom.preservation.backup import BackupError, backup

    try:
        result = backup(Path(args.destination))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"backup: {result['database']} ({result['bytes'] / 1e6:,.1f} MB) and {result['files']:,} files")
    return 0


def cmd_worker(args) -> int:
    from readingroom.scans.jobs import work

    def echo(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    n = work(once=args.once, parent_pid=args.parent_pid, echo=None if args.quiet else echo)
    if args.once:
        print(f"ran {n} jobs", file=sys.stderr)
    return 0


def cmd_jobs(args) -> int:
    from django.db.models import Count

    from readingroom.scans.models import Job

    counts = dict(Job.objects.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    print(", ".join(f"{state} {counts.get(state, 0)}" for state in Job.State.values))
    for job in Job.objects.filter(state=Job.State.FAILED).select_related("page__document")[:20]:
        print(f"failed: {job.kind} {job.page.document.identifier} page {job.page.position}: {job.error}")
    return 0


def cmd_show(args) -> int:
    from readingroom.documents import services

    try:
        record = services.document_record(services.get_document(args.id, public=False))  # the operator sees every state
    except services.DocumentNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps(record, ensure_ascii=False, indent=2))
        return 0
    ref = record["archival_reference"]
    lines = [record["date"]["display"], record["title"], "", f"Citation: {record['citation']}"]
    parts = [f"{k}: {ref[k]}" for k in ("repository", "fonds", "series", "volume", "file", "folios") if ref[k]]
    if parts:
        lines.append("Archival reference: " + "; ".join(parts))
    if record["summary"]:
        lines += ["", f"Summary: {record['summary']}"]
    if record["original_languages"]:
        lines.append("Original language: " + ", ".join(lang["name"] for lang in record["original_languages"]))
    lines.append(
        "Contents: "
        + "; ".join(c["label"] + ("" if c["available"] else " (not available)") for c in record["contents"])
    )
    for t in record["translations"] + record["transcripts"]:
        lines += ["", f"--- {t['label'] or t['language']} ---"]
        if t["title"]:
            lines.append(t["title"])
        lines += ["", t["text"]]
    print("\n".join(lines))
    return 0


#: The demo corpus: what ``make run`` imports from ``../shared/corpus`` on first start.
DEMO_SOURCES = ("seed", "frus/volumes", "un-general-debates")


def cmd_bootstrap(args) -> int:
    """Prepare the data directory; import the demo corpus once.

    A marker file is written only when the demo import has run to its end, so a first start that was
    interrupted imports again (re-import is idempotent: what is there already is left unchanged).
    """
    from django.conf import settings

    from readingroom.documents.models import Document

    marker = Path(settings.DATA_DIR) / ".demo-corpus-imported"
    corpus = Path(args.corpus) if args.corpus else None
    sources = [corpus / sub for sub in DEMO_SOURCES if corpus and (corpus / sub).is_dir()]
    if marker.exists() or (Document.objects.exists() and not sources):
        print(f"archive ready: {Document.objects.count():,} documents", file=sys.stderr)
        return 0
    if Document.objects.exists() and not (marker.parent / ".demo-corpus-started").exists():
        print(
            f"archive ready: {Document.objects.count():,} documents (not importing the demo corpus into it)",
            file=sys.stderr,
        )
        return 0
    if not sources:
        print("archive is empty; import documents with: readingroom import PATH...", file=sys.stderr)
        return 0
    from readingroom.ingest.pipeline import import_paths

    (marker.parent / ".demo-corpus-started").touch()
    print(f"first start: importing the demo corpus from {corpus} ...", file=sys.stderr, flush=True)
    progress = Progress()
    try:
        report = import_paths(sources, parallel=True, progress=progress)
    finally:
        progress.close()
    for err in report.errors:
        print(f"note: {err}", file=sys.stderr)
    marker.write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    print(
        f"demo corpus: imported {report.imported:,} documents ({report.rejected} rejected) from "
        f"{', '.join(map(str, sources))} in {report.seconds:.0f} s",
        file=sys.stderr,
    )
    return 0


def cmd_serve(args) -> int:
    from django.conf import settings

    from readingroom.documents.models import Document
    from readingroom.search.backends import get_backend
    from readingroom.search.indexing import IndexBusy, pending, process_queue, reindex, request_rebuild

    backend = get_backend()
    if backend.count() == 0 and Document.objects.exists():  # a new or rebuilt (schema changed) index
        print("search index: building it from the records ...", file=sys.stderr, flush=True)
        try:
            reindex(backend)
        except IndexBusy:  # another process owns the index (an import); our worker rebuilds it once it may
            request_rebuild()
    elif pending():  # finish indexing that an interrupted import or a crash left queued
        print(f"search index: catching up with {pending():,} queued changes ...", file=sys.stderr, flush=True)
        process_queue(backend)  # (when another process owns the index, it or our worker applies them)
    backend.close()  # the web workers only read; the worker started below owns the index writer

    if not args.no_worker:
        # the job worker (OCR) runs beside the web server and stops when it does (it watches this process,
        # which becomes the gunicorn master on exec)
        import subprocess

        subprocess.Popen(
            [sys.executable, "-m", "readingroom.cli", "worker", "--parent-pid", str(os.getpid())],
            start_new_session=False,
        )
    workers = args.workers or os.cpu_count() or 2
    print(
        f"Reading Room at http://{args.host}:{args.port}/ (data: {settings.DATA_DIR}, {workers} workers)",
        file=sys.stderr,
        flush=True,
    )
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "readingroom.wsgi:application",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-" if args.access_log else "/dev/null",
        "--graceful-timeout",
        "10",
        # Bounded requests: an 8 KB request line (search queries are limited far below it and longer URLs
        # get a 414 from gunicorn), at most 100 header fields of 8 KB each.
        "--limit-request-line",
        "8190",
        "--limit-request-fields",
        "100",
        "--limit-request-field_size",
        "8190",
        # Workers are replaced after a number of requests (staggered), so memory a large image took is
        # given back to the system rather than kept for the life of the worker.
        "--max-requests",
        os.environ.get("READINGROOM_MAX_REQUESTS", "2000"),
        "--max-requests-jitter",
        "200",
        "--timeout",
        "120",
    ]
    os.execv(sys.executable, argv)
    return 0  # not reached


def cmd_delete(args) -> int:
    from readingroom.documents import services

    status = 0
    for ident in args.ids:
        try:
            services.delete_document(ident)
            print(f"deleted {ident}")
        except services.DocumentNotFound as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
    _index_after_write()
    return status


def cmd_search(args) -> int:
    from readingroom.documents.services import InvalidQuery
    from readingroom.search import services

    params: dict = {"q": " ".join(args.query), "sort": args.sort, "page": args.page, "per_page": args.limit}
    for item in args.filter or []:
        key, sep, value = item.partition("=")
        if not sep:
            print(f"error: --filter takes FACET=VALUE, not {item!r}", file=sys.stderr)
            return 2
        params.setdefault(key, [])
        if isinstance(params[key], list):
            params[key].append(value)
        else:
            params[key] = value
    for key in ("date_from", "date_to"):
        if getattr(args, key):
            params[key] = getattr(args, key)
    try:
        page = services.search(params, facets=args.format == "json" or args.facets)
    except InvalidQuery as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(page.as_json(), ensure_ascii=False, indent=2))
        return 0
    import html
    import re

    for notice in page.notices:
        print(f"note: {notice}", file=sys.stderr)
    print(f"{page.total:,} results" + (f" (page {page.page} of {page.pages})" if page.pages > 1 else ""))
    for n, d in enumerate(page.documents, start=page.request.offset + 1):
        print(
            f"\n{n}. {d['title']}\n   {d['id']} · {d['date']['display'] or 'undated'}"
            + (f" · {d['repository']}" if d["repository"] else "")
        )
        if d["snippet"]:
            text = html.unescape(re.sub(r"</?b>", "*", d["snippet"]))
            print("   " + " ".join(text.split()))
    if args.facets:
        for f in page.facet_list():
            print(f"\n{f['label']}: " + ", ".join(f"{v['label']} ({v['count']})" for v in f["values"][:10]))
    return 0


def cmd_reindex(args) -> int:
    from readingroom.search.indexing import IndexBusy, reindex, request_rebuild

    try:
        result = reindex(
            progress=lambda done, total: print(f"reindex: {done:,} of {total:,}", file=sys.stderr)
            if done % 20000 == 0
            else None
        )
    except IndexBusy:
        # a running server owns the index: ask it to rebuild, and wait for it
        t0 = time.monotonic()
        request_rebuild()
        print("reindex: the running server rebuilds the search index ...", file=sys.stderr, flush=True)
        if not _index_after_write(timeout=float(os.environ.get("READINGROOM_INDEX_WAIT_SECONDS", "3600"))):
            return 1
        print(f"reindexed by the running server in {time.monotonic() - t0:.1f} s")
        return 0
    print(f"reindexed {result['documents']:,} documents in {result['seconds']} s ({result['backend']})")
    return 0


def cmd_manage(args) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["readingroom manage", *args.args])
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="readingroom", description="Reading Room: a digital archive of primary sources.")
    p.add_argument("--data-dir", help="where the database and files live (default: $READINGROOM_DATA_DIR or ./data)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("import", help="import documents from files and folders (format detected per file)")
    s.add_argument("paths", nargs="+", metavar="PATH")
    s.add_argument(
        "--format", choices=["seed", "tei", "un-speech", "json", "csv"], help="force a format instead of detecting it"
    )
    s.add_argument("--batch-size", type=int, default=500, help="documents per transaction (default 500)")
    s.add_argument("--json", action="store_true", help="print the summary as JSON")
    s.add_argument("--quiet", action="store_true", help="no progress output")
    s.add_argument("--single-process", action="store_true", help="read and store in one process (default: two)")
    s.add_argument("--draft", action="store_true", help="new documents start as drafts (not public until published)")
    s.add_argument(
        "--no-index",
        action="store_true",
        help="store only; the queued search-index updates run at the next serve, import or reindex",
    )
    s.set_defaults(func=cmd_import)

    s = sub.add_parser("export", help="export every document (or a search's results)")
    s.add_argument(
        "--format",
        choices=["jsonl", "seed", "bibtex", "ris", "csl-json", "dc", "json"],
        required=True,
        help="jsonl/seed: the archive, re-importable; bibtex/ris/csl-json/dc/json: for reference managers",
    )
    s.add_argument("--query", help="only the results of this search (reference-manager formats)")
    s.add_argument("--base-url", help="scheme and host of permanent URLs (default: $READINGROOM_BASE_URL)")
    s.add_argument("destination", nargs="?", help="a file (default: standard output); seed: a folder")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("cite", help="how to cite a document")
    s.add_argument("id")
    s.add_argument("--style", choices=["archive", "chicago", "mla", "apa", "all"], default="archive")
    s.add_argument("--base-url", help="scheme and host of permanent URLs (default: $READINGROOM_BASE_URL)")
    s.set_defaults(func=cmd_cite)

    s = sub.add_parser("attach", help="attach scans (PNG, JPEG, TIFF, PDF) to a document; queues OCR")
    s.add_argument("id")
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument("--language", help="language(s) on the pages, comma-separated codes (default: the document's)")
    s.add_argument("--no-ocr", action="store_true", help="do not queue OCR")
    s.set_defaults(func=cmd_attach)

    for name, text in (
        ("publish", "publish documents (drafts, documents in review, withdrawn ones)"),
        ("withdraw", "withdraw published documents (their URL answers 410; the id is never reused)"),
        ("submit", "submit drafts for review"),
    ):
        s = sub.add_parser(name, help=text)
        s.add_argument("ids", nargs="+", metavar="ID")
        if name == "withdraw":
            s.add_argument("--note", default="", help="why: shown on the withdrawn document's page")
        if name == "publish":
            s.add_argument("--note", default="", help="a public note for the version history")
        if name == "submit":
            s.add_argument("--note", default="", help="a note for the reviewers (kept in the audit log)")
        s.set_defaults(func=cmd_status)

    s = sub.add_parser("worker", help="run background jobs (OCR); readingroom serve runs one itself")
    s.add_argument("--once", action="store_true", help="stop when the queue is empty")
    s.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)
    s.add_argument("--quiet", action="store_true")
    s.set_defaults(func=cmd_worker)

    s = sub.add_parser(
        "fixity", help="re-read every stored file and check its SHA-256; exit 1 if any is missing or altered"
    )
    s.set_defaults(func=cmd_fixity)

    s = sub.add_parser("bag", help="BagIt packages: export the archive, or restore one into an empty data directory")
    s.add_argument("action", choices=["export", "restore"])
    s.add_argument("directory")
    s.add_argument("--collection", help="export: only this collection (identifier or title) and those inside it")
    s.set_defaults(func=cmd_bag)

    s = sub.add_parser(
        "backup", help="a consistent copy of the live SQLite archive (database and files), while serving"
    )
    s.add_argument("destination")
    s.set_defaults(func=cmd_backup)

    s = sub.add_parser("jobs", help="background jobs by state, and the failed ones")
    s.set_defaults(func=cmd_jobs)

    s = sub.add_parser("show", help="show one document")
    s.add_argument("id")
    s.add_argument("--format", choices=["text", "json"], default="text")
    s.set_defaults(func=cmd_show)

    s = sub.add_parser("serve", help="serve the archive over HTTP (gunicorn, one worker per core)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, default=0, help="default: one per CPU core")
    s.add_argument("--access-log", action="store_true", help="log every request to standard output")
    s.add_argument(
        "--no-worker", action="store_true", help="do not run the job worker (run readingroom worker elsewhere)"
    )
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("search", help="search the archive (the same search as /search and /api/search)")
    s.add_argument("query", nargs="*", help='words, "phrases", OR, -exclude, prefix*, title:/person:/place:/archive:')
    s.add_argument(
        "--filter",
        action="append",
        metavar="FACET=VALUE",
        help="language, translation, repository, collection, subject, person, place, type, classification, year, decade",
    )
    s.add_argument("--date-from", dest="date_from")
    s.add_argument("--date-to", dest="date_to")
    s.add_argument("--sort", default="relevance", choices=["relevance", "date", "-date", "title", "-title"])
    s.add_argument("--page", type=int, default=1)
    s.add_argument("--limit", type=int, default=10, help="results per page (at most 100)")
    s.add_argument("--facets", action="store_true", help="also print facet counts")
    s.add_argument("--format", choices=["text", "json"], default="text")
    s.set_defaults(func=cmd_search)

    s = sub.add_parser("delete", help="delete documents (and remove them from the search index)")
    s.add_argument("ids", nargs="+", metavar="ID")
    s.set_defaults(func=cmd_delete)

    s = sub.add_parser("reindex", help="rebuild the search index from the records")
    s.set_defaults(func=cmd_reindex)

    s = sub.add_parser("bootstrap", help="prepare the data directory; import a demo corpus into an empty archive")
    s.add_argument("--corpus", help="a corpus folder (such as ../shared/corpus) to import when the archive is empty")
    s.set_defaults(func=cmd_bootstrap)

    s = sub.add_parser("manage", help="run a Django management command (createsuperuser, dbshell, ...)")
    s.add_argument("args", nargs=argparse.REMAINDER)
    s.set_defaults(func=cmd_manage)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    _setup(args.data_dir)
    from django.db.utils import OperationalError

    try:
        if args.command != "manage":
            _migrate()
        return args.func(args)
    except OperationalError as exc:  # the database cannot be reached or used: one line, no traceback
        from django.conf import settings

        db = settings.DATABASES["default"]
        where = (
            f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}" if db.get("HOST") else db["NAME"]
        )
        print(f"error: cannot use the database {where}: {(str(exc).strip().splitlines() or ['?'])[0]}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
