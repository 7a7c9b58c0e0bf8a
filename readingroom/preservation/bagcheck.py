"""What ``restore_bag`` checks before it copies a byte or writes a row.

A bag can pass BagIt validation and still be broken or hostile: whoever altered it can recompute its
manifests. So every field and path of every record and file is checked here first, by the rules the
archive itself keeps (the model's choices and column sizes, the identifier rules, SHA-256 names), and
nothing outside the bag is ever opened. The first problem found is raised as a :class:`BagError` of one
line: ``BAG/path[:line]: record ID: field 'F': what is wrong``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, NoReturn, overload

from django.utils.dateparse import parse_datetime

from readingroom.documents import models as dm
from readingroom.documents.models import IDENTIFIER_PATTERN
from readingroom.ingest.errors import RecordError
from readingroom.ingest.normalise import normalise
from readingroom.ingest.readers.jsonl import DERIVED
from readingroom.ingest.validate import validate
from readingroom.scans.images import IDENTIFIER as IIIF_IDENTIFIER

HEX64 = re.compile(r"[0-9a-f]{64}")
_ID = re.compile(IDENTIFIER_PATTERN)
#: the IIIF image identifiers the URL patterns accept: no ``/`` and no ``.``
_IIIF = re.compile(IIIF_IDENTIFIER)
INT32 = 2**31 - 1
INT64 = 2**63 - 1
STATUSES = tuple(dm.Document.Status.values)
#: the bag's files besides the records and the payload files
TOP_FILES = ("files.json", "collections.json", "tombstones.json", "audit.jsonl")


class BagError(Exception):
    """A bag that cannot be restored (or exported); the message is always one line."""

    def __init__(self, message: str) -> None:
        super().__init__(_one_line(str(message)))


def _one_line(text: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: repr(m.group())[1:-1], text)


def _show(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fail(
    path: Path | str, message: str, *, record: Any = None, field: str | None = None, line: int | None = None
) -> NoReturn:
    raise BagError(
        str(
            RecordError(message, path=str(path), record=None if record is None else str(record), field=field, line=line)
        )
    )


class _Strict(ValueError):
    pass


def _no_constants(name: str):
    raise _Strict(f"{name} is not a JSON number")


def _first_bad_string(value: Any, where: str) -> tuple[str, str] | None:
    """``(field, problem)`` for the first string (key or value) a database cannot store: NUL, lone surrogates."""
    stack = [(value, where)]
    while stack:
        v, w = stack.pop()
        if isinstance(v, str):
            if "\x00" in v:
                return w, "contains a NUL character"
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return w, "contains an unpaired surrogate (not Unicode text)"
        elif isinstance(v, dict):
            for k, item in v.items():
                stack.append((k, w))
                stack.append((item, f"{w}.{k}" if w else str(k)))
        elif isinstance(v, list):
            stack.extend((item, f"{w}[{i}]") for i, item in enumerate(v))
    return None


def load_json(path: Path, raw: bytes, *, line: int | None = None, record: Any = None) -> Any:
    """Parse strict JSON (UTF-8, no NaN/Infinity, no NUL or lone surrogates in any string)."""
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
    except UnicodeDecodeError as exc:
        fail(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})", line=line, record=record)
    except RecursionError:
        fail(path, "malformed JSON: nested too deeply", line=line, record=record)
    except (ValueError, _Strict) as exc:
        fail(path, f"malformed JSON: {exc}", line=line, record=record)
    bad = _first_bad_string(value, "")
    if bad:
        fail(path, bad[1], line=line, record=record, field=bad[0] or None)
    return value


def read_bytes(path: Path, shown: Path) -> bytes:
    """A regular file's bytes, never through a symbolic link (the tree walk already refused those)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        fail(shown, "missing from the bag")
    except OSError as exc:
        fail(shown, f"cannot be read ({exc.strerror})")
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            fail(shown, "not a regular file")
        return fh.read()


