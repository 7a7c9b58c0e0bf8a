"""The ``readingroom`` command as a user runs it: a real subprocess with its own data directory."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import urllib.request

import pytest

from tests.conftest import CLI, CORPUS, RECORD_ID, Served, need, strip_volatile


def test_import_show_export(cli, record_path):
    result = cli("import", str(record_path))
    assert "imported 1, updated 0, unchanged 0, rejected 0" in result.stdout
    assert (cli.data_dir / "readingroom.sqlite3").exists()
    shown = cli("show", RECORD_ID).stdout
    assert shown.startswith("March 14, 1962\nRecord of a Conversation between Deputy Minister Agim Shkëmbi")
    assert "fonds: 490" in shown and "Original Scan (not available)" in shown and "[Signed]" in shown
    as_json = json.loads(cli("show", RECORD_ID, "--format", "json").stdout)
    [exported] = cli.records()
    assert as_json == exported
    missing = cli("show", "nope", check=False)
    assert missing.returncode == 1 and "no document with id 'nope'" in missing.stderr


def test_reimport_is_a_no_op_and_a_change_updates_in_place(cli, record_path, record_text, tmp_path):
    cli("import", str(record_path))
    [before] = cli.records()
    again = cli("import", str(record_path))
    assert "imported 0, updated 0, unchanged 1, rejected 0" in again.stdout
    [same] = cli.records()
    assert same == before  # not even updated_at moves
    changed = tmp_path / "changed.txt"
    changed.write_text(record_text.replace("An invented record", "A short summary"), encoding="utf-8")
    result = cli("import", str(changed))
    assert "imported 0, updated 1, unchanged 0, rejected 0" in result.stdout
    [after] = cli.records()
    assert after["id"] == before["id"] and after["url"] == before["url"] and after["created_at"] == before["created_at"]
    assert after["summary"].startswith("A short summary") and after["updated_at"] > before["updated_at"]


def test_round_trip_through_the_reference_format(cli, record_path, tmp_path):
    cli("import", str(record_path))
    [original] = cli.records()
    out = tmp_path / "seed-export"
    cli("export", "--format", "seed", str(out))
    files = sorted(out.iterdir())
    assert [f.name for f in files] == [f"{RECORD_ID}.txt"]
    # The exported file is the record's file, but for the title's line wrap.
    exported = files[0].read_text(encoding="utf-8")
    source = record_path.read_text(encoding="utf-8")
    assert exported == source.replace("Shkëmbi  \nand", "Shkëmbi and")
    other = CLI(tmp_path / "other-data")
    other("import", str(out))
    [copy] = other.records()
    assert strip_volatile(copy) == strip_volatile(original)


def test_jsonl_export_is_the_api_shape_and_reimports(cli, record_path, tmp_path):
    cli("import", str(record_path))
    jsonl = tmp_path / "archive.jsonl"
    cli("export", "--format", "jsonl", str(jsonl))
    [line] = jsonl.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["id"] == RECORD_ID and record["contents"][0]["available"] is False


def test_malformed_record_is_rejected_with_file_line_field_and_nothing_stored(cli, record_text, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text(
        record_text.replace("\nAlbanian\n", "\nKlingonese\n").replace(RECORD_ID, "rrtest-999"),
        encoding="utf-8",
    )
    good = tmp_path / "good.txt"
    good.write_text(record_text, encoding="utf-8")
    result = cli("import", str(bad), str(good), check=False)
    assert result.returncode == 1
    assert "imported 1, updated 0, unchanged 0, rejected 1" in result.stdout
    assert (
        f"error: {bad}:22: field 'original_languages': 'Klingonese' is not a language known to ISO 639" in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert [r["id"] for r in cli.records()] == [RECORD_ID]
    db = sqlite3.connect(cli.data_dir / "readingroom.sqlite3")
    assert db.execute("select count(*) from documents_document").fetchone() == (1,)
    assert db.execute("select count(*) from documents_text").fetchone() == (2,)  # translation, transcript
    assert db.execute("select count(*) from documents_contentitem").fetchone() == (3,)


def test_wrong_encoding_and_unknown_files(cli, record_text, tmp_path):
    latin = tmp_path / "latin.txt"
    latin.write_bytes(record_text.encode("latin-1", errors="replace"))
    other = tmp_path / "notes.odt"
    other.write_bytes(b"PK\x03\x04 not a record")
    result = cli("import", str(latin), str(other), check=False)
    assert result.returncode == 1
    assert f"{latin}:5: field 'encoding': the file is not UTF-8" in result.stderr
    assert f"{other}: not a format Reading Room can import" in result.stderr
    assert cli.records() == []


def test_folder_import_skips_files_of_no_known_format(cli, record_text, tmp_path):
    folder = tmp_path / "incoming"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "record.txt").write_text(record_text, encoding="utf-8")
    (folder / "README.md").write_text("# not a record\n")
    result = cli("import", str(folder))
    assert "imported 1" in result.stdout and "1 files of no known format skipped" in result.stdout


def test_data_dir_option_and_environment(tmp_path, record_path):
    explicit = tmp_path / "explicit"
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "READINGROOM_DATA_DIR"}}
    result = subprocess.run(
        [sys.executable, "-m", "readingroom.cli", "--data-dir", str(explicit), "import", str(record_path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=env,
    )
    assert "imported 1" in result.stdout
    assert (explicit / "readingroom.sqlite3").exists()
    assert not (tmp_path / "data").exists()


def test_bootstrap_imports_the_demo_corpus_once(cli, seed_path):
    corpus = seed_path.parent.parent
    first = cli("bootstrap", "--corpus", str(corpus))
    m = re.search(r"demo corpus: imported ([\d,]+) documents", first.stderr)
    assert m and int(m[1].replace(",", "")) > 3900, first.stderr
    second = cli("bootstrap", "--corpus", str(corpus))
    assert "archive ready:" in second.stderr and "importing" not in second.stderr
    ids = {r["id"] for r in cli.records()}
    assert {"wilson-300023", "frus1961-63v22/d1", "ungd/ALB_17_1962"} <= ids


def test_bootstrap_leaves_a_users_own_archive_alone(cli, record_path):
    cli("import", str(record_path))
    result = cli("bootstrap", "--corpus", str(record_path.parent.parent))
    assert "not importing the demo corpus" in result.stderr
    assert len(cli.records()) == 1


def test_bootstrap_without_corpus_explains(cli, tmp_path):
    result = cli("bootstrap", "--corpus", str(tmp_path / "nowhere"))
    assert "readingroom import PATH" in result.stderr


def test_serve_runs_gunicorn_workers(cli, record_path):
    cli("import", str(record_path))
    server = Served(cli, workers=2)
    try:
        with urllib.request.urlopen(f"{server.base}/documents/{RECORD_ID}", timeout=5) as r:
            assert "Arkivi Qendror Shtetëror" in r.read().decode()
        with urllib.request.urlopen(f"{server.base}/static/readingroom/site.css", timeout=5) as r:
            assert r.status == 200
        with urllib.request.urlopen(f"{server.base}/api/documents/{RECORD_ID}", timeout=5) as r:
            assert json.loads(r.read())["id"] == RECORD_ID
    finally:
        err = server.stop()
    assert "gunicorn" in err.lower() or "Booting worker" in err
    assert err.count("Booting worker") == 2


@pytest.mark.postgres
def test_the_same_archive_on_postgresql(postgres_url, record_path, tmp_path, cli):
    pg = CLI(tmp_path / "pg-data", env={"READINGROOM_DATABASE_URL": postgres_url})
    result = pg("import", str(record_path))
    assert "imported 1" in result.stdout
    assert "unchanged 1" in pg("import", str(record_path)).stdout
    assert not (pg.data_dir / "readingroom.sqlite3").exists()
    cli("import", str(record_path))
    [on_pg] = pg.records()
    [on_sqlite] = cli.records()
    assert strip_volatile(on_pg) == strip_volatile(on_sqlite)
    bad = tmp_path / "bad.txt"
    bad.write_text(
        record_path.read_text(encoding="utf-8").replace("**March 14, 1962**", "**Marchember 45, 1962**"),
        encoding="utf-8",
    )
    rejected = pg("import", str(bad), check=False)
    assert rejected.returncode == 1 and "field 'date'" in rejected.stderr


@pytest.mark.corpus
def test_progress_lines_and_summary_off_a_terminal(cli):
    volumes = CORPUS / "frus" / "volumes"
    need(volumes.exists(), "the FRUS corpus is missing")
    cli.env["READINGROOM_PROGRESS_EVERY"] = "0.1"
    result = cli("import", str(volumes), check=False)
    lines = [line for line in result.stderr.splitlines() if line.startswith("import: ")]
    assert len(lines) > 3, result.stderr  # plain lines: share done, counts, rate, time left, current file
    assert re.search(
        r"import: +\d+\.\d% [\d,]+ documents \([\d,]+ new, 0 updated, 0 unchanged, \d+ rejected\), "
        r"[\d,]+ documents/s, about [\d,]+ s left; at .+\.xml",
        lines[0],
    ), lines[0]
    assert re.search(
        r"imported 2922, updated 0, unchanged 0, rejected 1 in [\d.]+ s \([\d,]+ documents/s; "
        r"search index: 2,922 in [\d.]+ s\)",
        result.stdout,
    ), result.stdout


def test_progress_moves_through_one_large_json_lines_file(cli, tmp_path):
    # One file of 1,200 records: the share done used to stay at 0.0% until the file's end.
    path = tmp_path / "many.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": f"p-{i}", "title": f"Record {i}", "date": "1962-03-14", "original_languages": ["en"]})
            + "\n"
            for i in range(1200)
        ),
        encoding="utf-8",
    )
    cli.env["READINGROOM_PROGRESS_EVERY"] = "0"
    result = cli("import", str(path), "--batch-size", "100", "--no-index")
    shares = [float(m[1]) for m in re.finditer(r"import: +(\d+\.\d)% ", result.stderr)]
    assert shares, result.stderr
    between = [s for s in shares if 0 < s < 100]
    assert len(between) >= 5, shares  # it moves through the file, not only at its end
    assert between == sorted(between) and between[-1] >= 80, shares
