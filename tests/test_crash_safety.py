"""kill -9 an import at a random moment; run it again; every record is there exactly once, complete."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import CLI, free_port, CORPUS, SEED, need

FRUS = CORPUS / "frus" / "volumes"


def _count(db) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("select count(*) from documents_document").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def _orphans(db) -> int:
    """Documents missing a part every FRUS document has (its volume collection): a half-stored record."""
    con = sqlite3.connect(db)
    try:
        return con.execute(
            "select count(*) from documents_document d where not exists "
            "(select 1 from documents_documentcollection c where c.document_id = d.id)"
        ).fetchone()[0]
    finally:
        con.close()


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def _queued(db) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute("select count(*) from search_indexqueue").fetchone()[0]
    finally:
        con.close()



def _hashes(db) -> dict[str, str]:
    con = sqlite3.connect(db)
    try:
        return dict(con.execute("select identifier, content_hash from documents_document"))
    finally:
        con.close()


@pytest.mark.parametrize("kill_after", [150, 1400])
def test_kill_9_then_rerun_gives_every_record_exactly_once(tmp_path, kill_after):
    need(FRUS.exists(), f"the FRUS corpus is not at {FRUS}")
    interrupted = CLI(tmp_path / "interrupted")
    interrupted("bootstrap")  # create the database first, so polling it is meaningful
    db = interrupted.data_dir / "readingroom.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-m", "readingroom.cli", "import", str(FRUS), "--batch-size", "50", "--quiet"],
        env=interrupted.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while _count(db) < kill_after and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the import finished before it could be killed"
    readers = _children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in readers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert readers and not any(_alive(pid) for pid in readers), "the reader process outlived the killed import"
    stored = _count(db)
    assert 0 < stored < 2922
    assert _orphans(db) == 0  # nothing half-stored is visible
    queued = _queued(db)
    assert 0 < queued <= stored  # stored, not yet searchable: the durable queue remembers

    rerun = interrupted("import", str(FRUS), check=False)
    assert rerun.returncode == 1  # the one real document without a title (d72a) is rejected each time
    assert f"unchanged {stored}," in rerun.stdout

    clean = CLI(tmp_path / "clean")
    clean("import", str(FRUS), check=False)
    assert _hashes(db) == _hashes(clean.data_dir / "readingroom.sqlite3")
    assert len(_hashes(db)) == 2922 and _orphans(db) == 0  # 2,923 documents, one of them without a title
    assert _queued(db) == 0
    found = json.loads(interrupted("search", "--format", "json").stdout)
    assert found["total"] == 2922  # every record searchable exactly once


def test_serve_heals_an_index_left_behind(tmp_path):
    seed_path = SEED
    need(seed_path.exists(), "the reference record is missing")
    cli = CLI(tmp_path / "data")
    other = tmp_path / "other.txt"
    other.write_text(seed_path.read_text(encoding="utf-8").replace("/document/300023", "/document/300024")
                     .replace("Mëhilli", "Someone Else"), encoding="utf-8")
    cli("import", str(other))  # indexed
    cli("import", "--no-index", str(seed_path))  # stored; its index update left in the queue, as after a crash
    db = cli.data_dir / "readingroom.sqlite3"
    assert _queued(db) == 1
    assert json.loads(cli("search", "mëhilli", "--format", "json").stdout)["total"] == 0
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "readingroom.cli", "serve", "--port", str(port), "--workers", "1"],
                            env=cli.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=mehilli", timeout=5) as r:
                    body = json.loads(r.read())
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.2)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "catching up with 1 queued changes" in err
    assert [d["id"] for d in body["results"]] == ["wilson-300023"]
    assert _queued(db) == 0


def test_serve_builds_a_missing_index_from_the_records(tmp_path):
    need(SEED.exists(), "the reference record is missing")
    cli = CLI(tmp_path / "data")
    cli("import", "--no-index", str(SEED))  # records, but an empty index (as after a schema change wiped it)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "readingroom.cli", "serve", "--port", str(port), "--workers", "1"],
                            env=cli.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=mehilli", timeout=5) as r:
                    body = json.loads(r.read())
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.2)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "building it from the records" in err
    assert [d["id"] for d in body["results"]] == ["wilson-300023"]
