"""Documents made for the search contract tests: each one exercises a rule (stemming, diacritics, facets)."""

CRAFTED = [
    {
        "id": "rr-1",
        "title": "Negotiations on a nuclear test ban",
        "date": "1962-10-26",
        "original_languages": ["ru"],
        "archival_reference": {"repository": "Arkiv Vneshnei Politiki"},
        "subjects": ["Nuclear testing"],
        "persons": ["Khrushchev, Nikita"],
        "places": ["Europe > Russia > Moscow"],
        "type": "Letter",
        "classification": "Secret",
        "collections": ["Contract collection"],
        "translations": [
            {"language": "en", "text": "The Soviet government proposes a negotiation of the test ban. Chrysanthemum."}
        ],
        "transcripts": [{"language": "ru", "text": "Советское правительство предлагает переговоры."}],
    },
    {
        "id": "rr-2",
        "title": "Report on Berlin",
        "date": "1961-08-13",
        "original_languages": ["de"],
        "archival_reference": {"repository": "Bundesarchiv"},
        "subjects": ["Berlin Wall"],
        "places": ["Europe > Germany > Berlin"],
        "type": "Report",
        "classification": "Confidential",
        "collections": ["Contract collection"],
        "translations": [{"language": "en", "text": "The wall in Berlin was built overnight. A chrysanthemum garden."}],
    },
    {
        "id": "rr-3",
        "title": "Shënime mbi takimin",
        "date": "1963-07-20",
        "original_languages": ["sq"],
        "archival_reference": {"repository": "Arkivi Qendror Shtetëror"},
        "type": "Notes",
        "classification": "Secret",
        "collections": ["Contract collection"],
        "transcripts": [{"language": "sq", "text": "Takimi me shokun Mëhilli në Tiranë."}],
    },
    {
        "id": "rr-4",
        "title": "Memorandum on Cuba",
        "date": "1962-10-16",
        "original_languages": ["en"],
        "archival_reference": {"repository": "Kennedy Library"},
        "type": "Memorandum",
        "classification": "Top Secret",
        "places": ["Americas > Cuba"],
        "collections": ["Contract collection"],
        "transcripts": [
            {
                "language": "en",
                "text": "Missiles in Cuba. Quarantine discussed. <script>alert('x')</script> Our negotiating position.",
            }
        ],
    },
    {
        "id": "rr-5",
        "title": "Undated note on chrysanthemums",
        "original_languages": ["en"],
        "collections": ["Contract collection"],
        "transcripts": [{"language": "en", "text": "A note about the test of time."}],
    },
]

