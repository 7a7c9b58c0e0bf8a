"""Citations as the Wilson Center Digital Archive writes them, and the archival references inside them.

``"Title", July 22, 1963, Wilson Center Digital Archive, <archival reference>. Contributed and
translated by Elidor Mëhilli. <https://...>`` gives the title, the date as written, the archive, the
archival reference (parsed into repository / fonds / series / volume / file / folios), the
contributors with their roles, and the source URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from readingroom.ingest.dates import DateError, parse_date


class CitationError(ValueError):
    pass


REFERENCE_PARTS = ("repository", "fonds", "series", "volume", "file", "folios")

#: Labels that open a part of an archival reference, in the languages the archives use.
_LABELS: list[tuple[str, re.Pattern[str]]] = [
    ("fonds", re.compile(r"(?:fondi|fonds?|fondo|f\.)\s*(?P<v>.+)", re.I)),
    ("series", re.compile(r"(?:opis'?|op\.|series|ser\.|seria|serie)\s*(?P<v>.+)", re.I)),
    ("volume", re.compile(r"(?:v\.|vol\.|volume|viti|year|god)\s*(?P<v>.+)", re.I)),
    ("file", re.compile(r"(?:dos\.|dosja|dossier|delo|d\.|file|folder|box|papka|item)\s*(?P<v>.+)", re.I)),
    ("folios", re.compile(r"(?:fl\.|fletë|folios?|ff?\.|ll?\.|listy?|pp?\.|pages?)\s*(?P<v>.+)", re.I)),
]

#: Verbs of the credit sentences -> contributor roles.
ROLE_VERBS = {
    "contributed": "contributor",
    "obtained": "contributor",
    "donated": "contributor",
    "provided": "contributor",
    "translated": "translator",
    "transcribed": "transcriber",
    "edited": "editor",
    "annotated": "annotator",
    "introduced": "author of introduction",
}
_CREDIT = re.compile(
    r"(?P<verbs>(?:(?:" + "|".join(ROLE_VERBS) + r")(?:,\s*|\s+and\s+)?)+)\s+by\s+(?P<names>.+?)\.?$",
    re.I,
)


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside parentheses and brackets."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def parse_archival_reference(text: str) -> dict:
    """Parse an archival reference into its parts; ``text`` keeps it as written.

    >>> parse_archival_reference("Arkivi Qendror Shtetëror, Fondi 14/AP, V. 1963, Dos. 4, Fl. 49-50")["file"]
    '4'
    """
    result = {part: "" for part in REFERENCE_PARTS}
    result["text"] = text
    tokens = split_top_level(text.strip().rstrip("."))
    unlabelled: list[str] = []
    for i, token in enumerate(tokens):
        if i == 0:  # the holding repository always comes first
            result["repository"] = token
            continue
        for part, pattern in _LABELS:
            m = pattern.fullmatch(token)
            if m:
                value = m["v"].strip()
                result[part] = f"{result[part]}, {value}" if result[part] else value
                break
        else:
            unlabelled.append(token)
    if unlabelled:
        result["series"] = ", ".join(([result["series"]] if result["series"] else []) + unlabelled)
    return result


def parse_names(text: str) -> list[str]:
    text = re.sub(r"\s+for\s+(?:the\s+)?[A-Z].*$", "", text.strip())
    names = [n.strip() for n in re.split(r",\s*(?:and\s+)?|\s+and\s+", text) if n.strip()]
    return names


def parse_credits(sentence: str) -> list[dict]:
    """ "Contributed and translated by Elidor Mëhilli" -> ``[{"name": ..., "roles": [...]}]``."""
    m = _CREDIT.fullmatch(sentence.strip())
    if not m:
        return []
    roles: list[str] = []
    for verb in re.findall("|".join(ROLE_VERBS), m["verbs"], re.I):
        role = ROLE_VERBS[verb.lower()]
        if role not in roles:
            roles.append(role)
    return [{"name": name, "roles": list(roles)} for name in parse_names(m["names"])]


@dataclass
class Citation:
    title: str = ""
    date_display: str = ""
    archive: str = ""
    archival_reference: dict = field(default_factory=dict)
    contributors: list[dict] = field(default_factory=list)
    source_url: str = ""
    notes: list[str] = field(default_factory=list)


_SENTENCE_START = re.compile(
    r"\.\s+(?=(?:" + "|".join(ROLE_VERBS) + r"|Original|Courtesy|Made|Published|Included|Reproduced)\b)",
    re.I,
)


def merge_contributors(found: list[dict]) -> list[dict]:
    merged: dict[str, dict] = {}
    for c in found:
        entry = merged.setdefault(c["name"], {"name": c["name"], "roles": []})
        entry["roles"] += [r for r in c["roles"] if r not in entry["roles"]]
    return list(merged.values())


def parse_wilson_citation(text: str) -> Citation:
    """Parse a citation in the Wilson Center form.

    :raises CitationError: when the citation opens a quoted title it never closes, or has nothing after it
    """
    t = " ".join(text.split())
    out = Citation()
    m = re.search(r"\s*<(https?://[^>\s]+)>\s*$", t) or re.search(r"\s+(https?://\S+?)\.?\s*$", t)
    if m:
        out.source_url = m[1]
        t = t[: m.start()].rstrip()
    if not t or t[0] not in '"“':
        raise CitationError('a citation starts with the quoted title ("Title", date, archive, reference)')
    close = re.search(r"[\"”],\s*", t[1:])
    if not close:
        raise CitationError("the quoted title is never closed (no closing quote followed by a comma)")
    out.title = t[1 : close.start() + 1].strip()
    if not out.title:
        raise CitationError("the quoted title is empty")
    rest = t[close.end() + 1 :]
    pieces = split_top_level(rest)
    # The date may itself contain a comma ("July 22, 1963"): take the longest prefix that reads as a date.
    for n in (3, 2, 1):
        candidate = ", ".join(pieces[:n])
        try:
            parse_date(candidate)
        except DateError:
            continue
        out.date_display = candidate
        pieces = pieces[n:]
        break
    if not pieces:
        raise CitationError("nothing follows the title and date: the archive and archival reference are missing")
    out.archive = pieces[0]
    remainder = ", ".join(pieces[1:])
    sentences = _SENTENCE_START.split(remainder)
    reference = sentences[0].strip().rstrip(".")
    if reference:
        out.archival_reference = parse_archival_reference(reference)
    found: list[dict] = []
    for sentence in sentences[1:]:
        credits = parse_credits(sentence.strip().rstrip("."))
        if credits:
            found += credits
        else:
            out.notes.append(sentence.strip())
    out.contributors = merge_contributors(found)
    return out
