"""A query word's other forms from the dictionary lemmatiser (readingroom.search.lemmas): what the tables keep, how
a word is looked up, and how the tables are made (once, atomically, by one process at a time)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time

import pytest

from readingroom.search import analysis, lemmas


@pytest.fixture(autouse=True)
def _fresh_lookups():
    lemmas._other_forms.cache_clear()
    lemmas._typed_forms.cache_clear()
    yield
    lemmas._other_forms.cache_clear()
    lemmas._typed_forms.cache_clear()


def test_a_lemma_is_kept_only_when_its_forms_have_two_stems():
    entries = [
        ("gobiernos", "gobierno"),  # gobi / gobiern: kept
        ("armas", "arma"),  # armas / arma: kept
        ("habla", "hablar"),  # habl / habl: the stemmer joins them already
        ("hablamos", "hablar"),
        ("r", "ser"),  # a one-letter form is no form to search by
    ]
    groups = {kept[0]: (kept, forms) for kept, forms in lemmas.groups("es", iter(entries))}
    assert set(groups) == {"gobierno", "arma"}
    assert groups["gobierno"] == (["gobierno", "gobiernos"], {"gobierno", "gobiernos"})
    assert groups["arma"][0] == ["arma", "armas"]


def test_one_form_per_stem_the_lemma_first_then_the_shortest():
    entries = [(f, "tener") for f in ["tengo", "tienen", "tuvieron", "tuvo", "tiene", "tenemos"]]
    [(kept, forms)] = lemmas.groups("es", iter(entries))
    assert kept[0] == "tener"
    assert len({analysis.stem("es", f) for f in kept}) == len(kept)  # one per stem
    assert "tuvo" in kept and "tuvieron" not in kept  # the shortest of a stem stands for it
    assert forms == {"tener", "tengo", "tienen", "tuvieron", "tuvo", "tiene", "tenemos"}


@pytest.mark.parametrize(
    "lang, word, other",
    [
        ("es", "gobierno", "gobiernos"),
        ("es", "gobiernos", "gobierno"),
        ("pt", "comercial", "comerciais"),
        ("ro", "acordurile", "acord"),
        ("ro", "livrare", "livrări"),
        ("ro", "arme", "armă"),
        ("hu", "Budapesten", "budapest"),
        ("cs", "Praha", "praze"),
        ("pl", "Polsce", "polska"),
        ("pl", "rząd", "rzędu"),
        ("ru", "Хрущёва", "хрущев"),
        ("en", "children", "child"),
        ("en", "meet", "met"),
        ("en", "crises", "crisis"),
        ("en", "went", "go"),
    ],
)
def test_the_forms_a_stemmer_misses(lang, word, other):
    forms = lemmas.other_forms(lang, word)
    assert other in forms
    assert analysis.stem(lang, word) not in {analysis.stem(lang, f) for f in forms}  # only stems it does not reach


def test_a_headword_is_that_lemma_and_not_a_form_of_another():
    # Spanish "arma" is the noun (a weapon) and a form of the verb "armar": the noun's forms, not the verb's
    assert lemmas.other_forms("es", "arma") == ("armas",)
    # written with its diacritics, a form is that form only; Romanian "armă" (the noun) against "arma" (a verb)
    assert lemmas.other_forms("ro", "armă") == ("arme",)


def test_a_word_typed_without_its_diacritics_is_looked_up_folded():
    assert "livrare" in lemmas.other_forms("ro", "livrarile")
    assert "polska" in lemmas.other_forms("pl", "polsce")


def test_function_words_and_abbreviations_are_not_looked_up():
    assert lemmas.other_forms("es", "fue") == ()  # a form of "ser", on Spanish's stop-word list
    assert lemmas.other_forms("es", "son") == ()
    assert lemmas.other_forms("en", "were") == ()  # nor the other forms of their lemmas ("be": "is", "was")
    assert lemmas.other_forms("en", "being") == ()
    assert lemmas.other_forms("en", "US") == ()  # an abbreviation, not "us" (a form of "we")
    assert lemmas.other_forms("en", "UN") == ()
    assert lemmas.other_forms("hu", "él")  # a word of two letters is a word (Hungarian "to live")


def test_no_dictionary_no_forms(monkeypatch):
    assert lemmas.other_forms("zh", "毛泽东") == ()
    assert lemmas.other_forms("es", "U.S.") == ()
    assert lemmas.other_forms("es", "zzzqqq") == ()
    monkeypatch.setenv("READINGROOM_LEMMAS", "off")
    assert lemmas.other_forms("es", "gobierno") == ()


def test_processes_wanting_a_table_at_once_make_it_once(tmp_path):
    """Two processes build Albanian's table into an empty directory at the same moment: the lock lets one build
    it, the other finds it made; no temporary file is left, and the table answers."""
    env = {**os.environ, "READINGROOM_LEMMA_DIR": str(tmp_path)}
    cmd = [sys.executable, "-m", "readingroom.search.lemmas", "sq"]
    procs = [subprocess.Popen(cmd, env=env) for _ in range(2)]  # noqa: S603 - our own module
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    [version] = list(tmp_path.iterdir())
    assert sorted(p.name for p in version.iterdir() if not p.name.startswith(".sq.lock")) == ["sq.sqlite3"]
    with sqlite3.connect(version / "sq.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM lemma").fetchone()[0] > 1000
        assert db.execute("SELECT count(*) FROM form WHERE key = 'takimi'").fetchone()[0] >= 1
    assert oct((version / "sq.sqlite3").stat().st_mode & 0o777) == "0o644"


def test_a_missing_table_is_made_in_the_background_and_a_search_never_waits(tmp_path, monkeypatch):
    monkeypatch.setenv("READINGROOM_LEMMA_DIR", str(tmp_path))
    assert lemmas.other_forms("sq", "takimesh") == ()  # at once: the stemmer alone, nothing kept in the cache
    table = lemmas.directory() / "sq.sqlite3"
    deadline = time.monotonic() + 120
    while not table.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert table.exists()
    assert "takim" in lemmas.other_forms("sq", "takimesh")
    assert not (lemmas.directory() / "es.sqlite3").exists()  # only the language asked for


def test_a_table_that_cannot_be_made_is_not_tried_by_every_search(tmp_path, monkeypatch):
    """A cache directory the server cannot write: the first search tries to make the table (in the background)
    and is answered by the stemmers; the next ones do not try again until RETRY_SECONDS have passed."""
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    monkeypatch.setenv("READINGROOM_LEMMA_DIR", str(blocked / "lemmas"))
    starts = []
    real = lemmas.threading.Thread

    def counted(*args, **kwargs):
        starts.append(kwargs.get("args"))
        return real(*args, **kwargs)

    monkeypatch.setattr(lemmas.threading, "Thread", counted)
    assert lemmas.other_forms("sq", "takimesh") == ()
    path = lemmas.directory() / "sq.sqlite3"
    deadline = time.monotonic() + 60
    while path not in lemmas._failed and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path in lemmas._failed  # the build failed (and said so in the log)
    for word in ("takimet", "takimin", "takimeve"):
        assert lemmas.other_forms("sq", word) == ()
    assert len(starts) == 1  # tried once, not once a search
    lemmas._failed.pop(path)


def test_the_command_makes_what_is_missing_and_says_where(tmp_path):
    """``readingroom lemmas`` (make setup runs the module the same way): the tables already made are kept."""
    env = {**os.environ, "READINGROOM_DATA_DIR": str(tmp_path / "data")}
    assert not lemmas.missing()  # make setup made them
    done = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "readingroom.cli", "lemmas"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert f"0 built, {len(lemmas.LANGUAGES)} already there, in {lemmas.directory()}" in done.stdout
