"""The other forms of a query word, from a dictionary lemmatiser: what the Snowball stemmers cannot merge.

Snowball cuts endings by rule. Where a language's forms differ in more than an ending the stems part ways: Spanish
``gobierno`` -> ``gobiern`` but ``gobiernos`` -> ``gobi``; Portuguese ``comercial`` / ``comerciais``; Romanian
``acord`` / ``acordurile``, ``armă`` / ``arme``; Hungarian ``Budapest`` / ``Budapesten``; Czech ``Praha`` /
``Praze``; short words keep their endings (``arma`` / ``armas``). simplemma's dictionaries (on the package
registry, data in its wheel, MIT) give each form its lemma. A query word is looked up here: its lemma's forms,
one for each stem they have in that language, are searched beside the word in the language's stemmed fields.
The index is unchanged (each backend stems the forms as it stems the text), so the import pays nothing.

simplemma's dictionaries take seconds to load and hundreds of megabytes in a process (ten languages: 11 s, 1.1
GB). What a query needs of them is kept instead in one small SQLite file per language (:func:`build`): for every
lemma whose forms have two stems or more, one form per stem; for every form of such a lemma (folded: lower case,
no diacritics), its lemmas. Spanish: 17,000 lemmas, 554,000 forms. The files are made once per machine, by
``readingroom lemmas`` (``make setup`` runs it) or by the first query that needs one, under
``READINGROOM_LEMMA_DIR`` (default ``~/.cache/readingroom/lemmas``): derived data, never backed up.
``READINGROOM_LEMMAS=0`` searches by the stemmers alone (no file is read or made).

Function words (tantivy's stop-word lists, where a language has one) and the lemmas they are forms of are not
looked up: Spanish ``fue`` and ``son`` are forms of ``ser``, English ``were`` of ``be``, whose forms are in every
text. Nor are abbreviations (``US``, ``UN``: English ``us`` is a form of ``we``). English irregular forms are
joined too (``children`` / ``child``, ``met`` / ``meet``, ``crises`` / ``crisis``).
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import logging
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import tantivy

from readingroom.config import parse_bool
from readingroom.search import analysis

#: our analysis key -> simplemma's language code, for the languages whose forms are looked up
LANGUAGES = {
    "en": "en",
    "ru": "ru",
    "de": "de",
    "fr": "fr",
    "es": "es",
    "it": "it",
    "pt": "pt",
    "hu": "hu",
    "ro": "ro",
    "pl": "pl",
    "cs": "cs",
    "sq": "sq",
}
#: at most this many forms of a lemma are kept (the shortest first, the lemma always): the irregular verbs,
#: Hungarian's nouns with their many cases. Each is one more term a query word is searched by.
MAX_FORMS = 12
#: a query word's forms through all its lemmas (a folded form can belong to more than one): at most
MAX_QUERY_FORMS = 16
#: the layout of the files and the stems they were chosen by (``analysis.stem``): a change makes new files
TABLE_VERSION = "1"

_lock = threading.Lock()
logger = logging.getLogger(__name__)


def directory() -> Path:
    """Where the files live: ``READINGROOM_LEMMA_DIR``, else the user's cache; one subdirectory per simplemma
    version and table layout."""
    base = os.environ.get("READINGROOM_LEMMA_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "readingroom", "lemmas"
    )
    return Path(base) / f"simplemma-{_simplemma_version()}-{TABLE_VERSION}"


@lru_cache(maxsize=1)
def _simplemma_version() -> str:
    # read once: the package metadata costs 0.6 ms a look, and every word a process has not met asks (12 languages)
    return metadata.version("simplemma")


def _entries(lang: str) -> Iterator[tuple[str, str]]:
    """(form, lemma) pairs of simplemma's dictionary for ``lang``, in lower case, words of letters only."""
    # deferred: only a build reads simplemma's dictionaries (seconds and hundreds of megabytes; the import 55 ms)
    from simplemma.strategies.dictionaries.dictionary_factory import DefaultDictionaryFactory

    dictionary = DefaultDictionaryFactory(cache_max_size=1).get_dictionary(LANGUAGES[lang])
    for form in dictionary:
        lemma = dictionary[form]
        form, lemma = form.lower(), lemma.lower()
        if form.isalpha() and lemma.isalpha():
            yield form, lemma


