"""Text analysis per language (readingroom/search/analysis.py): folding, stemming, Chinese, detection,
highlighting, the multilingual evaluation, and bad input. The HTTP contract for every language is in
tests/test_search_contract.py (both backends)."""

from __future__ import annotations

import pytest

from bench.multilingual import HELD_OUT, evaluate, report
from readingroom.ingest.languages import detect
from readingroom.search import analysis, services
from readingroom.search.documents import search_document
from readingroom.search.query import parse
from readingroom.search.snippets import pattern, snippet


def test_folding_everywhere():
    assert analysis.fold("Хрущёв") == "хрущев"
    assert analysis.fold("Mëhilli Shtetëror") == "mehilli shteteror"
    assert analysis.fold("Straße") == "strasse"
    assert analysis.fold("ŁÓDŹ") == "lodz"
    assert analysis.fold("«Khrushchev’s» — “talks”") == '"khrushchev\'s" - "talks"'
    assert analysis.prefold("Хрущёв ЁЛКА zero\u00adwidth") == "Хрущев ЕЛКА zerowidth"


def test_albanian_stems_share_a_base():
    forms = ["takim", "takimi", "takimet", "takimin", "takimeve", "Takimit"]
    assert {analysis.py_stem("sq", w) for w in forms} == {"takim"}
    assert analysis.py_stem("sq", "Tiranë") == analysis.py_stem("sq", "Tiranës") == analysis.py_stem("sq", "Tirana")
    # endings stack (plural, then the article): a base that ends like an ending still meets its forms
    assert {analysis.py_stem("sq", w) for w in ["traktat", "traktati", "traktatet", "traktateve"]} == {"trakt"}
    assert {analysis.py_stem("sq", w) for w in ["qeveri", "qeveria", "qeverive", "qeverisë"]} == {"qever"}


def test_polish_czech_and_engine_stems():
    assert analysis.stem("pl", "Warszawie") == analysis.stem("pl", "Warszawa")
    assert analysis.stem("cs", "smlouvy") == analysis.stem("cs", "smlouva")
    assert analysis.stem("ru", "переговоров") == analysis.stem("ru", "переговоры")
    assert analysis.stem("hu", "tárgyalások") == analysis.stem("hu", "tárgyalás")


def test_chinese_traditional_is_simplified_and_segmented():
    assert analysis.simplified("毛澤東 阿爾巴尼亞") == "毛泽东 阿尔巴尼亚"
    assert analysis.segment("毛泽东会见阿尔巴尼亚代表团") == ["毛泽东", "会见", "阿尔巴尼亚", "代表团"]
    chars = analysis.cjk_chars_text("毛澤東說: 援助")
    assert chars.split() == ["毛", "泽", "东", "说", analysis.RUN_BREAK, "援", "助"]


def test_language_detection_for_undeclared_texts():
    assert detect("Takimi me shokun Mëhilli në Tiranë u zhvillua dje.") == "sq"
    assert detect("Советское правительство предлагает переговоры.") == "ru"
    assert detect("Rozmowy w Warszawie trwały trzy dni.") == "pl"
    assert detect("毛泽东会见阿尔巴尼亚劳动党代表团") == "zh"
    assert detect("ok") is None
    record = {
        "id": "x",
        "title": "Untitled",
        "summary": "",
        "citation": "",
        "translations": [],
        "archive": "",
        "transcripts": [
            {"language": None, "text": "Jednání v Praze pokračovala a vláda podepsala smlouvy.", "title": ""}
        ],
        "archival_reference": {"repository": "", "text": ""},
        "contributors": [],
        "places": [],
        "collections": [],
        "original_languages": [],
        "subjects": [],
        "type": "",
        "classification": "",
        "date": {"start": "", "end": ""},
    }
    doc = search_document(record)
    assert doc["detected"] == ["cs"] and "cs" in doc["texts"] and "cs" in doc["langs"]


