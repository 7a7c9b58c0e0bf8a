"""Small bar charts drawn on the server (no script): how many documents per year, each bar a link."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.utils.translation import gettext, ngettext

#: more years than this are shown by decade
MAX_BARS = 60


def year_bars(
    counts: Iterable[tuple[int, int]], href: Callable[[int, int], str], selected: tuple[int, int] | None = None
) -> dict[str, Any] | None:
    """Bars for ``(year, count)`` pairs: every year between the first and the last (empty years too, so the
    time axis is even), or every decade when there are more than MAX_BARS years. ``href(first, last)`` is the
    link of a bar covering the years ``first``..``last``; ``selected`` marks the bar of that span."""
    pairs = sorted((int(y), int(n)) for y, n in counts if y is not None)
    if not pairs:
        return None
    first, last = pairs[0][0], pairs[-1][0]
    step = 1 if last - first + 1 <= MAX_BARS else 10
    if step == 10:
        first, last = first // 10 * 10, last // 10 * 10
    acc: dict[int, int] = {}
    for y, n in pairs:
        key = y if step == 1 else y // 10 * 10
        acc[key] = acc.get(key, 0) + n
    top = max(acc.values()) or 1
    bars = []
    decade = gettext("%(decade)ss") if step == 10 else "%(decade)s"
    for start in range(first, last + 1, step):
        end = start + step - 1
        n = acc.get(start, 0)
        bars.append(
            {
                "start": start,
                "end": end,
                "count": n,
                "decade": step == 10,
                "percent": round(100 * n / top, 1) if n else 0,
                "href": href(start, end) if n else None,
                "selected": selected == (start, end),
                # what a screen reader says of the bar ("1960s: 12 documents"), in the interface language
                "label": (decade % {"decade": start})
                + ": "
                + ngettext("%(counter)s document", "%(counter)s documents", n) % {"counter": n},
            }
        )
    return {"bars": bars, "first": first, "last": last + step - 1, "max": top, "by_decade": step == 10}
