"""Careless and hostile import files: limits on every input, and importers that never lose or half-store data.

Each test here reproduces a finding of a probe (docs/limits-import.md): control characters and huge fields
accepted, an unclosed CSV quote swallowing rows, a malformed TEI file whose message was not true, deep JSON
ending in a traceback. The fuzz test at the end throws a few hundred generated hostile files at the pipeline.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from lxml import etree

from readingroom.documents.models import Document
from readingroom.ingest.errors import RecordError
from readingroom.ingest.pipeline import import_paths

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
TEI_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body>\n'
TEI_DOC = (
    '<div type="document" xml:id="d{n}" n="{n}">\n'
    "<head>Memorandum number {n}</head>\n"
    '<dateline><date when="1962-10-2{n}">October 2{n}, 1962</date></dateline>\n'
    "<p>Paragraph of document {n}.</p>\n"
    "</div>\n"
)


def ids() -> set[str]:
    return set(Document.objects.values_list("identifier", flat=True))


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


# --- 1. record content: control characters, lengths, sizes ------------------------------------------------


def test_a_control_character_in_a_csv_title_is_refused_naming_file_line_record_and_field(cli, tmp_path):
    table = tmp_path / "probe.csv"
    table.write_bytes(b"id,title\nc-1,nul\x00probe\nc-2,A clean title\n")
    result = cli("import", str(table), check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [err] = error_lines(result.stderr)
    assert err.startswith(f"error: {table}:2: record c-1: field 'title': ")
    assert "control character U+0000" in err
    assert [r["id"] for r in cli.records()] == ["c-2"]


def test_control_characters_in_json_single_line_and_text_fields(tmp_path):
    path = tmp_path / "probe.jsonl"
    lines = [
        {"id": "j-1", "title": "vertical\u000btab"},
        {"id": "j-2", "title": "Fine", "transcripts": [{"language": "en", "text": "bell\u0007here"}]},
        {"id": "j-3", "title": "Fine", "transcripts": [{"language": "en", "text": "next line\u0085(C1)"}]},
        {"id": "j-4", "title": "two\nlines"},
        {"id": "j-5", "title": "Fine", "extra": {"deep": {"note": "esc\u001b[31m"}}},
        {"id": "j-6", "title": "Fine", "subjects": ["tab\there"]},
        # tab, newline and carriage return are text in a text block
        {
            "id": "j-ok",
            "title": "Fine",
            "summary": "one\r\ntwo",
            "transcripts": [{"language": "en", "text": "a\tb\nc\r\nd"}],
        },
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    report = import_paths([path])
    got = sorted((e.line, e.record, e.field) for e in report.errors)
    assert got == [
        (1, "j-1", "title"),
        (2, "j-2", "transcripts[0].text"),
        (3, "j-3", "transcripts[0].text"),
        (4, "j-4", "title"),
        (5, "j-5", "extra.deep.note"),
        (6, "j-6", "subjects[0]"),
    ]
    assert all(re.search(r"contains (a control character U\+00|a line break|a tab)", e.message) for e in report.errors)
    assert ids() == {"j-ok"}


def test_huge_fields_are_refused_and_nothing_of_the_record_is_stored(tmp_path):
    path = tmp_path / "huge.jsonl"
    records = [
        {"id": "h-title", "title": "T" * 5_000_000},
        {"id": "h-text", "title": "Fine", "transcripts": [{"language": "en", "text": "word " * 600_000}]},
        {"id": "h-summary", "title": "Fine", "summary": "s" * 100_000},
        {"id": "h-subject", "title": "Fine", "subjects": ["x" * 5_000]},
        {"id": "h-note", "title": "Fine", "extra": {"footnote": "n" * 100_000}},
        {"id": "h-ok", "title": "Fine", "transcripts": [{"language": "en", "text": "word " * 1000}]},
    ]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    report = import_paths([path])
    got = {e.record: (e.line, e.field) for e in report.errors}
    assert got == {
        "h-title": (1, "title"),
        "h-text": (2, "transcripts[0].text"),
        "h-summary": (3, "summary"),
        "h-subject": (4, "subjects[0]"),
        "h-note": (5, "extra.footnote"),
    }
    assert all("longer than" in e.message and "characters" in e.message for e in report.errors)
    assert ids() == {"h-ok"}


def test_the_limits_are_settings(cli, tmp_path):
    big = tmp_path / "big.jsonl"
    big.write_text(json.dumps({"id": "b-1", "title": "Fine", "summary": "x" * 1_500_000}) + "\n", encoding="utf-8")
    small = tmp_path / "small.jsonl"
    small.write_text(json.dumps({"id": "s-1", "title": "t" * 120}) + "\n", encoding="utf-8")
    env = {"READINGROOM_MAX_IMPORT_FILE_MB": "1", "READINGROOM_MAX_IMPORT_TITLE_CHARS": "100"}
    limited = type(cli)(cli.data_dir, env=env)
    result = limited("import", str(big), str(small), check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errs = error_lines(result.stderr)
    assert f"error: {big}: the file is larger than the import limit of 1 MB (READINGROOM_MAX_IMPORT_FILE_MB)" in errs[0]
    assert errs[1].startswith(f"error: {small}:1: record s-1: field 'title': longer than 100 characters")
    assert limited.records() == []


def test_the_feed_never_fails_on_stored_control_characters(client, tmp_path):
    """Records stored before the import refused control characters may hold them: the feed drops them."""
    path = tmp_path / "ok.jsonl"
    path.write_text(json.dumps({"id": "f-1", "title": "Clean", "summary": "Clean", "subjects": ["Clean"]}) + "\n")
    assert import_paths([path]).imported == 1
    Document.objects.filter(identifier="f-1").update(title="nul\x00probe\x0b", summary="bell\x07", archive="a\x1bb")
    response = client.get("/feed.atom")
    assert response.status_code == 200
    feed = etree.fromstring(response.content)
    [entry] = feed.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "nulprobe"
    assert "bell" in entry.findtext(f"{ATOM}summary")


# --- 2. importers that lose or half-store data ----------------------------------------------------------


def test_an_unclosed_csv_quote_is_an_error_naming_the_line_where_it_opened(cli, tmp_path):
    table = tmp_path / "quote.csv"
    table.write_text(
        "id,title,summary\n"
        "q-0,Before the break,fine\n"
        'q-1,"Unclosed title,summary one\n'
        "q-2,Second row,summary two\n"
        "q-3,Third row,summary three\n",
        encoding="utf-8",
    )
    result = cli("import", str(table), check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [err] = error_lines(result.stderr)
    assert err.startswith(f"error: {table}:3: ")
    assert "quote" in err and "never closed" in err and "line 3" in err
    assert "nothing from line 3 on was read" in err and "only the 1 record before it is imported" in err
    assert [r["id"] for r in cli.records()] == ["q-0"]


def test_a_csv_quote_closed_rows_later_cannot_turn_rows_into_a_title(tmp_path):
    table = tmp_path / "swallow.csv"
    table.write_text(
        'id,title,summary\nq-1,"Unclosed title,summary one\nq-2,Second row",summary two\n',
        encoding="utf-8",
    )
    report = import_paths([table])
    [err] = report.errors
    assert (err.line, err.record, err.field) == (2, "q-1", "title") and "line break" in err.message
    assert ids() == set()


def test_a_csv_quote_followed_by_text_stops_the_file_and_says_so(tmp_path):
    table = tmp_path / "stray.csv"
    table.write_text('id,title\nk-1,Good\nk-2,"Stray" quote\nk-3,Never read\n', encoding="utf-8")
    report = import_paths([table])
    [err] = report.errors
    assert err.line == 3 and err.field == "csv" and "nothing from line 3 on was read" in err.message
    assert "only the 1 record before it is imported" in err.message
    assert ids() == {"k-1"}


def test_a_malformed_tei_file_says_exactly_what_was_stored(cli, tmp_path):
    tei = tmp_path / "frus-probe.xml"
    tei.write_text(
        TEI_HEAD + TEI_DOC.format(n=1) + TEI_DOC.format(n=2) + "<div type='document' <<<\n", encoding="utf-8"
    )
    result = cli("import", str(tei), check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [err] = error_lines(result.stderr)
    assert err.startswith(f"error: {tei}:")
    assert "malformed XML" in err
    assert "nothing after this point was read" in err and "only the 2 records before it are imported" in err
    assert sorted(r["id"] for r in cli.records()) == ["frus-probe/d1", "frus-probe/d2"]
    # ... and a file broken before its first document says that nothing was read.
    broken = tmp_path / "frus-early.xml"
    broken.write_text(TEI_HEAD + "<p>oops</div>" + TEI_DOC.format(n=1), encoding="utf-8")
    result = cli("import", str(broken), check=False)
    [err] = error_lines(result.stderr)
    assert "nothing of this file is imported" in err
    assert sorted(r["id"] for r in cli.records()) == ["frus-probe/d1", "frus-probe/d2"]


def test_json_nested_200000_levels_is_a_plain_error(cli, tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    lines = tmp_path / "deep.jsonl"
    lines.write_text(
        json.dumps({"id": "ok-1", "title": "Fine"})
        + "\n"
        + '{"id": "deep-2", "title": "x", "extra": '
        + '{"a": ' * 100
        + "1"
        + "}" * 100
        + "}\n",
        encoding="utf-8",
    )
    result = cli("import", str(deep), str(lines), check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr and "RecursionError" not in result.stderr
    errs = error_lines(result.stderr)
    assert errs[0] == f"error: {deep}: nesting deeper than 64 levels"
    assert errs[1] == f"error: {lines}:2: nesting deeper than 64 levels"
    assert [r["id"] for r in cli.records()] == ["ok-1"]


def test_json_values_that_crashed_the_reader_are_errors_naming_the_file(cli, tmp_path):
    bigint = tmp_path / "bigint.json"
    bigint.write_text('{"id": "n-1", "title": "x", "extra": {"n": ' + "9" * 5000 + "}}", encoding="utf-8")
    surrogate = tmp_path / "surrogate.json"
    surrogate.write_text(
        '[{"id": "s-1", "title": "lone \\ud800 surrogate"}, {"id": "s-2", "title": "Fine"}]', encoding="utf-8"
    )
    result = cli("import", "--single-process", str(bigint), str(surrogate), check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errs = error_lines(result.stderr)
    assert len(errs) == 2 and errs[0].startswith(f"error: {bigint}") and errs[1].startswith(f"error: {surrogate}")
    assert "n-1" not in {r["id"] for r in cli.records()}
    assert "s-1" not in {r["id"] for r in cli.records()}


def test_a_device_or_fifo_is_refused_without_reading_it(cli, tmp_path):
    result = cli("import", "--format", "json", "/dev/zero", check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [err] = error_lines(result.stderr)
    assert err.startswith("error: /dev/zero: ") and "not a regular file" in err


# --- 3. fuzz: a few hundred generated hostile files --------------------------------------------------------

CONTROL = [chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32), 127, 0x85, 0x9B)]


def _noise(rng: random.Random, n: int) -> str:
    alphabet = "abc xyz,;\"'<>&{}[]:\n\t\\" + "".join(CONTROL) + "é中\u2028\ufeff\ufffe"
    return "".join(rng.choice(alphabet) for _ in range(n))


def _record(rng: random.Random, ident: str) -> dict:
    rec: dict = {"id": ident, "title": rng.choice(["A title", _noise(rng, 12), "T" * rng.choice([10, 5000])])}
    if rng.random() < 0.5:
        rec["transcripts"] = [
            {"language": rng.choice(["en", "xx", None]), "text": rng.choice(["text", _noise(rng, 30), "w" * 30_000])}
        ]
    if rng.random() < 0.3:
        rec["date"] = rng.choice(["1962", "not a date", {"start": "1962-13-01"}, 5, None])
    if rng.random() < 0.3:
        rec["subjects"] = rng.choice([["Cuba"], "Cuba", [{"a": 1}], [_noise(rng, 5)]])
    if rng.random() < 0.3:
        nest: object = "leaf"
        for _ in range(rng.choice([3, 70])):
            nest = {"k": nest}
        rec["extra"] = nest
    return rec


def _hostile_file(rng: random.Random, folder: Path, n: int) -> tuple[Path, set[str]]:
    """A generated file and the ids a record of it may carry."""
    kind = rng.choice(["bytes", "json", "jsonl", "csv", "tei", "seed", "deep"])
    own = {f"fz{n}-{k}" for k in range(4)}
    records = [_record(rng, f"fz{n}-{k}") for k in range(rng.randint(1, 4))]
    if kind == "bytes":
        path = folder / f"f{n}{rng.choice(['.json', '.jsonl', '.csv', '.tsv', '.xml', '.txt'])}"
        data = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 400)))
        if path.suffix == ".xml":
            data = b'<TEI xmlns="http://www.tei-c.org/ns/1.0">' + data
        path.write_bytes(data)
        return path, own
    if kind == "deep":
        path = folder / f"f{n}.json"
        depth = rng.choice([65, 1000, 5000, 100_000])
        path.write_text(rng.choice(["[", '{"a":']) * depth, encoding="utf-8")
        return path, own
    if kind in {"json", "jsonl"}:
        path = folder / f"f{n}.{kind}"
        text = json.dumps(records) if kind == "json" else "\n".join(json.dumps(r) for r in records)
    elif kind == "csv":
        path = folder / f"f{n}.csv"
        rows = ["id,title,summary,transcript:en"]
        for r in records:
            cells = [r["id"], r["title"] if isinstance(r["title"], str) else "", _noise(rng, 8), "body"]
            rows.append(",".join(rng.choice([c, '"' + c.replace('"', '""') + '"', '"' + c]) for c in cells))
        text = "\n".join(rows) + "\n"
    elif kind == "tei":
        path = folder / f"f{n}.xml"
        own = {f"f{n}/d{k}" for k in range(1, 5)}
        body = "".join(
            TEI_DOC.format(n=k).replace("Memorandum", rng.choice(["Memo", _noise(rng, 6).replace("<", "")]))
            for k in range(1, rng.randint(2, 5))
        )
        text = TEI_HEAD + body + "</body></text></TEI>\n"
    else:
        path = folder / f"f{n}.txt"
        own = {f"f{n}", f"wilson-{n}"}
        text = (
            "**July 22, 1963**\n\n**" + records[0]["title"] + '**\n\n**Citation:**\n\n"T", July 22, 1963, Archive.'
            f" <https://digitalarchive.wilsoncenter.org/document/{n}>\n\n**Contents:**\n\n"
            "Translation - English\n\nBody " + _noise(rng, 20) + "\n"
        )
    if rng.random() < 0.4:  # truncated
        text = text[: rng.randint(0, len(text))]
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path, own


def _stored_record_is_clean(doc: Document) -> None:
    for value in (doc.title, doc.summary, doc.date_display, doc.archive):
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", value), (doc.identifier, value)
    assert "\n" not in doc.title and len(doc.title) <= 2000


def test_fuzz_hostile_files_through_the_pipeline(tmp_path, settings):
    settings.READINGROOM_MAX_IMPORT_TEXT_CHARS = 20_000  # "huge" stays quick to generate
    rng = random.Random(20240601)
    folder = tmp_path / "fuzz"
    folder.mkdir()
    rejected_files = 0
    for n in range(300):
        path, own = _hostile_file(rng, folder, n)
        try:
            report = import_paths([path], index=False, batch_size=rng.choice([1, 500]))
        except Exception as exc:  # noqa: BLE001 - the point: nothing may escape
            pytest.fail(f"{path.name}: {type(exc).__name__}: {exc}\n{path.read_bytes()[:300]!r}")
        stored = ids() & own
        for err in report.errors:
            assert isinstance(err, RecordError)
            assert str(err).startswith(str(path)) and str(err).isprintable(), str(err)
            assert "Traceback" not in str(err)
            if err.record and err.record in own:
                assert err.record not in stored, f"{path.name}: rejected {err.record} was stored"
        rejected_files += bool(report.errors)
        for doc in Document.objects.filter(identifier__in=stored):
            _stored_record_is_clean(doc)
    assert rejected_files > 100  # the generator really is hostile


def test_fuzz_a_handful_through_the_cli(cli, tmp_path):
    rng = random.Random(7)
    folder = tmp_path / "cli-fuzz"
    folder.mkdir()
    paths = [_hostile_file(rng, folder, n)[0] for n in range(12)]
    result = cli("import", *map(str, paths), check=False)
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr[-2000:]
    for line in error_lines(result.stderr):
        assert any(line.startswith(f"error: {p}") for p in paths), line
    for record in cli.records():
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", record["title"])


def test_an_empty_original_language_is_a_field_error_not_an_unreadable_record(tmp_path):
    path = tmp_path / "languages.jsonl"
    lines = [
        {"id": "l-1", "title": "Fine", "original_languages": [None]},
        {"id": "l-2", "title": "Fine", "original_languages": ["sq", ""]},
        {"id": "l-ok", "title": "Fine", "original_languages": ["sq"]},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    report = import_paths([path])
    got = sorted((e.line, e.record, e.field) for e in report.errors)
    assert got == [(1, "l-1", "original_languages[0]"), (2, "l-2", "original_languages[1]")]
    assert all("empty entry" in e.message and "TypeError" not in e.message for e in report.errors)
    assert ids() == {"l-ok"}


@pytest.mark.django_db
def test_an_import_collects_cycles_rarely_and_gives_the_thresholds_back(tmp_path, monkeypatch):
    """An import runs the cyclic garbage collector rarely (readingroom.ingest.pipeline.fewer_collections) and
    restores the thresholds in force before, after a good import and after one that fails, so a long-lived
    process (a web worker, the job worker) keeps its own."""
    import gc

    from readingroom.ingest import pipeline

    before = gc.get_threshold()
    seen = []
    real = pipeline.store_batch

    def spy(*args, **kwargs):
        seen.append(gc.get_threshold())
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "store_batch", spy)
    path = tmp_path / "one.jsonl"
    path.write_text(
        json.dumps(
            {
                "id": "gc-1",
                "title": "A note",
                "date": "1961-01-01",
                "original_languages": ["en"],
                "transcripts": [{"language": "en", "text": "A short note."}],
            }
        )
        + "\n"
    )
    assert import_paths([path], parallel=True).imported == 1
    assert seen == [pipeline.IMPORT_GC_THRESHOLDS] and gc.get_threshold() == before

    def boom(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(pipeline, "store_batch", boom)
    path.write_text(path.read_text().replace("gc-1", "gc-2"))
    with pytest.raises(RuntimeError):
        import_paths([path])
    assert gc.get_threshold() == before


@pytest.mark.django_db
def test_an_import_checkpoints_the_log_rarely_and_gives_the_setting_back(tmp_path, monkeypatch):
    """On SQLite an import lets the write-ahead log gather more pages before a checkpoint
    (readingroom.ingest.pipeline.fewer_checkpoints) and restores the setting in force before, after a good import
    and after one that fails: the connection may be a web worker's or the job worker's."""
    from django.db import connection

    from readingroom.ingest import pipeline

    def pages() -> int:
        with connection.cursor() as cur:
            cur.execute("PRAGMA wal_autocheckpoint")
            return int(cur.fetchone()[0])

    before = pages()
    seen = []
    real = pipeline.store_batch

    def spy(*args, **kwargs):
        seen.append(pages())
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "store_batch", spy)
    record = {
        "id": "wal-1",
        "title": "A note",
        "date": "1961-01-01",
        "original_languages": ["en"],
        "transcripts": [{"language": "en", "text": "A short note."}],
    }
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(record) + "\n")
    assert import_paths([path]).imported == 1
    assert seen == [pipeline.IMPORT_WAL_PAGES] and pages() == before != pipeline.IMPORT_WAL_PAGES

    def boom(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(pipeline, "store_batch", boom)
    path.write_text(json.dumps({**record, "id": "wal-2"}) + "\n")
    with pytest.raises(RuntimeError):
        import_paths([path])
    assert pages() == before