def test_snippets_mark_inflected_forms_in_every_script():
    ru = snippet(
        "Хрущёв заявил, что переговоров в Москве не будет.", pattern(parse("Хрущев переговоры Москва"), ["ru"])
    )
    assert "<b>Хрущёв</b>" in ru and "<b>переговоров</b>" in ru and "<b>Москве</b>" in ru
    sq = snippet("Takimi i parë. Takimet vazhduan.", pattern(parse("takim"), ["sq"]))
    assert sq.count("<b>") == 2
    zh = snippet("毛澤東主席談到中國對阿爾巴尼亞的援助。", pattern(parse("毛泽东 援助 阿尔巴尼亚"), ["zh"]))
    assert "<b>毛澤東</b>" in zh and "<b>援助</b>" in zh and "<b>阿爾巴尼亞</b>" in zh
    # a language the document is not in does not cut words: English only, "Москва" marks itself, not "Москве"
    assert "<b>" not in snippet("в Москве", pattern(parse("Москва"), ["en"]))


def test_multilingual_recall(tmp_path, capsys):
    results = evaluate(str(tmp_path / "index"))
    with capsys.disabled():
        print("\nmultilingual recall@10 (base-form queries against other forms)\n" + report(results))
    for lang, r in results.items():
        assert r["analysed"] >= r["exact"], lang
        assert r["analysed"] >= 0.8, (lang, r)
    total = sum(r["n"] for r in results.values())
    assert sum(r["analysed"] * r["n"] for r in results.values()) / total >= 0.95


@pytest.mark.django_db
def test_multilingual_recall_on_passages_written_after_the_analysis(tmp_path, capsys):
    """The held-out set (bench/multilingual.py HELD_OUT): base forms and inflected forms both ways, irregular ones
    too; 0.68 by the stemmers alone, 0.98 with the dictionaries' forms (docs/search.md)."""
    results = evaluate(str(tmp_path / "index"), passages_by_lang=HELD_OUT)
    with capsys.disabled():
        print("\nmultilingual recall@10, held out\n" + report(results))
    for lang, r in results.items():
        assert r["analysed"] >= 0.75, (lang, r)
    total = sum(r["n"] for r in results.values())
    assert sum(r["analysed"] * r["n"] for r in results.values()) / total >= 0.9


@pytest.mark.django_db
def test_mixed_scripts_and_huge_queries_through_the_service(tmp_path):
    import json

    from readingroom.ingest.pipeline import import_paths
    from readingroom.search.backends import get_backend
    from tests.search_fixtures import MULTILINGUAL

    get_backend().reset()
    source = tmp_path / "ml.jsonl"
    source.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in MULTILINGUAL) + "\n", encoding="utf-8")
    assert import_paths([source]).imported == len(MULTILINGUAL)
    assert [d["id"] for d in services.search({"q": "Хрущёв 毛泽东 takimet"}).documents] == ["ml-mixed"]
    for q in ["Хрущёв" * 17_000, ("毛泽东 Хрущёв takim ẞ 🙂 " * 5_000)[:100_000], "阿" * 100_000]:
        page = services.search({"q": q})  # 100 KB: the start is searched, with a notice
        assert isinstance(page.documents, list) and page.notices
    long_run = services.search({"q": "毛泽东援助" * 200})  # 1,000 characters of Chinese without a space
    assert {d["id"] for d in long_run.documents} == {"ml-zh-hant", "ml-zh-hans"}


@pytest.mark.parametrize(
    ("text", "cjk"),
    [
        ("Khrushchev", False),
        ("Хрущёв “Москва” — 1961", False),  # Cyrillic and typographic punctuation: below every CJK range
        ("한국어 문서", False),  # Hangul: in the span from the first CJK range to the last, not CJK itself
        ("한국어 毛泽东", True),
        ("ひらがな", True),
        ("𠀀 (an ideograph of extension B)", True),
        ("🙂 ⅓ ﬁ", False),
        ("\uf900", True),
        ("x" * 5000 + "毛", True),
    ],
)
def test_cjk_is_found_exactly_where_it_is(text, cjk):
    assert analysis.has_cjk(text) is cjk
