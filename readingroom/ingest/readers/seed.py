"""The reference record format: the Wilson Center Digital Archive's text rendering of a document.

::

    **July 22, 1963**                       date as written
    **Notes from the Meeting ...**          title (may wrap over lines)
    **Citation:**  ...                      sections: Citation, Summary, Credits, Original Language,
    **Summary:**   ...                      and optionally Record ID, Type, Classification, Rights,
    ...                                     Subjects Discussed, Geographic Coverage, Collections
    **Contents:**                           one line per item: "Original Scan", "Translation - English"
    Original Scan
    Translation - English
    **Notes from the meeting ...**          the text: an optional bold title, then the body
    At this meeting, ...

A record with several texts puts each later text under a line ``**<content label>:**``
(e.g. ``**Transcript - Albanian:**``), in the order of the contents list.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from readingroom.ingest.citation import CitationError, parse_wilson_citation
from readingroom.ingest.dates import DateError, parse_date
from readingroom.ingest.errors import RecordError
from readingroom.ingest.languages import UnknownLanguage, by_name
from readingroom.ingest.readers import SourceRecord

FORMAT = "seed"

_HEADING = re.compile(r"^\*\*(?P<name>[^*\n]+?):\*\*\s*$")
_BOLD = re.compile(r"^\*\*(?P<text>.+)\*\*$", re.S)

#: Section heading -> record field. Only these headings open sections.
SECTIONS = {
    "citation": "citation",
    "summary": "summary",
    "credits": "credits",
    "original language": "original_languages",
    "original languages": "original_languages",
    "contents": "contents",
    "record id": "id",
    "type": "type",
    "classification": "classification",
    "rights": "rights",
    "subjects discussed": "subjects",
    "subjects": "subjects",
    "geographic coverage": "places",
    "collections": "collections",
}
#: Archive name -> identifier prefix, for ids derived from the source URL ("wilson-300023").
ARCHIVE_PREFIXES = {"wilson center digital archive": "wilson"}


def sniff(path: Path, head: bytes) -> bool:
    if path.suffix.lower() not in {".txt", ".md"}:
        return False
    text = head.decode("utf-8", errors="replace")
    return bool(re.search(r"^\*\*(Citation|Contents|Summary):\*\*\s*$", text, re.M)) or (
        len(head) == 4096 and b"**Citation:**" in _more(path)
    )


def _more(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(65536)


def _clean(line: str) -> str:
    """A line without its Markdown hard break (two trailing spaces)."""
    return line.rstrip(" \t")


def _blocks(lines: list[str], start: int, end: int) -> list[tuple[int, list[str]]]:
    """Consecutive non-blank lines in ``lines[start:end]`` as ``(first line number, lines)``."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    first = 0
    for i in range(start, end):
        if lines[i].strip():
            if not current:
                first = i + 1
            current.append(lines[i])
        elif current:
            blocks.append((first, current))
            current = []
    if current:
        blocks.append((first, current))
    return blocks


def _bold(block: list[str]) -> str | None:
    joined = "\n".join(_clean(line) for line in block)
    m = _BOLD.fullmatch(joined.strip())
    if not m or _HEADING.match(joined):
        return None
    return " ".join(part.strip() for part in m["text"].split("\n"))


def _list_values(text: str) -> list[str]:
    return [v.strip() for v in re.split(r"\n|;", text) if v.strip()]


def _collection(line: str) -> dict:
    """ "Title [id]" or "Title" -> a collection reference."""
    m = re.fullmatch(r"(?P<title>.+?)\s+\[(?P<id>[A-Za-z0-9][A-Za-z0-9/_-]*)\]", line)
    return {"id": m["id"], "title": m["title"]} if m else {"title": line}


def derive_identifier(archive: str, source_url: str, path: Path) -> str:
    m = re.search(r"/document/([A-Za-z0-9_-]+)/?$", source_url or "")
    if m:
        prefix = ARCHIVE_PREFIXES.get(archive.strip().lower()) or re.sub(r"[^a-z0-9]+", "-", archive.lower()).strip("-")
        return f"{prefix or 'doc'}-{m[1]}"
    return re.sub(r"[^A-Za-z0-9_-]+", "-", path.stem).strip("-") or "document"


