"""UN General Debate speeches (UNGDC): one ``.txt`` per speech, named ``ISO3_session_year.txt``.

The speaking state's full name and the speaker come from the corpus's ``Speakers_by_session.xlsx`` (found in
a folder above the file) where it has the row; otherwise the country name comes from ISO 3166.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import pycountry

from readingroom.ingest.errors import RecordError
from readingroom.ingest.readers import SourceRecord

FORMAT = "un-speech"
NAME = re.compile(r"^(?P<iso>[A-Z]{3})_(?P<session>\d{1,3})_(?P<year>\d{4})\.txt$")
ARCHIVE = "United Nations General Debate Corpus (UNGDC)"
#: Codes the corpus uses for states that no longer exist, or that ISO spells otherwise.
HISTORIC = {
    "YUG": "Yugoslavia",
    "CSK": "Czechoslovakia",
    "DDR": "German Democratic Republic",
    "YMD": "Democratic Yemen",
    "SUN": "Union of Soviet Socialist Republics",
    "EU": "European Union",
}


def sniff(path: Path, head: bytes) -> bool:
    return bool(NAME.match(path.name))


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _speakers_file(path: Path) -> Path | None:
    for parent in path.resolve().parents[:4]:
        candidate = parent / "Speakers_by_session.xlsx"
        if candidate.exists():
            return candidate
    return None


@lru_cache(maxsize=4)
def speakers(xlsx: str) -> dict[tuple[int, str], dict]:
    """(session, ISO3) -> {"country", "speaker", "post"} from the corpus's speaker table."""
    # deferred: openpyxl is heavy and only the UN speeches' speaker table needs it
    import openpyxl

    wb = openpyxl.load_workbook(xlsx, read_only=True)
    table: dict[tuple[int, str], dict] = {}
    for row in wb.active.iter_rows(min_row=2, values_only=True):
        if not row or row[1] is None or not row[2]:
            continue
        try:
            session = int(row[1])
        except (TypeError, ValueError):
            continue
        table[(session, str(row[2]).strip())] = {
            "country": str(row[3] or "").strip(),
            "speaker": " ".join(str(row[4] or "").split()),
            "post": " ".join(str(row[5] or "").split()),
        }
    wb.close()
    return table


def country_name(iso: str) -> str:
    if iso in HISTORIC:
        return HISTORIC[iso]
    c = pycountry.countries.get(alpha_3=iso) or pycountry.historic_countries.get(alpha_3=iso)
    if c is None:
        return iso
    return c.name


def read(path: Path) -> Iterator[SourceRecord | RecordError]:
    p = str(path)
    m = NAME.match(path.name)
    if not m:
        yield RecordError("a UN speech file is named ISO3_session_year.txt", path=p, field="id")
        return
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield RecordError(
            f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            path=p,
            line=raw[: exc.start].count(b"\n") + 1,
            field="encoding",
        )
        return
    text = text.replace("\r\n", "\n").strip("\n")
    if not text.strip():
        yield RecordError("the speech is empty", path=p, line=1, field="text")
        return
    iso, session, year = m["iso"], int(m["session"]), m["year"]
    xlsx = _speakers_file(path)
    row = speakers(str(xlsx)).get((session, iso), {}) if xlsx else {}
    country = row.get("country") or country_name(iso)
    title = f"{country}: statement in the General Debate of the {ordinal(session)} session of the UN General Assembly"
    data: dict[str, Any] = {
        "id": f"ungd/{iso}_{session}_{year}",
        "title": title,
        "date": {"display": year},
        "archive": ARCHIVE,
        "citation": (
            f"{country}, statement in the General Debate, United Nations General Assembly, {ordinal(session)} session, "
            f"{year}. United Nations General Debate Corpus (UNGDC), Harvard Dataverse, doi:10.7910/DVN/0TJX8Y."
        ),
        "type": "Speech",
        "original_languages": ["en"],
        "contents": [{"kind": "transcript", "language": "en", "label": "Transcript - English"}],
        "transcripts": [{"language": "en", "label": "Transcript - English", "text": text}],
        "collections": [
            {
                "id": f"ungd-session-{session}",
                "title": f"UN General Assembly, {ordinal(session)} session ({year}): General Debate",
            }
        ],
        "extra": {"country_code": iso, "country": country, "session": session},
    }
    if row.get("speaker"):
        data["contributors"] = [{"name": row["speaker"], "roles": ["speaker"]}]
        data["extra"]["speaker"] = row["speaker"]
        if row.get("post"):
            data["extra"]["speaker_post"] = row["post"]
    yield SourceRecord(data=data, path=p, line=1, format=FORMAT, lines={"text": 1})
