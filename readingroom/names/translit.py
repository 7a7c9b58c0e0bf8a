"""Transliteration between the scripts the archive's names are written in (docs/search.md, "Names across scripts").

* Russian Cyrillic -> Latin: BGN/PCGN 1947 (``Хрущёв`` -> ``Khrushchëv``), the Library of Congress style without
  diacritics that scholars write (``Khrushchev``, ``Sergeevich``), and German (Duden: ``Chruschtschow``).
* Latin -> Russian Cyrillic: the reverse of the English-language conventions (``Khrushchev`` -> ``Хрущев``),
  used only for names a source says are Soviet or Russian.
* Chinese characters -> Hanyu Pinyin (pypinyin; with and without tone marks), Wade-Giles and Russian Cyrillic
  (Palladius), from pypinyin's tables; pinyin <-> Wade-Giles for names written in Latin letters.

No network, no model: tables only. :func:`key` is the script-independent form two names are compared on.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import TypeGuard

from readingroom.search import analysis

# -- Russian -> Latin --------------------------------------------------------------------------------

_VOWELS_RU = set("аеёиоуыэюяАЕЁИОУЫЭЮЯ")
_COMMON = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "з": "z",
    "и": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
}
BGN_PCGN = {
    **_COMMON,
    "е": "e",
    "ё": "ë",
    "ж": "zh",
    "й": "y",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": '"',
    "ы": "y",
    "ь": "'",
    "э": "e",
    "ю": "yu",
    "я": "ya",
}
SCHOLARLY = {
    **_COMMON,
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "й": "i",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
}
GERMAN = {
    **_COMMON,
    "в": "w",
    "е": "e",
    "ё": "jo",
    "ж": "sch",
    "з": "s",
    "й": "i",
    "х": "ch",
    "ц": "z",
    "ч": "tsch",
    "ш": "sch",
    "щ": "schtsch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "ju",
    "я": "ja",
}
SCHEMES = {"bgn-pcgn": BGN_PCGN, "scholarly": SCHOLARLY, "german": GERMAN}
has_cyrillic = analysis.has_cyrillic


def russian_to_latin(text: str, scheme: str = "bgn-pcgn") -> str:
    """Russian Cyrillic in Latin letters (other characters unchanged), keeping capitals."""
    table = SCHEMES[scheme]
    out = []
    prev = ""
    for i, ch in enumerate(text):
        low = ch.lower()
        if low not in table:
            out.append(ch)
            prev = ch
            continue
        lat = table[low]
        start = not prev.isalpha()
        after_vowel = prev in _VOWELS_RU or prev.lower() in "ъь"
        if scheme == "bgn-pcgn" and low in "её" and (start or after_vowel):
            lat = "y" + lat  # Евгений -> Yevgeniy, Фёдор -> Fëdor
        elif scheme == "german":
            if low == "е" and (start or after_vowel):
                lat = "je"
            elif low == "ё" and prev.lower() in "жчшщ":
                lat = "o"  # Хрущёв -> Chruschtschow
            elif low == "с" and prev in _VOWELS_RU and i + 1 < len(text) and text[i + 1] in _VOWELS_RU:
                lat = "ss"
            elif low == "в" and (i + 1 == len(text) or not text[i + 1].isalpha()):
                lat = "w"
        if (
            scheme == "bgn-pcgn"
            and low == "й"
            and prev.lower() == "и"
            and (i + 1 == len(text) or not text[i + 1].isalpha())
        ):
            lat = "y"  # -ий -> -iy
        if ch.isupper() and lat:
            nxt = text[i + 1] if i + 1 < len(text) else ""
            lat = lat.upper() if nxt.isupper() and len(lat) > 1 else lat[0].upper() + lat[1:]
        out.append(lat)
        prev = ch
    return "".join(out)


# -- Latin -> Russian --------------------------------------------------------------------------------

_LAT_MULTI = [
    ("shch", "щ"),
    ("sch", "щ"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ts", "ц"),
    ("tz", "ц"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("yu", "ю"),
    ("ya", "я"),
    ("yo", "ё"),
    ("ye", "е"),
    ("iu", "ю"),
    ("ia", "ия"),
]
_LAT_ONE = {
    "a": "а",
    "b": "б",
    "v": "в",
    "w": "в",
    "g": "г",
    "d": "д",
    "e": "е",
    "z": "з",
    "i": "и",
    "k": "к",
    "l": "л",
    "m": "м",
    "n": "н",
    "o": "о",
    "p": "п",
    "r": "р",
    "s": "с",
    "t": "т",
    "u": "у",
    "f": "ф",
    "h": "х",
    "c": "к",
    "q": "к",
    "x": "кс",
    "j": "дж",
    "'": "ь",
    "’": "ь",
}


def _latin_word_to_russian(word: str) -> str:
    w = analysis.fold(word)
    out = []
    i = 0
    while i < len(w):
        if w.endswith(("iy", "yy", "ii")) and i == len(w) - 2:
            out.append("ый" if w.endswith("yy") else "ий")  # BGN/PCGN: ый is yy, ий is iy (Podgornyy, Yevgeniy)
            break
        if w.endswith("sky") and i == len(w) - 3:
            out.append("ский")
            break
        if i == len(w) - 1 and w[i] == "y" and len(w) > 3 and w[i - 1] not in "aeiouy":
            out.append("ий")  # Yevgeny -> Евгений, Dmitry -> Дмитрий
            break
        for lat, cyr in _LAT_MULTI:
            if w.startswith(lat, i):
                if lat == "ye" and i == 0:
                    cyr = "е"
                out.append(cyr)
                i += len(lat)
                break
        else:
            ch = w[i]
            prev = w[i - 1] if i else ""
            if ch == "y":
                out.append("й" if prev in "aeiou" or not prev else "ы")
            elif ch == "e" and i == 0:
                out.append("э")
            else:
                out.append(_LAT_ONE.get(ch, ch))
            i += 1
    cyr = "".join(out)
    if word[:1].isupper():
        cyr = cyr[:1].upper() + cyr[1:]
    return cyr


def latin_to_russian(text: str) -> str:
    """A Latin spelling of a Russian name back in Cyrillic (``Khrushchev`` -> ``Хрущев``; ё is written е)."""
    return re.sub(
        r"[A-Za-z'’]+", lambda m: _latin_word_to_russian(m.group(0)) if m.group(0).strip("'’") else m.group(0), text
    )


# -- Chinese -------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    """(pinyin syllable -> Wade-Giles, Wade-Giles -> pinyin), from pypinyin's table."""
    # deferred: pypinyin loads its dictionaries (tens of MB) only when a Chinese name is met
    from pypinyin.style.wadegiles import _convert_table

    to_wg: dict[str, str] = {}
    for py, wg in _convert_table:
        py = py.replace("v", "ü")
        to_wg.setdefault(py, wg)
    from_wg: dict[str, str] = {}
    for py, wg in _convert_table:
        py = py.replace("v", "ü")
        if to_wg.get(py) == wg:
            from_wg.setdefault(wg, py)
            from_wg.setdefault(wg.replace("ü", "u"), py)
            from_wg.setdefault(wg.replace("'", ""), py)  # the aspiration mark is often left out
            from_wg.setdefault(wg.replace("ü", "u").replace("'", ""), py)
    return to_wg, from_wg


