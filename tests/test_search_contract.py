"""One contract for every search backend, over real HTTP against ``readingroom serve``.

The same archive (the fixture corpus's FRUS documents and seed-format record, and documents made for these rules)
is imported
into the embedded default (SQLite + tantivy) and into PostgreSQL (+ PostgreSQL full text), and the same
searches must give the same answers.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.conftest import CLI, FRUS_DOCUMENTS, FRUS_VOLUME, RECORD, RECORD_ID, Served, need
from tests.search_fixtures import CRAFTED, MULTILINGUAL, PROXIMITY

#: every document of the archive: the FRUS documents, the seed-format record, the crafted ones
TOTAL = FRUS_DOCUMENTS + 1 + len(CRAFTED) + len(MULTILINGUAL) + len(PROXIMITY)


class Server:
    def __init__(self, base: str, cli: CLI) -> None:
        self.base = base
        self.cli = cli

    def get(self, path: str, **params) -> tuple[int, dict]:
        query = urllib.parse.urlencode(params, doseq=True)
        try:
            with urllib.request.urlopen(f"{self.base}{path}?{query}", timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def search(self, **params) -> dict:
        status, body = self.get("/api/search", **params)
        assert status == 200, body
        return body

    def ids(self, **params) -> list[str]:
        return [r["id"] for r in self.search(per_page=100, **params)["results"]]


@pytest.fixture(scope="module", params=["tantivy", "postgres"])
def server(request, tmp_path_factory):
    env = {}
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url_module")
        env["READINGROOM_DATABASE_URL"] = url
    tmp = tmp_path_factory.mktemp(request.param)
    cli = CLI(tmp / "data", env=env)
    crafted = tmp / "crafted.jsonl"
    crafted.write_text(
        "\n".join(json.dumps(d, ensure_ascii=False) for d in CRAFTED + MULTILINGUAL + PROXIMITY) + "\n",
        encoding="utf-8",
    )
    cli("import", str(FRUS_VOLUME), str(RECORD), str(crafted))
    served = Served(cli)
    yield Server(served.base, cli)
    served.stop()


@pytest.fixture(scope="module")
def postgres_url_module():
    import os
    import uuid

    base = os.environ.get("READINGROOM_TEST_POSTGRES_URL")
    need(bool(base), "no PostgreSQL server (set READINGROOM_TEST_POSTGRES_URL; make test starts one)")
    import psycopg

    name = f"rr_search_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield base.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_all_words_must_match(server):
    assert server.ids(q="chrysanthemum berlin") == ["rr-2"]


def test_diacritics_and_case_never_matter(server):
    assert server.ids(q="MEHILLI") == server.ids(q="mëhilli") == ["rr-3"]
    assert server.ids(q="SHKEMBI") == server.ids(q="shkëmbi") == [RECORD_ID]
    assert "rr-3" in server.ids(q="Shteteror") and RECORD_ID in server.ids(q="shteteror")


def test_english_stemming(server):
    ids = server.ids(q="negotiations")
    assert "rr-1" in ids and "rr-4" in ids  # negotiation, negotiating


def test_phrases(server):
    assert "rr-1" in server.ids(q='"test ban"')
    assert "rr-1" not in server.ids(q='"ban test"')


def test_or_and_exclusion(server):
    assert {"rr-2", "rr-4"} <= set(server.ids(q="cuba OR berlin"))
    assert set(server.ids(q="chrysanthemum -berlin")) == {"rr-1", "rr-5"}


def test_prefix(server):
    assert set(server.ids(q="chrysanth*")) == {"rr-1", "rr-2", "rr-5"}
    assert "rr-1" in server.ids(q="negotiat*")


def test_fields(server):
    assert server.ids(q="title:cuba") == ["rr-4"]
    assert server.ids(q="person:khrushchev chrysanthemum") == ["rr-1"]
    assert server.ids(q="place:moscow chrysanthemum") == ["rr-1"]
    assert server.ids(q="place:berlin", collection="Contract collection") == ["rr-2"]
    assert server.ids(q="archive:bundesarchiv") == ["rr-2"]
    assert server.ids(q='title:"test ban"') == ["rr-1"]


def test_title_matches_weigh_more(server):
    assert server.ids(q="chrysanthemums")[0] == "rr-5"


def test_words_standing_together_rank_first(server):
    """Issue #14 (ranking on queries nobody tuned for): two texts of the same words, three of them together in one
    and apart in the other. Both match; the one where the words of the query stand together ranks first (a
    remembered passage finds its document), though its identifier orders it after the other among equals."""
    assert server.ids(q="lighthouse marigold shipments") == ["near-1", "near-2"]


def test_facets_follow_the_query(server):
    body = server.search(q="chrysanthemum")
    assert body["total"] == 3
    facets = {name: {b["value"]: b["count"] for b in buckets} for name, buckets in body["facets"].items()}
    assert facets["language"] == {"ru": 1, "de": 1, "en": 1}
    assert facets["translation"] == {"en": 2}
    assert facets["classification"] == {"Secret": 1, "Confidential": 1}
    assert facets["collection"] == {"Contract collection": 3}
    assert facets["place"] == {"Moscow": 1, "Berlin": 1}
    labels = {b["value"]: b["label"] for b in body["facets"]["language"]}
    assert labels["ru"] == "Russian"
    assert body["years"] == [{"year": 1961, "count": 1}, {"year": 1962, "count": 1}]
    assert body["decades"] == [{"decade": 1960, "count": 2}]


def test_filters_combine(server):
    assert server.ids(q="chrysanthemum", language="de") == ["rr-2"]
    assert set(server.ids(q="chrysanthemum", language=["de", "ru"])) == {"rr-1", "rr-2"}
    assert server.ids(q="chrysanthemum", language=["de", "ru"], classification="Secret") == ["rr-1"]
    assert set(server.ids(collection="Contract collection", date_from="1962", date_to="1962")) == {"rr-1", "rr-4"}
    assert set(server.ids(collection="Contract collection", decade="1960")) == {"rr-1", "rr-2", "rr-3", "rr-4"}
    assert set(server.ids(collection="Contract collection", year="1963")) == {"rr-3"}
    assert server.ids(collection="Contract collection", repository="Bundesarchiv") == ["rr-2"]
    assert server.ids(collection="Contract collection", subject="Berlin Wall") == ["rr-2"]
    assert server.ids(collection="Contract collection", person="Khrushchev, Nikita") == ["rr-1"]
    assert server.ids(collection="Contract collection", type="Notes") == ["rr-3"]


def test_sorting(server):
    dated = ["rr-2", "rr-4", "rr-1", "rr-3"]  # 1961-08-13, 1962-10-16, 1962-10-26, 1963-07-20
    by_date = [i for i in server.ids(collection="Contract collection", sort="date") if i != "rr-5"]
    assert by_date == dated
    assert [i for i in server.ids(collection="Contract collection", sort="-date") if i != "rr-5"] == dated[::-1]
    titles = server.ids(collection="Contract collection", sort="title")
    assert titles == ["rr-4", "rr-1", "rr-2", "rr-3", "rr-5"]  # Memorandum, Negotiations, Report, Shënime, Undated
    assert server.ids(collection="Contract collection", sort="-title") == titles[::-1]


def test_pagination(server):
    first = server.search(q="", per_page=10, page=1, sort="date")
    second = server.search(q="", per_page=10, page=2, sort="date")
    pages = -(-TOTAL // 10)
    assert first["total"] == second["total"] == TOTAL and first["pages"] == pages
    a, b = [r["id"] for r in first["results"]], [r["id"] for r in second["results"]]
    assert len(a) == len(b) == 10 and not set(a) & set(b)
    last = server.search(q="", per_page=10, page=pages, sort="date")
    assert len(last["results"]) == TOTAL - 10 * (pages - 1)


def test_results_show_title_date_archive_and_escaped_snippet(server):
    [hit] = server.search(q="negotiating quarantine", collection="Contract collection")["results"]
    assert hit["id"] == "rr-4" and hit["title"] == "Memorandum on Cuba"
    assert hit["date"]["display"] == "1962-10-16" and hit["repository"] == "Kennedy Library"
    # Markup in a text never reaches the page as markup (tantivy escapes it; PostgreSQL's headline drops tags).
    assert "<b>" in hit["snippet"] and "<script>" not in hit["snippet"] and "alert(" in hit["snippet"]


@pytest.mark.parametrize(
    "q",
    [
        '"unbalanced quote',
        "OR",
        "-",
        "AND OR -",
        "a" * 6_000,
        "title:",
        '((("',
        "x\x00y",
        "'; DROP TABLE rr_search; --",
        "\\",
        "*",
        "**",
        "ü*",
        'title:""',
        '-""',
        "person:",
        ":",
        "a:b:c",
        "%",
        "NOT",
        "near/3",
        "🙂",
    ],
)
def test_hostile_queries_never_fail(server, q):
    status, body = server.get("/api/search", q=q)
    assert status == 200, body
    assert isinstance(body["results"], list)


def test_request_line_is_bounded(server):
    """A request line longer than 8 KB is refused by the server (414) before any work; nothing echoes it."""
    query = urllib.parse.urlencode({"q": "a" * 10_000})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{server.base}/api/search?{query}", timeout=30)
    assert refused.value.code == 414
    assert len(refused.value.read()) < 1000


def test_helpful_notices(server):
    assert any("not closed" in n for n in server.search(q='"test ban')["notices"])
    assert any("1000 characters" in n or "1,000 characters" in n for n in server.search(q="x" * 5000)["notices"])


def test_bad_parameters_are_400(server):
    for params in ({"page": 0}, {"per_page": 1000}, {"sort": "random"}, {"date_from": "yesterday"}, {"page": 10**7}):
        status, body = server.get("/api/search", q="ban", **params)
        assert status == 400 and body["error"]["message"], params


def test_search_page_and_json_twin(server):
    with urllib.request.urlopen(f"{server.base}/search?q=chrysanthemum&language=de", timeout=30) as r:
        html = r.read().decode()
    assert "Report on Berlin" in html and "1 result" in html and 'aria-current="true"' in html
    status, twin = server.get("/search.json", q="chrysanthemum", language="de")
    assert status == 200 and [d["id"] for d in twin["results"]] == ["rr-2"]


def test_a_deleted_record_never_shows(server):
    assert "rr-5" in server.ids(q="chrysanthemums")
    server.cli("delete", "rr-5")
    assert "rr-5" not in server.ids(q="chrysanthemums")
    assert server.search(q="chrysanthemum")["total"] == 2


def test_cli_search_matches_api(server):
    out = json.loads(server.cli("search", "chrysanthemum", "--filter", "language=de", "--format", "json").stdout)
    assert [r["id"] for r in out["results"]] == ["rr-2"]
    text = server.cli("search", "title:cuba").stdout
    assert "Memorandum on Cuba" in text and "rr-4" in text


# -- every language (issue #14) ------------------------------------------------------------------------


def _ml(server, **params) -> list[str]:
    return server.ids(collection="Multilingual collection", **params)


def test_russian_yo_is_folded(server):
    assert set(_ml(server, q="Хрущев")) == {"ml-ru", "ml-mixed"}
    assert set(_ml(server, q="хрущёв")) == {"ml-ru", "ml-mixed"}


def test_russian_morphology(server):
    assert _ml(server, q="Москва") == ["ml-ru"]  # "в Москве"
    assert set(_ml(server, q="переговоры")) == {"ml-ru", "ml-ru2"}  # "переговоров", "Переговоры"


def test_exact_form_ranks_first_and_is_a_quoted_phrase(server):
    assert _ml(server, q="переговоров")[0] == "ml-ru"
    assert _ml(server, q="переговоры")[0] == "ml-ru2"
    assert _ml(server, q='"переговоров"') == ["ml-ru"]


def test_chinese_words_in_a_run_and_traditional_matches_simplified(server):
    assert set(_ml(server, q="毛泽东")) == {"ml-zh-hant", "ml-zh-hans", "ml-mixed"}
    assert set(_ml(server, q="毛澤東")) == {"ml-zh-hant", "ml-zh-hans", "ml-mixed"}
    assert set(_ml(server, q="援助")) == {"ml-zh-hant", "ml-zh-hans"}
    assert set(_ml(server, q="阿尔巴尼亚")) == {"ml-zh-hant", "ml-zh-hans", "ml-mixed"}
    assert _ml(server, q="title:援助") == ["ml-zh-hans"]
    assert _ml(server, q="毛泽东援助 -经济") == ["ml-zh-hant"]  # an unquoted run is cut into words
    assert _ml(server, q='"援助问题"') == ["ml-zh-hans"]


def test_albanian_forms(server):
    assert _ml(server, q="takim") == ["ml-sq"]  # "Takimi", "Takimet"
    assert set(_ml(server, q="takimet")) == {"ml-sq", "ml-mixed"}
    assert _ml(server, q="Tirana") == ["ml-sq"]


def test_forms_only_a_dictionary_joins(server):
    """Forms whose Snowball stems differ, joined by the language's dictionary (readingroom.search.lemmas)."""
    assert set(_ml(server, q="gobierno")) == {"ml-es", "ml-es2"}  # gobiernos -> gobi, gobierno -> gobiern
    assert _ml(server, q="gobierno")[0] == "ml-es2"  # the form typed ranks first
    assert _ml(server, q="gobiernos")[0] == "ml-es"
    assert _ml(server, q='"gobierno"') == ["ml-es2"]  # quoted: that form only
    assert "ml-es" in _ml(server, q="arma")  # armas
    assert _ml(server, q="Budapest") == ["ml-hu"]  # Budapesten
    assert "ml-cs" in _ml(server, q="Praha")  # v Praze
    assert _ml(server, q="acord") == ["ml-ro"]  # acordurile
    assert _ml(server, q="livrare armă") == ["ml-ro"]  # livrările de arme
    [hit] = [
        r for r in server.search(q="gobierno", collection="Multilingual collection")["results"] if r["id"] == "ml-es"
    ]
    assert "<b>gobiernos</b>" in hit["snippet"]