def groups(lang: str, entries: Iterator[tuple[str, str]] | None = None) -> list[tuple[list[str], set[str]]]:
    """``(kept, forms)`` for each lemma whose forms have two stems or more in ``lang``: ``kept`` one form per stem
    (the lemma first, then the shortest), at most :data:`MAX_FORMS`; ``forms`` all of them."""
    by_lemma: dict[str, set[str]] = {}
    for form, lemma in entries if entries is not None else _entries(lang):
        by_lemma.setdefault(lemma, {lemma}).add(form)
    every = list({f for forms in by_lemma.values() for f in forms})
    stem_of = dict(zip(every, analysis.stems(lang, every), strict=True))
    out = []
    for lemma, forms in by_lemma.items():
        first = stem_of[lemma]
        if all(stem_of[f] == first for f in forms):
            continue
        per_stem: dict[str | None, str] = {first: lemma}
        for form in sorted(forms - {lemma}, key=lambda f: (len(f), f)):
            if len(form) > 1:  # not an abbreviation (Polish "r" for "rok")
                per_stem.setdefault(stem_of[form], form)
        if len(per_stem) > 1:
            out.append((list(per_stem.values())[:MAX_FORMS], forms))
    return out


def build(lang: str, target: Path | None = None) -> Path:
    """Make the file of ``lang`` (a key of :data:`LANGUAGES`), atomically: a temporary file renamed in place,
    under a lock so that processes wanting it at once build it once."""
    path = target or directory() / f"{lang}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / f".{lang}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return path
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{lang}-", suffix=".tmp")
        os.close(fd)
        try:
            _write(lang, tmp)
            os.chmod(tmp, 0o644)  # noqa: S103 - derived public data, read by every process of the machine
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    return path


def _write(lang: str, file: str) -> None:
    db = sqlite3.connect(file)
    db.executescript(
        "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
        " CREATE TABLE lemma (id INTEGER PRIMARY KEY, forms TEXT NOT NULL);"
        # key: a form folded (lower case, no diacritics); written: the form in lower case where that differs, else ''
        " CREATE TABLE form (key TEXT NOT NULL, lemma INTEGER NOT NULL, written TEXT NOT NULL,"
        " PRIMARY KEY (key, lemma, written)) WITHOUT ROWID;"
    )
    fold = lru_cache(maxsize=None)(analysis.fold.__wrapped__)
    rows: list[tuple[str, int, str]] = []
    for i, (kept, forms) in enumerate(groups(lang)):
        db.execute("INSERT INTO lemma VALUES (?, ?)", (i, " ".join(kept)))
        for form in forms:
            key = fold(form)
            rows.append((key, i, form if form != key else ""))
    rows.sort()
    db.executemany("INSERT INTO form VALUES (?, ?, ?)", rows)
    db.commit()
    db.execute("VACUUM")
    db.close()


def _run_build(lang: str) -> None:
    """Build in a process of its own: a dictionary takes hundreds of megabytes while it is read, which a web
    worker or an importer would keep."""
    path = directory() / f"{lang}.sqlite3"
    if not path.exists():
        subprocess.run([sys.executable, "-m", "readingroom.search.lemmas", lang], check=True)  # noqa: S603 - our own module


_connections: dict[tuple[str, str | None], sqlite3.Connection] = {}
_building: set[Path] = set()
#: a table that could not be made (a cache directory the server cannot write, say) is tried again after this long,
#: not by every search meanwhile
RETRY_SECONDS = 600.0
_failed: dict[Path, float] = {}


def _connection(lang: str) -> sqlite3.Connection | None:
    """The table of ``lang``, or None while it is being made: a search never waits for it (Polish takes a minute).
    The first that finds it missing has it made in the background (a process of its own, under the build lock)."""
    key = (lang, os.environ.get("READINGROOM_LEMMA_DIR"))  # (directory() reads the environment: 60 µs a call)
    conn = _connections.get(key)
    if conn is None:
        path = directory() / f"{lang}.sqlite3"
        if not path.exists():
            if path not in _building and time.monotonic() - _failed.get(path, -RETRY_SECONDS) >= RETRY_SECONDS:
                _building.add(path)
                threading.Thread(target=_build_in_background, args=(lang, path), daemon=True).start()
            return None
        conn = _connections[key] = sqlite3.connect(
            f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False
        )
    return conn


def _build_in_background(lang: str, path: Path) -> None:
    try:
        _run_build(lang)
    except (OSError, subprocess.CalledProcessError):
        _failed[path] = time.monotonic()
        logger.exception("the table of %s forms could not be made under %s", lang, path.parent)
    finally:
        _building.discard(path)


def _lookup(lang: str, key: str) -> list[tuple[str, str]] | None:
    """(forms of the lemma, the form as written) of every lemma that has a form folding to ``key``; None while
    the language's table is being made."""
    with _lock:  # one connection per language, shared by the threads of a process
        conn = _connection(lang)
        if conn is None:
            return None
        return conn.execute(
            "SELECT lemma.forms, CASE form.written WHEN '' THEN form.key ELSE form.written END FROM form"
            " JOIN lemma ON lemma.id = form.lemma WHERE form.key = ? ORDER BY lemma.id",
            (key,),
        ).fetchall()


class _NotYet(Exception):
    """The table is being made: nothing to keep in the cache."""


def _enabled() -> bool:
    # read each time (tests and benchmarks switch it), parsed once per value
    return _parsed(os.environ.get("READINGROOM_LEMMAS"))


