"""The reference-format reader on the real reference record and on malformed variants."""

from __future__ import annotations

from pathlib import Path

import pytest

from readingroom.ingest.errors import RecordError
from readingroom.ingest.normalise import normalise
from readingroom.ingest.readers import detect, seed
from readingroom.ingest.validate import validate

TITLE = "Notes from the Meeting of the Chinese Ambassador Luo Shigao with Comrade Ramiz Alia on 20 July 1963"


def parse(text: str, name: str = "record.txt") -> dict:
    return validate(normalise(seed.parse(text, Path(name)).data))


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


def test_decomposed_unicode_is_stored_as_nfc(seed_text):
    decomposed = seed_text.replace("Mëhilli", "Me\u0308hilli")
    rec = parse(decomposed)
    assert "Me\u0308hilli" not in rec["citation"]
    assert rec["contributors"][0]["name"] == "Elidor Mëhilli"


def _error(text: str) -> RecordError:
    with pytest.raises(RecordError) as info:
        parse(text, "bad.txt")
    return info.value


def test_missing_title_names_file_line_and_field(seed_text):
    broken = seed_text.replace(
        "**Notes from the Meeting of the Chinese Ambassador  \nLuo Shigao with Comrade Ramiz Alia on 20 July 1963**\n",
        "",
    )
    err = _error(broken)
    # The title belongs right after the date line (line 3).
    assert err.field == "title" and err.path == "bad.txt" and err.line == 4
    assert "bad.txt:4" in str(err) and "title" in str(err)


def test_broken_citation(seed_text):
    broken = seed_text.replace(
        '"Notes from the Meeting of the Chinese Ambassador Luo',
        '"Notes from the Meeting of the Chinese Ambassador Luo',
        1,
    )
    broken = broken.replace('20 July 1963", July 22', "20 July 1963 July 22", 1)
    err = _error(broken)
    assert err.field == "citation" and err.line == 10
    assert "never closed" in err.message


def test_citation_without_reference(seed_text):
    lines = seed_text.split("\n")
    lines[9] = f'"{TITLE}", July 22, 1963'
    err = _error("\n".join(lines))
    assert err.field == "citation" and "archive" in err.message


def test_empty_body(seed_text):
    head = seed_text.split("At this meeting")[0]
    err = _error(head)
    assert err.field == "text" and "empty" in err.message


def test_missing_contents_section(seed_text):
    err = _error(seed_text.replace("**Contents:**", "Contents"))
    assert err.field in {"contents", "summary", "credits", "original_languages"}


def test_unknown_language(seed_text):
    err = _error(seed_text.replace("\nAlbanian\n", "\nKlingonese\n"))
    assert err.field == "original_languages" and err.line == 22 and "Klingonese" in err.message


def test_unreadable_date(seed_text):
    err = _error(seed_text.replace("**July 22, 1963**", "**Julember 45, 1963**"))
    assert err.field == "date" and err.line == 3


def test_wrong_encoding(tmp_path, seed_text):
    path = tmp_path / "latin1.txt"
    path.write_bytes(seed_text.encode("utf-8").replace("Mëhilli".encode(), "Mëhilli".encode("latin-1")))
    [item] = list(seed.read(path))
    assert isinstance(item, RecordError)
    assert item.field == "encoding" and item.line == 10 and str(path) in str(item)


def test_several_texts(seed_text):
    text = seed_text.replace("Translation - English", "Translation - English  \nTranscript - Albanian")
    text += "\n\n**Transcript - Albanian:**\n\n**Shënime nga takimi**\n\nNë këtë takim, shoku Luo Shigao komunikoi sa vijon:\n"
    rec = parse(text)
    assert rec["translations"][0]["text"].endswith("[Signed]")
    [tr] = rec["transcripts"]
    assert tr == {
        "language": "sq",
        "label": "Transcript - Albanian",
        "title": "Shënime nga takimi",
        "text": "Në këtë takim, shoku Luo Shigao komunikoi sa vijon:",
    }