class Where:
    """Typed field access for one record (or list item) of one bag file; every failure names it."""

    def __init__(self, path: Path, record: Any = None, line: int | None = None) -> None:
        self.path, self.record, self.line = path, record, line

    def fail(self, field: str | None, message: str) -> NoReturn:
        fail(self.path, message, record=self.record, field=field, line=self.line)

    def obj(self, value: Any, field: str | None, what: str = "an object") -> dict:
        if not isinstance(value, dict):
            self.fail(field, f"expected {what}, got {type(value).__name__}")
        return value

    def get(self, obj: dict, key: str, prefix: str = "") -> Any:
        if key not in obj:
            self.fail(prefix + key, "missing")
        return obj[key]

    def text(
        self,
        obj: dict,
        key: str,
        prefix: str = "",
        *,
        max_length: int | None = None,
        empty: bool = True,
        null: bool = False,
    ) -> str | None:
        v = self.get(obj, key, prefix)
        if v is None and null:
            return None
        if not isinstance(v, str):
            self.fail(prefix + key, f"expected text{' or null' if null else ''}, got {type(v).__name__}")
        if not empty and not v.strip():
            self.fail(prefix + key, "empty")
        if max_length is not None and len(v) > max_length:
            self.fail(prefix + key, f"longer than {max_length} characters")
        return v

    def integer(self, obj: dict, key: str, prefix: str = "", *, minimum: int = 0, maximum: int = INT32) -> int:
        v = self.get(obj, key, prefix)
        if not isinstance(v, int) or isinstance(v, bool):
            self.fail(prefix + key, f"expected an integer, got {_show(v)}")
        if not minimum <= v <= maximum:
            self.fail(prefix + key, f"{v} is out of range ({minimum} to {maximum})")
        return v

    def number(self, obj: dict, key: str, prefix: str = "") -> float | None:
        v = self.get(obj, key, prefix)
        if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool) or abs(v) > 1e300):
            self.fail(prefix + key, f"expected a number or null, got {_show(v)}")
        return v

    def boolean(self, obj: dict, key: str, prefix: str = "") -> bool:
        v = self.get(obj, key, prefix)
        if not isinstance(v, bool):
            self.fail(prefix + key, f"expected true or false, got {_show(v)}")
        return v

    def array(self, obj: dict, key: str, prefix: str = "") -> list:
        v = self.get(obj, key, prefix)
        if not isinstance(v, list):
            self.fail(prefix + key, f"expected a list, got {type(v).__name__}")
        return v

    def when(self, obj: dict, key: str, prefix: str = "", *, null: bool = False) -> datetime | None:
        v = self.get(obj, key, prefix)
        if v is None and null:
            return None
        problem = f"{_show(v)} is not an ISO 8601 date and time with a UTC offset"
        if not isinstance(v, str):
            self.fail(prefix + key, problem)
        try:
            parsed = parse_datetime(v)
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            self.fail(prefix + key, problem)
        return parsed

    @overload
    def sha256(
        self, obj: dict, key: str, prefix: str = "", *, null: Literal[False] = False, empty: bool = False
    ) -> str: ...
    @overload
    def sha256(self, obj: dict, key: str, prefix: str = "", *, null: bool, empty: bool = False) -> str | None: ...
    def sha256(self, obj: dict, key: str, prefix: str = "", *, null: bool = False, empty: bool = False) -> str | None:
        v = self.get(obj, key, prefix)
        if (v is None and null) or (v == "" and empty):
            return v
        if not isinstance(v, str) or not HEX64.fullmatch(v):
            self.fail(prefix + key, f"{_show(v)} is not a SHA-256 checksum (64 lowercase hex digits)")
        return v

    def identifier(self, obj: dict, key: str, prefix: str = "") -> str:
        v = self.get(obj, key, prefix)
        if not isinstance(v, str) or len(v) > 200 or not _ID.fullmatch(v):
            self.fail(
                prefix + key,
                f"{_show(v)} is not a valid id (letters, digits, '_' and '-', in segments "
                "separated by '/'; no '.', at most 200 characters)",
            )
        return v


def scan_tree(root: Path) -> None:
    """Refuse symbolic links that leave the bag and anything that is neither a file nor a folder, before
    anything in the bag is opened (BagIt validation included)."""
    if root.is_symlink() or not root.is_dir():
        fail(root, "not a folder")
    real = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                target = p.resolve()
                if target != real and real not in target.parents:
                    fail(p, f"a symbolic link to {target}, outside the bag")
            elif not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
                fail(p, "not a regular file or folder")


