"""BagIt packages of the archive (RFC 8493, through the ``bagit`` library).

``export_bag`` writes, under the bag's ``data/``: ``records/<id>.json`` (each document: the public record,
its workflow state and timestamps, its version history, its pages and their machine OCR; ``/`` in an id
is written ``~``), ``files/<sha256>`` (every stored file, originals and derived page images),
``files.json``, ``collections.json``, ``tombstones.json`` and ``audit.jsonl``; the tag files carry SHA-256
and SHA-512 manifests. ``restore_bag`` validates a bag (BagIt, then every field and path: ``bagcheck``) and
rebuilds an archive from it into an empty data directory (one unit of work), on SQLite or PostgreSQL
alike: the restored archive exports the same records, files, checksums, identifiers and URLs. This is also
the way to move between the two databases.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import bagit
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.dateparse import parse_datetime

from readingroom.documents import models as dm
from readingroom.history.models import AuditEvent, DocumentVersion
from readingroom.ingest.normalise import content_hash, normalise
from readingroom.ingest.readers.jsonl import DERIVED
from readingroom.ingest.store import Lookups, store_batch
from readingroom.ingest.validate import validate
from readingroom.preservation.bagcheck import BagError, check_bag, scan_tree
from readingroom.records.queries import with_relations
from readingroom.records.serialise import document_record
from readingroom.records.unitofwork import UnitOfWork
from readingroom.scans import storage
from readingroom.scans.models import OcrText, Page, StoredFile
from readingroom.search.indexing import reindex

FORMAT_VERSION = "1"


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _when(value):
    return parse_datetime(value) if value else None


def _file_name(identifier: str) -> str:
    return identifier.replace("/", "~") + ".json"


def _collection_pks(identifier: str) -> list[int]:
    root = (
        dm.Collection.objects.filter(identifier=identifier).first()
        or dm.Collection.objects.filter(title=identifier).first()
    )
    if root is None:
        raise BagError(f"no collection {identifier!r}")
    pks, frontier = [root.pk], [root.pk]
    while frontier:
        frontier = list(dm.Collection.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        pks += frontier
    return pks


def document_entry(doc: dm.Document) -> tuple[dict, set[str]]:
    record = document_record(doc)
    pages = list(
        Page.objects.filter(document=doc)
        .select_related("source", "image")
        .prefetch_related("languages")
        .order_by("position")
    )
    ocr = {o.page_id: o for o in OcrText.objects.filter(page__document=doc)}
    files = {p.source.sha256 for p in pages} | {p.image.sha256 for p in pages}
    entry = {
        "record": record,
        "workflow": {
            "status": doc.status,
            "withdrawn_at": _iso(doc.withdrawn_at),
            "withdrawal_note": doc.withdrawal_note,
            "created_at": _iso(doc.created_at),
            "updated_at": _iso(doc.updated_at),
            "published_at": _iso(doc.published_at),
            "created_by": doc.created_by.get_username() if doc.created_by else None,
            "source_format": doc.source_format,
            "source_path": doc.source_path,
            "content_hash": doc.content_hash,
        },
        "versions": [
            {
                "number": v.number,
                "created_at": _iso(v.created_at),
                "actor": v.actor,
                "snapshot": v.snapshot,
                "changes": v.changes,
                "note": v.note,
                "erratum": v.erratum,
            }
            for v in DocumentVersion.objects.filter(document=doc).order_by("number")
        ],
        "pages": [
            {
                "position": p.position,
                "label": p.label,
                "source": p.source.sha256,
                "source_page": p.source_page,
                "image": p.image.sha256,
                "iiif_id": p.iiif_id,
                "width": p.width,
                "height": p.height,
                "languages": [lang.code for lang in p.languages.all()],
                "created_at": _iso(p.created_at),
                "ocr": (
                    {
                        "languages": ocr[p.pk].languages,
                        "engine": ocr[p.pk].engine,
                        "text": ocr[p.pk].text,
                        "hocr": ocr[p.pk].hocr,
                        "words": ocr[p.pk].words,
                        "mean_confidence": ocr[p.pk].mean_confidence,
                        "created_at": _iso(ocr[p.pk].created_at),
                    }
                    if p.pk in ocr
                    else None
                ),
            }
            for p in pages
        ],
    }
    return entry, files


def _write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def export_bag(
    directory: Path, collection: str | None = None, progress: Callable[[int, int], None] | None = None
) -> dict:
    """Write the archive (or one collection, with the collections inside it) as a BagIt bag."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BagError(f"{directory} is not empty")
    qs = dm.Document.objects.all()
    if collection:
        qs = qs.filter(documentcollection__collection_id__in=_collection_pks(collection)).distinct()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "records").mkdir()
    (directory / "files").mkdir()
    wanted: set[str] = set()
    total, n = qs.count(), 0
    for doc in with_relations(qs.select_related("created_by").order_by("identifier")).iterator(chunk_size=200):
        entry, files = document_entry(doc)
        wanted |= files
        _write_json(directory / "records" / _file_name(doc.identifier), entry)
        n += 1
        if progress:
            progress(n, total)
    stored = list(StoredFile.objects.filter(sha256__in=wanted).select_related("derived_from").order_by("id"))
    for f in stored:
        target = directory / "files" / f.sha256
        try:
            os.link(f.path, target)  # same file system: no second copy of the bytes
        except OSError:
            shutil.copyfile(f.path, target)
    _write_json(
        directory / "files.json",
        [
            {
                "sha256": f.sha256,
                "size": f.size,
                "media_type": f.media_type,
                "original_name": f.original_name,
                "derived_from": f.derived_from.sha256 if f.derived_from else None,
                "created_at": _iso(f.created_at),
            }
            for f in stored
        ],
    )
    _write_json(
        directory / "collections.json",
        [
            {
                "identifier": c.identifier,
                "title": c.title,
                "description": c.description,
                "parent": c.parent.identifier if c.parent else None,
            }
            for c in dm.Collection.objects.select_related("parent").order_by("id")
        ],
    )
    _write_json(
        directory / "tombstones.json",
        [
            {
                "identifier": t.identifier,
                "title": t.title,
                "collections": t.collections,
                "deleted_at": _iso(t.deleted_at),
            }
            for t in dm.Tombstone.objects.order_by("id")
        ]
        if not collection
        else [],
    )
    with (directory / "audit.jsonl").open("w", encoding="utf-8") as fh:
        if not collection:
            for e in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
                fh.write(
                    json.dumps(
                        {
                            "at": _iso(e.at),
                            "actor": e.actor,
                            "source": e.source,
                            "address": e.address,
                            "action": e.action,
                            "object_id": e.object_id,
                            "details": e.details,
                        },
                        ensure_ascii=False,
                        sort_keys=True,
                    )
                    + "\n"
                )
    info = {
        "Source-Organization": settings.READINGROOM_SITE_NAME,
        "External-Description": "Reading Room archive export" + (f": collection {collection}" if collection else ""),
        "External-Identifier": getattr(settings, "READINGROOM_BASE_URL", "") or "readingroom",
        "Bagging-Date": dt.date.today().isoformat(),
        "Readingroom-Format": FORMAT_VERSION,
        "Readingroom-Documents": str(n),
    }
    bagit.make_bag(str(directory), bag_info=info, checksums=["sha256", "sha512"], processes=1)
    return {"documents": n, "files": len(stored)}


