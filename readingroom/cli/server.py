"""Serving: ``bootstrap`` (prepare a data directory) and ``serve`` (gunicorn, with a job worker beside it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from readingroom.cli import schema
from readingroom.cli.progress import Progress
from readingroom.ingest import bootstrap
from readingroom.search import lemmas
from readingroom.search.healing import heal_index


def cmd_bootstrap(args) -> int:
    """Prepare the data directory (create or upgrade its database); import the demo corpus once."""
    schema.migrate(quiet=True)
    decision = bootstrap.plan(Path(args.corpus) if args.corpus else None)
    if decision.plan == bootstrap.Plan.READY:
        print(f"archive ready: {decision.documents:,} documents", file=sys.stderr)
        return 0
    if decision.plan == bootstrap.Plan.USERS_OWN:
        print(
            f"archive ready: {decision.documents:,} documents (not importing the demo corpus into it)",
            file=sys.stderr,
        )
        return 0
    if decision.plan == bootstrap.Plan.EMPTY:
        print("archive is empty; import documents with: readingroom import PATH...", file=sys.stderr)
        return 0
    print(f"first start: importing the demo corpus from {decision.corpus} ...", file=sys.stderr, flush=True)
    progress = Progress()
    try:
        report = bootstrap.import_demo(decision, progress=progress)
    finally:
        progress.close()
    for err in report.errors:
        print(f"note: {err}", file=sys.stderr)
    print(
        f"demo corpus: imported {report.imported:,} documents ({report.rejected} rejected) from "
        f"{', '.join(map(str, decision.sources))} in {report.seconds:.0f} s",
        file=sys.stderr,
    )
    return 0


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def cmd_serve(args) -> int:
    heal_index(say=_say)  # the index complete before the web workers read it
    if lemmas.missing():
        # the tables of word forms, once per machine (make setup makes them): meanwhile searches use the stemmers
        subprocess.Popen([sys.executable, "-m", "readingroom.search.lemmas"])  # noqa: S603 - our own module

    if not args.no_worker:
        # the job worker (OCR) runs beside the web server and stops when it does (it watches this process,
        # which becomes the gunicorn master on exec)
        subprocess.Popen(  # noqa: S603 - this Python running this package, with fixed arguments
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
    os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with gunicorn (this Python, fixed arguments)
    return 0  # not reached
