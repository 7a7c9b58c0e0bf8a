"""Documents made for the search contract tests: each one exercises a rule (stemming, diacritics, facets)."""

CRAFTED = [
    {
        "id": "rr-1", "title": "Negotiations on a nuclear test ban", "date": "1962-10-26",
        "original_languages": ["ru"], "archival_reference": {"repository": "Arkiv Vneshnei Politiki"},
        "subjects": ["Nuclear testing"], "persons": ["Khrushchev, Nikita"], "places": ["Europe > Russia > Moscow"],
        "type": "Letter", "classification": "Secret", "collections": ["Contract collection"],
        "translations": [{"language": "en", "text": "The Soviet government proposes a negotiation of the test ban. Chrysanthemum."}],
        "transcripts": [{"language": "ru", "text": "Советское правительство предлагает переговоры."}],
    },
    {
        "id": "rr-2", "title": "Report on Berlin", "date": "1961-08-13", "original_languages": ["de"],
        "archival_reference": {"repository": "Bundesarchiv"}, "subjects": ["Berlin Wall"],
        "places": ["Europe > Germany > Berlin"], "type": "Report", "classification": "Confidential",
        "collections": ["Contract collection"],
        "translations": [{"language": "en", "text": "The wall in Berlin was built overnight. A chrysanthemum garden."}],
    },
    {
        "id": "rr-3", "title": "Shënime mbi takimin", "date": "1963-07-20", "original_languages": ["sq"],
        "archival_reference": {"repository": "Arkivi Qendror Shtetëror"}, "type": "Notes", "classification": "Secret",
        "collections": ["Contract collection"],
        "transcripts": [{"language": "sq", "text": "Takimi me shokun Mëhilli në Tiranë."}],
    },
    {
        "id": "rr-4", "title": "Memorandum on Cuba", "date": "1962-10-16", "original_languages": ["en"],
        "archival_reference": {"repository": "Kennedy Library"}, "type": "Memorandum", "classification": "Top Secret",
        "places": ["Americas > Cuba"], "collections": ["Contract collection"],
        "transcripts": [{"language": "en", "text": "Missiles in Cuba. Quarantine discussed. <script>alert('x')</script> Our negotiating position."}],
    },
    {
        "id": "rr-5", "title": "Undated note on chrysanthemums", "original_languages": ["en"],
        "collections": ["Contract collection"],
        "transcripts": [{"language": "en", "text": "A note about the test of time."}],
    },
]
