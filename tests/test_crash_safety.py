"""kill -9 an import at a random moment; run it again; every record is there exactly once, complete."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.conftest import CLI, CORPUS, need

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
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stored = _count(db)
    assert 0 < stored < 2922
    assert _orphans(db) == 0  # nothing half-stored is visible

    rerun = interrupted("import", str(FRUS), check=False)
    assert rerun.returncode == 1  # the one real document without a title (d72a) is rejected each time
    assert f"unchanged {stored}," in rerun.stdout

    clean = CLI(tmp_path / "clean")
    clean("import", str(FRUS), check=False)
    assert _hashes(db) == _hashes(clean.data_dir / "readingroom.sqlite3")
    assert len(_hashes(db)) == 2922 and _orphans(db) == 0  # 2,923 documents, one of them without a title
