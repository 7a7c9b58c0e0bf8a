"""Multilingual evaluation: for each language, base-form queries against short texts written in other forms.

    .venv/bin/python bench/multilingual.py

Indexes the passages below into a fresh embedded (tantivy) index and prints recall@10 per language, twice:
as typed (the per-language analysis) and as a quoted phrase (what an engine without stemming finds: exact,
folded forms only). tests/test_multilingual.py runs the same evaluation and asserts floors.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: language -> [(text, [base-form queries that must find it])]; no query word appears in its text in that form
PASSAGES: dict[str, list[tuple[str, list[str]]]] = {
    "en": [
        ("The delegations negotiated for three weeks about the treaties.", ["delegation", "negotiate", "treaty"]),
        ("Both governments agreed on shipments of weapons.", ["government", "agree", "shipment", "weapon"]),
    ],
    "ru": [
        (
            "Делегации провели переговоры в Москве и подписали соглашения.",
            ["делегация", "Москва", "соглашение", "переговор"],
        ),
        ("Хрущёв говорил о поставках оружия союзникам.", ["Хрущев", "поставка", "оружие", "союзник"]),
    ],
    "de": [
        ("Die Delegationen verhandelten über die Verträge in Berlin.", ["Delegation", "Vertrag"]),
        ("Beide Regierungen einigten sich über Lieferungen von Waffen.", ["Regierung", "Lieferung", "Waffe"]),
    ],
    "fr": [
        ("Les délégations ont signé les accords économiques.", ["délégation", "accord", "économique"]),
        ("Les gouvernements ont discuté des livraisons d'armes.", ["gouvernement", "livraison", "arme"]),
    ],
    "es": [
        ("Las delegaciones firmaron los acuerdos comerciales.", ["delegación", "acuerdo", "comercial"]),
        ("Los gobiernos discutieron las entregas de armas.", ["gobierno", "entrega", "arma"]),
    ],
    "it": [
        ("Le delegazioni hanno firmato gli accordi commerciali.", ["delegazione", "accordo", "commerciale"]),
        ("I governi hanno discusso le consegne di armi.", ["governo", "consegna", "arma"]),
    ],
    "pt": [
        ("As delegações assinaram os acordos comerciais.", ["delegação", "acordo", "comercial"]),
        ("Os governos discutiram as entregas de armas.", ["governo", "entrega", "arma"]),
    ],
    "hu": [
        ("A küldöttségek aláírták a kereskedelmi megállapodásokat.", ["küldöttség", "megállapodás"]),
        ("A kormányok a fegyverszállításokról tárgyaltak Budapesten.", ["kormány", "fegyverszállítás", "Budapest"]),
    ],
    "ro": [
        ("Delegațiile au semnat acordurile comerciale.", ["delegație", "acord", "comercial"]),
        ("Guvernele au discutat livrările de arme.", ["guvern", "livrare", "armă"]),
    ],
    "pl": [
        ("Delegacje podpisały umowy handlowe w Warszawie.", ["delegacja", "umowa", "Warszawa"]),
        ("Rządy rozmawiały o dostawach broni dla sojuszników.", ["rząd", "dostawa", "sojusznik"]),
    ],
    "cs": [
        ("Delegace podepsaly obchodní smlouvy v Praze.", ["smlouva", "Praha"]),
        ("Vlády jednaly o dodávkách zbraní spojencům.", ["vláda", "dodávka", "zbraň", "spojenec"]),
    ],
    "sq": [
        ("Delegacionet nënshkruan marrëveshjet tregtare në Tiranë.", ["delegacion", "marrëveshje", "Tirana"]),
        ("Qeveritë biseduan për dërgesat e armëve me aleatët.", ["qeveri", "dërgesë", "armë", "aleat"]),
    ],
    "zh": [
        ("中國代表團簽署了貿易協定。", ["代表团", "贸易", "协定"]),
        ("两国政府讨论了向阿尔巴尼亚运送武器的问题。", ["政府", "阿尔巴尼亚", "武器", "運送"]),
    ],
}


def records() -> list[dict]:
    out = []
    for lang, passages in PASSAGES.items():
        for i, (text, _) in enumerate(passages):
            out.append(
                {
                    "id": f"eval-{lang}-{i}",
                    "title": f"Passage {i}",
                    "summary": "",
                    "citation": "",
                    "translations": [],
                    "transcripts": [{"language": lang, "text": text, "title": ""}],
                    "archive": "",
                    "archival_reference": {"repository": "", "text": ""},
                    "persons": [],
                    "contributors": [],
                    "places": [],
                    "collections": [],
                    "original_languages": [{"code": lang}],
                    "subjects": [],
                    "type": "",
                    "classification": "",
                    "date": {"start": "1962-01-01", "end": ""},
                }
            )
    return out


def evaluate(path: str | None = None) -> dict[str, dict[str, float]]:
    """recall@10 per language: ``{"ru": {"analysed": 1.0, "exact": 0.25, "n": 8}, ...}``."""
    from readingroom.search.backends.base import SearchRequest
    from readingroom.search.backends.tantivy_backend import TantivyBackend
    from readingroom.search.documents import search_document
    from readingroom.search.query import parse

    backend = TantivyBackend(Path(path or tempfile.mkdtemp(prefix="rr-ml-eval-")))
    backend.reset()
    backend.add([search_document(r) for r in records()])
    backend.commit()
    out: dict[str, dict[str, float]] = {}
    for lang, passages in PASSAGES.items():
        found = {"analysed": 0, "exact": 0}
        n = 0
        for i, (_, queries) in enumerate(passages):
            for q in queries:
                n += 1
                for mode, text in (("analysed", q), ("exact", f'"{q}"')):
                    hits = backend.search(SearchRequest(query=parse(text), limit=10, facets=False, snippets=False)).hits
                    found[mode] += f"eval-{lang}-{i}" in [h.id for h in hits]
        out[lang] = {"analysed": found["analysed"] / n, "exact": found["exact"] / n, "n": n}
    backend.close()
    return out


def report(results: dict[str, dict[str, float]]) -> str:
    lines = ["language  queries  recall@10 analysed  recall@10 exact forms only"]
    for lang, r in results.items():
        lines.append(f"{lang:8}  {r['n']:7}  {r['analysed']:18.2f}  {r['exact']:26.2f}")
    total = sum(r["n"] for r in results.values())
    lines.append(
        f"{'all':8}  {total:7}  {sum(r['analysed'] * r['n'] for r in results.values()) / total:18.2f}  "
        f"{sum(r['exact'] * r['n'] for r in results.values()) / total:26.2f}"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readingroom.settings")
    os.environ.setdefault("READINGROOM_DATA_DIR", tempfile.mkdtemp(prefix="rr-ml-data-"))
    import django

    django.setup()
    print(report(evaluate()))
