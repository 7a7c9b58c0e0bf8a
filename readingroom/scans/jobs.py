"""The background job queue (a table in the record database) and its worker.

``readingroom serve`` starts one worker beside the web server; ``readingroom worker`` runs one on its
own (for larger deployments, any number, on any host sharing the database). A job is claimed in a
transaction, so two workers never run the same one; a job left ``running`` by a worker that died is
queued again when a worker starts on that host, so jobs survive restarts and ``kill -9``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable

from django.db import close_old_connections, transaction
from django.utils import timezone

from readingroom.documents import models as dm
from readingroom.records.unitofwork import UnitOfWork
from readingroom.scans.models import Job, OcrText, Page
from readingroom.scans.ocr import recognise
from readingroom.search.indexing import follow_queue, process_queue

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


STALE_AFTER = dt.timedelta(hours=1)  # far longer than one OCR run may take (ocr.TIMEOUT)


def recover() -> int:
    """Queue again the jobs that workers on this host were running when they died, and any job that has
    been running for longer than a job can (its worker, on whatever host, is gone)."""
    host = socket.gethostname()
    requeued = Job.objects.filter(state=Job.State.RUNNING, started_at__lt=timezone.now() - STALE_AFTER).update(
        state=Job.State.QUEUED, worker="", error="requeued: running for longer than a job can"
    )
    for job in Job.objects.filter(state=Job.State.RUNNING, worker__startswith=f"{host}:"):
        pid = int(job.worker.rsplit(":", 1)[1] or 0)
        if pid != os.getpid() and not _alive(pid):
            requeued += Job.objects.filter(pk=job.pk, state=Job.State.RUNNING).update(
                state=Job.State.QUEUED, worker="", error=f"requeued: worker {job.worker} stopped"
            )
    return requeued


def claim() -> Job | None:
    with transaction.atomic():
        job = Job.objects.select_for_update(skip_locked=True).filter(state=Job.State.QUEUED).order_by("id").first()
        if job is None:
            return None
        job.state, job.worker, job.started_at = Job.State.RUNNING, worker_id(), timezone.now()
        job.attempts += 1
        job.save(update_fields=["state", "worker", "started_at", "attempts"])
    return job


def run_ocr(job: Job) -> None:
    if job.page_id is None:  # an OCR job names its page (what the lookup of no page raised)
        raise Page.DoesNotExist("Page matching query does not exist.")
    page = Page.objects.select_related("image", "document").get(pk=job.page_id)
    codes = list(page.languages.values_list("code", flat=True)) or list(
        page.document.documentlanguage_set.values_list("language_id", flat=True)
    )
    result = recognise(page.image.path, codes)
    # the text, the job's end, the document's updated_at, its feed row and the audit event: one transaction
    with UnitOfWork(actor="worker", source="worker") as uow:
        OcrText.objects.update_or_create(
            page=page,
            defaults={
                "languages": result.languages,
                "engine": result.engine,
                "text": result.text,
                "hocr": result.hocr,
                "words": result.words,
                "mean_confidence": result.mean_confidence,
            },
        )
        Job.objects.filter(pk=job.pk).update(state=Job.State.DONE, finished_at=timezone.now(), error="")
        uow.updated(page.document.identifier, touch=True)
        uow.audit(
            "ocr.page",
            page.document.identifier,
            details={
                "page": page.position,
                "languages": result.languages,
                "words": len(result.words),
                "mean_confidence": result.mean_confidence,
            },
        )


def run_pdf(job: Job) -> None:
    # deferred: fpdf2 (and numpy with it, a quarter of a second) is loaded only when a PDF is built
    from readingroom.scans.pdf import build_job

    build_job(job)


HANDLERS: dict[str, Callable[[Job], None]] = {"ocr": run_ocr, "pdf": run_pdf}


def run(job: Job) -> bool:
    """Run one claimed job; a failure is recorded, retried up to three times, then left failed."""
    try:
        HANDLERS[job.kind](job)
        return True
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the job, visible to editors, and retried
        detail = ""
        if isinstance(exc, subprocess.CalledProcessError) and exc.stderr:
            detail = exc.stderr.decode(errors="replace")[-500:]
        state = Job.State.FAILED if job.attempts >= MAX_ATTEMPTS else Job.State.QUEUED
        Job.objects.filter(pk=job.pk).update(
            state=state, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc} {detail}".strip()[:2000]
        )
        log.warning("job %s failed (%s): %s", job.pk, state, exc)
        return False


def index_changes() -> None:
    """Apply the search index queue if no other process owns it (``worker --once``)."""
    process_queue(wait=5.0)


def work(
    *,
    once: bool = False,
    poll: float = 2.0,
    parent_pid: int | None = None,
    echo: Callable[[str], None] | None = None,
    follow_index: bool = True,
) -> int:
    """Run jobs until stopped (``once``: until the queue is empty). Returns how many ran.

    A lasting worker also owns the search index (``follow_index``): a thread of it takes the writer
    lease and applies the index queue a few times a second, whatever other process wrote the records,
    so recognised text and CLI imports become searchable while OCR jobs run.
    """
    done = 0
    recovered = recover()
    if recovered and echo:
        echo(f"worker: queued again {recovered} jobs of a worker that stopped")
    stop = threading.Event()
    follower = None
    if follow_index and not once:
        follower = threading.Thread(target=follow_queue, args=(stop,), name="index-writer", daemon=True)
        follower.start()
    try:
        while True:
            if parent_pid and os.getppid() != parent_pid:
                return done  # the server that started us is gone
            if not once:
                close_old_connections()  # a long-running process: drop connections that broke or aged out
            job = claim()
            if job is None:
                if once:
                    index_changes()
                    return done
                time.sleep(poll)
                continue
            ok = run(job)
            done += 1
            if echo:
                what = f"page {job.page_id}" if job.page_id else f"document {job.document_id}"
                echo(f"worker: {job.kind} job {job.pk} ({what}) {'done' if ok else 'failed'}")
    finally:
        stop.set()
        if follower is not None:
            follower.join(timeout=30)


def progress(document: dm.Document) -> dict:
    """OCR progress of a document's pages, for editors: counts by state."""
    counts = {s: 0 for s in Job.State.values}
    for state in Job.objects.filter(page__document=document, kind="ocr").values_list("state", flat=True):
        counts[state] += 1
    counts["pages"] = Page.objects.filter(document=document).count()
    counts["recognised"] = OcrText.objects.filter(page__document=document).count()
    return counts
