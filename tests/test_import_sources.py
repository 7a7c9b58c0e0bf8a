"""Bulk import of the sources: FRUS TEI and UN speeches (the fixture corpus; whole volumes and the real speeches
of ../shared/corpus where marked ``corpus``), CSV and JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import etree

from readingroom.documents.exporters import write_jsonl
from readingroom.documents.models import Document
from readingroom.ingest.pipeline import import_paths
from readingroom.ingest.readers.tei import parse_source_note
from readingroom.records.queries import get_document
from readingroom.records.serialise import document_record, iter_records
from tests.conftest import CORPUS, FRUS_DOCUMENTS, FRUS_VOLUME, UN_SPEECHES, need, strip_volatile

pytestmark = pytest.mark.django_db
FRUS = CORPUS / "frus" / "volumes"
N = FRUS_DOCUMENTS
TEI_NS = {"t": "http://www.tei-c.org/ns/1.0"}
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"


@pytest.fixture
def volume() -> Path:
    """FRUS 1961-63 XXII, documents 1-8, with the volume's persons and terms lists (the fixture corpus)."""
    return FRUS_VOLUME


def altered_copy(volume: Path, tmp_path: Path, data: bytes) -> Path:
    """A changed copy of a volume, beside the corpus's bibliography and people records as in the corpus."""
    root = tmp_path / "frus"
    (root / "volumes").mkdir(parents=True)
    for sibling in ("bibliography", "people"):
        (root / sibling).symlink_to(volume.parent.parent / sibling)
    path = root / "volumes" / volume.name
    path.write_bytes(data)
    return path


def record(ident: str) -> dict:
    return document_record(get_document(ident))


@pytest.mark.parametrize(
    "volume, documents, dated",
    [
        pytest.param(FRUS_VOLUME, N, 7, id="fixture"),
        pytest.param(FRUS / "frus1961-63v22.xml", 385, 300, id="whole-volume", marks=pytest.mark.corpus),
    ],
)
def test_frus_volume_imports_every_document_with_its_date(volume, documents, dated):
    report = import_paths([volume])
    tree = etree.parse(str(volume))
    divs = tree.findall(".//t:div[@type='document']", TEI_NS)
    assert report.imported == len(divs) == documents and report.rejected == 0
    assert Document.objects.filter(identifier__startswith="frus1961-63v22/").count() == documents
    checked = 0
    for div in divs:
        when = div.find(".//t:dateline//t:date", TEI_NS)
        if when is not None and when.get("when"):
            doc = Document.objects.get(identifier=f"frus1961-63v22/{div.get(XML_ID)}")
            assert doc.date_start == when.get("when") == doc.date_end
            assert doc.date_display == " ".join("".join(when.itertext()).split())
            checked += 1
    assert checked >= dated


def test_frus_document_fields(volume):
    import_paths([volume])
    d1 = record("frus1961-63v22/d1")
    assert d1["title"] == "Telegram From the Department of State to the Embassy in the Republic of China"
    assert d1["extra"]["number"] == "1" and d1["type"] == "Telegram"
    assert d1["date"] == {
        "display": "January 12, 1961, 8:40 p.m.",
        "start": "1961-01-12T20:40:00",
        "end": "1961-01-12T20:40:00",
        "certainty": "exact",
    }
    assert d1["places"] == [{"name": "Washington", "path": ["Washington"]}]
    assert d1["citation"].startswith("Source: Department of State, Central Files, 793.5-MSP/1-1261. Confidential;")
    assert d1["archival_reference"]["repository"] == "Department of State"
    assert d1["archival_reference"]["series"] == "Central Files"
    assert d1["archival_reference"]["file"] == "793.5-MSP/1-1261"
    assert d1["classification"] == "Confidential" and d1["extra"]["handling"] == "Presidential Handling"
    assert d1["collections"] == [
        {
            "id": "frus1961-63v22",
            "title": "Foreign Relations of the United States, 1961–1963, Volume XXII, Northeast Asia",
        }
    ]
    assert d1["extra"]["pages"] == ["1", "2"]
    [text] = d1["transcripts"]
    assert text["language"] == "en"
    assert text["text"].startswith(
        "310. Deliver following message to President Chiang, advising date time delivery.[1]"
    )
    notes = text["extra"]["footnotes"]
    assert [n["n"] for n in notes] == ["1", "2", "3"]
    assert notes[0]["text"].startswith("Telegram 390 from Taipei reported")
    assert "Source:" not in text["text"]
    names = {p["name"] for p in d1["persons"]}
    assert any("Chiang" in n for n in names) and any("Eisenhower" in n for n in names)
    assert any(p["id"].startswith("hsg-") for p in d1["persons"])  # linked to the people records
    assert {"term": "OSD", "definition": "Office of the Secretary of Defense"} in d1["extra"]["terms"]


