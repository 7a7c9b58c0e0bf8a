"""What the search index holds for a document, built from its public record (shared by every backend)."""

from __future__ import annotations

import re
import unicodedata

from readingroom.search import analysis

#: the language the archive writes its own metadata in (summaries, citations, titles unless the record says otherwise)
ARCHIVE_LANGUAGE = "en"


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

    Text fields: ``title``, ``body`` (summary, texts, citation, machine OCR of the scans), ``people``, ``places``,
    ``archive``.
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
    holding = (record.get("holding_archive") or {}).get("name", "")
    repository = holding or ref["repository"] or record["archive"]
    bodies = [_text(t) for t in texts]
    texts_by_lang, detected = _texts_by_language(record, texts, bodies)
    original = [
        analysis.analysis_key(lang["code"] if isinstance(lang, dict) else lang) for lang in record["original_languages"]
    ]
    title_langs = sorted({ARCHIVE_LANGUAGE, *(k for k in original if k)})
    langs = set(texts_by_lang) | set(title_langs)
    if analysis.has_cjk(record["title"]) or any(analysis.has_cjk(t) for t in texts_by_lang.values()):
        langs.add("zh")
    return {
        "id": record["id"],
        "title": record["title"],
        "body": "\n\n".join(
            part
            for part in [record["summary"], *bodies, record["citation"], *(o["text"] for o in record.get("ocr", []))]
            if part
        ),
        "people": "\n".join(people),
        "places": "\n".join(places),
        "archive": "\n".join(
            x
            for x in [
                holding,
                record["archive"],
                ref["text"],
                ref["repository"],
                *(c["title"] for c in record["collections"]),
            ]
            if x
        ),
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
        # Per-language analysis (search.analysis): the body's texts by analysis key, the languages the
        # title is analysed in, every language key present, and the codes detected for undeclared texts.
        "texts": texts_by_lang,
        "title_langs": title_langs,
        "langs": sorted(langs),
        "detected": detected,
    }


def _texts_by_language(record: dict, texts: list[dict], bodies: list[str]) -> tuple[dict[str, str], list[str]]:
    """The body's texts grouped by analysis key (texts of a language without a stemmer are searched through
    the exact field only); a text without a declared language gets a detected one."""
    out: dict[str, list[str]] = {}
    detected: list[str] = []
    if record["summary"] or record["citation"]:
        out.setdefault(ARCHIVE_LANGUAGE, []).extend(x for x in (record["summary"], record["citation"]) if x)
    for t, text in zip(texts, bodies, strict=True):
        key, was_detected = analysis.block_language(t.get("language"), text)
        if was_detected and key:
            detected.append(key)
        if key:
            out.setdefault(key, []).append(text)
    for page in record.get("ocr", []):
        keys = [analysis.analysis_key(c) for c in re.split(r"[+,\s]+", str(page.get("languages") or "")) if c]
        langs = [k for k in keys if k]
        if not langs:
            key, was_detected = analysis.block_language(None, page["text"])
            if was_detected and key:
                detected.append(key)
            langs = [key] if key else []
        for key in dict.fromkeys(langs):  # a page in "sqi+eng" is analysed as both
            out.setdefault(key, []).append(page["text"])
    return {k: "\n\n".join(v) for k, v in out.items()}, sorted(set(detected))
