"""History for imports: versions of the published documents a batch changes, and an audit event per batch."""

from __future__ import annotations

from pathlib import Path

from readingroom.documents import models as dm
from readingroom.history.models import DocumentVersion
from readingroom.history.services import audit, ensure_base_version, record_version


def before_batch(items: list[tuple[str, str]]) -> None:
    """Before storing: published documents about to change (their content hash differs) that have no
    version yet get one of their present state."""
    digests = dict(items)
    rows = dm.Document.objects.filter(identifier__in=list(digests), status=dm.Document.Status.PUBLISHED).values_list(
        "identifier", "content_hash")
    changing = [ident for ident, old in rows if old != digests[ident]]
    if changing:
        have = set(DocumentVersion.objects.filter(document__identifier__in=changing)
                   .values_list("document__identifier", flat=True))
        ensure_base_version([i for i in changing if i not in have], actor="import")


def after_batch(outcomes, paths: list) -> None:
    imported = [o.id for o in outcomes if o.status == "imported"]
    updated = [o.id for o in outcomes if o.status == "updated"]
    if updated:
        for doc in dm.Document.objects.filter(identifier__in=updated, status=dm.Document.Status.PUBLISHED):
            record_version(doc, note="updated by an import")
    if imported or updated:
        files = sorted({str(Path(p)) for p in paths})
        audit("import.batch", f"{len(imported)} created, {len(updated)} changed", source="import",
              details={"created": imported, "changed": updated, "files": files[:50]})