def test_source_note_parsing():
    parsed = parse_source_note(
        "Source: Johnson Library, National Security File, Country File, USSR, Vol. 1. Secret; Eyes Only. Drafted by X."
    )
    assert parsed["repository"] == "Johnson Library"
    assert parsed["series"] == "National Security File, Country File, USSR"
    assert parsed["file"] == "Vol. 1"
    assert parsed["classification"] == "Secret"


def test_reimport_is_a_no_op(volume):
    import_paths([volume])
    before = {d.identifier: (d.pk, d.updated_at) for d in Document.objects.all()}
    again = import_paths([volume])
    assert (again.imported, again.updated, again.unchanged) == (0, 0, N)
    assert {d.identifier: (d.pk, d.updated_at) for d in Document.objects.all()} == before


def test_a_changed_source_updates_in_place(volume, tmp_path):
    import_paths([volume])
    pk = Document.objects.get(identifier="frus1961-63v22/d2").pk
    changed = altered_copy(
        volume,
        tmp_path,
        volume.read_bytes().replace(b"Deliver following message to President", b"Deliver this message to President"),
    )
    report = import_paths([changed])
    assert (report.imported, report.updated, report.unchanged) == (0, 1, N - 1)
    assert "Deliver this message" in record("frus1961-63v22/d1")["transcripts"][0]["text"]
    assert Document.objects.get(identifier="frus1961-63v22/d2").pk == pk


def test_malformed_xml_keeps_the_good_documents_before_the_break(volume, tmp_path):
    data = volume.read_bytes()
    cut = data.index(b'xml:id="d5"')
    broken = tmp_path / volume.name
    broken.write_bytes(data[:cut] + b"<<<" + data[cut:])
    report = import_paths([broken])
    [err] = report.errors
    assert err.field == "xml" and err.path == str(broken) and err.line and "malformed XML" in err.message
    assert report.imported == 4  # d1 .. d4
    assert not Document.objects.filter(identifier="frus1961-63v22/d5").exists()


def test_document_without_title_is_rejected_and_others_go_in(volume, tmp_path):
    data = volume.read_bytes().decode("utf-8")
    data = re.sub(
        r'(<div type="document" xml:id="d5" n="5">\s*)<head>.*?</head>', r"\1<head> </head>", data, count=1, flags=re.S
    )
    path = tmp_path / volume.name
    path.write_text(data, encoding="utf-8")
    report = import_paths([path])
    [err] = report.errors
    assert err.record == "frus1961-63v22/d5" and err.field == "title" and err.line
    assert report.imported == N - 1


def test_unparseable_date_names_the_field(volume, tmp_path):
    data = volume.read_bytes().replace(b'when="1961-01-12T20:40:00"', b'when="1961-13-45"', 1)
    path = tmp_path / volume.name
    path.write_bytes(data)
    report = import_paths([path])
    [err] = report.errors
    assert err.record == "frus1961-63v22/d1" and err.field.startswith("date") and "1961-13-45" in err.message
    assert report.imported == N - 1


