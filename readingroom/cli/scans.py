"""Scans and background jobs: ``attach`` and ``jobs`` (the worker that runs them: :mod:`.worker`)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.db.models import Count

from readingroom.cli.indexing import index_after_write
from readingroom.records.queries import DocumentNotFound
from readingroom.scans.attach import AttachError, attach_paths
from readingroom.scans.models import Job


def cmd_attach(args) -> int:
    languages = [code.strip() for code in (args.language or "").split(",") if code.strip()] or None
    try:
        pages = attach_paths(args.id, [Path(p) for p in args.files], languages, ocr=not args.no_ocr)
    except DocumentNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except AttachError as exc:
        print(f"error: {exc}; nothing was attached", file=sys.stderr)
        return 1
    index_after_write()
    print(
        f"attached {len(pages)} page{'s' if len(pages) != 1 else ''} to {args.id}"
        + ("" if args.no_ocr else "; OCR queued (readingroom serve or readingroom worker recognises them)")
    )
    return 0


def cmd_jobs(args) -> int:
    counts = dict(Job.objects.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    print(", ".join(f"{state} {counts.get(state, 0)}" for state in Job.State.values))
    for job in Job.objects.filter(state=Job.State.FAILED).select_related("page__document", "document")[:20]:
        if job.page is not None:  # OCR of a page
            print(f"failed: {job.kind} {job.page.document.identifier} page {job.page.position}: {job.error}")
        else:  # a job over a whole document (its PDF)
            print(f"failed: {job.kind} {job.document.identifier if job.document else '?'}: {job.error}")
    return 0
