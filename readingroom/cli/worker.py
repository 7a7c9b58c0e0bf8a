"""``worker``: runs the background jobs (OCR, PDFs). A module of its own because what it imports (OCR, the PDF
maker: about half a second) is needed by this command only, not by ``jobs`` or ``attach``."""

from __future__ import annotations

import sys

from readingroom.scans.jobs import work


def cmd_worker(args) -> int:
    def echo(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    n = work(once=args.once, parent_pid=args.parent_pid, echo=None if args.quiet else echo)
    if args.once:
        print(f"ran {n} jobs", file=sys.stderr)
    return 0