def test_a_name_no_list_has_is_found_in_the_other_script(server):
    """Zavarzin is nobody's name in the persons lists or the seed: typed with a capital, it is also searched in
    Cyrillic (and finds the Russian text in the instrumental case); the Cyrillic form in another case finds the
    Latin one. Searched quietly: no notice calls every capitalised word a name."""
    assert set(_ml(server, q="Zavarzin")) == {"ml-name-en", "ml-name-ru"}
    assert _ml(server, q="Zavarzin")[0] == "ml-name-en"  # the form typed first
    assert set(_ml(server, q="Заварзиным")) == {"ml-name-en", "ml-name-ru"}
    assert set(_ml(server, q="Заварзин")) == {"ml-name-en", "ml-name-ru"}
    assert not [n for n in server.search(q="Zavarzin")["notices"] if "name" in n]
    assert _ml(server, q='"Zavarzin"') == ["ml-name-en"]  # quoted: that form only


@pytest.mark.parametrize(
    "q, expected",
    [
        ("Verhandlung", "ml-de"),
        ("Strassenkarte", "ml-de"),
        ("rozmowa", "ml-pl"),
        ("Warszawa", "ml-pl"),
        ("smlouva", "ml-cs"),
        ("jednani", "ml-cs"),
        ("tárgyalás", "ml-hu"),
        ("négociation", "ml-fr"),
        ("negociation", "ml-fr"),
        ("spotkanie", "ml-detected"),
    ],
)
def test_stemming_per_language(server, q, expected):
    assert expected in _ml(server, q=q)


