"""How to cite a document: the archive's own form and Chicago, MLA and APA through CSL.

:func:`csl_item` turns a public record into CSL-JSON (also the ``csl-json`` export); :func:`citations`
renders every style for a record and is what the document page, the document JSON, ``/api/.../cite`` and
the exports use.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.cache import cache
from django.utils.html import escape

from readingroom.publish import csl

#: style name -> label, in the order the Cite panel shows them
STYLE_LABELS = {"archive": "Archive", **{name: label for name, (_, label) in csl.STYLES.items()}}
AUTHOR_ROLES = ("author", "creator", "speaker")
#: contributor role -> CSL name variable
CSL_ROLES = {"translator": "translator", "editor": "editor", "transcriber": "transcriber", "compiler": "compiler"}
#: role -> the verb in "Contributed and translated by ..."
ROLE_VERBS = {
    "contributor": "contributed",
    "translator": "translated",
    "transcriber": "transcribed",
    "editor": "edited",
    "compiler": "compiled",
}
CACHE_SECONDS = 24 * 3600


class UnknownStyle(ValueError):
    pass


def split_name(name: str) -> dict:
    """A personal name as CSL wants it: ``{"family", "given"}`` (the last word is the family name)."""
    parts = name.strip().split()
    if len(parts) < 2:
        return {"literal": name.strip()}
    return {"family": parts[-1], "given": " ".join(parts[:-1])}


def date_parts(date: dict) -> dict | None:
    """CSL ``issued`` from a record's date: a day, a month, a year, or a range; ``circa`` when approximate."""
    start, end = date.get("start"), date.get("end")
    if not start:
        return None
    try:
        s, e = dt.date.fromisoformat(start), dt.date.fromisoformat(end or start)
    except ValueError:
        return {"raw": date.get("display") or start}
    if s == e:
        parts = [[s.year, s.month, s.day]]
    elif (s.month, s.day, e.month, e.day) == (1, 1, 12, 31) and s.year == e.year:
        parts = [[s.year]]
    elif s.day == 1 and s.year == e.year and s.month == e.month and (e + dt.timedelta(days=1)).day == 1:
        parts = [[s.year, s.month]]
    elif (s.month, s.day, e.month, e.day) == (1, 1, 12, 31):
        parts = [[s.year], [e.year]]
    else:
        parts = [[s.year, s.month, s.day], [e.year, e.month, e.day]]
    out: dict = {"date-parts": parts}
    if date.get("certainty") in {"approximate", "circa", "inferred"}:
        out["circa"] = True
    return out


def cited_reference(record: dict) -> str:
    """The archival reference as citations and exports give it: as written, except that the holding archive
    is named by its authority record where the source names it otherwise (a typo, a prefix such as
    "Source;", another spelling or script: "Department of Sate, Central Files, 611.61/7-1563" is cited as
    "Department of State, Central Files, 611.61/7-1563"). The finer levels stay exactly as written; a
    written name that begins with the authority's name (a gloss after it) is kept as it is."""
    ref = record["archival_reference"]
    text = (ref.get("text") or "").strip()
    authority = (record.get("holding_archive") or {}).get("name") or ""
    written = (ref.get("repository") or "").strip()
    if not authority:
        return text
    if not text:
        return authority
    if written and text.startswith(written) and not written.startswith(authority):
        return authority + text[len(written) :]
    return text


def csl_item(record: dict, url: str) -> dict:
    """The record as a CSL-JSON item (what reference managers and citeproc read)."""
    item: dict = {
        "id": record["id"],
        "type": "speech" if (record.get("type") or "").lower() == "speech" else "manuscript",
        "title": record["title"],
        "URL": url,
    }
    if issued := date_parts(record["date"]):
        item["issued"] = issued
    names: dict[str, list] = {}
    for c in record["contributors"]:
        roles = set(c["roles"])
        if roles & set(AUTHOR_ROLES):
            names.setdefault("author", []).append(split_name(c["name"]))
        for role, variable in CSL_ROLES.items():
            if role in roles:
                names.setdefault(variable, []).append(split_name(c["name"]))
    item.update(names)
    if record.get("archive"):
        item["archive"] = record["archive"]
    if reference := cited_reference(record):
        item["archive_location"] = reference
    if record["original_languages"]:
        item["language"] = record["original_languages"][0]["code"]
    if record.get("summary"):
        item["abstract"] = record["summary"]
    if record.get("type") and item["type"] != "speech" and record["type"].casefold() != record["title"].casefold():
        item["genre"] = record["type"]
    if record["collections"]:
        item["collection-title"] = record["collections"][0]["title"]
    return item


def credit_line(contributors: list[dict]) -> str:
    """ "Contributed and translated by Elidor Mëhilli." from the contributors' roles (grouped by role set)."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for c in contributors:
        verbs = tuple(ROLE_VERBS[r] for r in ROLE_VERBS if r in c["roles"])
        if verbs:
            groups.setdefault(verbs, []).append(c["name"])
    sentences = []
    for verbs, people in groups.items():
        phrase = verbs[0] if len(verbs) == 1 else ", ".join(verbs[:-1]) + " and " + verbs[-1]
        who = people[0] if len(people) == 1 else ", ".join(people[:-1]) + " and " + people[-1]
        sentences.append(f"{phrase[0].upper()}{phrase[1:]} by {who}.")
    return " ".join(sentences)


def archive_citation(record: dict, url: str) -> str:
    """The archive's own form, as in the reference record: "Title", date, archive, archival reference.
    Contributed and translated by ... <permanent URL>"""
    authors = [c["name"] for c in record["contributors"] if set(c["roles"]) & set(AUTHOR_ROLES)]
    head = ", ".join([*authors, f'"{record["title"]}"'])
    parts = [head, record["date"]["display"] or "undated"]
    if record.get("archive"):
        parts.append(record["archive"])
    if reference := cited_reference(record):
        parts.append(reference)
    text = ", ".join(p.strip().rstrip(".,") for p in parts if p and p.strip()) + "."
    if credits := credit_line(record["contributors"]):
        text += " " + credits
    return f"{text} <{url}>"


def citations(record: dict, url: str) -> dict[str, dict]:
    """Every style for a record: ``{style: {"label", "text", "html", "note"?}}``, cached per record version."""
    # the authority's name is part of the citation: renaming or merging an archive changes no document
    holder = (record.get("holding_archive") or {}).get("name", "")
    # hashed: a key of any cache backend (memcached's too) has no spaces or control characters
    version = hashlib.blake2b(f"{record.get('updated_at')}\x1f{url}\x1f{holder}".encode(), digest_size=16)
    key = f"citations:{record['id']}:{version.hexdigest()}"
    cached = cache.get(key)
    if cached is not None:
        return cached

    archive = archive_citation(record, url)
    out = {"archive": {"label": STYLE_LABELS["archive"], "text": archive, "html": escape(archive)}}
    item = csl_item(record, url)
    for style in csl.STYLES:
        out[style] = {"label": STYLE_LABELS[style], **csl.render(item, style)}
    cache.set(key, out, CACHE_SECONDS)
    return out


def cite(record: dict, url: str, style: str) -> dict:
    """One style: ``{"style", "label", "text", "html", "note"?}``.

    :raises UnknownStyle: naming the styles there are
    """
    if style not in STYLE_LABELS:
        raise UnknownStyle(f"style must be one of {', '.join(STYLE_LABELS)}, not {style!r}")
    return {"style": style, **citations(record, url)[style]}
