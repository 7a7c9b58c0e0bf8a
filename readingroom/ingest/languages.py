"""Language names and codes (ISO 639, through pycountry): "Albanian" -> ("sq", "Albanian")."""

from __future__ import annotations

from functools import lru_cache

import pycountry

#: Names archives use that ISO 639 spells differently.
ALIASES = {
    "serbo-croat": "sh",
    "serbocroatian": "sh",
    "farsi": "fa",
    "mandarin": "zh",
    "chinese (simplified)": "zh",
    "chinese (traditional)": "zh",
    "castilian": "es",
    "flemish": "nl",
    "moldovan": "ro",
    "byelorussian": "be",
}


class UnknownLanguage(LookupError):
    pass


def _code(lang) -> str:
    return getattr(lang, "alpha_2", None) or lang.alpha_3


@lru_cache(maxsize=2048)
def by_name(name: str) -> tuple[str, str]:
    """``(code, name)`` for a language named in English (or given by an ISO 639 code).

    :raises UnknownLanguage: when no ISO 639 language has that name
    """
    key = " ".join(name.split()).strip()
    if not key:
        raise UnknownLanguage("the language is empty")
    alias = ALIASES.get(key.lower())
    try:
        lang = pycountry.languages.lookup(alias or key)
    except LookupError:
        raise UnknownLanguage(f"{name!r} is not a language known to ISO 639") from None
    return _code(lang), lang.name


@lru_cache(maxsize=2048)
def by_code(code: str) -> tuple[str, str]:
    """``(code, name)`` for an ISO 639-1/-2/-3 code, normalised to 639-1 where one exists."""
    key = code.strip().lower()
    lang = pycountry.languages.get(alpha_2=key) if len(key) == 2 else None
    if lang is None and len(key) == 3:
        lang = pycountry.languages.get(alpha_3=key) or pycountry.languages.get(bibliographic=key)
    if lang is None:
        raise UnknownLanguage(f"{code!r} is not an ISO 639 language code")
    return _code(lang), lang.name


def resolve(value: str | dict) -> tuple[str, str]:
    """A language given as a code, a name, or ``{"code": ..., "name": ...}`` -> ``(code, name)``."""
    if isinstance(value, dict):
        if value.get("code"):
            code, name = by_code(str(value["code"]))
            return code, str(value.get("name") or name)
        return by_name(str(value.get("name") or ""))
    text = str(value)
    if 2 <= len(text.strip()) <= 3 and text.strip().isalpha() and text.strip().islower():
        try:
            return by_code(text)
        except UnknownLanguage:
            pass
    return by_name(text)


#: The languages detection chooses between: the archive's languages (what the search analyses).
DETECTABLE = (
    "en",
    "ru",
    "de",
    "fr",
    "es",
    "it",
    "pt",
    "hu",
    "ro",
    "pl",
    "cs",
    "sk",
    "sq",
    "zh",
    "sr",
    "hr",
    "bg",
    "uk",
    "nl",
    "sv",
    "da",
    "no",
    "fi",
    "tr",
    "el",
    "ar",
    "ja",
    "ko",
    "lt",
    "et",
    "ca",
    "sl",
)
#: below this many letters a guess is not worth recording
MIN_LETTERS = 12


@lru_cache(maxsize=1)
def _identifier():
    # deferred: py3langid loads its model (MBs) only when a text without a declared language is met
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # the model ships in the wheel

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(DETECTABLE))
    return ident


def detect(text: str, min_confidence: float = 0.5) -> str | None:
    """The language of ``text`` (an ISO 639-1 code among :data:`DETECTABLE`), or None when the text is too
    short or the guess is weak. py3langid (a small naive Bayes model shipped in its wheel), limited to the
    archive's languages; the first 2,000 characters are enough."""
    sample = (text or "")[:2000]
    if sum(c.isalpha() for c in sample) < MIN_LETTERS:
        return None
    code, confidence = _identifier().classify(sample)
    return code if confidence >= min_confidence else None
