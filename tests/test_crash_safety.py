"""kill -9 an import at a random moment (of the whole FRUS corpus); run it again; every record is there exactly
once, complete. A server started on an index left behind heals it first (on the fixture corpus's record)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import CLI, CORPUS, RECORD, RECORD_ID, Served, need

FRUS = CORPUS / "frus" / "volumes"
VERSIONED_VOLUMES = ("frus1961-63v06.xml", "frus1961-63v07-09mSupp.xml", "frus1961-63v15.xml", "frus1964-68v17.xml")


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


def _batch_events(db) -> list[dict]:
    """The details of every ``import.batch`` audit event, oldest first."""
    con = sqlite3.connect(db)
    try:
        return [
            json.loads(details)
            for (details,) in con.execute(
                "select details from history_auditevent where action = 'import.batch' order by id"
            )
        ]
    finally:
        con.close()


def _versions(db) -> dict[str, list[tuple[int, str]]]:
    """Each document's versions: (number, title in the snapshot)."""
    con = sqlite3.connect(db)
    try:
        out: dict[str, list[tuple[int, str]]] = {}
        for ident, number, title in con.execute(
            "select d.identifier, v.number, json_extract(v.snapshot, '$.title') from history_documentversion v"
            " join documents_document d on d.id = v.document_id order by d.identifier, v.number"
        ):
            out.setdefault(ident, []).append((number, title))
        return out
    finally:
        con.close()


def _named(events: list[dict], key: str) -> list[str]:
    """Every document the events name under ``key`` (``created`` / ``changed``), repeats kept."""
    return [ident for e in events for ident in e[key]]