@dataclass
class Plan:
    """What a checked bag holds: everything the restore writes, in the order it writes it."""

    files: list[dict] = field(default_factory=list)
    collections: list[dict] = field(default_factory=list)
    records: list[tuple[Path, str]] = field(default_factory=list)  # (path, SHA-256 of the bytes checked)
    tombstones: list[dict] = field(default_factory=list)
    audit: list[dict] = field(default_factory=list)


def check_files(data: Path) -> list[dict]:
    path = data / "files.json"
    items = load_json(path, read_bytes(path, path))
    if not isinstance(items, list):
        fail(path, f"expected a list of files, got {type(items).__name__}")
    out: list[dict] = []
    seen: dict[str, int] = {}
    for n, item in enumerate(items, start=1):
        label = (
            item.get("sha256")
            if isinstance(item, dict) and isinstance(item.get("sha256"), str) and HEX64.fullmatch(item["sha256"])
            else n
        )
        w = Where(path, label)
        w.obj(item, None)
        sha = w.sha256(item, "sha256")
        if sha in seen:
            w.fail("sha256", f"listed twice (also file {seen[sha]})")
        seen[sha] = n
        out.append(
            {
                "sha256": sha,
                "size": w.integer(item, "size", maximum=INT64),
                "media_type": w.text(item, "media_type", max_length=100, empty=False),
                "original_name": w.text(item, "original_name", max_length=500),
                "derived_from": w.sha256(item, "derived_from", null=True),
                "created_at": w.when(item, "created_at"),
            }
        )
    parents = {f["sha256"]: f["derived_from"] for f in out}
    for f in out:
        w = Where(path, f["sha256"])
        if f["derived_from"] is not None and f["derived_from"] not in parents:
            w.fail("derived_from", f"{f['derived_from']} is not in files.json")
        chain, node = {f["sha256"]}, f["derived_from"]
        while node is not None:
            if node in chain:
                w.fail("derived_from", "a file cannot be derived from itself (a cycle)")
            chain.add(node)
            node = parents[node]
    # every payload file: present, a regular file (not a link), listed, of the recorded size
    folder = data / "files"
    if folder.is_symlink() or not folder.is_dir():
        fail(folder, "missing from the bag (or not a folder)")
    for p in folder.iterdir():
        if p.name not in seen:
            fail(p, "not listed in files.json")
    for f in out:
        w = Where(path, f["sha256"])
        p = folder / f["sha256"]
        try:
            st = os.lstat(p)
        except FileNotFoundError:
            w.fail("sha256", f"the file data/files/{f['sha256']} is missing from the bag")
        if stat.S_ISLNK(st.st_mode):
            w.fail("sha256", f"data/files/{f['sha256']} is a symbolic link, not a file")
        if not stat.S_ISREG(st.st_mode):
            w.fail("sha256", f"data/files/{f['sha256']} is not a regular file")
        if st.st_size != f["size"]:
            w.fail("size", f"{f['size']:,} bytes recorded, but data/files/{f['sha256']} has {st.st_size:,}")
    return out


def hash_file(path: Path) -> str:
    """SHA-256 of a regular file in the bag, opened without following a link."""
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise BagError(f"{path}: not a regular file")
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def check_file_contents(data: Path, files: list[dict]) -> None:
    for f in files:
        digest = hash_file(data / "files" / f["sha256"])
        if digest != f["sha256"]:
            fail(
                data / "files.json",
                f"the SHA-256 of data/files/{f['sha256']} does not match its name (it is {digest})",
                record=f["sha256"],
                field="sha256",
            )


def check_collections(data: Path) -> list[dict]:
    path = data / "collections.json"
    items = load_json(path, read_bytes(path, path))
    if not isinstance(items, list):
        fail(path, f"expected a list of collections, got {type(items).__name__}")
    out: list[dict] = []
    for n, item in enumerate(items, start=1):
        label = item.get("identifier") if isinstance(item, dict) and isinstance(item.get("identifier"), str) else n
        w = Where(path, label)
        w.obj(item, None)
        out.append(
            {
                "identifier": w.identifier(item, "identifier"),
                "title": w.text(item, "title", empty=False),
                "description": w.text(item, "description"),
                "parent": w.text(item, "parent", null=True),
            }
        )
    parents: dict[str, str | None] = {}
    for c in out:
        if c["identifier"] in parents:
            Where(path, c["identifier"]).fail("identifier", "listed twice")
        parents[c["identifier"]] = c["parent"]
    for c in out:
        w = Where(path, c["identifier"])
        if c["parent"] is not None and c["parent"] not in parents:
            w.fail("parent", f"{_show(c['parent'])} is not in collections.json")
        chain, node = {c["identifier"]}, c["parent"]
        while node is not None:
            if node in chain:
                w.fail("parent", "a collection cannot be inside itself (a cycle)")
            chain.add(node)
            node = parents[node]
    return out


