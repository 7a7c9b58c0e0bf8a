"""Preservation: fixity checks find missing and altered files; BagIt export validates with bagit.py and
restores into an empty archive with an identical export, SQLite -> PostgreSQL -> SQLite; an online backup
of a live SQLite archive while an import writes to it. On the fixture corpus: its seed-format record with a
typewritten scan, and eight FRUS documents."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CLI, FRUS_DOCUMENTS, FRUS_VOLUME, RECORD, RECORD_ID, TYPED_PAGES, Served, typewritten_page

VOLUME = FRUS_VOLUME
DOC = RECORD_ID
#: the archive build_archive makes: the record and the FRUS documents, but the deleted one
DOCUMENTS = 1 + FRUS_DOCUMENTS - 1


def build_archive(cli: CLI, ocr: bool = True) -> None:
    cli("import", str(RECORD), str(VOLUME))
    scan = typewritten_page(cli.data_dir.parent / "typed_p001.png", TYPED_PAGES[0])  # "Experimental neurosis ..."
    cli("attach", DOC, str(scan), "--language", "en", *([] if ocr else ["--no-ocr"]))
    if ocr:
        cli("worker", "--once")
    cli("withdraw", "frus1961-63v22/d3", "--note", "test withdrawal")
    cli("delete", "frus1961-63v22/d4")


def test_fixity_reports_missing_and_altered_files_by_path_and_document(cli, tmp_path):
    build_archive(cli, ocr=False)
    ok = cli("fixity")
    assert ok.returncode == 0 and "all intact" in ok.stderr
    record = json.loads(cli("show", DOC, "--format", "json").stdout)
    sha = record["pages"][0]["file"]["sha256"]
    path = cli.data_dir / "files" / sha[:2] / sha[2:4] / sha
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    bad = cli("fixity", check=False)
    assert bad.returncode == 1
    assert f"ALTERED: {path}" in bad.stdout and DOC in bad.stdout
    path.unlink()
    missing = cli("fixity", check=False)
    assert missing.returncode == 1 and f"MISSING: {path}" in missing.stdout and DOC in missing.stdout
    events = cli(
        "manage",
        "shell",
        "-c",
        "from readingroom.preservation.models import PreservationEvent as E; "
        "print([(e.event_type, e.outcome) for e in E.objects.order_by('id')])",
    ).stdout
    assert events.count("('fixity check', 'pass')") == 1 and events.count("('fixity check', 'fail')") == 4


def manifest(bag: Path) -> dict[str, str]:
    out = {}
    for line in (bag / "manifest-sha256.txt").read_text().splitlines():
        digest, name = line.split(None, 1)
        out[name] = digest
    return out


def same_bag(a: Path, b: Path) -> None:
    """Every payload file identical; the audit log of b is a's plus b's own restore event."""
    ma, mb = manifest(a), manifest(b)
    audit = "data/audit.jsonl"
    assert {k: v for k, v in ma.items() if k != audit} == {k: v for k, v in mb.items() if k != audit}
    la = (a / audit).read_text().splitlines()
    lb = (b / audit).read_text().splitlines()
    assert lb[: len(la)] == la and [json.loads(x)["action"] for x in lb[len(la) :]] == ["bag.restore"]


@pytest.mark.postgres
def test_bag_export_validates_and_restores_identically_sqlite_to_postgres_and_back(tmp_path, postgres_url):
    sqlite = CLI(tmp_path / "sqlite")
    build_archive(sqlite)
    bag1 = tmp_path / "bag1"
    assert f"{DOCUMENTS} documents" in sqlite("bag", "export", str(bag1)).stdout
    check = subprocess.run([sys.executable, "-m", "bagit", "--validate", str(bag1)], capture_output=True, text=True)
    assert check.returncode == 0 and "is valid" in check.stderr
    info = (bag1 / "bag-info.txt").read_text()
    assert f"Readingroom-Documents: {DOCUMENTS}" in info and (bag1 / "manifest-sha512.txt").exists()

    pg = CLI(tmp_path / "pg", env={"READINGROOM_DATABASE_URL": postgres_url})
    assert f"restored {DOCUMENTS} documents and 1 files" in pg("bag", "restore", str(bag1)).stdout
    bag2 = tmp_path / "bag2"
    pg("bag", "export", str(bag2))
    same_bag(bag1, bag2)
    # the restored archive works: search (rebuilt index), OCR text, the withdrawn document, the scan's file
    assert pg("search", "neurosis").stdout.startswith("1 result")
    assert json.loads(pg("show", "frus1961-63v22/d3", "--format", "json").stdout)["status"] == "withdrawn"
    assert pg("fixity").returncode == 0

    back = CLI(tmp_path / "sqlite2")
    back("bag", "restore", str(bag2))
    bag3 = tmp_path / "bag3"
    back("bag", "export", str(bag3))
    same_bag(bag2, bag3)
    # restoring into an archive that is not empty is refused; a damaged bag is refused
    assert back("bag", "restore", str(bag1), check=False).returncode == 1
    (bag1 / "data" / "records" / f"{DOC}.json").write_text("{}")
    fresh = CLI(tmp_path / "fresh")
    result = fresh("bag", "restore", str(bag1), check=False)
    assert result.returncode == 1 and "not a valid bag" in result.stderr


def test_bag_export_of_one_collection(cli, tmp_path):
    build_archive(cli, ocr=False)
    bag = tmp_path / "bag"
    out = cli("bag", "export", str(bag), "--collection", "frus1961-63v22").stdout
    assert f"{FRUS_DOCUMENTS - 1} documents" in out  # the volume without the deleted one; the record is not in it
    names = {p.name for p in (bag / "data" / "records").iterdir()}
    assert f"{DOC}.json" not in names and "frus1961-63v22~d1.json" in names


def test_online_backup_while_serving_and_importing(cli, tmp_path):
    cli("import", str(RECORD))
    scan = typewritten_page(tmp_path / "typed_p001.png", TYPED_PAGES[0])
    cli("attach", DOC, str(scan), "--no-ocr")
    server = Served(cli)
    try:
        writer = subprocess.Popen(
            [sys.executable, "-m", "readingroom.cli", "import", str(VOLUME), "--quiet"],
            env=cli.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        dest = tmp_path / "backup"
        out = cli("backup", str(dest)).stdout
        assert "backup:" in out and "1 files" in out
        assert writer.wait(timeout=300) == 0
    finally:
        server.stop()
    copy = CLI(dest)
    record = json.loads(copy("show", DOC, "--format", "json").stdout)
    assert record["pages"][0]["file"]["name"] == scan.name
    assert copy("fixity").returncode == 0
    count = copy(
        "manage", "shell", "-c", "from readingroom.documents.models import Document; print(Document.objects.count())"
    )
    assert 1 <= int(count.stdout.strip().splitlines()[-1]) <= 1 + FRUS_DOCUMENTS  # a consistent moment of the import
