"""Known-item queries built from the real FRUS corpus, as a historian would write them."""

from __future__ import annotations

import math
import random
import re
from collections import Counter

STOP = set(
    """a an the of to in on and or for from with by at as is was were be been that this these those it its his her
their our your my we you he she they i not no but if then than so such into about over under between during after
before which who whom whose what when where why how all any each other some more most very can could would should may
might must will shall do does did has have had also only same own s t""".split()
)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+(?:['’-]\w+)*", re.sub(r"\[\d+\]", " ", text))


def build(records: list[dict], n: int = 300, seed: int = 2026) -> list[tuple[str, dict, str]]:
    """``(kind, search parameters, expected id)`` for ``n`` documents that have a text.

    * ``phrase``: a distinctive phrase (five consecutive words, quoted) the historian remembers;
    * ``words``: the eight consecutive words of a paragraph with the rarest vocabulary, unquoted;
    * ``historian``: the title's words without the number or stop words, a person's surname and the
      dateline's place, with the document's date as the date filter (a historian knows when a telegram was sent).
    """
    rng = random.Random(seed)
    candidates = [r for r in records if r["transcripts"] and len(r["transcripts"][0]["text"]) > 400]
    df: Counter = Counter()
    for r in candidates:
        df.update({w.lower() for w in _words(r["transcripts"][0]["text"])})
    idf = {w: math.log(len(candidates) / c) for w, c in df.items()}
    sample = rng.sample(candidates, min(n, len(candidates)))
    out = []
    for i, rec in enumerate(sample):
        paras = [p for p in rec["transcripts"][0]["text"].split("\n\n") if len(_words(p)) >= 20]
        if i % 3 == 0 and paras:
            words = _words(rng.choice(paras))
            start = rng.randrange(0, len(words) - 5)
            out.append(("phrase", {"q": '"' + " ".join(words[start : start + 5]) + '"'}, rec["id"]))
        elif i % 3 == 1 and paras:
            words = [w for w in _words(" ".join(paras)) if w.lower() not in STOP]
            best = max(
                range(max(1, len(words) - 7)), key=lambda s: sum(idf.get(w.lower(), 0) for w in words[s : s + 8])
            )
            out.append(("words", {"q": " ".join(words[best : best + 8])}, rec["id"]))
        else:
            words = [w for w in _words(rec["title"]) if w.lower() not in STOP]
            if rec.get("persons"):
                words.append(rec["persons"][0]["name"].split(",")[0].split()[-1])
            if rec["places"]:
                words.append(rec["places"][0]["name"])
            params = {"q": " ".join(words)}
            if rec["date"]["start"]:
                params["date_from"] = params["date_to"] = rec["date"]["start"][:10]
            out.append(("historian", params, rec["id"]))
    return out


def reciprocal_rank(ids: list[str], expected: str) -> float:
    return 1 / (ids.index(expected) + 1) if expected in ids else 0.0


def build_unquoted(records: list[dict], n: int = 200, seed: int = 14) -> list[tuple[str, dict, str]]:
    """Queries nobody tuned for: ``words``: six consecutive words of four or more letters from a random
    paragraph, unquoted; ``title``: the words of the title (no number, no stop words), unquoted."""
    rng = random.Random(seed)
    candidates = [r for r in records if r["transcripts"] and len(r["transcripts"][0]["text"]) > 400]
    out = []
    for i, rec in enumerate(rng.sample(candidates, min(n, len(candidates)))):
        if i % 2 == 0:
            paras = [p for p in rec["transcripts"][0]["text"].split("\n\n") if len(_words(p)) >= 20]
            words = [w for w in _words(rng.choice(paras)) if len(w) >= 4 and not w.isdigit()] if paras else []
            if len(words) >= 6:
                start = rng.randrange(0, len(words) - 5)
                out.append(("words", {"q": " ".join(words[start : start + 6])}, rec["id"]))
                continue
        words = [w for w in _words(re.sub(r"^\d+\.\s*", "", rec["title"])) if w.lower() not in STOP]
        if words:
            out.append(("title", {"q": " ".join(words)}, rec["id"]))
    return out


class Fts5Baseline:
    """A plain SQLite FTS5 table of title + text (unicode61, diacritics removed), ranked by BM25, no stemming:
    what any developer gets in ten lines, the baseline the archive's search must not fall below."""

    def __init__(self, records: list[dict]) -> None:
        import sqlite3

        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, title, body, tokenize='unicode61 remove_diacritics 2')"
        )
        self.db.executemany(
            "INSERT INTO t VALUES (?, ?, ?)",
            [
                (r["id"], r["title"], "\n\n".join(x["text"] for x in r["translations"] + r["transcripts"]))
                for r in records
            ],
        )

    def ids(self, q: str, limit: int = 20) -> list[str]:
        words = re.findall(r"\w+", q)
        if not words:
            return []
        match = " ".join('"' + w.replace('"', "") + '"' for w in words)
        return [
            row[0]
            for row in self.db.execute("SELECT id FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT ?", (match, limit))
        ]