def test_un_speeches_with_and_without_a_row_in_the_speaker_table():
    report = import_paths([UN_SPEECHES])
    assert report.imported == 2 and not report.errors
    alb = record("ungd/ALB_18_1963")
    assert alb["title"] == "Albania: statement in the General Debate of the 18th session of the UN General Assembly"
    assert alb["date"]["display"] == "1963" and alb["date"]["start"] == "1963-01-01"
    assert alb["contributors"] == [{"name": "Mr. DEMIRAJ", "roles": ["speaker"]}]  # from Speakers_by_session.xlsx
    assert alb["extra"]["speaker_post"] == "Minister for Foreign Affairs"
    assert alb["extra"]["country"] == "Albania" and alb["extra"]["session"] == 18
    assert alb["transcripts"][0]["text"] == (UN_SPEECHES / "ALB_18_1963.txt").read_text(encoding="utf-8").strip("\n")
    assert alb["collections"] == [
        {"id": "ungd-session-18", "title": "UN General Assembly, 18th session (1963): General Debate"}
    ]
    nor = record("ungd/NOR_18_1963")  # no row in the speaker table: the name from ISO 3166, no speaker
    assert nor["extra"]["country"] == "Norway" and nor["contributors"] == []


@pytest.mark.corpus
def test_un_speech():
    folder = CORPUS / "un-general-debates" / "speeches" / "Session_17_-_1962"
    need(folder.exists(), "the UN General Debate corpus is not there")
    report = import_paths([folder / "ALB_17_1962.txt", folder / "USA_17_1962.txt"])
    assert report.imported == 2
    alb = record("ungd/ALB_17_1962")
    assert alb["title"] == "Albania: statement in the General Debate of the 17th session of the UN General Assembly"
    assert alb["date"]["display"] == "1962" and alb["date"]["start"] == "1962-01-01"
    assert alb["contributors"] == [{"name": "Mr. SHTYLLA", "roles": ["speaker"]}]
    assert alb["extra"]["country"] == "Albania" and alb["extra"]["session"] == 17
    assert alb["transcripts"][0]["text"] == (folder / "ALB_17_1962.txt").read_text(encoding="utf-8").strip("\n")
    assert record("ungd/USA_17_1962")["extra"]["country"] == "United States of America"


def test_csv_import_with_mapping_and_bad_rows(tmp_path):
    table = tmp_path / "records.csv"
    table.write_text(
        "id,title,date,original_languages,repository,fonds,file,folios,subjects,places,contributors,"
        "translation:en,transcript:ru\n"
        'rgani-1,Letter from Khrushchev,"October 26, 1962",Russian,RGANI,5,335,1-5,Cuba; Nuclear weapons,'
        "Europe > Russia > Moscow,"
        'Svetlana Savranskaya (translator),"Dear Mr. President,\n\nI have received...",Уважаемый господин Президент\n'
        "rgani-2,No date here,Octember 99 1962,Russian,,,,,,,,,\n"
        ",Missing id,1962,,,,,,,,,,\n",
        encoding="utf-8",
    )
    report = import_paths([table])
    assert report.imported == 1 and report.rejected == 2
    errs = sorted(report.errors, key=lambda e: e.line)
    # The first row's translation spans three lines, so the second row starts on line 5.
    assert (errs[0].line, errs[0].field, errs[0].record) == (5, "date", "rgani-2")
    assert (errs[1].line, errs[1].field) == (6, "id")
    doc = record("rgani-1")
    assert doc["archival_reference"]["fonds"] == "5" and doc["archival_reference"]["folios"] == "1-5"
    assert doc["places"][0]["path"] == ["Europe", "Russia", "Moscow"]
    assert doc["contributors"] == [{"name": "Svetlana Savranskaya", "roles": ["translator"]}]
    assert doc["translations"][0]["text"] == "Dear Mr. President,\n\nI have received..."
    assert doc["transcripts"][0]["language"] == "ru" and doc["original_languages"] == [
        {"code": "ru", "name": "Russian"}
    ]


