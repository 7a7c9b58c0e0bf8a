"""Text analysis per language, shared by every search backend (see docs/search.md).

A search document is made of *blocks*, each a text with a language. Every block is indexed twice:

* **exact** (every language): Unicode words, lower case, diacritics folded (``Mëhilli`` -> ``mehilli``,
  ``Хрущёв`` -> ``хрущев``, ``Straße`` -> ``strasse``); no stemming. This is the field an exact form
  scores higher in, and the one every language without a stemmer is searched through.
* **stemmed** in its own language: Snowball stemmers. For the languages tantivy and PostgreSQL stem
  themselves (:data:`ENGINE_STEMMERS`: English, Russian, German, French, Spanish, Italian, Portuguese,
  Hungarian, Romanian, Dutch, Swedish, ...) the engine does it; for the others (:data:`PY_STEMMERS`:
  Polish, Czech, and the rest of Snowball through PyStemmer; Albanian through :func:`albanian_stem`) the
  text is stemmed here, token by token, and handed to the engine as space-separated stems.

Chinese (and Japanese kanji/kana) is written without spaces: any run of CJK characters, whatever the
block's language, is converted to Simplified characters (OpenCC ``t2s``, so 毛澤東 and 毛泽东 are the same)
and indexed as single characters (a query word is a phrase of its characters: every occurrence is found)
and as jieba words (which rank a whole-word match higher). An unquoted run of CJK characters in a query is
cut into jieba words, each of which must occur.

A text without a declared language gets one from :func:`readingroom.ingest.languages.detect`.
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache
from typing import Protocol

from readingroom.ingest.languages import detect

#: language code -> Snowball stemmer name, for the languages the engines stem themselves
#: (tantivy's ``Filter.stemmer`` and PostgreSQL's built-in text search configurations share these names).
ENGINE_STEMMERS = {
    "en": "english",
    "ru": "russian",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
    "hu": "hungarian",
    "ro": "romanian",
    "nl": "dutch",
    "sv": "swedish",
    "da": "danish",
    "no": "norwegian",
    "fi": "finnish",
    "tr": "turkish",
    "el": "greek",
    "ar": "arabic",
    "ta": "tamil",
}
#: language code -> PyStemmer (Snowball 3) algorithm, stemmed in Python; "sq" is :func:`albanian_stem`.
PY_STEMMERS = {
    "pl": "polish",
    "cs": "czech",
    "ca": "catalan",
    "eu": "basque",
    "lt": "lithuanian",
    "sr": "serbian",
    "hy": "armenian",
    "id": "indonesian",
    "ga": "irish",
    "et": "estonian",
    "eo": "esperanto",
    "fa": "persian",
    "hi": "hindi",
    "ne": "nepali",
    "yi": "yiddish",
    "sq": "albanian",
}
#: codes that mean the same analysis
CODE_ALIASES = {"nb": "no", "nn": "no", "mo": "ro", "sh": "sr", "hr": "sr", "bs": "sr", "cmn": "zh", "yue": "zh"}
CJK_LANGS = {"zh", "ja"}
#: at most this many required pieces from one query word (a long unquoted run of Chinese is cut into words)
MAX_QUERY_PIECES = 32

# -- folding ----------------------------------------------------------------------------------------

#: characters mapped before anything else, in every field (and in queries): the same length out as in.
_PRE = str.maketrans(
    {
        "ё": "е",
        "Ё": "Е",
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00ad": "",
    }
)
_PRE_CHARS = re.compile(
    "[ёЁ\u2018\u2019\u201a\u201b\u2032\u02bc\u201c\u201d\u201e\u00ab\u00bb\u2010-\u2015\u2212\u00ad]"
)


def prefold(text: str) -> str:
    """What the engines' own folding misses, for whole texts: ``ё`` -> ``е`` and soft hyphens out (``str.replace``
    only: a translate table over a long text cost more than the indexing). The engines split words at
    quotes and dashes themselves."""
    if text.isascii():
        return text
    for a, b in (("ё", "е"), ("Ё", "Е"), ("\u00ad", "")):
        if a in text:
            text = text.replace(a, b)
    return text


def prefold_word(text: str) -> str:
    """``ё`` -> ``е``, typographic quotes and dashes to ASCII, soft hyphens out: for words and queries."""
    if text.isascii() or not _PRE_CHARS.search(text):
        return text
    return text.translate(_PRE)


_SPECIAL = {
    "ß": "ss",
    "ẞ": "ss",
    "æ": "ae",
    "Æ": "ae",
    "œ": "oe",
    "Œ": "oe",
    "ø": "o",
    "Ø": "o",
    "đ": "d",
    "Đ": "d",
    "ł": "l",
    "Ł": "l",
    "ı": "i",
    "þ": "th",
    "ð": "d",
    "ŀ": "l",
}


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """One word (or a short text) in lower case without diacritics, ``ё`` as ``е``, ``ß`` as ``ss``."""
    word = prefold_word(word)
    if word.isascii():
        return word.lower()
    word = "".join(_SPECIAL.get(c, c) for c in word)
    return "".join(c for c in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(c))


# -- languages ----------------------------------------------------------------------------------------


def analysis_key(code: str | None) -> str | None:
    """The analysis a language code gets: a key of ENGINE_STEMMERS or PY_STEMMERS, "zh", or None (exact only)."""
    if not code:
        return None
    code = code.strip().lower().replace("_", "-").split("-")[0]
    code = CODE_ALIASES.get(code, code)
    if len(code) == 3:  # ISO 639-2/3 (tesseract names its packs so: sqi, rus, deu, chi)
        code = _THREE.get(code, code)
    if code in ENGINE_STEMMERS or code in PY_STEMMERS or code in CJK_LANGS:
        return code
    return None


_THREE = {
    "sqi": "sq",
    "alb": "sq",
    "rus": "ru",
    "deu": "de",
    "ger": "de",
    "fra": "fr",
    "fre": "fr",
    "eng": "en",
    "pol": "pl",
    "ces": "cs",
    "cze": "cs",
    "hun": "hu",
    "chi": "zh",
    "zho": "zh",
    "spa": "es",
    "ita": "it",
    "por": "pt",
    "ron": "ro",
    "rum": "ro",
    "nld": "nl",
    "dut": "nl",
    "srp": "sr",
    "hrv": "sr",
    "jpn": "ja",
    "swe": "sv",
    "dan": "da",
    "nor": "no",
    "fin": "fi",
    "tur": "tr",
    "ell": "el",
    "gre": "el",
    "ara": "ar",
    "cat": "ca",
    "lit": "lt",
    "est": "et",
    "fas": "fa",
    "per": "fa",
    "hin": "hi",
}


# -- stemming in Python ----------------------------------------------------------------------------

#: Albanian endings (folded: ë as e), longest first: definite article, case and plural endings.
_ALBANIAN_SUFFIXES = [
    "eve",
    "ave",
    "ive",
    "ise",
    "ve",
    "et",
    "at",
    "it",
    "ut",
    "in",
    "un",
    "es",
    "en",
    "ja",
    "ia",
    "i",
    "u",
    "a",
    "e",
]


def albanian_stem(word: str) -> str:
    """A light stemmer for Albanian (folded input): strips inflectional endings (definite article, case and
    plural endings: -i/-u/-in/-un/-it/-ut/-et/-ve/-eve/-ës/-a/-ja/-në/-të ...), at most two (they stack: plural
    then article, "traktat-et", "qeveri-ve"), while at least four letters stay. "takimi", "takimet", "takimin",
    "takimeve" -> "takim"; "Tiranës", "Tiranë" -> "tiran"; "traktat", "traktatet", "traktati" -> "trakt" (one
    ending only left "traktatet" as "traktat" and "traktat" as "trakt": they never met).

    No Snowball stemmer exists for Albanian. Hunspell's sq_AL dictionary (Debian ``myspell-sq``) read through
    spylls, the one Hunspell binding that installs here, stems the same words but takes about 5 s to load in
    every process and leaves proper names unstemmed, so it is not used (docs/search.md).
    """
    if len(word) <= 4 or not word.isalpha():
        return word
    for _ in range(2):
        for suffix in _ALBANIAN_SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)]
                break
        else:
            break
    return word


class _Stemmer(Protocol):
    """What is used of a PyStemmer ``Stemmer`` (PyStemmer ships no type information)."""

    def stemWord(self, word: str) -> str: ...  # noqa: N802 - PyStemmer's name

    def stemWords(self, words: list[str]) -> list[str]: ...  # noqa: N802 - PyStemmer's name


@lru_cache(maxsize=64)
def _stemmer(algorithm: str) -> _Stemmer:
    # deferred: PyStemmer is loaded only when a language needs a Python-side stemmer
    import Stemmer  # PyStemmer: Snowball in C

    stemmer: _Stemmer = Stemmer.Stemmer(algorithm, 10000)
    return stemmer


@lru_cache(maxsize=262144)
def py_stem(lang: str, word: str) -> str:
    """Stem one lower-case word with the Python-side stemmer of ``lang`` (a PY_STEMMERS key), then fold."""
    if lang == "sq":
        return albanian_stem(fold(word))
    return fold(_stemmer(PY_STEMMERS[lang]).stemWord(prefold_word(word).lower()))


_WORD = re.compile(r"\w+")


def py_stemmed_text(lang: str, text: str) -> str:
    """``text`` as space-separated stems (one per word, so phrase positions hold), for a PY_STEMMERS language."""
    return " ".join(py_stem(lang, w) for w in _WORD.findall(text) if not _is_cjk(w[0]))


def query_stems(lang: str, text: str) -> list[str]:
    return [py_stem(lang, w) for w in _WORD.findall(prefold_word(text)) if not _is_cjk(w[0])]


# -- Chinese -------------------------------------------------------------------------------------------

#: the CJK ranges, as the inside of a regex character class
CJK_CHARS = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
CJK_RUN = re.compile(f"[{CJK_CHARS}]+")


def _is_cjk(ch: str) -> bool:
    # every CJK range starts at U+3040: the other letters (nearly every word of most texts) skip the regex
    return ch >= "\u3040" and CJK_RUN.match(ch) is not None


#: every code point from the first CJK range to the last: one range is 3x faster to look for than CJK_RUN's five,
#: and scripts below it (Latin, Cyrillic, Greek, Arabic, typographic punctuation) never reach the exact check
_FROM_CJK = re.compile(r"[\u3040-\U0002fa1f]")


def has_cjk(text: str) -> bool:
    if text.isascii():
        return False
    first = _FROM_CJK.search(text)
    return first is not None and CJK_RUN.search(text, first.start()) is not None


CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def has_cyrillic(text: str) -> bool:
    return not text.isascii() and CYRILLIC.search(text) is not None


class _Converter(Protocol):
    """What is used of an ``opencc.OpenCC`` converter (OpenCC ships no type information)."""

    def convert(self, text: str) -> str: ...


@lru_cache(maxsize=1)
def _opencc() -> _Converter:
    # deferred: OpenCC loads its conversion tables only when Chinese text is met
    import opencc

    converter: _Converter = opencc.OpenCC("t2s")
    return converter


def simplified(text: str) -> str:
    """Traditional Chinese characters as Simplified (OpenCC t2s); other text unchanged."""
    return _opencc().convert(text)


def cjk_runs(text: str) -> list[str]:
    """The runs of CJK characters in ``text``, in Simplified characters."""
    runs = CJK_RUN.findall(text)
    if len(runs) < 2:
        return [simplified(run) for run in runs]
    # One conversion for all the runs, a line break between them (a call per run cost more than the conversion
    # itself: a Chinese text has a run per clause). No conversion phrase holds a line break, so none spans two runs.
    return simplified("\n".join(runs)).split("\n")


#: between two runs in the character field, so a phrase never matches across punctuation or other words
RUN_BREAK = "|"


def cjk_chars_text(text: str) -> str:
    """The CJK characters of ``text`` one per token (Simplified), runs separated by a break token."""
    # "a b | c d" for the runs "ab" and "cd": one join over the text instead of one per run
    return " ".join(RUN_BREAK.join(cjk_runs(text)))


def segment(run: str) -> list[str]:
    """A run of Chinese characters cut into words (jieba, via rjieba)."""
    # deferred: jieba loads its dictionary only when Chinese text is met
    import rjieba

    return [w for w in rjieba.cut(simplified(run)) if w.strip() and CJK_RUN.fullmatch(w)]


def cjk_words_text(text: str) -> str:
    """The CJK runs of ``text`` cut into jieba words (Simplified), space-separated."""
    # deferred: jieba loads its dictionary only when Chinese text is met
    import rjieba

    # the runs cut as one text (a line break between them) give the words they give one by one: jieba cuts at every
    # character that is not Han. Its words hold no space, and the breaks come back as words of their own.
    return " ".join(rjieba.cut("\n".join(cjk_runs(text)))).replace(" \n ", " ")


# -- documents ---------------------------------------------------------------------------------------


def block_language(code: str | None, text: str) -> tuple[str | None, bool]:
    """``(analysis key, detected?)`` for a text block: its declared language, else a detected one."""
    key = analysis_key(code)
    if key or code:
        return key, False

    found = detect(text)
    return analysis_key(found), found is not None


@lru_cache(maxsize=65536)
def stem(lang: str, word: str) -> str | None:
    """One word's folded stem in ``lang`` (any key of ENGINE_STEMMERS or PY_STEMMERS), else None. Uses the
    same Snowball algorithms as the engines (through PyStemmer), for highlighting and evaluation."""
    if lang in PY_STEMMERS:
        return py_stem(lang, word)
    if lang in ENGINE_STEMMERS:
        return fold(_stemmer(ENGINE_STEMMERS[lang]).stemWord(prefold_word(word).lower()))
    return None


def stems(lang: str, words: list[str]) -> list[str | None]:
    """:func:`stem` of many words at once (PyStemmer's batch call, no cache): for building tables of words."""
    if lang == "sq":
        return [albanian_stem(fold.__wrapped__(w)) for w in words]
    algorithm = PY_STEMMERS.get(lang) or ENGINE_STEMMERS.get(lang)
    if algorithm is None:
        return [None] * len(words)
    folded: dict[str, str] = {}
    out: list[str | None] = []
    for s in _stemmer(algorithm).stemWords([prefold_word(w).lower() for w in words]):
        f = folded.get(s)
        if f is None:
            f = folded[s] = fold.__wrapped__(s)
        out.append(f)
    return out


def word_start(word: str) -> str:
    """What every inflected form of a name begins with: the folded word cut to its stem (Russian for Cyrillic,
    English otherwise; ``Заварзин`` -> ``заварзин``, which ``Заварзиным`` begins with). A backend skips a guessed
    form of a name (``query.Variant.guess``) when no word of its index begins so."""
    folded = fold(word)
    stemmed = stem("ru" if has_cyrillic(folded) else "en", folded) or folded
    return os.path.commonprefix([stemmed, folded]) or folded
