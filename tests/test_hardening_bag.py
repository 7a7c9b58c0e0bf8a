"""``readingroom bag restore`` of a bag that is broken but self-consistent (tampered with, then its BagIt
manifests recomputed, so BagIt validation passes): every field and path is checked before anything is
copied; the restore ends with exit 1 and a one-line error naming the bag file, the record and the field;
the target data directory is left as it was (no documents, no files). A good bag still restores
identically. No corpus needed: a few records written here, a PNG made with Pillow."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import bagit
import pytest

from tests.conftest import CLI
from tests.test_preservation import same_bag

RECORDS = [
    {
        "id": "test-1",
        "title": "A letter",
        "date": "July 22, 1963",
        "original_languages": ["English"],
        "summary": "A test record.",
        "translations": [{"language": "en", "text": "Dear sir."}],
        "collections": [{"id": "coll-a", "title": "Collection A"}],
    },
    {"id": "test/2", "title": "A second letter", "date": "1964-01-02", "original_languages": ["en"]},
    {"id": "test-3", "title": "Deleted later", "date": "1965"},
]
TABLES = [
    "documents_document",
    "documents_collection",
    "documents_tombstone",
    "scans_storedfile",
    "scans_page",
    "scans_ocrtext",
    "history_documentversion",
    "history_auditevent",
]


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict:
    """A small archive (a page on test-1 and two versions of it, a page on
    test/2, withdrawn, and a deleted document) exported
    as a bag by the real CLI, and the names a fresh data directory holds."""
    from PIL import Image, ImageDraw

    root = tmp_path_factory.mktemp("made")
    src = CLI(root / "source")
    records = root / "records.jsonl"
    records.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    png = root / "page.png"
    image = Image.new("RGB", (80, 50), "white")
    ImageDraw.Draw(image).text((5, 15), "Tirana", fill="black")
    image.save(png)
    png2 = root / "page2.png"
    Image.new("L", (30, 40), 200).save(png2)
    src("import", str(records))
    src("attach", "test-1", str(png), "--no-ocr")
    src("attach", "test/2", str(png2), "--no-ocr")
    changed = [dict(RECORDS[0], summary="A corrected test record.")]
    records.write_text("".join(json.dumps(r) + "\n" for r in changed), encoding="utf-8")
    src("import", str(records))  # a change of a published document: two versions
    src("withdraw", "test/2", "--note", "test withdrawal")
    src("delete", "test-3")
    bag = root / "bag"
    assert "2 documents and 2 files" in src("bag", "export", str(bag)).stdout
    fresh = CLI(root / "fresh")
    fresh("jobs")
    shas = [f["sha256"] for f in json.loads((bag / "data" / "files.json").read_text())]
    return {"bag": bag, "png": png, "sha": shas[0], "shas": shas, "fresh": {p.name for p in fresh.data_dir.iterdir()}}


def copy_bag(made: dict, tmp_path: Path) -> Path:
    bag = tmp_path / "bag"
    shutil.copytree(made["bag"], bag, symlinks=True)
    return bag


def resign(bag: Path) -> None:
    """Recompute the bag's manifests after tampering, as an attacker would: BagIt validation passes."""
    links = [p for p in bag.rglob("*") if p.is_symlink()]
    try:
        bagit.Bag(str(bag)).save(processes=1, manifests=True)  # hashes what a link points to
    except bagit.BagError:
        if not links:  # bagit.py itself refuses to re-open a bag whose manifest names a link out of it
            raise
    if not links:
        bagit.Bag(str(bag)).validate(processes=1)


def edit_json(path: Path, change: Callable) -> None:
    value = json.loads(path.read_text(encoding="utf-8"))
    change(value)
    path.write_text(json.dumps(value, indent=1), encoding="utf-8")


def record(bag: Path, name: str = "test-1") -> Path:
    return bag / "data" / "records" / f"{name}.json"


def assert_untouched(target: CLI, made: dict) -> None:
    """The target data directory holds what a fresh one holds: no rows, no files, no staging folder."""
    data = target.data_dir
    names = {p.name for p in data.iterdir()}
    assert names <= made["fresh"] | {"readingroom.sqlite3-wal", "readingroom.sqlite3-shm"}, names
    assert not (data / "files").exists() or not [p for p in (data / "files").rglob("*") if not p.is_dir()]
    with sqlite3.connect(data / "readingroom.sqlite3") as db:
        counts = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # noqa: S608
    assert counts == dict.fromkeys(TABLES, 0), counts