def _content_item(line: str, original: list[dict], lineno: int, path: str) -> dict:
    label = _clean(line).strip()
    kind_part, _, lang_part = label.partition(" - ")
    k = kind_part.lower()
    kind = (
        "scan"
        if "scan" in k
        else "translation"
        if "translation" in k
        else "transcript"
        if "transcript" in k or "transcription" in k
        else "other"
    )
    language = None
    if lang_part.strip():
        try:
            language = by_name(lang_part)[0]
        except UnknownLanguage as exc:
            raise RecordError(str(exc), path=path, line=lineno, field="contents") from None
    elif kind in {"scan", "transcript"} and original:
        language = original[0]["code"]
    elif kind == "translation":
        raise RecordError(
            f"the content item {label!r} names no language (write 'Translation - English')",
            path=path,
            line=lineno,
            field="contents",
        )
    return {"kind": kind, "language": language, "label": label}


def parse(text: str, path: Path) -> SourceRecord:
    """Parse one record from its text.

    :raises RecordError: naming the file, line and field of the first problem found
    """
    p = str(path)
    text = unicodedata.normalize("NFC", text.lstrip("\ufeff"))
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # line number -> the heading's name, for the lines that are headings
    heading_names = {i: m["name"].strip().lower() for i, line in enumerate(lines) if (m := _HEADING.match(line))}
    known = [i for i, name in heading_names.items() if name in SECTIONS]
    if not known:
        raise RecordError(
            "no **Citation:** or other section heading: not a record in the reference format", path=p, line=1
        )
    first_section = known[0]
    head = _blocks(lines, 0, first_section)
    marked = [(n, _bold(b)) for n, b in head]
    bold = [(n, value) for n, value in marked if value is not None]
    if len(bold) < len(marked):
        n = next(n for n, v in marked if v is None)
        raise RecordError("expected the bold date and title before the first section", path=p, line=n, field="title")
    data: dict = {}
    where: dict[str, int] = {}
    if len(bold) >= 2:
        (date_line, date_text), (title_line, title) = bold[0], bold[1]
        if len(bold) > 2:
            raise RecordError(
                "more than two bold lines before the first section", path=p, line=bold[2][0], field="title"
            )
    elif len(bold) == 1:
        try:
            parse_date(bold[0][1])
        except DateError:
            raise RecordError(
                "the record has no date line (**Month D, YYYY**) above the title", path=p, line=bold[0][0], field="date"
            ) from None
        raise RecordError(
            "the record has no title (a bold line after the date)", path=p, line=bold[0][0] + 1, field="title"
        )
    else:
        raise RecordError("the record has no title (a bold line after the date)", path=p, line=1, field="title")
    if not title.strip():
        raise RecordError("the title is empty", path=p, line=title_line, field="title")
    try:
        parse_date(date_text)
    except DateError as exc:
        raise RecordError(str(exc), path=p, line=date_line, field="date") from None
    data["title"] = title
    data["date"] = {"display": date_text}
    where.update(title=title_line, date=date_line)

    # Sections, in order; the contents list is one block and the text follows it.
    seen: set[str] = set()
    text_start = None
    for idx, start in enumerate(known):
        name = heading_names[start]
        key = SECTIONS[name]
        if key in seen:
            raise RecordError(
                f"the section **{lines[start].strip('* :')}:** appears twice", path=p, line=start + 1, field=key
            )
        seen.add(key)
        end = known[idx + 1] if idx + 1 < len(known) else len(lines)
        blocks = _blocks(lines, start + 1, end)
        if key == "contents":
            if idx + 1 < len(known):
                raise RecordError(
                    "**Contents:** must be the last section; the document text follows it",
                    path=p,
                    line=known[idx + 1] + 1,
                    field="contents",
                )
            if not blocks:
                raise RecordError("the **Contents:** section is empty", path=p, line=start + 1, field="contents")
            first, items = blocks[0]
            data["contents"] = [(first + j, line) for j, line in enumerate(items)]
            where["contents"] = first
            text_start = first - 1 + len(items)
            continue
        value = "\n\n".join("\n".join(_clean(line) for line in b) for _, b in blocks)
        where[key] = blocks[0][0] if blocks else start + 1
        if not value.strip():
            raise RecordError(
                f"the section **{lines[start].strip('* :')}:** is empty", path=p, line=start + 1, field=key
            )
        if key == "subjects":
            data[key] = _list_values(value)
        elif key == "collections":
            data[key] = [_collection(v) for v in _list_values(value)]
        elif key == "places":
            data[key] = [[part.strip() for part in v.split(">")] for v in _list_values(value)]
        elif key == "original_languages":
            names = [v.strip() for v in re.split(r"\n|,|;|\band\b", value) if v.strip()]
            langs = []
            for name_ in names:
                try:
                    code, lname = by_name(name_)
                except UnknownLanguage as exc:
                    raise RecordError(str(exc), path=p, line=where[key], field="original_languages") from None
                langs.append({"code": code, "name": lname})
            data[key] = langs
        else:
            data[key] = value
    if "citation" not in data:
        raise RecordError("the record has no **Citation:** section", path=p, line=first_section + 1, field="citation")
    if text_start is None:
        raise RecordError(
            "the record has no **Contents:** section (the document text follows it)",
            path=p,
            line=len(lines),
            field="contents",
        )

    # The citation gives the archive, the archival reference, the contributors and the source URL.
    try:
        cited = parse_wilson_citation(data["citation"])
    except CitationError as exc:
        raise RecordError(str(exc), path=p, line=where["citation"], field="citation") from None
    data["archive"] = cited.archive
    data["source_url"] = cited.source_url
    if cited.archival_reference:
        data["archival_reference"] = cited.archival_reference
    data["contributors"] = cited.contributors

    original = data.get("original_languages", [])
    contents = [_content_item(line, original, n, p) for n, line in data["contents"]]
    data["contents"] = contents

    # The texts: the first belongs to the first text-bearing item; later ones sit under "**<label>:**".
    bearers = [c for c in contents if c["kind"] in {"translation", "transcript"}]
    labels = {c["label"]: c for c in bearers}
    cuts = [(text_start, bearers[0] if bearers else None)]
    for i in range(text_start, len(lines)):
        m = _HEADING.match(lines[i])
        if m and m["name"].strip() in labels and labels[m["name"].strip()] is not cuts[0][1]:
            cuts.append((i + 1, labels[m["name"].strip()]))
    data["translations"], data["transcripts"] = [], []
    for j, (begin, item) in enumerate(cuts):
        end = cuts[j + 1][0] - 1 if j + 1 < len(cuts) else len(lines)
        blocks = _blocks(lines, begin, end)
        if item is None:
            if blocks:
                raise RecordError(
                    "the record has a text, but its contents list no translation or transcript",
                    path=p,
                    line=blocks[0][0],
                    field="contents",
                )
            continue
        title_text = ""
        if blocks and (bold_title := _bold(blocks[0][1])) is not None:
            title_text = bold_title
            blocks = blocks[1:]
        if not blocks:
            raise RecordError(f"the document text ({item['label']}) is empty", path=p, line=begin, field="text")
        first_line = blocks[0][0] - 1
        last_line = blocks[-1][0] - 1 + len(blocks[-1][1])
        body = "\n".join(lines[first_line:last_line])
        entry = {"language": item["language"], "label": item["label"], "title": title_text, "text": body}
        data["translations" if item["kind"] == "translation" else "transcripts"].append(entry)
        where.setdefault("text", blocks[0][0])

    data["id"] = data.get("id") or derive_identifier(data["archive"], data["source_url"], path)
    return SourceRecord(data=data, path=p, line=1, format=FORMAT, lines=where)


def read(path: Path) -> Iterator[SourceRecord | RecordError]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        yield RecordError(
            f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save it as UTF-8",
            path=str(path),
            line=line,
            field="encoding",
        )
        return
    try:
        yield parse(text, path)
    except RecordError as exc:
        yield exc
