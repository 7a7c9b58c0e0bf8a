"""FRUS volumes in TEI P5: every ``div[@type="document"]`` becomes one document.

Streams the volume with ``iterparse`` (memory stays flat: each document's elements are freed once read).
From each document: number and title from ``head`` (without its notes), the dateline's place and date
(``@when``, or ``@from``/``@to``, ``@notBefore``/``@notAfter`` as a range; a datetime keeps its time),
the source note as the citation, parsed into repository / collection / file and classification, the
paragraphs with footnotes kept as footnotes, persons (``persName/@corresp``) linked to the volume's list
and to the Office of the Historian's people records, glosses linked to the volume's terms, page breaks,
and the volume as a collection (title from ``frus/bibliography``). Ids: ``<volume>/<div xml:id>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from lxml import etree

from readingroom.ingest.errors import RecordError
from readingroom.ingest.limits import current
from readingroom.ingest.readers import SourceRecord

FORMAT = "tei"
TEI = "{http://www.tei-c.org/ns/1.0}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
ARCHIVE = "Foreign Relations of the United States (Office of the Historian, U.S. Department of State)"

CLASSIFICATIONS = (
    "Top Secret",
    "Secret",
    "Confidential",
    "Limited Official Use",
    "Official Use Only",
    "Unclassified",
    "No classification marking",
    "Eyes Only",
)
_CLASS_RE = re.compile(
    r"(?:^|[.;]\s+)(?P<c>" + "|".join(re.escape(c) for c in CLASSIFICATIONS) + r")\b(?P<rest>[^.]*)\.?", re.I
)
DOC_TYPES = sorted(
    [
        "Telegram",
        "Circular Telegram",
        "Memorandum of Conversation",
        "Memorandum for the Record",
        "Memorandum",
        "Action Memorandum",
        "Information Memorandum",
        "Intelligence Memorandum",
        "Intelligence Note",
        "Letter",
        "Editorial Note",
        "National Intelligence Estimate",
        "Special National Intelligence Estimate",
        "Paper",
        "Minutes",
        "Notes",
        "Summary Record",
        "Report",
        "Airgram",
        "Despatch",
        "Message",
        "Instruction",
        "Briefing Paper",
        "Note",
        "Record of Meeting",
        "Transcript",
        "Statement",
        "Aide-Mémoire",
        "Notes of Meeting",
        "Record of Conversation",
        "Oral Message",
        "Draft",
        "Position Paper",
        "Study",
        "Research Memorandum",
        "Intelligence Information Cable",
        "Current Intelligence Memorandum",
        "Summary",
        "Agreed Minute",
    ],
    key=len,
    reverse=True,
)
BLOCK_SKIP = {"head", "dateline", "note"}
_DOC_REF = re.compile(r"^#(d\d+)(?:fn\w*)?$")


def sniff(path: Path, head: bytes) -> bool:
    return path.suffix.lower() == ".xml" and b"http://www.tei-c.org/ns/1.0" in head and b"<TEI" in head


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class _Flat:
    """Flatten an element to text, collecting footnotes, pages, persons and glosses on the way."""

    LB = "\u2028"

    def __init__(self) -> None:
        self.notes: list[dict] = []
        self.pages: list[str] = []
        self.persons: list[str] = []
        self.glosses: list[str] = []
        #: other documents of the volume this one refers to (``<ref target="#d12">``, ``#d10fn4``)
        self.refs: list[str] = []

    def text(self, elem, *, skip_notes: bool = False) -> str:
        parts: list[str] = []
        self._walk(elem, parts, skip_notes, top=True)
        out = re.sub(r"[ \t\r\n]+", " ", "".join(parts))
        return "\n".join(line.strip() for line in out.split(self.LB)).strip()

    def _walk(self, elem, parts: list[str], skip_notes: bool, top: bool = False) -> None:
        tag = etree.QName(elem).localname if isinstance(elem.tag, str) else ""
        if tag == "note" and not top:
            if not skip_notes:
                n = elem.get("n") or str(len(self.notes) + 1)
                self.notes.append({"n": n, "text": _Flat._inner(self, elem)})
                parts.append(f"[{n}]")
        elif tag == "pb":
            if elem.get("n"):
                self.pages.append(elem.get("n"))
        elif tag == "lb":
            parts.append(self.LB)
        else:
            if tag == "persName" and elem.get("corresp"):
                self.persons.append(elem.get("corresp").lstrip("#"))
            if tag == "gloss" and elem.get("target"):
                self.glosses.append(elem.get("target").lstrip("#"))
            if tag == "ref" and elem.get("target"):
                m = _DOC_REF.match(elem.get("target"))
                if m:
                    self.refs.append(m[1])
            if elem.text:
                parts.append(elem.text)
            for child in elem:
                self._walk(child, parts, skip_notes)
                if child.tail:
                    parts.append(child.tail)
            if tag in {"item", "row", "p", "ab", "salute", "signed", "closer", "opener"} and not top:
                parts.append(self.LB)
            elif tag == "cell":
                parts.append(" | ")

    def _inner(self, note) -> str:
        parts: list[str] = []
        self._walk(note, parts, skip_notes=False, top=True)
        return re.sub(r"[ \t\r\n]+", " ", "".join(parts)).replace(self.LB, " ").strip()


def _blocks(div, flat: _Flat) -> list[str]:
    """The document's text blocks in order: paragraphs, lists, tables, openers and closers."""
    out: list[str] = []
    for child in div:
        if not isinstance(child.tag, str):
            continue
        tag = etree.QName(child).localname
        if tag in BLOCK_SKIP:
            continue
        if tag == "pb":
            flat.text(child)
            continue
        if tag in {"div", "quote", "floatingText", "body", "postscript"}:
            out += _blocks(child, flat)
            continue
        if tag == "opener":
            rest = [c for c in child if isinstance(c.tag, str) and etree.QName(c).localname != "dateline"]
            text = "\n".join(t for t in (flat.text(c) for c in rest) if t)
        else:
            text = flat.text(child)
        if text:
            out.append(text)
    return out


