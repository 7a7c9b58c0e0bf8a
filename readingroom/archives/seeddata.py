"""The authorities every archive starts with (data migration ``0002_seed_authorities``, and after every
``migrate`` and ``flush``: ``seed``), with the names and variants the sources write. Add more in the admin;
this list only seeds an archive that lacks them (an editor's change to a seeded authority is kept).

Each entry: identifier, name, place, ISIL (only where known for certain), description, series names the
sources write with more after them, and names as ``(name, kind, language, subunit)``.
"""

from typing import Any

from readingroom.archives.resolve import name_key

AUTHORITIES: list[dict[str, Any]] = [
    {
        "identifier": "us-department-of-state",
        "name": "U.S. Department of State",
        "place": "Washington, D.C., United States",
        "description": "The foreign ministry of the United States. Its central files (decimal files to 1963, "
        "subject-numeric files from 1963) and lot files are Record Group 59 (General Records of "
        "the Department of State), transferred to the National Archives at College Park, Maryland; "
        "FRUS source notes cite them as the Department's Central Files or as NARA, RG 59.",
        "series_names": ["Central Files"],
        "names": [
            ("Department of State", "variant", "en", ""),
            ("United States Department of State", "other", "en", ""),
            ("US Department of State", "variant", "en", ""),
            ("State Department", "other", "en", ""),
            ("Department of State Central Files", "variant", "en", "Central Files"),
            ("National Archives and Records Administration, RG 59", "variant", "en", ""),
            ("National Archives, RG 59", "variant", "en", ""),
            ("RG 59", "abbreviation", "en", ""),
            ("Государственный департамент США", "other", "ru", ""),
            ("美国国务院", "other", "zh", ""),
            ("Departamenti i Shtetit i SHBA", "other", "sq", ""),
        ],
    },
    {
        "identifier": "us-national-archives",
        "name": "National Archives and Records Administration",
        "place": "College Park, Maryland, United States",
        "description": "The national archives of the United States (NARA).",
        "names": [
            ("National Archives", "variant", "en", ""),
            ("NARA", "abbreviation", "en", ""),
            ("U.S. National Archives", "other", "en", ""),
            ("United States National Archives", "other", "en", ""),
            ("National Archives and Records Administration (NARA)", "variant", "en", ""),
        ],
    },
    {
        "identifier": "us-cia",
        "name": "Central Intelligence Agency",
        "place": "Langley, Virginia, United States",
        "description": "The foreign intelligence agency of the United States. FRUS cites its records by "
        'accession ("Job") number; released records are in CREST.',
        "names": [
            ("CIA", "abbreviation", "en", ""),
            ("Central Intelligence Agency Files", "variant", "en", ""),
            ("CIA Records Search Tool", "variant", "en", "CREST"),
            ("Центральное разведывательное управление", "other", "ru", ""),
            ("中央情报局", "other", "zh", ""),
        ],
    },
    {
        "identifier": "al-aqsh",
        "name": "Arkivi Qendror Shtetëror",
        "place": "Tirana, Albania",
        "description": "The Central State Archives of Albania (AQSh), holding among others the records of the "
        "Party of Labour of Albania (Fondi 14/AP).",
        "names": [
            ("Arkivi Qendror Shtetëror (Central State Archives, Tirana, Albania)", "variant", "sq", ""),
            ("Central State Archives", "other", "en", ""),
            ("Albanian Central State Archives", "other", "en", ""),
            ("Central State Archive of Albania", "variant", "en", ""),
            ("Arkivi Qendror i Shtetit", "variant", "sq", ""),
            ("AQSh", "abbreviation", "sq", ""),
            ("Центральный государственный архив Албании", "other", "ru", ""),
        ],
    },
    {
        "identifier": "wilson-center-digital-archive",
        "name": "Wilson Center Digital Archive",
        "place": "Washington, D.C., United States",
        "description": "The History and Public Policy Program Digital Archive of the Woodrow Wilson International "
        "Center for Scholars: translated primary sources from archives worldwide.",
        "names": [
            ("Wilson Center", "variant", "en", ""),
            ("History and Public Policy Program Digital Archive", "other", "en", ""),
            ("Woodrow Wilson International Center for Scholars Digital Archive", "other", "en", ""),
            ("Cold War International History Project Digital Archive", "other", "en", ""),
        ],
    },
    {
        "identifier": "us-office-of-the-historian",
        "name": "Office of the Historian, U.S. Department of State",
        "place": "Washington, D.C., United States",
        "description": "Publishes Foreign Relations of the United States (FRUS); a FRUS document without a "
        "source note is known from the printed volume.",
        "names": [
            (
                "Foreign Relations of the United States (Office of the Historian, U.S. Department of State)",
                "variant",
                "en",
                "",
            ),
            ("Office of the Historian", "variant", "en", ""),
            ("Foreign Relations of the United States", "other", "en", ""),
        ],
    },
    {
        "identifier": "un-general-debate-corpus",
        "name": "United Nations General Debate Corpus",
        "place": "",
        "description": "The UN General Debate Corpus (UNGDC): the speeches of the General Assembly's general "
        "debates, from the UN's verbatim records (Harvard Dataverse).",
        "names": [
            ("United Nations General Debate Corpus (UNGDC)", "variant", "en", ""),
            ("UNGDC", "abbreviation", "en", ""),
        ],
    },
    {
        "identifier": "us-lbj-library",
        "name": "Lyndon Baines Johnson Library",
        "place": "Austin, Texas, United States",
        "description": "The presidential library of Lyndon B. Johnson (National Archives).",
        "names": [
            ("Johnson Library", "variant", "en", ""),
            ("LBJ Library", "variant", "en", ""),
            ("Lyndon B. Johnson Presidential Library", "other", "en", ""),
            ("LBJ Presidential Library", "variant", "en", ""),
        ],
    },
    {
        "identifier": "us-jfk-library",
        "name": "John F. Kennedy Presidential Library",
        "place": "Boston, Massachusetts, United States",
        "description": "The presidential library of John F. Kennedy (National Archives).",
        "names": [
            ("Kennedy Library", "variant", "en", ""),
            ("JFK Library", "variant", "en", ""),
            ("John F. Kennedy Library", "variant", "en", ""),
        ],
    },
    {
        "identifier": "us-eisenhower-library",
        "name": "Dwight D. Eisenhower Presidential Library",
        "place": "Abilene, Kansas, United States",
        "description": "The presidential library of Dwight D. Eisenhower (National Archives).",
        "names": [("Eisenhower Library", "variant", "en", ""), ("Dwight D. Eisenhower Library", "variant", "en", "")],
    },
    {
        "identifier": "us-library-of-congress",
        "name": "Library of Congress",
        "isil": "US-DLC",
        "place": "Washington, D.C., United States",
        "description": "The national library of the United States; personal papers are in its Manuscript Division.",
        "names": [
            ("Library of Congress Manuscript Division", "variant", "en", "Manuscript Division"),
            ("LoC", "abbreviation", "en", ""),
        ],
    },
    {
        "identifier": "us-wnrc",
        "name": "Washington National Records Center",
        "place": "Suitland, Maryland, United States",
        "description": "The National Archives' records center for federal agencies in the Washington area.",
        "names": [("WNRC", "abbreviation", "en", "")],
    },
    {
        "identifier": "us-ndu",
        "name": "National Defense University",
        "place": "Washington, D.C., United States",
        "description": "",
        "names": [],
    },
    {
        "identifier": "us-princeton-university-library",
        "name": "Princeton University Library",
        "place": "Princeton, New Jersey, United States",
        "description": "",
        "names": [
            ("Princeton University", "variant", "en", ""),
            ("Seeley G. Mudd Manuscript Library", "variant", "en", "Mudd Manuscript Library"),
        ],
    },
    {
        "identifier": "us-yale-university-library",
        "name": "Yale University Library",
        "place": "New Haven, Connecticut, United States",
        "description": "",
        "names": [
            ("Yale University", "variant", "en", ""),
            ("Manuscripts and Archives, Yale University Library", "variant", "en", "Manuscripts and Archives"),
        ],
    },
    {
        "identifier": "ru-avprf",
        "name": "Archive of Foreign Policy of the Russian Federation",
        "place": "Moscow, Russia",
        "description": "The archive of the Ministry of Foreign Affairs of the Russian Federation (AVP RF).",
        "names": [
            ("Архив внешней политики Российской Федерации", "other", "ru", ""),
            ("АВП РФ", "abbreviation", "ru", ""),
            ("AVP RF", "abbreviation", "en", ""),
            ("Russian Ministry of Foreign Affairs", "variant", "en", ""),
            ("Ministry of Foreign Affairs of the Russian Federation", "variant", "en", ""),
        ],
    },
    {
        "identifier": "ru-rgani",
        "name": "Russian State Archive of Contemporary History",
        "place": "Moscow, Russia",
        "description": "RGANI: the records of the Central Committee of the Communist Party of the Soviet Union.",
        "names": [
            ("Российский государственный архив новейшей истории", "other", "ru", ""),
            ("РГАНИ", "abbreviation", "ru", ""),
            ("RGANI", "abbreviation", "en", ""),
        ],
    },
    {
        "identifier": "cn-mfa-archives",
        "name": "Archives of the Ministry of Foreign Affairs of the People's Republic of China",
        "place": "Beijing, China",
        "description": "",
        "names": [
            ("中华人民共和国外交部档案馆", "other", "zh", ""),
            ("外交部档案馆", "other", "zh", ""),
            ("PRC Foreign Ministry Archives", "variant", "en", ""),
            ("Chinese Foreign Ministry Archive", "variant", "en", ""),
        ],
    },
]