def test_snippets_mark_inflected_forms_in_every_script(server):
    def snippet(q, ident):
        [hit] = [r for r in server.search(q=q, collection="Multilingual collection")["results"] if r["id"] == ident]
        return hit["snippet"]

    assert "<b>переговоров</b>" in snippet("переговоры", "ml-ru")
    assert "<b>Москве</b>" in snippet("Москва", "ml-ru")
    assert "<b>Хрущёв</b>" in snippet("Хрущев", "ml-ru")
    assert "<b>Takimi</b>" in snippet("takim", "ml-sq") and "<b>Takimet</b>" in snippet("takim", "ml-sq")
    assert "<b>援助</b>" in snippet("援助", "ml-zh-hans")
    assert "<b>毛澤東</b>" in snippet("毛泽东", "ml-zh-hant")
    assert "<b>Verhandlungen</b>" in snippet("Verhandlung", "ml-de")


def test_mixed_scripts_and_huge_queries_never_fail(server):
    assert "ml-mixed" in _ml(server, q="Хрущёв 毛泽东 hoxhe")
    for q in ["Хрущёв" * 17_000, ("毛泽东 Хрущёв takim ẞ 🙂 " * 5_000)[:100_000], "阿" * 100_000]:  # 100 KB
        url = f"{server.base}/api/search?{urllib.parse.urlencode({'q': q})}"
        try:
            with urllib.request.urlopen(url, timeout=60) as r:
                status, body = r.status, json.loads(r.read())
        except urllib.error.HTTPError as exc:
            status, body = exc.code, None
        assert 200 <= status < 500 and (status >= 400 or isinstance(body["results"], list)), status
    for q in [
        "Хрущёв" * 170,
        "毛泽东援助阿尔巴尼亚" * 80,
        ("毛泽东 Хрущёв takim ẞ 🙂 " * 50)[:600],
    ]:  # under 8 KB encoded
        status, body = server.get("/api/search", q=q)
        assert status == 200 and isinstance(body["results"], list), body


