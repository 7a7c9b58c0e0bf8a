"""Preservation: ``fixity``, ``bag`` (export and restore) and ``backup``."""

from __future__ import annotations

import sys
from pathlib import Path

from readingroom.preservation.backup import BackupError, backup
from readingroom.preservation.bag import BagError, export_bag, restore_bag
from readingroom.preservation.fixity import check


def cmd_fixity(args) -> int:
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
    try:
        result = backup(Path(args.destination))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"backup: {result['database']} ({result['bytes'] / 1e6:,.1f} MB) and {result['files']:,} files")
    return 0