def seed(apps, using: str = "default") -> int:
    """Store the authorities above that the database ``using`` lacks (by identifier), with their names; returns
    how many. ``apps``: a migration's model state or the app registry. Run by migration 0002 and after every ``migrate``
    and ``flush`` (``ArchivesConfig.ready``), as ``django.contrib.sites`` keeps its default site: an archive
    emptied by ``flush`` (and a test database after a transactional test) starts with them again."""
    Archive = apps.get_model("archives", "Archive")
    ArchiveName = apps.get_model("archives", "ArchiveName")
    have = set(Archive.objects.using(using).values_list("identifier", flat=True))
    taken = set(ArchiveName.objects.using(using).values_list("key", flat=True))
    added = 0
    for entry in AUTHORITIES:
        if entry["identifier"] in have:
            continue
        archive = Archive.objects.using(using).create(
            identifier=entry["identifier"],
            name=entry["name"],
            place=entry.get("place", ""),
            isil=entry.get("isil", ""),
            description=entry.get("description", ""),
            series_names=entry.get("series_names", []),
        )
        added += 1
        for name, kind, language, subunit in entry["names"]:
            key = name_key(name)
            if key and key not in taken:
                taken.add(key)
                ArchiveName.objects.using(using).create(
                    archive=archive, name=name, key=key, kind=kind, language=language, subunit=subunit
                )
    return added
