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


#: A second set, written after the dictionary lemmas (readingroom.search.lemmas) were in place and never tuned
#: on: everyday words of the sources (people, places, verbs of what happened) with queries both ways (a base
#: form against an inflected text, and an inflected query against the form the text has), irregular forms too.
#: English has no dictionary here: ``child``/``children`` shows what Snowball alone misses.
HELD_OUT: dict[str, list[tuple[str, list[str]]]] = {
    "en": [
        ("The ambassador was received by the ministers in the capital.", ["minister", "receive", "ambassadors"]),
        ("Soldiers were crossing the frontier during the night.", ["soldier", "cross", "frontiers"]),
        ("The children of the refugees lived in tents.", ["child", "refugee", "tent", "live"]),
    ],
    "ru": [
        ("Посол встретился с министрами иностранных дел.", ["министр", "встретиться", "послы"]),
        ("Войска пересекли границу ночью.", ["граница", "войско", "пересечь"]),
        ("Дети беженцев жили в палатках.", ["ребенок", "беженец", "палатка", "жить"]),
    ],
    "de": [
        ("Der Botschafter traf die Minister in der Hauptstadt.", ["treffen", "Hauptstädte", "Ministern"]),
        ("Die Soldaten überschritten nachts die Grenzen.", ["Soldat", "Grenze", "überschreiten"]),
        ("Die Kinder der Flüchtlinge lebten in Zelten.", ["Kind", "Flüchtling", "Zelt", "leben"]),
    ],
    "fr": [
        ("L'ambassadeur a reçu les ministres dans la capitale.", ["ministre", "recevoir", "capitales"]),
        ("Les soldats franchirent la frontière pendant la nuit.", ["soldat", "franchir", "frontières"]),
        ("Les enfants des réfugiés vivaient sous des tentes.", ["enfant", "réfugié", "tente", "vivre"]),
    ],
    "es": [
        ("El embajador recibió a los ministros en la capital.", ["ministro", "recibir", "capitales"]),
        ("Los soldados cruzaron la frontera durante la noche.", ["soldado", "cruzar", "fronteras", "noches"]),
        ("Los hijos de los refugiados vivían en tiendas.", ["hijo", "refugiado", "tienda", "vivir"]),
    ],
    "it": [
        ("L'ambasciatore ricevette i ministri nella capitale.", ["ministro", "ricevere", "capitali"]),
        ("I soldati attraversarono il confine durante la notte.", ["soldato", "attraversare", "confini"]),
        ("I figli dei profughi vivevano nelle tende.", ["figlio", "profugo", "tenda", "vivere"]),
    ],
    "pt": [
        ("O embaixador recebeu os ministros na capital.", ["ministro", "receber", "capitais"]),
        ("Os soldados atravessaram a fronteira durante a noite.", ["soldado", "atravessar", "fronteiras"]),
        ("Os filhos dos refugiados viviam em tendas.", ["filho", "refugiado", "tenda", "viver"]),
    ],
    "hu": [
        ("A nagykövet fogadta a minisztereket a fővárosban.", ["miniszter", "fogad", "főváros"]),
        ("A katonák éjszaka átlépték a határt.", ["katona", "határ", "átlép"]),
        ("A menekültek gyermekei sátrakban éltek.", ["menekült", "gyermek", "sátor", "él"]),
    ],
    "ro": [
        ("Ambasadorul i-a primit pe miniștri în capitală.", ["ministru", "primi", "capitale"]),
        ("Soldații au trecut frontiera în timpul nopții.", ["soldat", "frontieră", "noapte", "trece"]),
        ("Copiii refugiaților locuiau în corturi.", ["copil", "refugiat", "cort", "locui"]),
    ],
    "pl": [
        ("Ambasador przyjął ministrów w stolicy.", ["minister", "przyjąć", "stolica"]),
        ("Żołnierze przekroczyli granicę w nocy.", ["żołnierz", "granica", "noc", "przekroczyć"]),
        ("Dzieci uchodźców mieszkały w namiotach.", ["dziecko", "uchodźca", "namiot", "mieszkać"]),
    ],
    "cs": [
        ("Velvyslanec přijal ministry v hlavním městě.", ["ministr", "přijmout", "město"]),
        ("Vojáci v noci překročili hranici.", ["voják", "hranice", "noc", "překročit"]),
        ("Děti uprchlíků bydlely ve stanech.", ["dítě", "uprchlík", "stan", "bydlet"]),
    ],
    "sq": [
        ("Ambasadori priti ministrat në kryeqytet.", ["ambasador", "ministër", "kryeqytetin"]),
        ("Ushtarët kaluan kufirin gjatë natës.", ["ushtar", "kufi", "natë"]),
        ("Fëmijët e refugjatëve jetonin në tenda.", ["fëmijë", "refugjat", "tendë"]),
    ],
}


def records(passages_by_lang: dict[str, list[tuple[str, list[str]]]] | None = None) -> list[dict]:
    out = []
    for lang, passages in (passages_by_lang or PASSAGES).items():
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


def evaluate(
    path: str | None = None, passages_by_lang: dict[str, list[tuple[str, list[str]]]] | None = None
) -> dict[str, dict[str, float]]:
    """recall@10 per language: ``{"ru": {"analysed": 1.0, "exact": 0.25, "n": 8}, ...}``."""
    from readingroom.search.backends.base import SearchRequest
    from readingroom.search.backends.tantivy_backend import TantivyBackend
    from readingroom.search.documents import search_document
    from readingroom.search.query import parse

    backend = TantivyBackend(Path(path or tempfile.mkdtemp(prefix="rr-ml-eval-")))
    backend.reset()
    backend.add([search_document(r) for r in records(passages_by_lang)])
    backend.commit()
    out: dict[str, dict[str, float]] = {}
    for lang, passages in (passages_by_lang or PASSAGES).items():
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
    print("The passages the analysis was built beside (PASSAGES):")
    print(report(evaluate()))
    print("\nHeld out (HELD_OUT, written afterwards, not tuned on):")
    print(report(evaluate(passages_by_lang=HELD_OUT)))
