"""What the search index holds for a document, built from its public record (shared by every backend)."""

from __future__ import annotations

import re
import unicodedata


def title_key(text: str) -> str:
    """A title in lower case without diacritics, for sorting (and folding query words for PostgreSQL)."""
    if text.isascii():
        return text.lower()
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def _date_key(iso: str) -> int:
    return int(iso[:10].replace("-", "")) if iso else 0


def _text(t: dict) -> str:
    """A text as searched: footnote markers out of the running text (so phrases match across them), the
    footnotes themselves after it."""
    body = t["text"]
    notes = (t.get("extra") or {}).get("footnotes") or []
    if notes:
        body = re.sub(r"\[[\w*]{1,4}\]", "", body)
        body += "\n\n" + "\n".join(n.get("text", "") for n in notes)
    return f"{t['title']}\n\n{body}" if t.get("title") else body


def search_document(record: dict) -> dict:
    """The fields to index for one public record.

    Text fields: ``title``, ``body`` (summary, texts, citation, machine OCR of the scans), ``people``, ``places``, ``archive``.
    Facets (lists of exact values): ``language``, ``translation``, ``repository``, ``collection``,
    ``subject``, ``person``, ``place``, ``type``, ``classification``. Plus ``year``, ``date_key``
    (YYYYMMDD of the start, 0 when undated), ``date_end_key``, ``title_sort``.
    """
    texts = record["translations"] + record["transcripts"]
    ref = record["archival_reference"]
    people = [p["name"] for p in record.get("persons", [])] + [c["name"] for c in record["contributors"]]
    # A public record has places as {"name", "path"}; a canonical (import-time) record as paths.
    paths = [p["path"] if isinstance(p, dict) else p for p in record["places"]]
    places = [" ".join(path) for path in paths]
    start = record["date"]["start"]
    repository = ref["repository"] or record["archive"]
    return {
        "id": record["id"],
        "title": record["title"],
        "body": "\n\n".join(
            part
            for part in [record["summary"], *(_text(t) for t in texts), record["citation"],
                         *(o["text"] for o in record.get("ocr", []))]
            if part
        ),
        "people": "\n".join(people),
        "places": "\n".join(places),
        "archive": "\n".join(x for x in [record["archive"], ref["text"], ref["repository"], *(c["title"] for c in record["collections"])] if x),
        "language": [lang["code"] for lang in record["original_languages"]],
        "translation": sorted({t["language"] for t in record["translations"] if t["language"]}),
        "repository": [repository] if repository else [],
        "collection": [c["title"] for c in record["collections"]],
        "subject": list(record["subjects"]),
        "person": [p["name"] for p in record.get("persons", [])],
        "place": [path[-1] for path in paths],
        "type": [record["type"]] if record["type"] else [],
        "classification": [record["classification"]] if record["classification"] else [],
        "year": int(start[:4]) if start else None,
        "date_key": _date_key(start),
        "date_end_key": _date_key(record["date"]["end"]),
        "title_sort": title_key(record["title"])[:200],
    }