def refused(made: dict, tmp_path: Path, bag: Path, *needles: str) -> str:
    target = CLI(tmp_path / "target")
    result = subprocess.run(
        [sys.executable, "-m", "readingroom.cli", "bag", "restore", str(bag)],
        env=target.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    err = result.stderr
    assert result.returncode == 1, (result.returncode, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"error: {bag}/"), err
    for needle in needles:
        assert needle in err, (needle, err)
    assert_untouched(target, made)
    return err


def test_a_good_bag_restores_identically(made, tmp_path):
    bag = copy_bag(made, tmp_path)
    target = CLI(tmp_path / "target")
    assert "restored 2 documents and 2 files" in target("bag", "restore", str(bag)).stdout
    again = tmp_path / "again"
    target("bag", "export", str(again))
    same_bag(bag, again)
    assert target("fixity").returncode == 0
    assert not [p for p in target.data_dir.iterdir() if p.name.startswith(".restore")]


# Each tampering: what it does to the bag, and what the one-line error must name.


def _status(bag, made):
    edit_json(record(bag), lambda e: e["workflow"].__setitem__("status", "bogus"))
    return "data/records/test-1.json: record test-1: field 'workflow.status'", "bogus"


def _iiif_dotdot(bag, made):
    edit_json(record(bag), lambda e: e["pages"][0].__setitem__("iiif_id", "../../../tmp/evil"))
    return "data/records/test-1.json: record test-1: field 'pages[0].iiif_id'", "../"


def _page_absolute(bag, made):
    outside = bag.parent / "outside.png"
    shutil.copyfile(made["png"], outside)
    edit_json(record(bag), lambda e: e["pages"][0].__setitem__("image", str(outside)))
    return "data/records/test-1.json: record test-1: field 'pages[0].image'", "SHA-256"


def _files_absolute_fifo(bag, made):
    # files.json names an absolute path outside the bag: a FIFO, so opening it would hang the restore
    fifo = bag.parent / "fifo"
    os.mkfifo(fifo)
    edit_json(bag / "data" / "files.json", lambda fs: fs[0].__setitem__("sha256", str(fifo)))
    edit_json(record(bag), lambda e: e["pages"][0].update(source=str(fifo), image=str(fifo)))
    return "data/files.json: record 1: field 'sha256'", "SHA-256"


def _etc_passwd(bag, made):
    edit_json(bag / "data" / "files.json", lambda fs: fs[0].__setitem__("sha256", "/etc/passwd"))
    edit_json(record(bag), lambda e: e["pages"][0].update(source="/etc/passwd", image="/etc/passwd"))
    return "data/files.json: record 1: field 'sha256'", "/etc/passwd"


def _etc_passwd_dotdot(bag, made):
    edit_json(bag / "data" / "files.json", lambda fs: fs[0].__setitem__("sha256", "../../../../../../etc/passwd"))
    return "data/files.json: record 1: field 'sha256'", "SHA-256"


def _missing_file(bag, made):
    (bag / "data" / "files" / made["sha"]).unlink()
    return f"data/files.json: record {made['sha']}: field 'sha256'", "missing"


def _altered_file(bag, made):
    path = bag / "data" / "files" / made["sha"]
    data = bytearray(path.read_bytes())
    data[-20] ^= 0xFF  # same size, other bytes
    path.unlink()  # a hard link to the source archive's file: write a new one
    path.write_bytes(bytes(data))
    return f"data/files.json: record {made['sha']}: field 'sha256'", "does not match"


def _malformed_json(bag, made):
    record(bag).write_text('{"record": {"id": "test-1", ', encoding="utf-8")
    return "data/records/test-1.json", "JSON"


def _wrong_type_page(bag, made):
    edit_json(record(bag), lambda e: e["pages"][0].__setitem__("width", "wide"))
    return "data/records/test-1.json: record test-1: field 'pages[0].width'", "integer"


def _wrong_type_title(bag, made):
    edit_json(record(bag), lambda e: e["record"].__setitem__("title", ["A", "list"]))
    return "data/records/test-1.json: record test-1: field 'title'", ""


def _wrong_type_timestamp(bag, made):
    edit_json(record(bag, "test~2"), lambda e: e["workflow"].__setitem__("created_at", "yesterday"))
    return "data/records/test~2.json: record test/2: field 'workflow.created_at'", "date and time"


def _missing_field(bag, made):
    edit_json(record(bag), lambda e: e.pop("pages"))
    return "data/records/test-1.json: record test-1: field 'pages'", "missing"


def _duplicate_identifier(bag, made):
    shutil.copyfile(record(bag), record(bag, "test-1-again"))
    return "record test-1: field 'id'", "duplicate"


def _bad_identifier(bag, made):
    edit_json(record(bag, "test~2"), lambda e: e["record"].__setitem__("id", "../test-2"))
    return "data/records/test~2.json: record ../test-2: field 'id'", ""


def _symlink_out(bag, made):
    # the payload file replaced by a symlink to an identical file outside the bag: checksums all match
    outside = bag.parent / "outside.png"
    shutil.copyfile(made["png"], outside)
    path = bag / "data" / "files" / made["sha"]
    path.unlink()
    path.symlink_to(outside)
    return f"data/files/{made['sha']}", "symbolic link"


def _versions(bag, made):
    edit_json(record(bag), lambda e: e["versions"][1].__setitem__("number", 1))
    return "data/records/test-1.json: record test-1: field 'versions[1].number'", ""


def _version_of_another_record(bag, made):
    edit_json(record(bag), lambda e: e["versions"][0]["snapshot"].__setitem__("id", "test/2"))
    return "data/records/test-1.json: record test-1: field 'versions[0].snapshot.id'", ""


def _unknown_file_reference(bag, made):
    edit_json(record(bag), lambda e: e["pages"][0].__setitem__("source", "0" * 64))
    return "data/records/test-1.json: record test-1: field 'pages[0].source'", "files.json"


def _bad_checksum_field(bag, made):
    edit_json(record(bag), lambda e: e["workflow"].__setitem__("content_hash", "xyz"))
    return "data/records/test-1.json: record test-1: field 'workflow.content_hash'", "hex"


def _tombstone_reuses_id(bag, made):
    edit_json(bag / "data" / "tombstones.json", lambda ts: ts[0].__setitem__("identifier", "test-1"))
    return "data/tombstones.json: record test-1: field 'identifier'", ""


def _collection_cycle(bag, made):
    edit_json(bag / "data" / "collections.json", lambda cs: cs[0].__setitem__("parent", "coll-a"))
    return "data/collections.json: record coll-a: field 'parent'", ""


def _audit_line(bag, made):
    with (bag / "data" / "audit.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"action": 5}\n')
    return "data/audit.jsonl:", "field '"


TAMPERING = [
    _status,
    _iiif_dotdot,
    _page_absolute,
    _files_absolute_fifo,
    _etc_passwd,
    _etc_passwd_dotdot,
    _missing_file,
    _altered_file,
    _malformed_json,
    _wrong_type_page,
    _wrong_type_title,
    _wrong_type_timestamp,
    _missing_field,
    _duplicate_identifier,
    _bad_identifier,
    _symlink_out,
    _versions,
    _version_of_another_record,
    _unknown_file_reference,
    _bad_checksum_field,
    _tombstone_reuses_id,
    _collection_cycle,
    _audit_line,
]


@pytest.mark.parametrize("tamper", TAMPERING, ids=[t.__name__.strip("_") for t in TAMPERING])
def test_a_tampered_but_self_consistent_bag_is_refused_and_nothing_is_left_behind(made, tmp_path, tamper):
    bag = copy_bag(made, tmp_path)
    where, what = tamper(bag, made)
    resign(bag)
    refused(made, tmp_path, bag, where, what)


def test_a_symlink_to_etc_passwd_is_refused_before_bagit_reads_it(made, tmp_path):
    bag = copy_bag(made, tmp_path)
    (bag / "data" / "notes.txt").symlink_to("/etc/passwd")
    resign(bag)  # the attacker's manifests include the link's target's checksum
    refused(made, tmp_path, bag, "data/notes.txt", "symbolic link")


def test_a_failure_while_writing_removes_the_files_already_moved_into_place(made, tmp_path):
    """The database transaction fails after the first file was moved into place (the second file's place
    is taken by a folder): the first file is removed again, no row stays, the staging folder is gone."""
    bag = copy_bag(made, tmp_path)
    target = CLI(tmp_path / "target")
    target("jobs")
    first, second = made["shas"]
    blocker = target.data_dir / "files" / second[:2] / second[2:4] / second
    blocker.mkdir(parents=True)
    result = target("bag", "restore", str(bag), check=False)
    err = result.stderr
    assert result.returncode == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: ") and str(blocker) in err and "nothing was restored" in err, err
    assert [p for p in (target.data_dir / "files").rglob("*") if not p.is_dir()] == []
    assert not (target.data_dir / "files" / first[:2]).exists() or first[:2] == second[:2]
    shutil.rmtree(target.data_dir / "files")  # the test's own folders
    assert_untouched(target, made)
    # with the folder gone the same bag restores
    assert "restored 2 documents and 2 files" in target("bag", "restore", str(bag)).stdout
