"""Record exports for reference managers and catalogues: BibTeX, RIS, CSL-JSON, Dublin Core XML, JSON.

Each format is a :class:`Format` that writes one record (``one``) and frames many (``head``/``sep``/
``tail``), so a result set of any size streams record by record (see :func:`stream`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape

from readingroom.publish.citations import AUTHOR_ROLES, cited_reference, csl_item

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPACE = re.compile(r"\s+")


def xml_text(value) -> str:
    """Text safe inside an XML element: escaped, without the control characters XML forbids."""
    return escape(_XML_INVALID.sub("", str(value)))


def one_line(value: str) -> str:
    return _SPACE.sub(" ", value or "").strip()


def authors(record: dict) -> list[str]:
    return [c["name"] for c in record["contributors"] if set(c["roles"]) & set(AUTHOR_ROLES)]


def with_role(record: dict, role: str) -> list[str]:
    return [c["name"] for c in record["contributors"] if role in c["roles"]]


def inverted(name: str) -> str:
    """ "Elidor Mëhilli" -> "Mëhilli, Elidor" (the form BibTeX and RIS expect)."""
    parts = name.split()
    return f"{parts[-1]}, {' '.join(parts[:-1])}" if len(parts) > 1 else name


# ---------------------------------------------------------------- BibTeX
_BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "$": r"\$",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_BIBTEX_RE = re.compile("|".join(re.escape(c) for c in _BIBTEX_SPECIAL))
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def bibtex_escape(value: str) -> str:
    return _BIBTEX_RE.sub(lambda m: _BIBTEX_SPECIAL[m.group()], one_line(value))


def bibtex_key(identifier: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.:-]", "-", identifier)


def to_bibtex(record: dict, url: str) -> str:
    """A ``@misc`` entry (biblatex field names where BibTeX has none: ``date``, ``translator``)."""
    fields: list[tuple[str, str]] = [("title", record["title"])]
    if names := authors(record):
        fields.append(("author", " and ".join(inverted(n) for n in names)))
    if names := with_role(record, "translator"):
        fields.append(("translator", " and ".join(inverted(n) for n in names)))
    if names := with_role(record, "editor"):
        fields.append(("editor", " and ".join(inverted(n) for n in names)))
    date = record["date"]
    if date.get("start"):
        year, month = date["start"][:4], int(date["start"][5:7])
        fields.append(("year", year))
        if date["start"] == date.get("end"):
            fields.append(("month", MONTHS[month - 1]))
            fields.append(("date", date["start"]))
    if record.get("archive"):
        fields.append(("howpublished", record["archive"]))
    if ref := cited_reference(record):
        fields.append(("note", ref))
    if record["original_languages"]:
        fields.append(("language", record["original_languages"][0]["name"]))
    if record.get("summary"):
        fields.append(("abstract", record["summary"]))
    if record["subjects"]:
        fields.append(("keywords", ", ".join(record["subjects"])))
    fields.append(("url", url))
    body = ",\n".join(
        f"  {name} = {value}" if name == "month" else f"  {name} = {{{bibtex_escape(value)}}}" for name, value in fields
    )
    return f"@misc{{{bibtex_key(record['id'])},\n{body}\n}}\n"


# ---------------------------------------------------------------- RIS
def to_ris(record: dict, url: str) -> str:
    """A RIS reference of type ``MANSCPT`` (Zotero's tag use: ``A4`` translator, ``DB`` archive,
    ``AN`` archival location)."""
    lines = [("TY", "MANSCPT"), ("TI", record["title"])]
    lines += [("AU", inverted(n)) for n in authors(record)]
    lines += [("A4", inverted(n)) for n in with_role(record, "translator")]
    lines += [("A2", inverted(n)) for n in with_role(record, "editor")]
    date = record["date"]
    if date.get("start"):
        y, m, d = date["start"].split("-")
        lines.append(("PY", y))
        lines.append(("DA", f"{y}/{m}/{d}/" if date["start"] == date.get("end") else f"{y}///"))
    if record.get("archive"):
        lines.append(("DB", record["archive"]))
    if ref := cited_reference(record):
        lines.append(("AN", ref))
    if record["original_languages"]:
        lines.append(("LA", record["original_languages"][0]["name"]))
    if record.get("summary"):
        lines.append(("AB", record["summary"]))
    lines += [("KW", s) for s in record["subjects"]]
    if record.get("citation"):
        lines.append(("N1", record["citation"]))
    lines.append(("UR", url))
    lines.append(("ID", record["id"]))
    out = [f"{tag}  - {one_line(value)}" for tag, value in lines if one_line(value)]
    out.append("ER  - ")
    return "\n".join(out) + "\n\n"


# ---------------------------------------------------------------- Dublin Core
DC_NS = (
    'xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd"'
)


def dc_elements(record: dict, url: str) -> list[tuple[str, str]]:
    """Simple Dublin Core for a record (also OAI-PMH ``oai_dc``): ``[(element, value), ...]``."""
    el: list[tuple[str, str]] = [("title", record["title"])]
    el += [("creator", n) for n in authors(record)]
    for c in record["contributors"]:
        if not set(c["roles"]) & set(AUTHOR_ROLES):
            el.append(("contributor", c["name"]))
    el += [("subject", s) for s in record["subjects"]]
    if record.get("summary"):
        el.append(("description", record["summary"]))
    if record.get("archive"):
        el.append(("publisher", record["archive"]))
    date = record["date"]
    if date.get("start"):
        el.append(("date", date["start"] if date["start"] == date.get("end") else f"{date['start']}/{date['end']}"))
    el.append(("type", "Text"))
    if record.get("type"):
        el.append(("type", record["type"]))
    el.append(("format", "text/html"))
    el.append(("identifier", url))
    if ref := cited_reference(record):
        el.append(("source", ref))
    elif record.get("source_url"):
        el.append(("source", record["source_url"]))
    el += [("language", lang["code"]) for lang in record["original_languages"]]
    el += [("language", t["language"]) for t in record["translations"] if t.get("language")]
    el += [("relation", c["title"]) for c in record["collections"]]
    el += [("coverage", p["name"]) for p in record["places"]]
    if record.get("rights"):
        el.append(("rights", record["rights"]))
    return el


def to_dc(record: dict, url: str) -> str:
    """An ``oai_dc:dc`` element (no XML declaration)."""
    inner = "".join(f"<dc:{name}>{xml_text(value)}</dc:{name}>" for name, value in dc_elements(record, url) if value)
    return f"<oai_dc:dc {DC_NS}>{inner}</oai_dc:dc>"


# ---------------------------------------------------------------- registry
@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    extension: str
    one: Callable[[dict, str], str]
    head: str = ""
    sep: str = ""
    tail: str = ""
    single_head: str = ""  # wrapped around a single record
    single_tail: str = ""


def _json(record: dict, url: str) -> str:
    return json.dumps(record, ensure_ascii=False)


def _csl_json(record: dict, url: str) -> str:
    return json.dumps(csl_item(record, url), ensure_ascii=False)


XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'
FORMATS: dict[str, Format] = {
    "bibtex": Format("bibtex", "application/x-bibtex; charset=utf-8", "bib", to_bibtex, sep="\n"),
    "ris": Format("ris", "application/x-research-info-systems; charset=utf-8", "ris", to_ris),
    "csl-json": Format(
        "csl-json",
        "application/vnd.citationstyles.csl+json; charset=utf-8",
        "json",
        _csl_json,
        head="[\n",
        sep=",\n",
        tail="\n]\n",
        single_head="[",
        single_tail="]\n",
    ),
    "dc": Format(
        "dc",
        "application/xml; charset=utf-8",
        "xml",
        to_dc,
        head=XML_DECL + "<records>\n",
        sep="\n",
        tail="\n</records>\n",
        single_head=XML_DECL,
        single_tail="\n",
    ),
    "json": Format(
        "json", "application/json; charset=utf-8", "json", _json, head="[\n", sep=",\n", tail="\n]\n", single_tail="\n"
    ),
}


class UnknownFormat(ValueError):
    pass


def get_format(name: str | None) -> Format:
    """:raises UnknownFormat: naming the formats there are"""
    try:
        return FORMATS[name or ""]
    except KeyError:
        raise UnknownFormat(f"format must be one of {', '.join(FORMATS)}, not {name!r}") from None


def render_one(fmt: Format, record: dict, url: str) -> str:
    return fmt.single_head + fmt.one(record, url) + fmt.single_tail


def stream(fmt: Format, records: Iterable[tuple[dict, str]]) -> Iterator[str]:
    """The framed export of ``(record, permanent URL)`` pairs, one chunk per record."""
    yield fmt.head
    first = True
    for record, url in records:
        yield (fmt.one(record, url) if first else fmt.sep + fmt.one(record, url))
        first = False
    yield fmt.tail
