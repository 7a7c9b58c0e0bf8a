"""Writing history: audit events and document versions.

These are the low-level writers. A change of the records writes its history through the unit of work
(:mod:`readingroom.records.unitofwork`), which calls :func:`ensure_base_version` before the change and
:func:`record_version` and writes the audit events after it, in the change's transaction. :func:`audit` on its
own is for events that change no record (logins, backups, fixity checks)."""

from __future__ import annotations

from readingroom.accounts.acting import who
from readingroom.documents import models as dm
from readingroom.history.models import AuditEvent, DocumentVersion
from readingroom.records.queries import get_document, published
from readingroom.records.serialise import document_record

VOLATILE = {"created_at", "updated_at", "published_at", "status", "url"}


def audit(
    action: str,
    object_id: str = "",
    *,
    actor: str = "",
    source: str = "",
    address: str = "",
    details: dict | None = None,
) -> AuditEvent:
    name, where_from, addr = who()
    return AuditEvent.objects.create(
        actor=actor or name,
        source=source or where_from,
        address=address or addr,
        action=action,
        object_id=object_id[:300],
        details=details or {},
    )


def _flatten(value, prefix: str = "") -> dict:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else k))
        return out
    if isinstance(value, list) and value and all(isinstance(v, (str, int, float)) for v in value):
        return {prefix: ", ".join(map(str, value))}
    if isinstance(value, list):
        out = {}
        for i, v in enumerate(value):
            out.update(_flatten(v, f"{prefix}[{i}]"))
        return out if value else {prefix: ""}
    return {prefix: "" if value is None else value}


def diff(before: dict, after: dict) -> list[dict]:
    """Field-by-field differences of two records: ``[{"field", "before", "after"}]``."""
    a = {k: v for k, v in _flatten({k: v for k, v in before.items() if k not in VOLATILE}).items()}
    b = {k: v for k, v in _flatten({k: v for k, v in after.items() if k not in VOLATILE}).items()}
    changes = []
    for key in sorted(
        set(a) | set(b),
        key=lambda k: (
            list(before).index(k.split(".")[0].split("[")[0]) if k.split(".")[0].split("[")[0] in before else 999,
            k,
        ),
    ):
        if a.get(key, "") != b.get(key, ""):
            changes.append({"field": key, "before": a.get(key, ""), "after": b.get(key, "")})
    return changes


def snapshot(doc: dm.Document) -> dict:
    return {
        k: v
        for k, v in document_record(get_document(doc.identifier, public=False)).items()
        if k not in {"created_at", "updated_at"}
    }


def ensure_base_version(identifiers: list[str], actor: str = "") -> int:
    """Give each published document in ``identifiers`` that has no version yet a first one, from its state
    now: call before changing them, so the previous state is kept."""
    made = 0
    have = set(
        DocumentVersion.objects.filter(document__identifier__in=identifiers).values_list("document_id", flat=True)
    )
    for doc in published(dm.Document.objects.filter(identifier__in=identifiers), by_row=True):
        if doc.pk not in have:
            DocumentVersion.objects.create(
                document=doc, number=1, actor=actor, snapshot=snapshot(doc), note="as published before this change"
            )
            made += 1
    return made


def record_version(
    doc: dm.Document, *, actor: str = "", note: str = "", erratum: bool = False
) -> DocumentVersion | None:
    """A new version of a document if its record differs from the last version (or it has none)."""
    now = snapshot(doc)
    last = DocumentVersion.objects.filter(document=doc).order_by("-number").first()
    changes = diff(last.snapshot, now) if last else []
    if last and not changes:
        return None
    name = actor or who()[0]
    return DocumentVersion.objects.create(
        document=doc,
        number=(last.number + 1) if last else 1,
        actor=name,
        snapshot=now,
        changes=changes,
        note=note,
        erratum=erratum,
    )


def errata(doc: dm.Document) -> list[DocumentVersion]:
    return list(DocumentVersion.objects.filter(document=doc, erratum=True).order_by("number"))
