"""History for imports: what a stored batch adds to its unit of work, so that it commits with the batch.

``ingest.store.store_batch`` keeps the state before the change of each published document it rewrites
(``UnitOfWork.changing``); this adds a version of each of them and the batch's audit event.
"""

from __future__ import annotations

from pathlib import Path


def batch_history(uow, outcomes, paths: list) -> None:
    """A new version of each published document the batch changed, and one audit event naming the documents
    it created and changed (none for a batch of unchanged records)."""
    imported = [o.id for o in outcomes if o.status == "imported"]
    updated = [o.id for o in outcomes if o.status == "updated"]
    if updated:
        uow.version(*updated, note="updated by an import")
    if imported or updated:
        files = sorted({str(Path(p)) for p in paths})
        uow.audit(
            "import.batch",
            f"{len(imported)} created, {len(updated)} changed",
            source="import",
            details={"created": imported, "changed": updated, "files": files[:50]},
        )