def _kill_import(cli, source, db, stored_enough) -> int:
    """Start ``readingroom import SOURCE`` (batches of 50, reader process), kill -9 it once ``stored_enough()``;
    check its reader died with it; return how many documents the database holds."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "readingroom.cli", "import", str(source), "--batch-size", "50", "--quiet"],
        env=cli.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not stored_enough() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the import finished before it could be killed"
    readers = _children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in readers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert readers and not any(_alive(pid) for pid in readers), "the reader process outlived the killed import"
    return _count(db)


@pytest.mark.corpus
@pytest.mark.parametrize("kill_after", [150, 1400])
def test_kill_9_then_rerun_gives_every_record_exactly_once(tmp_path, kill_after):
    need(FRUS.exists(), f"the FRUS corpus is not at {FRUS}")
    interrupted = CLI(tmp_path / "interrupted")
    interrupted("bootstrap")  # create the database first, so polling it is meaningful
    db = interrupted.data_dir / "readingroom.sqlite3"
    stored = _kill_import(interrupted, FRUS, db, lambda: _count(db) >= kill_after)
    assert 0 < stored < 2922
    assert _orphans(db) == 0  # nothing half-stored is visible
    queued = _queued(db)
    assert 0 < queued <= stored  # stored, not yet searchable: the durable queue remembers
    # every stored batch has its audit event (written in the batch's transaction), naming each record once
    created = _named(_batch_events(db), "created")
    assert len(created) == len(set(created)) and set(created) == set(_hashes(db))

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
    created = _named(_batch_events(db), "created")
    assert len(created) == 2922 and set(created) == set(_hashes(db))  # the audit log names each exactly once
    assert _named(_batch_events(db), "changed") == [] and _versions(db) == {}  # new documents: no versions yet


@pytest.mark.corpus
def test_kill_9_while_an_import_changes_published_documents_loses_no_version(tmp_path):
    """An import that rewrites published documents keeps the state before (version 1) and the new one
    (version 2) of each, in the transaction of the batch: after a kill -9 and a rerun, each changed document
    has exactly those two versions and is named once by one audit event."""
    need(FRUS.exists(), f"the FRUS corpus is not at {FRUS}")
    original, revised = tmp_path / "original", tmp_path / "revised"
    original.mkdir()
    revised.mkdir()
    # four of the volumes (1,069 documents: 22 batches of 50; all nine took 94 s of the suite for no more proof)
    for name in VERSIONED_VOLUMES:  # every document's title changes
        text = (FRUS / name).read_text(encoding="utf-8")
        (original / name).write_text(text, encoding="utf-8")
        (revised / name).write_text(text.replace("<head>", "<head>Revised: "), encoding="utf-8")
    cli = CLI(tmp_path / "data")
    cli("import", str(original), check=False)
    db = cli.data_dir / "readingroom.sqlite3"
    first = _hashes(db)
    assert len(first) == 1069 and _versions(db) == {}
    first_events = len(_batch_events(db))

    def changed_now() -> set[str]:
        return {ident for ident, digest in _hashes(db).items() if digest != first[ident]}

    def history_is_exact(changed: set[str]) -> None:
        versions = _versions(db)
        assert set(versions) == changed  # no base version left behind by a batch that was not stored
        for ident in changed:
            assert [number for number, _ in versions[ident]] == [1, 2], f"{ident}: a version lost or repeated"
            (_, before), (_, after) = versions[ident]
            assert not before.startswith("Revised: ") and after.startswith("Revised: ")
        named = _named(_batch_events(db)[first_events:], "changed")
        assert len(named) == len(set(named)) and set(named) == changed

    _kill_import(cli, revised, db, lambda: len(changed_now()) >= 300)
    at_kill = changed_now()
    assert 0 < len(at_kill) < 1069
    history_is_exact(at_kill)

    rerun = cli("import", str(revised), check=False)
    assert f"unchanged {len(at_kill)}," in rerun.stdout
    changed = changed_now()
    assert len(changed) > 1050  # (a document whose title has no plain <head> keeps its title)
    history_is_exact(changed)
    again = cli("import", str(revised), check=False)
    assert "updated 0," in again.stdout
    history_is_exact(changed)  # an import of the same records again adds neither versions nor change events


def _search(served: Served, q: str) -> list[str]:
    with urllib.request.urlopen(f"{served.base}/api/search?q={q}", timeout=30) as r:
        return [d["id"] for d in json.loads(r.read())["results"]]


def test_serve_heals_an_index_left_behind(tmp_path):
    cli = CLI(tmp_path / "data")
    other = tmp_path / "other.txt"
    other.write_text(
        RECORD.read_text(encoding="utf-8").replace(RECORD_ID, "rrtest-900102").replace("Shkëmbi", "Someone Else"),
        encoding="utf-8",
    )
    cli("import", str(other))  # indexed
    cli("import", "--no-index", str(RECORD))  # stored; its index update left in the queue, as after a crash
    db = cli.data_dir / "readingroom.sqlite3"
    assert _queued(db) == 1
    assert json.loads(cli("search", "shkëmbi", "--format", "json").stdout)["total"] == 0
    served = Served(cli, workers=1)  # heals the index before its workers start
    try:
        found = _search(served, "shkembi")
    finally:
        err = served.stop()
    assert "catching up with 1 queued changes" in err
    assert found == [RECORD_ID]
    assert _queued(db) == 0


def test_serve_builds_a_missing_index_from_the_records(tmp_path):
    cli = CLI(tmp_path / "data")
    cli("import", "--no-index", str(RECORD))  # records, but an empty index (as after a schema change wiped it)
    served = Served(cli, workers=1)
    try:
        found = _search(served, "shkembi")
    finally:
        err = served.stop()
    assert "building it from the records" in err
    assert found == [RECORD_ID]


def _open_many(path, times: int) -> None:
    from readingroom.search.backends.tantivy_backend import TantivyBackend

    for _ in range(times):
        TantivyBackend(path)


def test_processes_opening_the_index_together_never_delete_it(tmp_path):
    """When a server starts, its web workers and its index worker open the embedded index at the same moment.
    Every open rewrote the schema-version file, and a process that read it while another had just emptied it
    took the live index for one of another schema and deleted it (seen: the 100k benchmark archive's index
    found empty after a restart, rebuilt at the next serve). An index of another schema is still made anew."""
    import multiprocessing

    from readingroom.search.backends.tantivy_backend import SCHEMA_VERSION, TantivyBackend
    from readingroom.search.documents import search_document
    from tests.test_search_order import record

    path = tmp_path / "index"
    backend = TantivyBackend(path)
    backend.add([search_document(record(i, "Title", "Some text.", "1961-01-01")) for i in range(50)])
    backend.commit()
    backend.close()
    ctx = multiprocessing.get_context("fork")
    openers = [ctx.Process(target=_open_many, args=(path, 200)) for _ in range(4)]
    for p in openers:
        p.start()
    for p in openers:
        p.join(timeout=120)
    assert [p.exitcode for p in openers] == [0, 0, 0, 0]
    assert TantivyBackend(path).count() == 50
    (path / "readingroom-schema-version").write_text("3")
    assert TantivyBackend(path).count() == 0
    assert (path / "readingroom-schema-version").read_text() == SCHEMA_VERSION
