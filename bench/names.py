"""Names across scripts: recall@10 per script pair, for made-up people whose variants can only come from the
automatic keys (no curated seed, no editor).

    .venv/bin/python bench/names.py

Thirty made-up Chinese names (characters) and thirty made-up Russian names (Cyrillic, "Surname, Given") are the
persons; for each, short documents use the name in another script or romanisation (the Russian ones inflected:
genitive or instrumental). A query in one form must find the document written in the other (recall@10), with the
name expansion of readingroom.names, without it (the plain query), and with no persons list at all (only the
transliteration of a word no name has, Russian only: ``names.services.transliterations``). tests/test_names.py
runs it and asserts floors; docs/search.md has the figures.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SURNAMES_ZH = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚"
    "卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_ZH = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉鹏宇浩凯健俊帆帅旭宁龙林欣佳雪晨"
SURNAMES_RU = [
    "Забродин",
    "Кольцов",
    "Мельников",
    "Тарасевич",
    "Громов",
    "Савельев",
    "Лапшин",
    "Ветров",
    "Колесников",
    "Барсуков",
    "Шестаков",
    "Журавлёв",
    "Щукин",
    "Чернышёв",
    "Ефремов",
    "Жданович",
    "Хомутов",
    "Цыганков",
    "Юдин",
    "Ярцев",
    "Подгорный",
    "Белозёров",
    "Сухов",
    "Рябинин",
    "Шапошников",
    "Фомичёв",
    "Ильин",
    "Гончаренко",
    "Пахомов",
    "Дорохов",
]
GIVEN_RU = ["Пётр", "Иван", "Сергей", "Алексей", "Николай", "Михаил", "Юрий", "Василий", "Григорий", "Фёдор"]
PAIRS = [
    "Latin->Cyrillic",
    "Cyrillic->Latin",
    "Latin->Han",
    "Han->Latin",
    "Cyrillic->Han",
    "Han->Cyrillic",
    "pinyin->Wade-Giles",
    "Wade-Giles->pinyin",
]


def _genitive(name: str) -> str:
    return name + "а" if name[-1] not in "аеёиоуыэюяй" else name


def people(seed: int = 14) -> tuple[list[dict], list[tuple[str, str, str]]]:
    """(records, [(pair, query, relevant document id)])."""
    from readingroom.names import translit
    from readingroom.names.variants import automatic_variants

    rng = random.Random(seed)
    records, queries = [], []

    def record(ident, lang, text, persons=()):
        records.append(
            {
                "id": ident,
                "title": f"Record {ident}",
                "summary": "",
                "citation": "",
                "translations": [],
                "transcripts": [{"language": lang, "text": text, "title": ""}],
                "archive": "",
                "archival_reference": {"repository": "", "text": ""},
                "persons": list(persons),
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

    used = set()
    for i in range(30):
        while True:
            han = rng.choice(SURNAMES_ZH) + "".join(rng.choice(GIVEN_ZH) for _ in range(rng.choice((1, 2))))
            if han not in used:
                used.add(han)
                break
        forms = {scheme: form for form, scheme in automatic_variants(han)}
        py, wg, cyr = forms["pinyin"], forms.get("wade-giles"), forms["palladius"]
        record(f"zh-{i}-han", "zh", f"{han}同志抵达地拉那。", [{"id": f"zh-{i}", "name": han}])
        record(f"zh-{i}-py", "en", f"The delegation of {py} arrived in Tirana.")
        record(f"zh-{i}-ru", "ru", f"Делегация во главе с {cyr} прибыла в Тирану.")
        queries += [
            ("Latin->Han", py, f"zh-{i}-han"),
            ("Han->Latin", han, f"zh-{i}-py"),
            ("Cyrillic->Han", cyr, f"zh-{i}-han"),
            ("Han->Cyrillic", han, f"zh-{i}-ru"),
        ]
        if wg:
            record(f"zh-{i}-wg", "en", f"Chairman {wg} spoke at length.")
            queries += [("pinyin->Wade-Giles", py, f"zh-{i}-wg"), ("Wade-Giles->pinyin", wg, f"zh-{i}-py")]
    for i, surname in enumerate(SURNAMES_RU):
        given = rng.choice(GIVEN_RU)
        name = f"{surname}, {given}"
        latin = translit.russian_to_latin(surname, "bgn-pcgn")
        record(
            f"ru-{i}-cyr",
            "ru",
            f"Посол передал письмо {_genitive(surname)} в министерство.",
            [{"id": f"ru-{i}", "name": name}],
        )
        record(
            f"ru-{i}-lat", "en", f"The ambassador met {translit.russian_to_latin(given, 'bgn-pcgn')} {latin} yesterday."
        )
        queries += [("Latin->Cyrillic", latin, f"ru-{i}-cyr"), ("Cyrillic->Latin", surname, f"ru-{i}-lat")]
    return records, queries


def evaluate(path: str | None = None) -> dict[str, dict[str, float]]:
    """recall@10 per script pair: ``{"Latin->Cyrillic": {"expanded": 1.0, "plain": 0.0, "n": 30}, ...}``; plus the
    cost of expanding (ms per query, the lookup cached)."""
    from django.db import connection

    from readingroom.names import services
    from readingroom.names.variants import automatic_variants
    from readingroom.search.backends.base import SearchRequest
    from readingroom.search.backends.tantivy_backend import TantivyBackend
    from readingroom.search.documents import search_document
    from readingroom.search.query import parse

    records, queries = people()
    # the variant table as an import would make it (source name + automatic variants), without a database
    table = services.Table(stamp=(connection.settings_dict.get("NAME"), "eval"))
    from readingroom.names.translit import key
    from readingroom.names.variants import stem_key

    pid = 0
    for r in records:
        for p in r["persons"]:
            pid += 1
            names = [p["name"], *(form for form, _ in automatic_variants(p["name"]))]
            table.names[pid] = names
            table.primary[pid] = (p["id"], p["name"])
            for n in names:
                table.by_key.setdefault(key(n), set()).add(pid)
                table.by_stem.setdefault(stem_key(n), set()).add(pid)
    backend = TantivyBackend(Path(path or tempfile.mkdtemp(prefix="rr-names-eval-")))
    backend.reset()
    backend.add([search_document(r) for r in records])
    backend.commit()
    saved = services._table, services._checked
    services._table, services._checked = table, time.monotonic() + 10**6
    out: dict[str, dict[str, float]] = {pair: {"expanded": 0, "plain": 0, "unlisted": 0, "n": 0} for pair in PAIRS}
    expand_ms = []
    cyrillic = "ru" in backend.languages()
    nobody = services.Table(stamp=(connection.settings_dict.get("NAME"), "nobody"))
    try:
        for pair, q, relevant in queries:
            out[pair]["n"] += 1
            t0 = time.perf_counter()
            expanded, _ = services.expand(parse(q), cyrillic_texts=cyrillic)
            expand_ms.append((time.perf_counter() - t0) * 1000)
            # "unlisted": nobody's name in any list, so only the transliteration of a word no name has
            services._table = nobody
            unlisted, _ = services.expand(parse(q), cyrillic_texts=cyrillic)
            services._table = table
            for mode, query in (("expanded", expanded), ("plain", parse(q)), ("unlisted", unlisted)):
                hits = backend.search(SearchRequest(query=query, limit=10, facets=False, snippets=False)).hits
                out[pair][mode] += relevant in [h.id for h in hits]
    finally:
        services._table, services._checked = saved
        backend.close()
    for r in out.values():
        r["expanded"] /= max(1, r["n"])
        r["plain"] /= max(1, r["n"])
        r["unlisted"] /= max(1, r["n"])
    out["_cost"] = {"expand_ms_p50": sorted(expand_ms)[len(expand_ms) // 2], "n": len(expand_ms)}
    return out


def report(results: dict) -> str:
    lines = ["script pair          queries  recall@10 with variants  recall@10 plain query  no persons list"]
    rows = [(k, v) for k, v in results.items() if not k.startswith("_")]
    for pair, r in rows:
        lines.append(f"{pair:19}  {r['n']:7}  {r['expanded']:23.2f}  {r['plain']:21.2f}  {r['unlisted']:15.2f}")
    total = sum(r["n"] for _, r in rows)

    def mean(mode: str) -> float:
        return sum(r[mode] * r["n"] for _, r in rows) / total

    lines.append(f"{'all':19}  {total:7}  {mean('expanded'):23.2f}  {mean('plain'):21.2f}  {mean('unlisted'):15.2f}")
    lines.append(f"expansion: {results['_cost']['expand_ms_p50']:.3f} ms per query (p50, lookup cached)")
    return "\n".join(lines)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readingroom.settings")
    os.environ.setdefault("READINGROOM_DATA_DIR", tempfile.mkdtemp(prefix="rr-names-data-"))
    import django

    django.setup()
    print(report(evaluate()))
