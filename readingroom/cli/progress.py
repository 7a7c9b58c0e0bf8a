"""The import progress: a bar (documents, rate, ETA) on a terminal; plain periodic lines otherwise."""

from __future__ import annotations

import os
import sys
import time


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
            # deferred: rich is needed only on a terminal, and importing it costs every other run its time
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
