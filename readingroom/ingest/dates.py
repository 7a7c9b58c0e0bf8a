"""Dates as archives write them -> ``(start, end, certainty)`` in ISO 8601.

Handles "July 22, 1963", "22 July 1963", "1963-07-22", "22.7.1963", "July 1963", "1963", "1960s",
"c. 1963" / "circa 1963" / "[1963]" (approximate), "1963?" (uncertain) and ranges
("1962-1963", "June 1-3, 1963", "1963-06-01/1963-06-03"). An ISO datetime keeps its time.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
_MONTH = r"(?P<{}>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"


class DateError(ValueError):
    pass


@dataclass(frozen=True)
class ParsedDate:
    start: str
    end: str
    certainty: str


def _day(y: int, m: int, d: int) -> str:
    try:
        return date(y, m, d).isoformat()
    except ValueError as exc:
        raise DateError(f"no such day: {y:04d}-{m:02d}-{d:02d}") from exc


def _month_span(y: int, m: int) -> tuple[str, str]:
    if not 1 <= m <= 12:
        raise DateError(f"no such month: {m}")
    return date(y, m, 1).isoformat(), date(y, m, calendar.monthrange(y, m)[1]).isoformat()


def _single(text: str) -> tuple[str, str]:
    """One date expression (no range, no qualifier) -> (start, end)."""
    t = text.strip().rstrip(".").strip()
    tl = t.lower()
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})([T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?", t)
    if m:
        day = _day(int(m[1]), int(m[2]), int(m[3]))
        if m[4]:
            try:
                stamp = datetime.fromisoformat(t.replace(" ", "T").replace("Z", "+00:00"))
            except ValueError as exc:
                raise DateError(f"not a valid time: {t!r}") from exc
            iso = t.replace(" ", "T")
            del stamp
            return iso, iso
        return day, day
    m = re.fullmatch(r"(\d{4})-(\d{2})", t)
    if m:
        return _month_span(int(m[1]), int(m[2]))
    m = re.fullmatch(r"(\d{4})", t)
    if m:
        y = int(m[1])
        return date(y, 1, 1).isoformat(), date(y, 12, 31).isoformat()
    m = re.fullmatch(r"(\d{3})0'?s", t)
    if m:
        y = int(m[1]) * 10
        return date(y, 1, 1).isoformat(), date(y + 9, 12, 31).isoformat()
    m = re.fullmatch(_MONTH.format("m") + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})", tl)
    if m:
        d = _day(int(m["y"]), MONTHS[m["m"]], int(m["d"]))
        return d, d
    m = re.fullmatch(r"(?P<d>\d{1,2})(?:st|nd|rd|th)?\.?\s+" + _MONTH.format("m") + r",?\s+(?P<y>\d{4})", tl)
    if m:
        d = _day(int(m["y"]), MONTHS[m["m"]], int(m["d"]))
        return d, d
    m = re.fullmatch(_MONTH.format("m") + r",?\s+(?P<y>\d{4})", tl)
    if m:
        return _month_span(int(m["y"]), MONTHS[m["m"]])
    m = re.fullmatch(r"(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})", t)
    if m:
        d = _day(int(m[3]), int(m[2]), int(m[1]))
        return d, d
    raise DateError(f"cannot read {text!r} as a date")


def expand_partial(iso: str) -> tuple[str, str]:
    """``"1962-09"`` -> ``("1962-09-01", "1962-09-30")``; ``"1963"`` -> the whole year."""
    return _single(iso)


def parse_date(text: str) -> ParsedDate:
    """Parse a date as written.

    :param text: the date as the source writes it
    :raises DateError: when the text is not a date this parser understands
    """
    t = " ".join(text.split())
    if not t:
        raise DateError("the date is empty")
    certainty = "exact"
    m = re.fullmatch(r"(?:c\.|ca\.|circa|approximately|about)\s*(.+)", t, re.IGNORECASE)
    if m:
        t, certainty = m[1], "approximate"
    m = re.fullmatch(r"\[(.+)\]", t)
    if m:
        t, certainty = m[1], "inferred" if certainty == "exact" else certainty
    if t.endswith("?"):
        t, certainty = t[:-1].strip(), "uncertain"
    if re.fullmatch(r"(?:undated|n\.\s?d\.|no date|unknown)", t, re.IGNORECASE):
        return ParsedDate("", "", "unknown")
    # Ranges: "A/B" (ISO), "A - B", "A to B", "June 1-3, 1963", "1-3 June 1963".
    m = re.fullmatch(_MONTH.format("m") + r"\s+(\d{1,2})\s*[-–]\s*(\d{1,2}),?\s+(\d{4})", t.lower())
    if m:
        mon = MONTHS[m["m"]]
        return ParsedDate(_day(int(m[4]), mon, int(m[2])), _day(int(m[4]), mon, int(m[3])), certainty)
    m = re.fullmatch(r"(\d{1,2})\s*[-–]\s*(\d{1,2})\s+" + _MONTH.format("m") + r",?\s+(\d{4})", t.lower())
    if m:
        mon = MONTHS[m["m"]]
        return ParsedDate(_day(int(m[4]), mon, int(m[1])), _day(int(m[4]), mon, int(m[2])), certainty)
    for sep in (r"\s*/\s*", r"\s+[-–]\s+", r"\s+to\s+", r"(?<=\d{4})[-–](?=\d{4}$)"):
        parts = re.split(sep, t, maxsplit=1)
        if len(parts) == 2:
            start, _ = _single(parts[0])
            _, end = _single(parts[1])
            if end[:10] < start[:10]:
                raise DateError(f"the range {text!r} ends before it starts")
            return ParsedDate(start, end, certainty)
    start, end = _single(t)
    return ParsedDate(start, end, certainty)


def sort_key(start: str) -> date | None:
    """The ``date`` used for sorting and filtering from an ISO start."""
    if not start:
        return None
    return date.fromisoformat(start[:10])