def _clear_stale_staging() -> None:
    """Remove what a restore that was killed (kill -9, power loss) left in its staging folders."""
    for stale in Path(settings.DATA_DIR).glob(".restore-*"):
        shutil.rmtree(stale, ignore_errors=True)


def _copy_checked(src: Path, dest: Path, sha256: str) -> None:
    """Copy a bag file (never through a link) into the staging folder, checking the copy's SHA-256."""
    digest = hashlib.sha256()
    fd = os.open(src, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh, dest.open("xb") as out:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    if digest.hexdigest() != sha256:
        raise BagError(f"{src}: changed while it was being restored (its SHA-256 no longer matches)")


def restore_bag(directory: Path, progress: Callable[[int, int], None] | None = None) -> dict:
    """Validate a bag and rebuild the archive it holds into this (empty) data directory.

    Nothing is copied or written before the whole bag has been checked (``bagcheck``): no symbolic link
    out of the bag, BagIt checksums, then every field of every record, file, collection, tombstone and
    audit event, and every payload file's SHA-256. The files are copied into a staging folder in the data
    directory, moved into place at the end of the database transaction, and removed again if anything fails,
    so a failed restore leaves the data directory as it was.

    :raises BagError: (one line) for an invalid bag or an archive that is not empty
    """
    root = Path(directory)
    scan_tree(root)  # before bagit opens anything: no link may lead out of the bag
    try:
        bag = bagit.Bag(str(root))
        bag.validate(processes=1)
    except (bagit.BagError, bagit.BagValidationError) as exc:
        raise BagError(f"{directory} is not a valid bag: {exc}") from None
    if dm.Document.objects.exists() or StoredFile.objects.exists():
        raise BagError("this archive is not empty; restore into a new data directory")
    plan = check_bag(root, bag.info, FORMAT_VERSION)
    data = root / "data"
    files, entries = plan.files, plan.records

    _clear_stale_staging()
    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=settings.DATA_DIR, prefix=".restore-"))
    placed: list[Path] = []
    made_dirs: list[Path] = []
    try:
        for f in files:
            _copy_checked(data / "files" / f["sha256"], staging / f["sha256"], f["sha256"])

        users = {u.get_username(): u for u in get_user_model().objects.all()}
        # one unit of work; no feed rows (every index is rebuilt from the restored records below)
        with UnitOfWork(feed=False) as uow:
            by_sha: dict[str, StoredFile] = {}
            for f in files:
                by_sha[f["sha256"]] = StoredFile.objects.create(
                    sha256=f["sha256"], size=f["size"], media_type=f["media_type"], original_name=f["original_name"]
                )
            for f in files:
                if f["derived_from"]:
                    StoredFile.objects.filter(pk=by_sha[f["sha256"]].pk).update(derived_from=by_sha[f["derived_from"]])
                StoredFile.objects.filter(pk=by_sha[f["sha256"]].pk).update(created_at=f["created_at"])
            parents = {}
            for c in plan.collections:
                obj, _ = dm.Collection.objects.update_or_create(
                    identifier=c["identifier"], defaults={"title": c["title"], "description": c["description"]}
                )
                parents[obj.pk] = c["parent"]
            for pk, parent in parents.items():
                if parent:
                    dm.Collection.objects.filter(pk=pk).update(parent=dm.Collection.objects.get(identifier=parent))
            lookups = Lookups()
            for n, (path, digest) in enumerate(entries, start=1):
                raw = path.read_bytes()
                if hashlib.sha256(raw).hexdigest() != digest:
                    raise BagError(f"{path}: changed while it was being restored")
                entry = json.loads(raw)
                rec = validate(normalise({k: v for k, v in entry["record"].items() if k not in DERIVED}))
                wf = entry["workflow"]
                store_batch(
                    [(rec, wf["source_format"] or "json", wf["source_path"], content_hash(rec))], lookups, uow=uow
                )
                doc = dm.Document.objects.get(identifier=rec["id"])
                dm.Document.objects.filter(pk=doc.pk).update(
                    status=wf["status"],
                    withdrawn_at=_when(wf["withdrawn_at"]),
                    withdrawal_note=wf["withdrawal_note"],
                    created_at=_when(wf["created_at"]),
                    updated_at=_when(wf["updated_at"]),
                    published_at=_when(wf["published_at"]),
                    source_path=wf["source_path"],
                    created_by=users.get(wf["created_by"]) if wf.get("created_by") else None,
                )
                for p in entry["pages"]:
                    page = Page.objects.create(
                        document=doc,
                        position=p["position"],
                        label=p["label"],
                        source=by_sha[p["source"]],
                        source_page=p["source_page"],
                        image=by_sha[p["image"]],
                        iiif_id=p["iiif_id"],
                        width=p["width"],
                        height=p["height"],
                    )
                    Page.objects.filter(pk=page.pk).update(created_at=_when(p["created_at"]))
                    page.languages.set(dm.Language.objects.filter(code__in=p["languages"]))
                    if p["ocr"]:
                        o = p["ocr"]
                        made = OcrText.objects.create(
                            page=page,
                            languages=o["languages"],
                            engine=o["engine"],
                            text=o["text"],
                            hocr=o["hocr"],
                            words=o["words"],
                            mean_confidence=o["mean_confidence"],
                        )
                        OcrText.objects.filter(pk=made.pk).update(created_at=_when(o["created_at"]))
                uow.restore_history(
                    versions=[
                        DocumentVersion(
                            document=doc,
                            number=v["number"],
                            created_at=_when(v["created_at"]),
                            actor=v["actor"],
                            snapshot=v["snapshot"],
                            changes=v["changes"],
                            note=v["note"],
                            erratum=v["erratum"],
                        )
                        for v in entry["versions"]
                    ]
                )
                if progress:
                    progress(n, len(entries))
            for t in plan.tombstones:
                dm.Tombstone.objects.create(
                    identifier=t["identifier"],
                    title=t["title"],
                    collections=t["collections"],
                    deleted_at=t["deleted_at"],
                )
            uow.restore_history(events=[AuditEvent(**e) for e in plan.audit])
            uow.audit("bag.restore", str(directory), details={"documents": len(entries), "files": len(files)})
            # Last in the transaction: the files into their places (undone below if the commit fails).
            for f in files:
                target = storage.file_path(f["sha256"])
                if target.is_file() and not target.is_symlink() and storage.sha256_of(target) == f["sha256"]:
                    continue  # left by a restore that was killed after this move: the same bytes
                if target.exists() or target.is_symlink():
                    raise BagError(f"{target} is in the way (not the file {f['sha256']}); nothing was restored")
                for parent in reversed(target.parents):
                    if not parent.exists() and Path(settings.DATA_DIR).resolve() in parent.resolve().parents:
                        parent.mkdir()
                        made_dirs.append(parent)
                os.replace(staging / f["sha256"], target)
                placed.append(target)
                os.chmod(target, 0o444)
    except BaseException as exc:
        for target in placed:
            target.unlink(missing_ok=True)
        for folder in reversed(made_dirs):
            try:
                folder.rmdir()
            except OSError:
                pass
        if isinstance(exc, BagError) or not isinstance(exc, Exception):
            raise
        raise BagError(
            f"{directory}: the restore failed and nothing was restored: {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    reindex()
    return {"documents": len(entries), "files": len(files)}