def pinyin_syllables() -> set[str]:
    return set(_tables()[0])


#: two-character Chinese surnames (the rest are one character)
COMPOUND_SURNAMES = {
    "欧阳",
    "司马",
    "诸葛",
    "上官",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
    "令狐",
}


def han_syllables(text: str) -> list[str]:
    """Pinyin syllables (no tones, ü as ü) of a run of Chinese characters."""
    # deferred: pypinyin loads its dictionaries (tens of MB) only when a Chinese name is met
    from pypinyin import lazy_pinyin

    return [s.replace("v", "ü") for s in lazy_pinyin(analysis.simplified(text), v_to_u=True)]


def han_syllables_toned(text: str) -> list[str]:
    # deferred: pypinyin loads its dictionaries (tens of MB) only when a Chinese name is met
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(analysis.simplified(text), style=Style.TONE)


def syllabify(word: str, table: set[str] | dict[str, str]) -> list[str] | None:
    """A Latin word cut into syllables of ``table`` (pinyin: ``zedong`` -> ``ze dong``), or None. Longest first."""
    word = word.lower()

    @cache
    def cut(i: int) -> tuple[str, ...] | None:
        if i == len(word):
            return ()
        for n in range(min(6, len(word) - i), 0, -1):
            piece = word[i : i + n]
            if piece in table:
                rest = cut(i + n)
                if rest is not None:
                    return (piece, *rest)
        return None

    out = cut(0)
    return list(out) if out is not None else None


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def chinese_forms(
    surname: list[str], given: list[str], toned: tuple[list[str], list[str]] | None = None
) -> list[tuple[str, str]]:
    """(form, scheme) of a Chinese name from its pinyin syllables: pinyin (``Mao Zedong``), pinyin with tone marks
    (``Máo Zédōng``), Wade-Giles (``Mao Tse-tung``), Palladius Cyrillic (``Мао Цзэдун``)."""
    to_wg = _tables()[0]
    # deferred: pypinyin loads its dictionaries (tens of MB) only when a Chinese name is met
    from pypinyin.style.cyrillic import converter

    def join(parts: list[str], sep: str = "") -> str:
        return _cap(sep.join(parts))

    out = [(" ".join(x for x in (join(surname), join(given)) if x), "pinyin")]
    if toned:
        out.append((" ".join(x for x in (join(toned[0]), join(toned[1])) if x), "pinyin-tones"))
    if all(s in to_wg for s in surname + given):
        wg = " ".join(x for x in (join([to_wg[s] for s in surname]), join([to_wg[s] for s in given], "-")) if x)
        out.append((wg, "wade-giles"))
    cyr = (
        [converter.to_cyrillic(s.replace("ü", "v")) for s in surname],
        [converter.to_cyrillic(s.replace("ü", "v")) for s in given],
    )
    out.append((" ".join(x for x in (join(cyr[0]), join(cyr[1])) if x), "palladius"))
    return out