def parse_source_note(note: str) -> dict:
    """ "Source: Department of State, Central Files, 793.5-MSP/1-1261. Confidential; ..." -> parts."""
    text = _ws(re.sub(r"^\s*Source:\s*", "", note))
    result = {"repository": "", "series": "", "file": "", "classification": "", "handling": ""}
    m = _CLASS_RE.search(text)
    location = text[: m.start()].strip() if m else re.split(r"\.\s+(?=[A-Z][a-z]+ed\b|No |The |This )", text)[0]
    if m:
        result["classification"] = m["c"][0].upper() + m["c"][1:]
        result["handling"] = m["rest"].strip(" ;")
    location = location.rstrip(". ")
    pieces = [p.strip() for p in re.split(r",\s+(?![^()]*\))", location) if p.strip()]
    if pieces:
        result["repository"] = pieces[0]
    if len(pieces) >= 3:
        result["series"] = ", ".join(pieces[1:-1])
        result["file"] = pieces[-1]
    elif len(pieces) == 2:
        result["series"] = pieces[1]
    result["location"] = location
    return result


def doc_type(title: str) -> str:
    for t in DOC_TYPES:
        if title.lower().startswith(t.lower()) and (len(title) == len(t) or not title[len(t)].isalpha()):
            return t
    return ""


@lru_cache(maxsize=16)
def _bibliography(path: str) -> dict:
    p = Path(path)
    if not p.exists():
        return {}
    root = etree.parse(str(p)).getroot()
    title = root.findtext("title[@type='complete']") or ""
    return {"title": _ws(title), "published": root.findtext("published-year") or ""}


@lru_cache(maxsize=4)
def _people(path: str) -> dict[tuple[str, str], dict]:
    """(volume, persons-list id) -> the Office of the Historian's person record."""
    p = Path(path)
    if not p.exists():
        return {}
    index: dict[tuple[str, str], dict] = {}
    for _, person in etree.iterparse(str(p), tag="person"):
        record = {
            "id": f"hsg-{person.findtext('id')}",
            "name": _ws(person.findtext("names/preferred/name") or ""),
            "birth_year": person.findtext("birth-year") or "",
            "death_year": person.findtext("death-year") or "",
        }
        for url in person.iter("source-url"):
            m = re.search(r"historicaldocuments/([^/]+)/persons#(\S+)", url.text or "")
            if m:
                index[(m[1], m[2])] = record
        person.clear()
    return index


