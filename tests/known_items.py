"""Known-item queries built from the real FRUS corpus, as a historian would write them."""

from __future__ import annotations

import math
import random
import re
from collections import Counter

STOP = set("""a an the of to in on and or for from with by at as is was were be been that this these those it its his her
their our your my we you he she they i not no but if then than so such into about over under between during after before
which who whom whose what when where why how all any each other some more most very can could would should may might must
will shall do does did has have had also only same own s t""".split())


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
            best = max(range(max(1, len(words) - 7)), key=lambda s: sum(idf.get(w.lower(), 0) for w in words[s : s + 8]))
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