def test_csv_unknown_column_rejects_the_file(tmp_path):
    table = tmp_path / "odd.csv"
    table.write_text("id,title,colour\nx-1,A title,red\n", encoding="utf-8")
    report = import_paths([table])
    [err] = report.errors
    assert err.field == "colour" and err.line == 1 and "unknown column 'colour'" in str(err)
    assert Document.objects.count() == 0


def test_jsonl_export_reimports_losslessly(volume, record_path, tmp_path):
    import_paths([volume, record_path])
    out = tmp_path / "all.jsonl"
    with open(out, "w", encoding="utf-8") as fh:
        write_jsonl(fh)
    before = {r["id"]: strip_volatile(r) for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    Document.objects.all().delete()
    report = import_paths([out])
    assert report.imported == len(before) == N + 1 and not report.errors
    after = {r["id"]: strip_volatile(r) for r in iter_records()}
    assert after == before
    # ... and re-importing the export over itself changes nothing.
    assert import_paths([out]).unchanged == N + 1


def test_json_errors_name_line_and_field(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"id": "a-1", "title": "Fine", "date": "1963"}\n'
        '{"id": "a-2", "title": "Bad language", "original_languages": ["Martian"]}\n'
        "{not json}\n"
        '{"id": "a 4", "title": "Bad id"}\n',
        encoding="utf-8",
    )
    report = import_paths([path])
    assert report.imported == 1
    got = sorted((e.line, e.field) for e in report.errors)
    assert got == [(2, "original_languages[0]"), (3, "json"), (4, "id")]


def test_a_text_with_a_malformed_extra_is_rejected_by_field(tmp_path):
    path = tmp_path / "extra.jsonl"
    path.write_text(
        '{"id": "e-1", "title": "T", "transcripts": [{"language": "en", "text": "x", "extra": "oops"}]}\n',
        encoding="utf-8",
    )
    report = import_paths([path])
    [err] = report.errors
    assert (err.line, err.field, err.record) == (1, "transcripts[0].extra", "e-1")
    assert Document.objects.count() == 0


def test_parallel_reader_gives_the_same_result(volume, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x-1", "title": ""}\n', encoding="utf-8")
    parallel = import_paths([volume, bad], parallel=True, batch_size=3)
    assert (parallel.imported, parallel.rejected) == (N, 1)
    assert parallel.errors[0].field == "title" and parallel.errors[0].line == 1
    by_parallel = {r["id"]: strip_volatile(r) for r in iter_records()}
    Document.objects.all().delete()
    sequential = import_paths([volume, bad], parallel=False)
    assert (sequential.imported, sequential.rejected) == (N, 1)
    assert {r["id"]: strip_volatile(r) for r in iter_records()} == by_parallel


def test_the_same_id_twice_in_one_import_is_rejected_the_second_time(tmp_path):
    path = tmp_path / "twice.jsonl"
    path.write_text('{"id": "x-1", "title": "First"}\n{"id": "x-1", "title": "Second"}\n', encoding="utf-8")
    report = import_paths([path])
    assert report.imported == 1 and report.rejected == 1
    [err] = report.errors
    assert err.field == "id" and "second time" in err.message and f"{path}:2" in err.message
    assert record("x-1")["title"] == "First"


def test_frus_document_page_shows_footnotes_persons_and_pages(volume, client):
    import_paths([volume])
    html = client.get("/documents/frus1961-63v22/d1").content.decode()
    # The marker in the text links to its note, and the note links back.
    assert (
        '<p>310. Deliver following message to President Chiang, advising date time delivery.<sup class="note-ref">'
        in html
    )
    assert '<a href="#text-1-note-1" id="text-1-note-ref-1" aria-label="note 1">1</a></sup>' in html
    assert '<li id="text-1-note-1" value="1"><a href="#text-1-note-ref-1"' in html
    assert "Telegram 390 from Taipei reported" in html
    assert "<dt>Persons</dt>" in html and "Chiang" in html
    assert "<dt>Pages</dt><dd>1–2</dd>" in html
    assert "<dt>Classification</dt><dd>Confidential</dd>" in html