#: Short passages in the archive's languages, with inflected forms (search.analysis): each base-form query in
#: tests/test_search_contract.py must find the forms written here, on both backends.
MULTILINGUAL = [
    {
        "id": "ml-ru",
        "title": "Запись беседы",
        "date": "1962-11-02",
        "original_languages": ["ru"],
        "collections": ["Multilingual collection"],
        "transcripts": [{"language": "ru", "text": "Хрущёв заявил, что переговоров в Москве на этой неделе не будет."}],
    },
    {
        "id": "ml-ru2",
        "title": "Телеграмма",
        "date": "1962-11-03",
        "original_languages": ["ru"],
        "collections": ["Multilingual collection"],
        "transcripts": [{"language": "ru", "text": "Переговоры о разоружении продолжатся осенью в Женеве."}],
    },
    {
        "id": "ml-sq",
        "title": "Procesverbal",
        "date": "1961-02-14",
        "original_languages": ["sq"],
        "collections": ["Multilingual collection"],
        "transcripts": [
            {"language": "sq", "text": "Takimi i parë u zhvillua në Tiranë. Takimet e delegacionit vazhduan tre ditë."}
        ],
    },
    {
        "id": "ml-zh-hant",
        "title": "毛澤東接見阿爾巴尼亞代表團",
        "date": "1961-03-01",
        "original_languages": ["zh"],
        "collections": ["Multilingual collection"],
        "transcripts": [{"language": "zh", "text": "毛澤東主席談到中國對阿爾巴尼亞的援助和兩黨的友誼。"}],
    },
    {
        "id": "ml-zh-hans",
        "title": "关于经济援助问题的报告",
        "date": "1961-03-05",
        "original_languages": ["zh"],
        "collections": ["Multilingual collection"],
        "transcripts": [
            {"language": "zh", "text": "中国政府决定继续向阿尔巴尼亚提供经济援助。毛泽东同志同意这个方案。"}
        ],
    },
    {
        "id": "ml-de",
        "title": "Vermerk",
        "date": "1961-08-20",
        "original_languages": ["de"],
        "collections": ["Multilingual collection"],
        "transcripts": [
            {
                "language": "de",
                "text": "Die Verhandlungen in Berlin wurden fortgesetzt. Der Botschafter übergab die Straßenkarte.",
            }
        ],
    },
    {
        "id": "ml-pl",
        "title": "Notatka",
        "date": "1963-05-10",
        "original_languages": ["pl"],
        "collections": ["Multilingual collection"],
        "transcripts": [
            {
                "language": "pl",
                "text": "Rozmowy w Warszawie trwały trzy dni. Delegacja polska przedstawiła propozycje rozbrojenia.",
            }
        ],
    },
    {
        "id": "ml-cs",
        "title": "Záznam",
        "date": "1963-06-11",
        "original_languages": ["cs"],
        "collections": ["Multilingual collection"],
        "transcripts": [
            {
                "language": "cs",
                "text": "Jednání v Praze pokračovala. Československá vláda podepsala smlouvy o spolupráci.",
            }
        ],
    },
    {
        "id": "ml-hu",
        "title": "Feljegyzés",
        "date": "1963-07-12",
        "original_languages": ["hu"],
        "collections": ["Multilingual collection"],
        "transcripts": [
            {
                "language": "hu",
                "text": "A tárgyalások Budapesten folytatódtak. A magyar küldöttség javaslatait elfogadták.",
            }
        ],
    },
    {
        "id": "ml-fr",
        "title": "Note",
        "date": "1963-08-13",
        "original_languages": ["fr"],
        "collections": ["Multilingual collection"],
        "transcripts": [
            {"language": "fr", "text": "Les négociations à Paris ont repris. Le ministre a présenté ses propositions."}
        ],
    },
    {
        "id": "ml-es",
        "title": "Informe",
        "date": "1963-08-20",
        "original_languages": ["es"],
        "collections": ["Multilingual collection"],
        "transcripts": [{"language": "es", "text": "Los gobiernos discutieron en Madrid el envío de armas."}],
    },
    {
        "id": "ml-es2",
        "title": "Comunicado",
        "date": "1963-08-21",
        "original_languages": ["es"],
        "collections": ["Multilingual collection"],
        "transcripts": [{"language": "es", "text": "El gobierno publicó un comunicado sobre la conferencia."}],
    },
    {
        "id": "ml-ro",
        "title": "Notă",
        "date": "1963-08-22",
        "original_languages": ["ro"],
        "collections": ["Multilingual collection"],
        "transcripts": [{"language": "ro", "text": "Guvernele au semnat acordurile privind livrările de arme."}],
    },
    {
        "id": "ml-name-ru",
        "title": "Телеграмма из Гаваны",
        "date": "1963-08-23",
        "original_languages": ["ru"],
        "collections": ["Multilingual collection"],
        "transcripts": [{"language": "ru", "text": "Вчера состоялась беседа с Заварзиным о поставках зерна."}],
    },
    {
        "id": "ml-name-en",
        "title": "Cable from Havana",
        "date": "1963-08-24",
        "original_languages": ["en"],
        "collections": ["Multilingual collection"],
        "transcripts": [{"language": "en", "text": "Ambassador Zavarzin called on the Foreign Minister about grain."}],
    },
    {
        "id": "ml-mixed",
        "title": "Mixed scripts: Хрущёв, 毛泽东, Hoxhë",
        "date": "1963-09-14",
        "original_languages": ["en"],
        "collections": ["Multilingual collection"],
        "transcripts": [
            {
                "language": "en",
                "text": "Хрущёв и 毛泽东 met; Hoxhë wrote «takimet» — 阿尔巴尼亚 ẞ straße "
                "ﬁnal 🙂 \u200b zero\u00adwidth.",
            }
        ],
    },
    {
        "id": "ml-detected",
        "title": "Spotkanie",
        "date": "1963-10-15",
        "original_languages": ["pl"],
        "collections": ["Multilingual collection"],
        "transcripts": [
            {
                "language": "",
                "text": "Spotkania delegacji odbyły się w Krakowie, gdzie omawiano współpracę gospodarczą.",
            }
        ],
    },
]

#: The same words twice, in another order: in one text three of them stand together, in the other apart (more than
#: eight words between). BM25 cannot tell them apart; a search of the three words ranks the first one first.
PROXIMITY = [
    {
        "id": "near-1",
        "title": "Harbour log",
        "date": "1962-03-01",
        "original_languages": ["en"],
        "transcripts": [
            {
                "language": "en",
                "text": "The lighthouse marigold shipments arrived. One two three four five six seven eight nine "
                "ten eleven twelve.",
            }
        ],
    },
    {
        "id": "near-2",
        "title": "Harbour log",
        "date": "1962-03-01",
        "original_languages": ["en"],
        "transcripts": [
            {
                "language": "en",
                "text": "The lighthouse arrived. One two three four five six seven eight nine ten marigold eleven "
                "twelve shipments.",
            }
        ],
    },
]
