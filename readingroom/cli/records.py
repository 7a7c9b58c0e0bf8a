"""Records: ``import``, ``export``, ``show``, ``cite``, ``delete`` and the workflow (``submit``, ``publish``,
``withdraw``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from readingroom.cli.indexing import index_after_write
from readingroom.cli.progress import Progress
from readingroom.documents.exporters import write_jsonl, write_seed_dir
from readingroom.documents.services import InvalidTransition, delete_document, set_status
from readingroom.ingest.pipeline import import_paths
from readingroom.publish import formats
from readingroom.publish import services as publishing
from readingroom.publish.citations import STYLE_LABELS
from readingroom.records.params import InvalidQuery
from readingroom.records.queries import DocumentNotFound, get_document
from readingroom.records.serialise import document_record, iter_records
from readingroom.scans.attach import attach_folders


def cmd_import(args) -> int:
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
    except Exception as exc:  # noqa: BLE001 - a database or disk failure: one clear line; committed batches stay, the rest can be rerun
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
        index_after_write()
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
    base = args.base_url.rstrip("/") if args.base_url else publishing.base_url()
    fmt = formats.get_format(args.format)
    if args.query is not None:
        try:
            fmt, chunks = publishing.export_search({"q": args.query}, args.format, base)
        except InvalidQuery as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    else:
        chunks = formats.stream(fmt, ((r, publishing.permanent_url(r, base)) for r in iter_records()))
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
    base = args.base_url.rstrip("/") if args.base_url else publishing.base_url()
    styles = list(STYLE_LABELS) if args.style == "all" else [args.style]
    try:
        for style in styles:
            citation = publishing.cite(args.id, style, base)
            print(f"{citation['label']}:\n{citation['text']}\n" if len(styles) > 1 else citation["text"])
    except DocumentNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


#: The workflow commands and the state each one moves documents to.
TARGETS = {"publish": "published", "withdraw": "withdrawn", "submit": "review"}


def cmd_status(args) -> int:
    target = TARGETS[args.command]
    status = 0
    for ident in args.ids:
        try:
            set_status(ident, target, note=args.note, source="cli")
            print(f"{ident}: {target}")
        except (DocumentNotFound, InvalidTransition) as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
    index_after_write()
    return status


def cmd_show(args) -> int:
    try:
        record = document_record(get_document(args.id, public=False))  # the operator sees every state
    except DocumentNotFound as exc:
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


def cmd_delete(args) -> int:
    status = 0
    for ident in args.ids:
        try:
            delete_document(ident)
            print(f"deleted {ident}")
        except DocumentNotFound as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
    index_after_write()
    return status
