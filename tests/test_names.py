"""Names across scripts (issue #14 part 3, readingroom/names): automatic variants, the query expansion on both
backends over HTTP against ``readingroom serve``, exact forms first, the person page and its JSON/API twins,
and editors' changes (add, remove, merge) audited."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.conftest import CLI, Served, need

# Documents made for these rules: the four forms of Mao's name, Khrushchev in Latin and Cyrillic (inflected),
# and made-up people in each script (their variants can only come from the automatic keys).
NAMES = [
    {
        "id": "nm-zh",
        "title": "毛泽东会见代表团",
        "date": "1964-01-02",
        "original_languages": ["zh"],
        "collections": ["Names collection"],
        "transcripts": [{"language": "zh", "text": "毛泽东主席会见了阿尔巴尼亚代表团。"}],
        "persons": [{"id": "p-mao", "name": "毛泽东"}],
    },
    {
        "id": "nm-ru",
        "title": "Запись беседы в Пекине",
        "date": "1964-01-03",
        "original_languages": ["ru"],
        "collections": ["Names collection"],
        "transcripts": [{"language": "ru", "text": "Посол передал письмо Мао Цзэдуна и долго говорил с Хрущёвым."}],
    },
    {
        "id": "nm-un",
        "title": "Speech at the General Assembly",
        "date": "1964-01-04",
        "original_languages": ["en"],
        "collections": ["Names collection"],
        "transcripts": [{"language": "en", "text": "The delegate quoted Chairman Mao Tse-tung at length."}],
    },
    {
        "id": "nm-en",
        "title": "Memorandum on the delegation",
        "date": "1964-01-05",
        "original_languages": ["en"],
        "collections": ["Names collection"],
        "transcripts": [{"language": "en", "text": "Mao Zedong met the delegation."}],
    },
    {
        "id": "nm-kh",
        "title": "Telegram on the speech",
        "date": "1964-01-06",
        "original_languages": ["en"],
        "collections": ["Names collection"],
        "transcripts": [{"language": "en", "text": "Khrushchev spoke for two hours."}],
    },
    {
        "id": "nm-kh-ru",
        "title": "Сообщение ТАСС",
        "date": "1964-01-07",
        "original_languages": ["ru"],
        "collections": ["Names collection"],
        "transcripts": [{"language": "ru", "text": "Н. С. Хрущёв принял делегацию."}],
    },
    # made up: 张卫华 (Zhang Weihua / Chang Wei-hua / Чжан Вэйхуа), Забродин Пётр (Zabrodin)
    {
        "id": "nm-made-zh",
        "title": "张卫华来访",
        "date": "1964-02-01",
        "original_languages": ["zh"],
        "collections": ["Names collection"],
        "transcripts": [{"language": "zh", "text": "张卫华同志抵达地拉那。"}],
        "persons": [{"id": "p-zwh", "name": "张卫华"}],
    },
    {
        "id": "nm-made-zh-en",
        "title": "Visit to Tirana",
        "date": "1964-02-02",
        "original_languages": ["en"],
        "collections": ["Names collection"],
        "transcripts": [{"language": "en", "text": "Chang Wei-hua arrived in Tirana."}],
    },
    {
        "id": "nm-made-zh-ru",
        "title": "Визит в Тирану",
        "date": "1964-02-03",
        "original_languages": ["ru"],
        "collections": ["Names collection"],
        "transcripts": [{"language": "ru", "text": "Чжан Вэйхуа прибыл в Тирану."}],
    },
    {
        "id": "nm-made-ru",
        "title": "Беседа в министерстве",
        "date": "1964-03-01",
        "original_languages": ["ru"],
        "collections": ["Names collection"],
        "transcripts": [{"language": "ru", "text": "Пётр Забродин принял делегацию."}],
        "persons": [{"id": "p-zab", "name": "Забродин, Пётр Ильич", "description": "Soviet deputy minister"}],
    },
    {
        "id": "nm-made-ru-en",
        "title": "Call at the ministry",
        "date": "1964-03-02",
        "original_languages": ["en"],
        "collections": ["Names collection"],
        "transcripts": [{"language": "en", "text": "The ambassador called on Zabrodin, who said little."}],
    },
    {
        "id": "nm-made-ru-de",
        "title": "Gespräch im Ministerium",
        "date": "1964-03-03",
        "original_languages": ["de"],
        "collections": ["Names collection"],
        "transcripts": [{"language": "de", "text": "Der Botschafter sprach mit Sabrodin über Handelsfragen."}],
    },
    # a Latin name a source says is Soviet gets its Cyrillic form: made up, Volodarsky
    {
        "id": "nm-made-lat",
        "title": "Conversation with Volodarsky",
        "date": "1964-04-01",
        "original_languages": ["en"],
        "collections": ["Names collection"],
        "transcripts": [{"language": "en", "text": "Volodarsky raised the grain deliveries."}],
        "persons": [{"id": "p-vol", "name": "Volodarsky, Yevgeny", "description": "Counsellor of the Soviet Embassy"}],
    },
    {
        "id": "nm-made-lat-ru",
        "title": "Беседа о поставках",
        "date": "1964-04-02",
        "original_languages": ["ru"],
        "collections": ["Names collection"],
        "transcripts": [{"language": "ru", "text": "Володарский поднял вопрос о зерне."}],
    },
]


# -- automatic variants (no database) ------------------------------------------------------------------


def test_chinese_characters_give_pinyin_wade_giles_and_palladius():
    from readingroom.names.variants import automatic_variants

    forms = dict(automatic_variants("毛澤東"))
    assert forms["Mao Zedong"] == "pinyin" and forms["Máo Zédōng"] == "pinyin-tones"
    assert forms["Mao Tse-tung"] == "wade-giles" and forms["Мао Цзэдун"] == "palladius"
    made_up = dict(automatic_variants("张卫华"))
    assert {"Zhang Weihua", "Chang Wei-hua", "Чжан Вэйхуа"} <= set(made_up)
    compound = dict(automatic_variants("欧阳明德"))  # a two-character surname
    assert "Ouyang Mingde" in compound and "Ouyang Ming-te" in compound


def test_latin_chinese_names_convert_both_ways():
    from readingroom.names.variants import automatic_variants

    assert {"Mao Zedong", "Мао Цзэдун"} <= set(dict(automatic_variants("Mao Tse-tung")))  # hyphenated: Wade-Giles
    assert {"Chou En-lai", "Чжоу Эньлай"} <= set(dict(automatic_variants("Zhou Enlai", "Premier of the PRC")))
    assert {"Deng Xiaoping"} <= set(dict(automatic_variants("Teng Hsiao-p'ing")))
    assert "Zhou Enlai" not in dict(automatic_variants("Zhou Enlai"))  # no cue, no hyphen: left alone
    assert dict(automatic_variants("Rusk, Dean", "Secretary of State")) == {
        "Dean Rusk": "natural-order",
        "Rusk": "surname",
    }


def test_russian_names_romanised_and_reversed():
    from readingroom.names import translit
    from readingroom.names.variants import automatic_variants

    assert translit.russian_to_latin("Хрущёв", "bgn-pcgn") == "Khrushchëv"
    assert translit.russian_to_latin("Хрущёв", "scholarly") == "Khrushchev"
    assert translit.russian_to_latin("Хрущёв", "german") == "Chruschtschow"
    assert translit.russian_to_latin("Евгений Брежнев", "bgn-pcgn") == "Yevgeniy Brezhnev"
    forms = set(dict(automatic_variants("Забродин, Пётр Ильич")))
    assert {"Zabrodin", "Забродин", "Пётр Забродин", "Sabrodin", "Pëtr Zabrodin"} <= forms
    assert translit.latin_to_russian("Khrushchev") == "Хрущев"
    assert translit.latin_to_russian("Yevgeny Volodarsky") == "Евгений Володарский"
    assert "Володарский" in dict(automatic_variants("Volodarsky, Yevgeny", "Counsellor of the Soviet Embassy"))
    assert "Володарский" not in dict(automatic_variants("Volodarsky, Yevgeny", "a trader from Ohio"))


def test_keys_are_script_independent():
    from readingroom.names.translit import key
    from readingroom.names.variants import stem_key

    assert key("Mao Zedong") == key("毛泽东") == key("毛澤東") == key("MAO ZE-DONG") == "maozedong"
    assert key("Хрущёв") == key("Khrushchev") == key("Khrushchëv") == "khrushchev"
    assert stem_key("Хрущёва") == stem_key("Хрущёвым") == key("Хрущёв")  # inflected forms find the name


def test_expansion_is_a_rewrite_of_runs_of_words():
    from django.db import connection

    from readingroom.names import services
    from readingroom.search.query import Term, Variant, parse

    t = services.Table(stamp=(connection.settings_dict.get("NAME"),))  # fresh: no database read
    t.names = {1: ["Mao Zedong", "Mao Tse-tung", "毛泽东"]}
    t.by_key = {"maozedong": {1}, "maotsetung": {1}}
    t.primary = {1: ("p-mao", "Mao Zedong")}
    services._table, services._checked = t, time.monotonic() + 3600
    try:
        q, exp = services.expand(parse("letter from mao tse-tung -draft"))
        assert len(q.clauses) == 4 and exp[0].persons == [("p-mao", "Mao Zedong")]
        alts = q.clauses[2].alternatives
        assert alts[0] == Term("mao tse-tung", boost=services.TYPED_BOOST)
        assert {a.words for a in alts[1:] if isinstance(a, Variant)} == {"Mao Zedong", "毛泽东"}
        assert q.clauses[3].negated and q.clauses[0].alternatives == [Term("letter")]
        assert services.expand(parse("delegation talks"))[1] == []  # no name: the query is left as it was
        assert services.expand(parse("mao*"))[1] == []  # prefixes are not names
    finally:
        services.forget()


# -- over HTTP, both backends ---------------------------------------------------------------------------


class Server:
    def __init__(self, base: str, cli: CLI) -> None:
        self.base, self.cli = base, cli

    def get(self, path: str, **params) -> tuple[int, dict | str]:
        url = f"{self.base}{path}" + (f"?{urllib.parse.urlencode(params, doseq=True)}" if params else "")
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                body = r.read().decode()
                return r.status, json.loads(body) if "json" in r.headers.get("Content-Type", "") else body
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def ids(self, q: str) -> list[str]:
        status, body = self.get("/api/search", q=q, collection="Names collection", per_page=100)
        assert status == 200, body
        return [r["id"] for r in body["results"]]


@pytest.fixture(scope="module")
def pg_database():
    import os
    import uuid

    base = os.environ.get("READINGROOM_TEST_POSTGRES_URL")
    need(bool(base), "no PostgreSQL server (set READINGROOM_TEST_POSTGRES_URL; make test starts one)")
    import psycopg

    name = f"rr_names_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield base.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module", params=["tantivy", "postgres"])
def server(request, tmp_path_factory):
    env = {}
    if request.param == "postgres":
        env["READINGROOM_DATABASE_URL"] = request.getfixturevalue("pg_database")
    tmp = tmp_path_factory.mktemp(f"names-{request.param}")
    cli = CLI(tmp / "data", env=env)
    source = tmp / "names.jsonl"
    source.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in NAMES) + "\n", encoding="utf-8")
    cli("import", str(source))
    served = Served(cli)
    yield Server(served.base, cli)
    served.stop()


MAO = {"nm-zh", "nm-ru", "nm-un", "nm-en"}


@pytest.mark.parametrize("q", ["Mao Zedong", "Mao Tse-tung", "Мао Цзэдун", "毛泽东", "毛澤東", "mao zedong"])
def test_the_four_forms_of_mao_find_each_other(server, q):
    assert set(server.ids(q)) == MAO  # the Russian text says "Мао Цзэдуна" (genitive)


@pytest.mark.parametrize(
    "q, first",
    [
        ("Mao Zedong", "nm-en"),
        ("Mao Tse-tung", "nm-un"),
        ("毛泽东", "nm-zh"),
        ("Мао Цзэдун", "nm-ru"),
        ("Khrushchev", "nm-kh"),
        ("Хрущёв", "nm-kh-ru"),
    ],
)
def test_the_exact_form_ranks_first(server, q, first):
    assert server.ids(q)[0] == first


@pytest.mark.parametrize("q", ["Khrushchev", "Хрущёв", "Хрущёва", "Хрущев", "Chruschtschow"])
def test_khrushchev_in_every_form_and_case(server, q):
    assert {"nm-kh", "nm-kh-ru", "nm-ru"} <= set(server.ids(q))  # nm-ru says "Хрущёвым"


@pytest.mark.parametrize("q", ["Zhang Weihua", "Chang Wei-hua", "Чжан Вэйхуа", "张卫华", "張衛華"])
def test_made_up_chinese_name_by_automatic_variants(server, q):
    assert set(server.ids(q)) == {"nm-made-zh", "nm-made-zh-en", "nm-made-zh-ru"}


@pytest.mark.parametrize("q", ["Zabrodin", "Забродин", "Забродина", "Sabrodin"])
def test_made_up_russian_name_by_automatic_variants(server, q):
    assert set(server.ids(q)) == {"nm-made-ru", "nm-made-ru-en", "nm-made-ru-de"}


def test_latin_name_of_a_soviet_person_finds_cyrillic(server):
    assert set(server.ids("Volodarsky")) == {"nm-made-lat", "nm-made-lat-ru"}
    assert set(server.ids("Володарский")) == {"nm-made-lat", "nm-made-lat-ru"}


def test_ordinary_queries_are_unchanged(server):
    status, body = server.get("/api/search", q="delegation", collection="Names collection")
    assert status == 200 and body["notices"] == []
    assert {"nm-en", "nm-kh-ru", "nm-made-ru"} & {r["id"] for r in body["results"]}
    status, body = server.get("/api/search", q="Mao Zedong", collection="Names collection")
    assert any("Mao Tse-tung" in n for n in body["notices"])
    assert '"Mao Tse-tung"' not in server.ids('"Mao Zedong" -Tse') and server.ids('"Mao Zedong"')[0] == "nm-en"


def test_person_page_json_and_api(server):
    status, record = server.get("/persons/p-mao.json")
    assert status == 200, record
    names = {v["name"]: v for v in record["variants"]}
    assert names["毛泽东"]["kind"] == "source" and names["Mao Tse-tung"]["kind"] in {"automatic", "seed"}
    assert names["Мао Цзэдун"]["script"] == "Cyrl" and names["Mao Zedong"]["script"] == "Latn"
    assert [d["id"] for d in record["documents"]["results"]] == ["nm-zh"]
    assert {d["id"] for d in record["mentions"]["results"]} == MAO - {"nm-zh"}
    status, api = server.get("/api/persons/p-mao")
    assert status == 200 and api == record
    status, html = server.get("/persons/p-mao")
    assert status == 200 and "Мао Цзэдун" in html and 'href="/documents/nm-zh"' in html and "wade-giles" in html
    assert server.get("/persons/nobody")[0] == 404 and server.get("/api/persons/nobody")[0] == 404


# -- editors: add, remove, merge (audited) ----------------------------------------------------------------


@pytest.mark.django_db
def test_admin_adds_removes_and_merges_audited(client, tmp_path):
    from django.contrib.auth.models import User

    from readingroom.documents.models import DocumentPerson, Person
    from readingroom.history.models import AuditEvent
    from readingroom.ingest.pipeline import import_paths
    from readingroom.names import services
    from readingroom.names.models import NameVariant, PersonNames
    from readingroom.search import services as search

    source = tmp_path / "n.jsonl"
    docs = [
        NAMES[0],
        NAMES[6],
        {**NAMES[7], "persons": [{"id": "p-zwh-2", "name": "Chang Wei-hua", "description": "Chinese"}]},
    ]
    source.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in docs) + "\n", encoding="utf-8")
    assert import_paths([source]).imported == 3
    admin = User.objects.create_superuser("editor", "e@example.org", "pw-long-enough-1")
    client.force_login(admin)
    person = PersonNames.objects.get(identifier="p-mao")
    url = f"/admin/names/personnames/{person.pk}/change/"
    assert client.get(url).status_code == 200
    existing = list(NameVariant.objects.filter(person=person).order_by("id"))
    form = {
        "identifier": person.identifier,
        "name": person.name,
        "description": "",
        "name_variants-TOTAL_FORMS": str(len(existing) + 1),
        "name_variants-INITIAL_FORMS": str(len(existing)),
        "name_variants-MIN_NUM_FORMS": "0",
        "name_variants-MAX_NUM_FORMS": "1000",
    }
    for i, v in enumerate(existing):
        form.update(
            {
                f"name_variants-{i}-id": str(v.pk),
                f"name_variants-{i}-person": str(person.pk),
                f"name_variants-{i}-name": v.name,
                f"name_variants-{i}-kind": v.kind,
            }
        )
    removed = next(v for v in existing if v.name == "Máo Zédōng")
    form[f"name_variants-{existing.index(removed)}-DELETE"] = "on"
    n = len(existing)
    form.update(
        {
            f"name_variants-{n}-person": str(person.pk),
            f"name_variants-{n}-name": "Mao Tsö-tung",
            f"name_variants-{n}-kind": "editor",
        }
    )
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    names = set(NameVariant.objects.filter(person=person).values_list("name", flat=True))
    assert "Mao Tsö-tung" in names and "Máo Zédōng" not in names
    add = AuditEvent.objects.get(action="person.variant.add", object_id="p-mao")
    assert add.actor == "editor" and add.details["variant"] == "Mao Tsö-tung"
    assert AuditEvent.objects.get(action="person.variant.remove").details["variant"] == "Máo Zédōng"
    assert AuditEvent.objects.filter(action="admin.personnames.change").exists()
    services.forget()
    assert search.search({"q": "Mao Tsö-tung"}).documents[0]["id"] == "nm-zh"  # the editor's form finds it

    # merge the two records of the made-up 张卫华 (one from characters, one from Wade-Giles)
    a, b = Person.objects.get(identifier="p-zwh"), Person.objects.get(identifier="p-zwh-2")
    response = client.post(
        "/admin/names/personnames/", {"action": "merge", "_selected_action": [a.pk, b.pk], "target": str(a.pk)}
    )
    assert response.status_code == 302
    assert not Person.objects.filter(identifier="p-zwh-2").exists()
    assert set(DocumentPerson.objects.filter(person=a).values_list("document__identifier", flat=True)) == {
        "nm-made-zh",
        "nm-made-zh-en",
    }
    assert "Chang Wei-hua" in set(NameVariant.objects.filter(person=a).values_list("name", flat=True))
    merge = AuditEvent.objects.get(action="person.merge")
    assert merge.actor == "editor" and merge.object_id == "p-zwh" and merge.details["merged"][0]["id"] == "p-zwh-2"


def test_recall_per_script_pair(tmp_path, capsys):
    """bench/names.py: made-up people, automatic variants only; figures in docs/search.md."""
    from bench.names import evaluate, report

    results = evaluate(str(tmp_path / "index"))
    with capsys.disabled():
        print("\nnames across scripts, recall@10 per script pair\n" + report(results))
    for pair, r in results.items():
        if pair.startswith("_"):
            continue
        assert r["expanded"] >= 0.8 and r["expanded"] > r["plain"], (pair, r)
    # with no persons list at all, a Russian name is still found across the two scripts (its transliteration)
    for pair in ("Latin->Cyrillic", "Cyrillic->Latin"):
        assert results[pair]["unlisted"] >= 0.9, (pair, results[pair])
    assert results["_cost"]["expand_ms_p50"] < 1.0


def test_a_word_no_name_has_is_transliterated_only_where_it_can_be_a_name():
    from readingroom.names.services import transliterations

    assert transliterations("Mikoyan", cyrillic_texts=True) == ["микоян"]  # (searched folded: case is no matter)
    assert transliterations("Podgornyy", cyrillic_texts=True) == ["подгорный"]  # BGN/PCGN: yy is ый
    assert transliterations("Kol'tsov", cyrillic_texts=True) == ["кольцов"]  # the soft sign
    assert transliterations("Zhuravlëv", cyrillic_texts=True) == ["журавлев"]  # ë is е, as ё in the index
    assert transliterations("Mikoyan", cyrillic_texts=False) == []  # no Russian text to find it in
    assert transliterations("treaty", cyrillic_texts=True) == []  # typed in lower case: a word
    assert transliterations("NATO", cyrillic_texts=True) == []  # an abbreviation
    assert transliterations("Kim", cyrillic_texts=True) == []  # too short to be sure of
    assert transliterations("Микояном", cyrillic_texts=False) == ["Mikoianom", "Mikoyanom"]


@pytest.mark.django_db
def test_an_import_gives_its_new_persons_the_variants_one_person_at_a_time_would(tmp_path):
    """An import makes a batch's persons and their variants in bulk (``Lookups.prefetch_persons``,
    ``services.refresh_persons``): the same variants as ``refresh_person`` one by one; a person named again
    with a description it lacked gains it and the variants it implies (Soviet: a Cyrillic form)."""
    from readingroom.documents.models import Person
    from readingroom.ingest.pipeline import import_paths
    from readingroom.names import services
    from readingroom.names.models import NameVariant

    def variants() -> dict[str, set[tuple[str, str, str, str, str]]]:
        out: dict[str, set] = {}
        for v in NameVariant.objects.select_related("person"):
            out.setdefault(v.person.identifier, set()).add((v.name, v.kind, v.scheme, v.key, v.script))
        return out

    later = {
        "id": "nm-later",
        "title": "Second memorandum",
        "date": "1964-05-01",
        "original_languages": ["en"],
        "transcripts": [{"language": "en", "text": "Kostin again."}],
        "persons": [{"id": "p-kos", "name": "Kostin, Boris", "description": "Soviet trade representative"}],
    }
    first = {**later, "id": "nm-first", "persons": [{"id": "p-kos", "name": "Kostin, Boris"}]}
    source = tmp_path / "n.jsonl"
    docs = [*NAMES, first]
    source.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in docs) + "\n", encoding="utf-8")
    assert import_paths([source]).imported == len(docs)
    bulk = variants()
    assert {"p-mao", "p-zwh", "p-zab", "p-vol", "p-kos"} <= set(bulk)
    assert any(name == "Mao Tse-tung" for name, *_ in bulk["p-mao"])
    assert not any(script == "Cyrl" for *_, script in bulk["p-kos"])  # nothing says Kostin is Soviet yet
    NameVariant.objects.all().delete()
    for person in Person.objects.all():
        services.refresh_person(person)
    assert variants() == bulk

    (tmp_path / "later.jsonl").write_text(json.dumps(later, ensure_ascii=False) + "\n", encoding="utf-8")
    assert import_paths([tmp_path / "later.jsonl"]).imported == 1
    assert Person.objects.get(identifier="p-kos").description == "Soviet trade representative"
    assert any(script == "Cyrl" for *_, script in variants()["p-kos"])


@pytest.mark.django_db
def test_a_guessed_form_no_word_begins_with_is_not_searched(tmp_path):
    """tantivy skips a transliteration (``Variant.guess``) when no exact word of the index begins as its forms
    would: it could match nothing, and it would cost a clause over every field."""
    from bench.multilingual import records
    from readingroom.search.backends.tantivy_backend import TantivyBackend
    from readingroom.search.documents import search_document
    from readingroom.search.query import Variant

    backend = TantivyBackend(tmp_path / "index")
    backend.reset()
    backend.add([search_document(r) for r in records({"ru": [("Вчера состоялась беседа с Заварзиным.", [])]})])
    backend.commit()
    try:
        assert backend._unboosted(Variant("Заварзин", guess=True)) is not None  # "заварзиным" begins so
        assert backend._unboosted(Variant("Совиет", guess=True)) is None  # no word begins so
        assert backend._unboosted(Variant("Совиет")) is not None  # a known name's form is always searched
    finally:
        backend.close()


@pytest.mark.django_db
def test_a_word_whose_guessed_forms_found_nothing_weighs_as_a_plain_word(tmp_path):
    """In an archive with Russian texts every capitalised word is also guessed in Cyrillic. Where the guess finds
    nothing the word must rank as it did, not with a name's typed-form weight over the query's other words."""
    from bench.multilingual import records
    from readingroom.names.services import expand
    from readingroom.search.backends.base import SearchRequest
    from readingroom.search.backends.tantivy_backend import TantivyBackend
    from readingroom.search.documents import search_document
    from readingroom.search.query import parse

    texts = [
        ("Berlin Berlin Berlin and the crisis.", []),
        ("The crisis, the crisis, the crisis in Berlin.", []),
        ("Вчера состоялась беседа с Заварзиным.", []),
    ]
    backend = TantivyBackend(tmp_path / "index")
    backend.reset()
    backend.add([search_document(r) for r in records({"en": texts[:2], "ru": texts[2:]})])
    backend.commit()
    try:

        def scores(query):
            return [(h.id, round(h.score, 4)) for h in backend.search(SearchRequest(query=query, limit=10)).hits]

        expanded, _ = expand(parse("Berlin crisis"), cyrillic_texts=True)
        assert any(getattr(a, "guess", False) for c in expanded.clauses for a in c.alternatives)
        assert scores(expanded) == scores(parse("Berlin crisis"))
    finally:
        backend.close()
