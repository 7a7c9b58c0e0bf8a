"""The automatic variants of a name, and the keys a variant is looked up by."""

from __future__ import annotations

import re

from readingroom.names import translit
from readingroom.search import analysis

#: a description that says the person is Soviet/Russian or Chinese: Latin names get the other scripts
SOVIET = re.compile(r"\b(Soviet|USSR|U\.S\.S\.R\.|Russia|Russian|Moscow|CPSU|Kremlin|Politburo of the CPSU)\b", re.I)
CHINESE = re.compile(r"\b(China|Chinese|PRC|P\.R\.C\.|Peking|Peiping|Beijing|Kuomintang|Taiwan|Formosa|Chicom)\b", re.I)
#: the shortest surname that is a variant on its own (shorter ones would expand too many queries)
MIN_SURNAME = 4
_INITIAL = re.compile(r"^\w\.?$")


def script_of(text: str) -> str:
    if analysis.has_cjk(text):
        return "Hani"
    if translit.has_cyrillic(text):
        return "Cyrl"
    if any(c.isalpha() for c in text):
        return "Latn"
    return "Zyyy"


def stem_key(text: str) -> str:
    """The key of ``text`` with its Cyrillic words stemmed as Russian (``Хрущёва`` -> ``khrushchev``)."""
    if not translit.has_cyrillic(text):
        return translit.key(text)
    words = [analysis.stem("ru", w) or w if translit.has_cyrillic(w) else w for w in re.findall(r"\w+", text)]
    return translit.key(" ".join(words))


def fill(variant) -> None:
    """Set a variant's derived fields (key, stem key, script) from its name."""
    variant.name = " ".join(variant.name.split())
    variant.key = translit.key(variant.name)[:300]
    variant.stem_key = stem_key(variant.name)[:300]
    if not variant.script or variant.script == "Latn":
        variant.script = script_of(variant.name)


def structural_forms(name: str) -> list[tuple[str, str]]:
    """Other orders of a Western or Russian name: ``Khrushchev, Nikita S.`` -> ``Nikita S. Khrushchev``,
    ``Nikita Khrushchev``, ``Khrushchev``. (form, scheme)."""
    name = " ".join(name.split())
    out: list[tuple[str, str]] = []
    if "," in name:
        surname, _, given = (p.strip() for p in name.partition(","))
        given = re.sub(r"\s*\(.*?\)", "", given).strip()  # "Rusk, Dean (Secretary)" -> "Dean"
        if surname and given and len(given.split()) <= 4:
            out.append((f"{given} {surname}", "natural-order"))
            first = [w for w in given.split() if not _INITIAL.match(w)]
            if first and first[0] != given:
                out.append((f"{first[0]} {surname}", "natural-order"))
    else:
        words = name.split()
        surname = words[-1] if len(words) > 1 else ""
        if len(words) >= 3 and any(_INITIAL.match(w) for w in words[1:-1]):
            out.append((f"{words[0]} {surname}", "natural-order"))
    if surname and len(re.sub(r"\W", "", surname)) >= MIN_SURNAME and " " not in surname:
        out.append((surname, "surname"))
    return out


def automatic_variants(name: str, description: str = "") -> list[tuple[str, str]]:
    """(variant, scheme) made from ``name`` by the kept libraries: orders, transliterations, other scripts."""
    name = " ".join(name.split())
    out: list[tuple[str, str]] = []
    script = script_of(name)
    if script == "Hani":
        run = analysis.simplified("".join(analysis.CJK_RUN.findall(name)))
        if 2 <= len(run) <= 4:
            cut = 2 if run[:2] in translit.COMPOUND_SURNAMES and len(run) > 2 else 1
            syl, toned = translit.han_syllables(run), translit.han_syllables_toned(run)
            out += translit.chinese_forms(syl[:cut], syl[cut:], (toned[:cut], toned[cut:]))
            if run != name:
                out.append((run, "simplified"))
    elif script == "Cyrl":
        forms = [(name, "")] + structural_forms(name)
        for form, how in forms:
            if how:
                out.append((form, how))
            for scheme in translit.SCHEMES:
                out.append((translit.russian_to_latin(form, scheme), scheme))
    elif script == "Latn":
        readings = translit.latin_chinese_syllables(name)
        hyphenated_wg = readings and readings[0][2] == "wade-giles" and "-" in name
        if readings and (CHINESE.search(description) or hyphenated_wg):
            for sur, giv, _ in readings:  # a Chinese name: surname first, no Western orders
                out += translit.chinese_forms(sur, giv)
        else:
            out += structural_forms(name)
            if SOVIET.search(description):
                for form, _ in [(name, "")] + structural_forms(name):
                    out.append((translit.latin_to_russian(form), "cyrillic"))
    by_form: dict[str, tuple[str, str]] = {}  # one entry per form: the first scheme that made it
    for form, how in out:
        form = " ".join(form.split())
        if form and form != name:
            by_form.setdefault(form, (form, how))
    return list(by_form.values())
