"""Template filters for the interface language: dates, language names and text direction."""

from __future__ import annotations

import datetime

from django import template
from django.utils import formats
from django.utils.translation import get_language, get_language_info

register = template.Library()

RTL = {"ar", "he", "fa", "ur", "yi", "ps", "dv", "ckb", "syr"}


def _parse(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@register.filter
def local_date(date: dict) -> str:
    """A record's date (``display``, ``start``, ``end``, ``certainty``) for the interface language: the archive's
    own wording in English; a day, a month or a year in the locale's format otherwise (e.g. "22. Juli 1963",
    "22 июля 1963 г."); the wording as written when it is neither (ranges, seasons)."""
    if not date or not date.get("display"):
        return ""
    if (get_language() or "en").startswith("en"):
        return date["display"]
    start, end = _parse(date.get("start") or ""), _parse(date.get("end") or "")
    if start is None or end is None:
        return date["display"]
    if start == end:
        return formats.date_format(start, "DATE_FORMAT")
    if (
        start.day == 1
        and (start.year, start.month) == (end.year, end.month)
        and (end + datetime.timedelta(days=1)).day == 1
    ):
        return formats.date_format(start, "YEAR_MONTH_FORMAT")
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return str(start.year)
    return date["display"]


@register.filter
def language_name(code: str, fallback: str = "") -> str:
    """The name of language ``code`` in the interface language ("Albanian", "Albanisch", "албанский");
    ``fallback`` (the archive's English name) for a language Django does not know."""
    try:
        return str(get_language_info(code)["name_translated"])
    except (KeyError, TypeError):
        return fallback or code or ""


@register.filter
def text_dir(code: str) -> str:
    """``rtl`` for a right-to-left language, ``ltr`` otherwise."""
    base = (code or "").split("-")[0].lower()
    if base in RTL:
        return "rtl"
    try:
        return "rtl" if get_language_info(code)["bidi"] else "ltr"
    except (KeyError, TypeError):
        return "ltr"