def check_entry(path: Path, raw: bytes, files: set[str]) -> tuple[dict, str]:
    """Check one ``records/<id>.json``; return the normalised, validated record and its id."""
    entry = load_json(path, raw)
    w = Where(path)
    w.obj(entry, None, "an object with record, workflow, versions and pages")
    record = w.obj(w.get(entry, "record"), "record")
    raw_id = record.get("id")
    w.record = raw_id if isinstance(raw_id, str) else None
    ident = w.identifier(record, "id")
    try:
        rec = validate(normalise({k: v for k, v in record.items() if k not in DERIVED}))
    except RecordError as exc:
        w.fail(exc.field, exc.message)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        w.fail("record", f"cannot be read: {type(exc).__name__}: {exc}")
    if rec["id"] != ident:
        w.fail("id", f"{_show(ident)} is not a valid id (spaces around it)")

    wf = w.obj(w.get(entry, "workflow"), "workflow")
    p = "workflow."
    status = w.get(wf, "status", p)
    if status not in STATUSES:
        w.fail(p + "status", f"{_show(status)} is not a workflow state ({', '.join(STATUSES)})")
    if "status" in record and record["status"] != status:
        w.fail("status", f"{_show(record['status'])} differs from the workflow state {status!r}")
    w.when(wf, "withdrawn_at", p, null=True)
    w.text(wf, "withdrawal_note", p)
    w.when(wf, "created_at", p)
    w.when(wf, "updated_at", p)
    w.when(wf, "published_at", p, null=True)
    w.text(wf, "created_by", p, max_length=150, null=True)
    w.text(wf, "source_format", p, max_length=20, null=True)
    w.text(wf, "source_path", p)
    w.sha256(wf, "content_hash", p, empty=True)

    positions: set[int] = set()
    for i, page in enumerate(w.array(entry, "pages")):
        p = f"pages[{i}]."
        w.obj(page, f"pages[{i}]")
        position = w.integer(page, "position", p, minimum=1)
        if position in positions:
            w.fail(p + "position", f"two pages at position {position}")
        positions.add(position)
        w.text(page, "label", p, max_length=100)
        for key in ("source", "image"):
            sha = w.sha256(page, key, p)
            if sha not in files:
                w.fail(p + key, f"{sha} is not in files.json")
        w.integer(page, "source_page", p)
        iiif = w.get(page, "iiif_id", p)
        if not isinstance(iiif, str) or not _IIIF.fullmatch(iiif):
            w.fail(
                p + "iiif_id",
                f"{_show(iiif)} is not an image identifier (letters, digits, '_' and '-', "
                "at most 128; no '/', '.' or '../')",
            )
        w.integer(page, "width", p, minimum=1)
        w.integer(page, "height", p, minimum=1)
        for j, code in enumerate(w.array(page, "languages", p)):
            if not isinstance(code, str) or not 0 < len(code) <= 12:
                w.fail(f"{p}languages[{j}]", f"{_show(code)} is not a language code")
        w.when(page, "created_at", p)
        ocr = w.get(page, "ocr", p)
        if ocr is not None:
            p += "ocr."
            w.obj(ocr, p[:-1])
            w.text(ocr, "languages", p, max_length=100)
            w.text(ocr, "engine", p, max_length=100)
            w.text(ocr, "text", p)
            w.text(ocr, "hocr", p)
            w.array(ocr, "words", p)
            w.number(ocr, "mean_confidence", p)
            w.when(ocr, "created_at", p)

    last = 0
    for i, version in enumerate(w.array(entry, "versions")):
        p = f"versions[{i}]."
        w.obj(version, f"versions[{i}]")
        number = w.integer(version, "number", p, minimum=1)
        if number <= last:
            w.fail(p + "number", f"version numbers must increase: {number} follows {last}")
        last = number
        w.when(version, "created_at", p)
        w.text(version, "actor", p, max_length=200)
        snapshot = w.obj(w.get(version, "snapshot", p), p + "snapshot")
        if snapshot.get("id") != ident:
            w.fail(p + "snapshot.id", f"{_show(snapshot.get('id'))} is a version of another record")
        w.array(version, "changes", p)
        w.text(version, "note", p)
        w.boolean(version, "erratum", p)
    return rec, ident


