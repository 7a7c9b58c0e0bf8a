"""IIIF Content Search API 1.0 (https://iiif.io/api/search/1.0/) over the machine OCR of a document's
pages: each matching word becomes an annotation on its canvas (``#xywh=`` in image pixels), so a viewer
can highlight it on the scan."""

from __future__ import annotations

import unicodedata

from readingroom.scans.models import Page

MAX_HITS = 500


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def _clean(word: str) -> str:
    return fold(word).strip(".,;:!?\"'()[]{}«»„“”‘’-–—")


def search(pages: list[Page], q: str, base: str, doc_id: str, request_url: str) -> dict:
    """Hits for the words of ``q`` (every word, case and diacritics folded; a trailing ``*`` matches a
    prefix). Consecutive matching words on a line are one hit."""
    terms = [fold(t) for t in q.split() if t.strip("*")][:10]
    resources, hits = [], []
    for page in pages:
        ocr = getattr(page, "ocr", None)
        if ocr is None or not terms:
            continue
        canvas = f"{base}/iiif/presentation/{doc_id}/canvas/p{page.position}"
        words = ocr.words
        for i, (text, x, y, w, h, _conf) in enumerate(words):
            word = _clean(text)
            if not word:
                continue
            matched = next(
                (t for t in terms if (word.startswith(t[:-1]) if t.endswith("*") else word == t.strip("*"))), None
            )
            if matched is None:
                continue
            aid = f"{base}/iiif/search/{doc_id}/a/p{page.position}-w{i}"
            resources.append(
                {
                    "@id": aid,
                    "@type": "oa:Annotation",
                    "motivation": "sc:painting",
                    "resource": {"@type": "cnt:ContentAsText", "chars": text},
                    "on": f"{canvas}#xywh={x},{y},{w},{h}",
                }
            )
            before = " ".join(wd[0] for wd in words[max(0, i - 6) : i])
            after = " ".join(wd[0] for wd in words[i + 1 : i + 7])
            hits.append(
                {
                    "@type": "search:Hit",
                    "annotations": [aid],
                    "match": text,
                    "before": before,
                    "after": after,
                    "page": page.position,
                }
            )
            if len(resources) >= MAX_HITS:
                break
        if len(resources) >= MAX_HITS:
            break
    return {
        "@context": ["http://iiif.io/api/presentation/2/context.json", "http://iiif.io/api/search/1/context.json"],
        "@id": request_url,
        "@type": "sc:AnnotationList",
        "within": {"@type": "sc:Layer", "total": len(resources)},
        "resources": resources,
        "hits": hits,
    }