@lru_cache(maxsize=8)
def _parsed(value: str | None) -> bool:
    return parse_bool(value, True)


def other_forms(lang: str, word: str) -> tuple[str, ...]:
    """The forms of ``word``'s lemma in ``lang`` that its stem does not reach (one per stem, most likely first);
    () for a language without a dictionary here, a word it does not know, or a lemma whose forms share a stem,
    and while the language's table is still being made (a first search on a new machine).

    A word is a form of the lemmas that have it as written (diacritics and all), else of those that have it once
    folded (a reader typing without diacritics); a dictionary headword is that lemma only (Spanish ``arma`` is
    the noun, not also a form of ``armar``)."""
    if lang not in LANGUAGES or not _enabled():
        return ()
    try:
        return _typed_forms(lang, word)
    except _NotYet:
        return ()


@lru_cache(maxsize=65536)
def _typed_forms(lang: str, word: str) -> tuple[str, ...]:
    """:func:`other_forms` of a word as typed (a search asks once per field and per snippet)."""
    if not word.isalpha() or (word.isupper() and len(word) > 1):  # an abbreviation (US, UN): English "us" is "we"
        return ()
    return _other_forms(lang, analysis.prefold_word(word).lower())


@lru_cache(maxsize=64)
def _stop_words(lang: str) -> tantivy.TextAnalyzer | None:
    """tantivy's stop-word filter of ``lang`` (Lucene's and Snowball's lists), where it has one."""
    try:  # the list is looked up when the analyzer is built
        stop = tantivy.Filter.stopword(analysis.ENGINE_STEMMERS.get(lang, lang))
        return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.raw()).filter(stop).build()
    except ValueError:  # none for Romanian, Polish, Czech, Albanian: every word is looked up
        return None


def function_word(lang: str, lower: str) -> bool:
    """A word on the language's stop-word list: neither it nor the other forms of a lemma that has one are looked
    up (Spanish ``fue`` and ``son`` are forms of ``ser``: its forms are in every text, and say nothing of it)."""
    stop = _stop_words(lang)
    return stop is not None and not stop.analyze(lower)


@lru_cache(maxsize=65536)
def _other_forms(lang: str, lower: str) -> tuple[str, ...]:
    if function_word(lang, lower):
        return ()
    rows = _lookup(lang, analysis.fold(lower))
    if rows is None:
        raise _NotYet
    rows = [r for r in rows if r[1] == lower] or rows
    rows = [r for r in rows if r[0].split(" ", 1)[0] == r[1]] or rows
    stem = analysis.stem(lang, lower)
    seen = {stem}
    out = []
    for forms, _written in rows:
        if any(function_word(lang, form) for form in forms.split(" ")):
            continue  # a function word's lemma (English "being", "were": "be", whose "is" is on the list)
        for form in forms.split(" "):
            s = analysis.stem(lang, form)
            if s not in seen:
                seen.add(s)
                out.append(form)
    return tuple(out[:MAX_QUERY_FORMS])


def _dictionary_size(lang: str) -> int:
    # the package's data file, found without importing simplemma (55 ms) into every process that searches
    spec = importlib.util.find_spec("simplemma")
    assert spec is not None and spec.origin is not None  # noqa: S101 - a declared dependency
    return (Path(spec.origin).parent / "strategies/dictionaries/data" / f"{LANGUAGES[lang]}.plzma").stat().st_size


def missing() -> list[str]:
    """The languages whose tables are not made yet (none with ``READINGROOM_LEMMAS=0``)."""
    if not _enabled():
        return []
    return [lang for lang in LANGUAGES if not (directory() / f"{lang}.sqlite3").exists()]


def build_all(langs: list[str] | None = None, processes: int = 2, report: bool = False) -> list[str]:
    """Every language's file (those already made are kept), ``processes`` at a time; the languages built."""
    todo = [lang for lang in missing() if not langs or lang in langs]
    todo.sort(key=_dictionary_size, reverse=True)  # the longest first: two processes end together

    def one(lang: str) -> None:
        t0 = time.monotonic()
        _run_build(lang)
        if report:
            size = (directory() / f"{lang}.sqlite3").stat().st_size
            print(f"lemmas: {lang} in {time.monotonic() - t0:.0f} s, {size / 1e6:.1f} MB", file=sys.stderr, flush=True)

    if todo and report:
        print(f"lemmas: building {', '.join(todo)} under {directory()} (once per machine)", file=sys.stderr, flush=True)
    with ThreadPoolExecutor(max(1, processes)) as pool:
        list(pool.map(one, todo))
    return todo


if __name__ == "__main__":
    # python -m readingroom.search.lemmas [LANG ...]: build one language here (what _run_build runs), or with no
    # argument every missing one (make setup)
    if sys.argv[1:]:
        for code in sys.argv[1:]:
            build(code)
    else:
        build_all(report=True)