def check_records(data: Path, files: set[str]) -> tuple[list[tuple[Path, str]], set[str]]:
    folder = data / "records"
    if folder.is_symlink() or not folder.is_dir():
        fail(folder, "missing from the bag (or not a folder)")
    out: list[tuple[Path, str]] = []
    seen: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix != ".json":
            fail(path, "not a record (records/<id>.json)")
        raw = read_bytes(path, path)
        _, ident = check_entry(path, raw, files)
        if ident in seen:
            fail(path, f"duplicate identifier: also in data/records/{seen[ident].name}", record=ident, field="id")
        seen[ident] = path
        out.append((path, hashlib.sha256(raw).hexdigest()))
    return out, set(seen)


def check_tombstones(data: Path, records: set[str]) -> list[dict]:
    path = data / "tombstones.json"
    items = load_json(path, read_bytes(path, path))
    if not isinstance(items, list):
        fail(path, f"expected a list of deleted records, got {type(items).__name__}")
    out: list[dict] = []
    seen: set[str] = set()
    for n, item in enumerate(items, start=1):
        label = item.get("identifier") if isinstance(item, dict) and isinstance(item.get("identifier"), str) else n
        w = Where(path, label)
        w.obj(item, None)
        ident = w.identifier(item, "identifier")
        if ident in seen:
            w.fail("identifier", "listed twice")
        if ident in records:
            w.fail("identifier", "the id of a record in this bag: a deleted document's id is never reused")
        seen.add(ident)
        collections = w.array(item, "collections")
        for i, c in enumerate(collections):
            if not isinstance(c, str):
                w.fail(f"collections[{i}]", f"expected a collection id, got {_show(c)}")
        out.append(
            {
                "identifier": ident,
                "title": w.text(item, "title"),
                "collections": collections,
                "deleted_at": w.when(item, "deleted_at"),
            }
        )
    return out


def check_audit(data: Path) -> list[dict]:
    path = data / "audit.jsonl"
    out: list[dict] = []
    for n, line in enumerate(read_bytes(path, path).split(b"\n"), start=1):
        if not line.strip():
            continue
        item = load_json(path, line, line=n)
        w = Where(path, line=n)
        w.obj(item, None)
        out.append(
            {
                "at": w.when(item, "at"),
                "actor": w.text(item, "actor", max_length=200),
                "source": w.text(item, "source", max_length=20),
                "address": w.text(item, "address", max_length=100),
                "action": w.text(item, "action", max_length=60),
                "object_id": w.text(item, "object_id", max_length=300),
                "details": w.get(item, "details"),
            }
        )
    return out


def check_bag(root: Path, info: dict, format_version: str) -> Plan:
    """Check everything a restore of the (BagIt-valid) bag at ``root`` would read; copy and write nothing."""
    data = root / "data"
    for key in ("Readingroom-Format", "Readingroom-Documents"):
        if isinstance(info.get(key), list):
            fail(root / "bag-info.txt", "given more than once", field=key)
    version = info.get("Readingroom-Format")
    if version is not None and version != format_version:
        fail(
            root / "bag-info.txt",
            f"format {_show(version)}: this version reads format {format_version}",
            field="Readingroom-Format",
        )
    for name in TOP_FILES:
        if not (data / name).is_file():
            fail(data / name, "missing from the bag")
    plan = Plan()
    plan.files = check_files(data)
    plan.collections = check_collections(data)
    plan.records, ids = check_records(data, {f["sha256"] for f in plan.files})
    count = info.get("Readingroom-Documents")
    if count is not None and count != str(len(plan.records)):
        fail(
            root / "bag-info.txt",
            f"Readingroom-Documents says {_show(count)}, but the bag holds {len(plan.records)} records",
            field="Readingroom-Documents",
        )
    plan.tombstones = check_tombstones(data, ids)
    plan.audit = check_audit(data)
    check_file_contents(data, plan.files)  # the slow part last
    return plan
