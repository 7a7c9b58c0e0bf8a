"""After a command wrote records: make them searchable, or wait for the process that owns the index."""

from __future__ import annotations

import os
import sys
import time

from readingroom.search import writer
from readingroom.search.indexing import newest_queued, process_queue, wait_applied


def index_after_write(timeout: float | None = None) -> bool:
    """Make what this command wrote searchable: apply the index queue here when no other process owns the
    index; otherwise the owner (the worker of a running ``serve``) applies it, and we wait for it, saying so.
    Returns False when the owner had not caught up within the wait (the changes stay queued, nothing lost)."""
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