def _labelled(item, label) -> tuple[str, str]:
    """A list item "<label>, what follows" -> (label, what follows)."""
    name = _ws("".join(label.itertext()))
    full = _ws("".join(item.itertext()))
    rest = full[len(name) :] if full.startswith(name) else full
    return name, rest.lstrip(",;: ").strip()


def _date(dateline) -> tuple[dict, str | None]:
    """The dateline's date -> record date (display as written; ISO start/end; certainty) and its line."""
    if dateline is None:
        return {}, None
    dates = dateline.findall(f".//{TEI}date")
    if not dates:
        return {}, None
    # Prefer the date the editors made machine-readable (a dateline may mis-tag a place as a date).
    date = next(
        (d for d in dates if d.get("when") or d.get("from") or d.get("notBefore") or d.get("to") or d.get("notAfter")),
        dates[0],
    )
    display = _ws("".join(date.itertext()))
    when, start, end = (
        date.get("when"),
        date.get("from") or date.get("notBefore"),
        date.get("to") or date.get("notAfter"),
    )
    certainty = "approximate" if date.get("notBefore") or date.get("notAfter") else "exact"
    out = {"display": display}
    if when:
        out.update(start=when, end=when, certainty=certainty)
    elif start or end:
        out.update(start=start or end, end=end or start, certainty=certainty)
    return out, date.sourceline


def read(path: Path) -> Iterator[SourceRecord | RecordError]:
    p = str(path)
    volume = path.stem
    corpus = path.resolve().parent.parent
    bib = _bibliography(str(corpus / "bibliography" / f"{volume}.xml"))
    people = _people(str(corpus / "people" / "people-linked-to-volumes.xml"))
    persons: dict[str, dict] = {}
    terms: dict[str, dict] = {}
    page = ""
    start_pages: dict[int, str] = {}
    volume_title = bib.get("title", "")
    context = etree.iterparse(p, events=("start", "end"), huge_tree=True, remove_comments=True)
    max_depth = current().nesting
    depth = 0
    try:
        for event, elem in context:
            if event == "start":
                depth += 1
                if depth > max_depth:
                    yield RecordError(
                        f"XML elements nested deeper than {max_depth} levels (setting READINGROOM_MAX_IMPORT_NESTING);"
                        " nothing after this point was read",
                        path=p,
                        line=elem.sourceline,
                        field="xml",
                        stops_file=True,
                    )
                    return
            else:
                depth -= 1
            if not isinstance(elem.tag, str):
                continue
            tag = elem.tag
            if event == "start":
                if tag == f"{TEI}div" and elem.get("type") == "document":
                    start_pages[id(elem)] = page
                continue
            if tag == f"{TEI}pb" and elem.get("n"):
                page = elem.get("n")
            elif tag == f"{TEI}title" and elem.get("type") == "complete" and not volume_title:
                volume_title = _ws("".join(elem.itertext()))
            elif tag == f"{TEI}item":
                person = elem.find(f".//{TEI}persName[@{XML_ID}]")
                term = elem.find(f".//{TEI}term[@{XML_ID}]")
                if person is not None:
                    name, desc = _labelled(elem, person)
                    persons[person.get(XML_ID)] = {"name": name, "description": desc}
                elif term is not None:
                    name, definition = _labelled(elem, term)
                    terms[term.get(XML_ID)] = {"term": name, "definition": definition}
            elif tag == f"{TEI}div" and elem.get("type") == "document":
                start_page = start_pages.pop(id(elem), page)
                try:
                    yield _document(elem, path, volume, volume_title, persons, terms, people, start_page)
                except RecordError as exc:
                    yield exc
                # Free what has been read: the document and everything before it.
                elem.clear()
                parent = elem.getparent()
                while elem.getprevious() is not None and parent is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        yield RecordError(
            f"malformed XML: {exc.msg}; nothing after this point was read",
            path=p,
            line=exc.lineno,
            field="xml",
            stops_file=True,
        )
    except OSError as exc:
        yield RecordError(f"cannot read the file: {exc}", path=p, stops_file=True)