def _all_known(syllables: list[str | None]) -> TypeGuard[list[str]]:
    """Every syllable was found in the table (none is None)."""
    return None not in syllables


def latin_chinese_syllables(name: str) -> list[tuple[list[str], list[str], str]]:
    """A Chinese name in Latin letters (``Mao Tse-tung``, ``Chou En-lai``, ``Zhou Enlai``, ``Teng Hsiao-p'ing``):
    its readings as (surname syllables, given-name syllables, "wade-giles" | "pinyin"), syllables in pinyin;
    empty when it is not one. ``Lin Piao`` is valid both ways and gives both readings (Wade-Giles first)."""
    to_wg, from_wg = _tables()
    name = name.replace("’", "'").replace("‘", "'").replace("`", "'")
    if "," in name:
        sur, _, giv = name.partition(",")
        words = [sur.strip(), giv.strip()]
    else:
        words = name.split()
    if len(words) != 2 or not all(re.fullmatch(r"[A-Za-zÜü']+(?:-[A-Za-zÜü']+)?", w) for w in words):
        return []
    sur, giv = (analysis.fold(w) if "ü" not in w.lower() else w.lower() for w in words)
    readings: list[tuple[list[str], list[str], str]] = []
    wg_sur = [from_wg.get(sur)]
    wg_giv = [from_wg.get(s) for s in giv.split("-")]
    if _all_known(wg_sur) and _all_known(wg_giv) and ("-" in giv or len(wg_giv) == 1):
        readings.append((wg_sur, wg_giv, "wade-giles"))
    if "'" not in name and not ("-" in giv and readings):
        py_sur = syllabify(sur, to_wg)
        py_giv = syllabify(giv.replace("-", ""), to_wg)
        if py_sur and len(py_sur) <= 2 and py_giv and len(py_giv) <= 3 and (py_sur, py_giv) != (wg_sur, wg_giv):
            readings.append((py_sur, py_giv, "pinyin"))
    return readings


# -- the comparison key --------------------------------------------------------------------------------


def romanised(text: str) -> str:
    """Any script to Latin letters: Chinese characters as toneless pinyin, Cyrillic by BGN/PCGN."""
    if text.isascii():
        return text
    if analysis.has_cjk(text):
        text = analysis.CJK_RUN.sub(lambda m: " " + "".join(han_syllables(m.group(0))) + " ", text)
    if has_cyrillic(text):
        text = russian_to_latin(text, "bgn-pcgn")
    return text


@lru_cache(maxsize=65536)
def key(text: str) -> str:
    """The script-independent comparison form of a name: romanised, folded, letters and digits only.
    ``Mao Zedong``, ``毛泽东``, ``毛澤東``, ``MAO ZE-DONG`` -> ``maozedong``; ``Хрущёв`` -> ``khrushchev``."""
    folded = analysis.fold(romanised(text))
    folded = unicodedata.normalize("NFKD", folded)
    return "".join(c for c in folded if c.isascii() and c.isalnum())