# -- kept answers (issue 12) -------------------------------------------------------------------------------


def test_kept_answers_follow_every_change(server, tmp_path):
    """A worker keeps a reader's answer under the archive's newest change and the index's version: a repeated
    search is answered from memory, and an import, a withdrawal or a deletion made while serving (by the CLI,
    another process) is seen by every worker as soon as the index has it, never an answer from before."""

    def get(**params) -> tuple[list[str], str | None]:
        with urllib.request.urlopen(f"{server.base}/api/search?{urllib.parse.urlencode(params)}", timeout=30) as r:
            return [d["id"] for d in json.loads(r.read())["results"]], r.headers.get("X-Page-Cache")

    def settles(expected: list[str], **params) -> None:
        deadline = time.monotonic() + 15
        while get(**params)[0] != expected:
            assert time.monotonic() < deadline, f"{params}: not {expected} within 15 s"
            time.sleep(0.1)
        assert all(get(**params)[0] == expected for _ in range(8))  # on both workers, and never back

    assert {get(q="zinnober")[1] for _ in range(8)} == {"miss", "hit"}
    record = {
        "id": "rr-kept",
        "title": "Note on zinnober pigments",
        "date": "1962-01-02",
        "original_languages": ["en"],
        "archival_reference": {"repository": "Test Archive"},
        "transcripts": [{"language": "en", "text": "The zinnober shipment was delayed."}],
    }
    path = tmp_path / "kept.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    server.cli("import", str(path))
    settles(["rr-kept"], q="zinnober")
    assert get(q="zinnober")[1] == "hit"
    server.cli("withdraw", "rr-kept", "--note", "Withdrawn for review.")
    settles([], q="zinnober")
    server.cli("publish", "rr-kept")
    settles(["rr-kept"], q="zinnober")
    server.cli("delete", "rr-kept")
    settles([], q="zinnober")