def _document(div, path: Path, volume, volume_title, persons, terms, people, start_page) -> SourceRecord:
    p = str(path)
    div_id = div.get(XML_ID) or (f"d{div.get('n')}" if div.get("n") else None)
    if not div_id:
        raise RecordError("a document div has neither xml:id nor n", path=p, line=div.sourceline, field="id")
    ident = f"{volume}/{div_id}"
    head = div.find(f"{TEI}head")
    flat = _Flat()
    if head is None:
        raise RecordError(
            "the document has no <head> (its number and title)",
            path=p,
            line=div.sourceline,
            field="title",
            record=ident,
        )
    head_text = flat.text(head, skip_notes=True)
    number = div.get("n") or ""
    m = re.match(r"^(\d+[A-Za-z]?)\.\s+", head_text)
    if m:
        number = number or m[1]
        head_text = head_text[m.end() :]
    title = _ws(head_text)
    if not title:
        raise RecordError(
            "the document's <head> has no title", path=p, line=head.sourceline, field="title", record=ident
        )
    lines = {"title": head.sourceline, "id": div.sourceline}
    data: dict = {
        "id": ident,
        "title": title,
        "archive": ARCHIVE,
        "original_languages": ["en"],
        "type": doc_type(title),
    }
    data["source_url"] = f"https://history.state.gov/historicaldocuments/{volume}/{div_id}"
    extra: dict = {"volume": volume, "number": number}

    # The source note: the head's note typed "source", or its first note when it begins "Source:".
    source = None
    for note in head.iter(f"{TEI}note"):
        if note.get("type") == "source" or _ws("".join(note.itertext())).startswith("Source:"):
            source = note
            break
    head_notes = [n for n in head.iter(f"{TEI}note") if n is not source]
    if source is not None:
        note_text = _ws("".join(source.itertext()))
        data["citation"] = note_text
        parsed = parse_source_note(note_text)
        data["archival_reference"] = {
            "text": parsed["location"],
            "repository": parsed["repository"],
            "series": parsed["series"],
            "file": parsed["file"],
        }
        data["classification"] = parsed["classification"]
        if parsed["handling"]:
            extra["handling"] = parsed["handling"]
        lines["citation"] = source.sourceline
        src_flat = _Flat()
        src_flat.text(source)
        flat.persons += src_flat.persons
        flat.glosses += src_flat.glosses
        flat.refs += src_flat.refs

    dateline = div.find(f".//{TEI}dateline")
    date, date_line = _date(dateline)
    if date:
        data["date"] = date
        lines["date"] = date_line
    if dateline is not None:
        place = dateline.find(f".//{TEI}placeName")
        if place is not None and _ws("".join(place.itertext())):
            data["places"] = [[_ws("".join(place.itertext()))]]
        flat.text(dateline)

    blocks = _blocks(div, flat)
    for note in head_notes:
        flat.notes.insert(0, {"n": note.get("n") or "*", "text": _Flat()._inner(note)})
    if blocks:
        text_extra: dict = {}
        if flat.notes:
            text_extra["footnotes"] = flat.notes
        data["transcripts"] = [
            {
                "language": "en",
                "label": "Transcript - English",
                "text": "\n\n".join(blocks),
                **({"extra": text_extra} if text_extra else {}),
            }
        ]
        data["contents"] = [{"kind": "transcript", "language": "en", "label": "Transcript - English"}]
    pages = [start_page] if start_page else []
    pages += [pg for pg in flat.pages if pg not in pages]
    if pages:
        extra["pages"] = pages
    linked = []
    for pid in dict.fromkeys(flat.persons):
        entry = persons.get(pid)
        record = people.get((volume, pid))
        if entry or record:
            linked.append(
                {
                    "id": record["id"] if record else f"{volume}/{pid}",
                    "name": record["name"] if record else entry["name"],
                    "description": entry["description"] if entry else "",
                }
            )
    if linked:
        data["persons"] = linked
    glossed = [terms[t] for t in dict.fromkeys(flat.glosses) if t in terms]
    if glossed:
        extra["terms"] = glossed
    # cross-references to other documents of the volume: "this document cites d12" (d12 is "cited in" it)
    cited = [ref for ref in dict.fromkeys(flat.refs) if ref != div_id]
    if cited:
        data["relations"] = [{"type": "cites", "target": f"{volume}/{ref}"} for ref in cited]
    data["collections"] = [{"id": volume, "title": volume_title or volume}]
    data["extra"] = extra
    return SourceRecord(data=data, path=p, line=div.sourceline, format=FORMAT, lines=lines)
