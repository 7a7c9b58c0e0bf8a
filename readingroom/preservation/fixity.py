"""``readingroom fixity``: re-read every stored file, compare size and SHA-256 with what was recorded at
ingest, and report each missing or altered file by path and document. Every run, and every failure, is a
preservation event."""

from __future__ import annotations

import getpass
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q

from readingroom.history.services import audit
from readingroom.preservation.models import PreservationEvent
from readingroom.scans.models import Page, StoredFile


@dataclass
class FixityReport:
    checked: int = 0
    bytes: int = 0
    problems: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _sha256(path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def documents_of(stored: StoredFile) -> list[str]:
    return sorted(
        set(Page.objects.filter(Q(source=stored) | Q(image=stored)).values_list("document__identifier", flat=True))
    )


def check(progress: Callable[[int, int], None] | None = None) -> FixityReport:
    try:
        agent = f"readingroom fixity ({getpass.getuser()})"
    except (KeyError, OSError):  # no name for this uid (a container)
        agent = "readingroom fixity"
    report = FixityReport()
    total = StoredFile.objects.count()
    for stored in StoredFile.objects.order_by("id").iterator(chunk_size=500):
        report.checked += 1
        path = stored.path
        problem = None
        if not path.exists():
            problem = "missing"
        else:
            digest, size = _sha256(path)
            report.bytes += size
            if digest != stored.sha256 or size != stored.size:
                problem = (
                    f"altered (SHA-256 {digest[:16]}…, {size:,} bytes; "
                    f"recorded {stored.sha256[:16]}…, {stored.size:,} bytes)"
                )
        if problem:
            item = {
                "path": str(path),
                "sha256": stored.sha256,
                "name": stored.original_name,
                "problem": problem,
                "documents": documents_of(stored),
            }
            report.problems.append(item)
            PreservationEvent.objects.create(
                event_type="fixity check", agent=agent, outcome="fail", object_id=stored.sha256, detail=item
            )
        if progress:
            progress(report.checked, total)
    PreservationEvent.objects.create(
        event_type="fixity check",
        agent=agent,
        outcome="pass" if report.ok else "fail",
        detail={"files": report.checked, "bytes": report.bytes, "problems": len(report.problems)},
    )

    audit("fixity.check", "", details={"files": report.checked, "problems": len(report.problems)})
    return report
