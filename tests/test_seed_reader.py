"""The reference-format reader on the fixture corpus's record, on malformed variants of it, and on the real
reference record of the shared corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from readingroom.ingest.errors import RecordError
from readingroom.ingest.normalise import normalise
from readingroom.ingest.readers import detect, seed
from readingroom.ingest.validate import validate
from tests.conftest import RECORD_ID, RECORD_TITLE

TITLE = "Notes from the Meeting of the Chinese Ambassador Luo Shigao with Comrade Ramiz Alia on 20 July 1963"


def parse(text: str, name: str = "record.txt") -> dict:
    return validate(normalise(seed.parse(text, Path(name)).data))


def test_every_field_of_a_record_with_two_texts(record_text):
    rec = parse(record_text)
    assert rec["id"] == RECORD_ID  # from **Record ID:**, not from the source URL
    assert rec["title"] == RECORD_TITLE  # the wrapped title joined
    assert rec["date"] == {
        "display": "March 14, 1962",
        "start": "1962-03-14",
        "end": "1962-03-14",
        "certainty": "exact",
    }
    assert rec["citation"].startswith(f'"{RECORD_TITLE}", March 14, 1962, Reading Room Test Archive, Arkivi')
    assert rec["archive"] == "Reading Room Test Archive"
    assert rec["source_url"] == "https://archive.example.org/document/900101"
    assert rec["summary"].startswith("An invented record written for the Reading Room tests.")
    assert rec["credits"] == "Written for the Reading Room test suite; not a historical document."
    assert rec["original_languages"] == [{"code": "sq", "name": "Albanian"}]
    assert rec["archival_reference"] == {
        "text": "Arkivi Qendror Shtetëror (Central State Archives, Tirana, Albania), Fondi 490, "
        "Ministria e Tregtisë, V. 1962, Dos. 17, Fl. 3-6",
        "repository": "Arkivi Qendror Shtetëror (Central State Archives, Tirana, Albania)",
        "fonds": "490",
        "series": "Ministria e Tregtisë",
        "volume": "1962",
        "file": "17",
        "folios": "3-6",
    }
    assert rec["contributors"] == [{"name": "Ledia Shtëpani", "roles": ["contributor", "translator"]}]
    assert rec["contents"] == [
        {"kind": "scan", "language": "sq", "label": "Original Scan"},
        {"kind": "translation", "language": "en", "label": "Translation - English"},
        {"kind": "transcript", "language": "sq", "label": "Transcript - Albanian"},
    ]
    [tr] = rec["translations"]
    assert tr["language"] == "en" and tr["label"] == "Translation - English"
    assert tr["title"].startswith("Record of the conversation of Deputy Minister Agim Shkëmbi")
    assert tr["text"].startswith("At this meeting, comrade Wang Delin communicated the following:\n\n1. The Gov")
    assert tr["text"].endswith("Tirana, on 14.3.1962\n\n[Signed]")
    [sq] = rec["transcripts"]  # the second text, under its content label
    assert sq["language"] == "sq" and sq["label"] == "Transcript - Albanian"
    assert sq["title"].startswith("Shënim mbi bisedën e zëvendësministrit")
    assert sq["text"].startswith("Në këtë takim, shoku Wang Delin njoftoi") and sq["text"].endswith("[Nënshkruar]")
    # Stored as given: each body is exactly the file's text between its title and the next text or the end.
    assert tr["text"] in record_text and sq["text"] in record_text


def test_a_record_is_detected_by_content(record_path):
    assert detect(record_path) == "seed"


def test_every_field_of_the_reference_record(seed_text):
    rec = parse(seed_text)
    assert rec["id"] == "wilson-300023"
    assert rec["title"] == TITLE
    assert rec["date"] == {"display": "July 22, 1963", "start": "1963-07-22", "end": "1963-07-22", "certainty": "exact"}
    assert rec["citation"].startswith(
        f'"{TITLE}", July 22, 1963, Wilson Center Digital Archive, Arkivi Qendror Shtetëror'
    )
    assert rec["citation"].endswith("<https://wilson-center-digital-archive.dvincitest.com/document/300023>")
    assert rec["summary"].startswith("A brief summary of a meeting between Luo Shigao and Ramiz Alia.")
    assert rec["summary"].endswith("determine the best path forward.")
    assert rec["credits"] == (
        "This document was made possible with support from The Woodrow Wilson International Center for Scholars"
    )
    assert rec["original_languages"] == [{"code": "sq", "name": "Albanian"}]
    assert rec["archive"] == "Wilson Center Digital Archive"
    assert rec["archival_reference"] == {
        "text": "Arkivi Qendror Shtetëror (Central State Archives, Tirana, Albania), Fondi 14/AP, "
        "Marrëdhëniet me Partinë Komuniste të Kinës, V. 1963, Dos. 4, Fl. 49-50",
        "repository": "Arkivi Qendror Shtetëror (Central State Archives, Tirana, Albania)",
        "fonds": "14/AP",
        "series": "Marrëdhëniet me Partinë Komuniste të Kinës",
        "volume": "1963",
        "file": "4",
        "folios": "49-50",
    }
    assert rec["contributors"] == [{"name": "Elidor Mëhilli", "roles": ["contributor", "translator"]}]
    assert rec["contents"] == [
        {"kind": "scan", "language": "sq", "label": "Original Scan"},
        {"kind": "translation", "language": "en", "label": "Translation - English"},
    ]
    assert rec["source_url"] == "https://wilson-center-digital-archive.dvincitest.com/document/300023"
    assert rec["transcripts"] == []
    [tr] = rec["translations"]
    assert tr["language"] == "en"
    assert tr["title"] == (
        "Notes from the meeting of the Chinese ambassador Luo Shigao with comrade Ramiz Alia on 20 July 1963"
    )
    assert tr["text"].startswith("At this meeting, comrade Luo Shigao communicated the following:\n\n1. The Central")
    assert "\n2. Like your party" in tr["text"]
    assert tr["text"].endswith("Tirana, on 22.7.1963\n\n[Signed]")
    # Stored as given: the body is exactly the file's text between the text title and the end.
    assert tr["text"] in seed_text


def test_reference_record_is_detected_by_content(seed_path):
    assert detect(seed_path) == "seed"


def test_decomposed_unicode_is_stored_as_nfc(record_text):
    decomposed = record_text.replace("Shtëpani", "Shte\u0308pani")
    rec = parse(decomposed)
    assert "Shte\u0308pani" not in rec["citation"]
    assert rec["contributors"][0]["name"] == "Ledia Shtëpani"


def _error(text: str) -> RecordError:
    with pytest.raises(RecordError) as info:
        parse(text, "bad.txt")
    return info.value


def test_missing_title_names_file_line_and_field(record_text):
    broken = record_text.replace(
        "**Record of a Conversation between Deputy Minister Agim Shkëmbi  \n"
        "and the Chinese Commercial Counsellor Wang Delin on 12 March 1962**\n",
        "",
    )
    err = _error(broken)
    # The title belongs right after the date line (line 3).
    assert err.field == "title" and err.path == "bad.txt" and err.line == 4
    assert "bad.txt:4" in str(err) and "title" in str(err)


def test_broken_citation(record_text):
    broken = record_text.replace('12 March 1962", March 14', "12 March 1962 March 14", 1)
    err = _error(broken)
    assert err.field == "citation" and err.line == 10
    assert "never closed" in err.message


def test_citation_without_reference(record_text):
    lines = record_text.split("\n")
    lines[9] = f'"{RECORD_TITLE}", March 14, 1962'
    err = _error("\n".join(lines))
    assert err.field == "citation" and "archive" in err.message


def test_empty_body(record_text):
    head = record_text.split("At this meeting")[0]
    err = _error(head)
    assert err.field == "text" and "empty" in err.message


def test_missing_contents_section(record_text):
    err = _error(record_text.replace("**Contents:**", "Contents"))
    assert err.field in {"contents", "summary", "credits", "original_languages", "id"}


def test_unknown_language(record_text):
    err = _error(record_text.replace("\nAlbanian\n", "\nKlingonese\n"))
    assert err.field == "original_languages" and err.line == 22 and "Klingonese" in err.message


def test_unreadable_date(record_text):
    err = _error(record_text.replace("**March 14, 1962**", "**Marchember 45, 1962**"))
    assert err.field == "date" and err.line == 3


def test_wrong_encoding(tmp_path, record_text):
    path = tmp_path / "latin1.txt"
    path.write_bytes(record_text.encode("utf-8").replace("Shkëmbi".encode(), "Shkëmbi".encode("latin-1"), 1))
    [item] = list(seed.read(path))
    assert isinstance(item, RecordError)
    assert item.field == "encoding" and item.line == 5 and str(path) in str(item)


def test_one_text_only(record_text):
    """Without the transcript in the contents, its heading is no section: the text runs on to the end."""
    text = record_text.replace("Translation - English  \nTranscript - Albanian", "Translation - English")
    rec = parse(text)
    assert rec["transcripts"] == [] and [c["kind"] for c in rec["contents"]] == ["scan", "translation"]
    [tr] = rec["translations"]
    assert tr["text"].endswith("[Nënshkruar]") and "**Transcript - Albanian:**" in tr["text"]
