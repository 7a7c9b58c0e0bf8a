"""A scaled corpus made from the real FRUS and UN texts in ../shared/corpus (deterministic).

Per synthetic document (``random.Random(12345)``, ids ``synth/1..N``): a FRUS document as template (title,
source note, archival reference), a paragraph count from the real FRUS distribution, each paragraph 50 %
a shuffled paragraph of the template, 35 % a random FRUS paragraph, 15 % a random UN paragraph; date
uniform over 1945-1991; original language, repository (40, Zipf 0.9), collection (200, Zipf 1.0), 1-5
persons (Zipf 0.8 over the FRUS person names) and classification drawn as in
``../shared/PERFORMANCE-ANCHORS.md``. Records are written as JSON Lines in the public record shape.

    python bench/corpus.py 100000 /tmp/bench/synth-100000.jsonl
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus"

LANGUAGES = ["en", "fr", "de", "ru", "es", "zh", "ar", "pt", "it", "ja", "pl", "nl", "cs", "hu", "he"]
LANGUAGE_WEIGHTS = [55, 10, 8, 7, 5, 3, 2.5, 2, 2, 1.5, 1.2, 1, 0.8, 0.6, 0.4]
CLASSIFICATIONS = ["Unclassified", "Limited Official Use", "Confidential", "Secret", "Top Secret"]
CLASS_WEIGHTS = [25, 10, 30, 28, 7]
REPOSITORIES = [
    "National Archives and Records Administration",
    "Johnson Library",
    "Kennedy Library",
    "Eisenhower Library",
    "Truman Library",
    "Nixon Presidential Materials",
    "Department of State, Central Files",
    "Arkivi Qendror Shtetëror",
    "Russian State Archive of Contemporary History",
    "Archive of Foreign Policy of the Russian Federation",
    "Politisches Archiv des Auswärtigen Amts",
    "Bundesarchiv",
    "Archives diplomatiques",
    "The National Archives (Kew)",
    "Archiwum Akt Nowych",
    "Národní archiv",
    "Magyar Nemzeti Levéltár",
    "Arhiva Națională",
    "Central State Archive (Sofia)",
    "Chinese Foreign Ministry Archive",
    "Archivio Centrale dello Stato",
    "Nationaal Archief",
    "Riksarkivet",
    "Library and Archives Canada",
    "National Archives of Australia",
    "National Archives of India",
    "Arquivo Histórico",
    "Archivo General de la Nación",
    "Israel State Archives",
    "Diplomatic Archives of Japan",
    "UN Archives",
    "NATO Archives",
    "Hoover Institution Archives",
    "Wilson Center Digital Archive",
    "Churchill Archives Centre",
    "Library of Congress Manuscript Division",
    "Central Intelligence Agency CREST",
    "Open Society Archives",
    "Stasi Records Archive",
    "Archive of the Yugoslav Communist Party",
]


def zipf_weights(n: int, s: float) -> list[float]:
    return [1 / (k**s) for k in range(1, n + 1)]


def load_sources():
    from readingroom.ingest.readers import tei

    templates, frus_paras, names = [], [], set()
    for vol in sorted((CORPUS / "frus" / "volumes").glob("*.xml")):
        for rec in tei.read(vol):
            if not hasattr(rec, "data") or not rec.data.get("transcripts"):
                continue
            paras = [p for p in rec.data["transcripts"][0]["text"].split("\n\n") if p.strip()]
            templates.append((rec.data, paras))
            frus_paras += paras
            names.update(p["name"] for p in rec.data.get("persons", []))
    un_paras = []
    for speech in sorted((CORPUS / "un-general-debates").rglob("*_*_*.txt")):
        un_paras += [p for p in speech.read_text(encoding="utf-8").split("\n") if len(p.strip()) > 80]
    return templates, frus_paras, un_paras, sorted(names)


def generate(n: int, out: Path) -> dict:
    t0 = time.monotonic()
    rng = random.Random(12345)
    templates, frus_paras, un_paras, names = load_sources()
    counts = sorted(len(paras) for _, paras in templates)
    lang_cum = list(itertools.accumulate(LANGUAGE_WEIGHTS))
    class_cum = list(itertools.accumulate(CLASS_WEIGHTS))
    repo_cum = list(itertools.accumulate(zipf_weights(len(REPOSITORIES), 0.9)))
    coll_cum = list(itertools.accumulate(zipf_weights(200, 1.0)))
    person_cum = list(itertools.accumulate(zipf_weights(len(names), 0.8)))
    start, span = date(1945, 1, 1), (date(1991, 12, 31) - date(1945, 1, 1)).days
    name_ids = {name: i for i, name in enumerate(names)}

    def pick(cum):
        return bisect.bisect(cum, rng.random() * cum[-1])

    out.parent.mkdir(parents=True, exist_ok=True)
    chars = 0
    with open(out, "w", encoding="utf-8") as fh:
        for i in range(1, n + 1):
            data, paras = templates[rng.randrange(len(templates))]
            own = paras[:]
            rng.shuffle(own)
            body = []
            for _ in range(counts[rng.randrange(len(counts))]):
                r = rng.random()
                if r < 0.5 and own:
                    body.append(own.pop())
                elif r < 0.85:
                    body.append(frus_paras[rng.randrange(len(frus_paras))])
                else:
                    body.append(un_paras[rng.randrange(len(un_paras))])
            text = "\n\n".join(body) or data["title"]
            chars += len(text)
            day = (start + timedelta(days=rng.randrange(span + 1))).isoformat()
            collection = pick(coll_cum)
            persons = {names[pick(person_cum)] for _ in range(rng.randint(1, 5))}
            ref = data.get("archival_reference") or {}
            record = {
                "id": f"synth/{i}",
                "title": data["title"],
                "date": {"display": day, "start": day, "end": day, "certainty": "exact"},
                "citation": data.get("citation", ""),
                "archive": "Reading Room benchmark corpus",
                "original_languages": [LANGUAGES[pick(lang_cum)]],
                "archival_reference": {**ref, "repository": REPOSITORIES[pick(repo_cum)]},
                "classification": CLASSIFICATIONS[pick(class_cum)],
                "type": data.get("type", ""),
                "collections": [{"id": f"series-{collection + 1}", "title": f"Synthetic series {collection + 1}"}],
                "persons": [{"id": f"person-{name_ids[p]}", "name": p} for p in sorted(persons)],
                "contents": [{"kind": "transcript", "language": "en", "label": "Transcript - English"}],
                "transcripts": [{"language": "en", "label": "Transcript - English", "text": text}],
            }
            fh.write(json.dumps(record, ensure_ascii=False))
            fh.write("\n")
    return {
        "documents": n,
        "mean_chars": round(chars / n),
        "seconds": round(time.monotonic() - t0, 1),
        "bytes": out.stat().st_size,
    }


if __name__ == "__main__":
    print(json.dumps(generate(int(sys.argv[1]), Path(sys.argv[2]))))
