"""Paragraph alignment of two versions of one document (an original and its translation, a transcript and the
machine OCR), for reading them side by side.

Two steps, both documented in ``docs/reading.md``:

1. **Structure first.** Each text is cut into *units* by :func:`readingroom.documents.text.blocks`: a
   paragraph, a closing line, or one item of a numbered list. Numbered items carry a key: (which numbered
   list of the text it belongs to, its number). Items whose key occurs in both texts, in the same order,
   are *anchors*: item 3 of the second list of the original is read beside item 3 of the second list of
   the translation, whatever their lengths.
2. **Length between anchors** (Gale & Church 1993, "A program for aligning sentences in bilingual
   corpora", Computational Linguistics 19(1)). Between two anchors the units are aligned by dynamic
   programming over their lengths in characters, allowing the matches 1-1, 1-0, 0-1, 2-1, 1-2 and 2-2. A
   match costs ``-log P(match) - log P(delta | match)``, with ``delta = (l2/c - l1) / sqrt(s2 * l)``,
   ``l = (l1 + l2/c) / 2`` (the symmetric form, so that left and right may be swapped) and
   ``P(delta | match) = 2 * (1 - Phi(|delta|))``. Gale and Church took ``c = 1`` and ``s2 = 6.8`` for
   English/French/German; here ``c`` is the ratio of the two texts' total lengths (a Chinese text is about
   a third as long, in characters, as its English translation), and ``s2 = 6.8``. The search is
   kept to a band around the diagonal, so two texts of n and m units cost O((n+m)·band), not O(n·m).

The result is a list of :class:`Row`: the units of the left text and of the right text read together.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

from readingroom.documents.text import blocks

#: prior probabilities of the kinds of match (Gale & Church, table 5)
PRIORS = {(1, 1): 0.89, (1, 0): 0.0099 / 2, (0, 1): 0.0099 / 2, (2, 1): 0.089 / 2, (1, 2): 0.089 / 2, (2, 2): 0.011}
VARIANCE = 6.8
#: the dynamic programme looks this many units either side of the diagonal (more when the counts differ more)
BAND = 25


@dataclass
class Unit:
    """One paragraph, closing line or numbered item of a text."""

    kind: str  # "paragraph" | "item" | "closing"
    text: str
    number: int | None = None
    key: tuple[int, int] | None = None  # (numbered list ordinal, item number) for items

    def __len__(self) -> int:
        return len(self.text)


@dataclass
class Row:
    left: list[Unit] = field(default_factory=list)
    right: list[Unit] = field(default_factory=list)
    anchored: bool = False  # matched by structure (numbered item), not by length


def units(body: str) -> list[Unit]:
    """The reading units of ``body``, in order (see :func:`readingroom.documents.text.blocks`)."""
    out: list[Unit] = []
    lists = 0
    for block in blocks(body or ""):
        if block.kind == "list":
            lists += 1
            for i, item in enumerate(block.items):
                n = block.start + i
                out.append(Unit("item", item, n, (lists, n)))
        else:
            out.append(Unit(block.kind, "\n".join(block.lines)))
    return out


def _phi(x: float) -> float:
    """The standard normal cumulative distribution."""
    return 0.5 * math.erfc(-x / math.sqrt(2))


def match_cost(l1: int, l2: int, ratio: float = 1.0) -> float:
    """Gale-Church's length cost of reading ``l1`` characters (left) beside ``l2`` (right): lower is likelier."""
    if l1 == 0 and l2 == 0:
        return 0.0
    mean = (l1 + l2 / ratio) / 2
    delta = (l2 / ratio - l1) / math.sqrt(VARIANCE * max(mean, 1.0))
    p = 2 * (1 - _phi(abs(delta)))
    return -math.log(max(p, 1e-300))


def gale_church(left: list[int], right: list[int], ratio: float = 1.0) -> list[tuple[list[int], list[int]]]:
    """Align two sequences of lengths: a list of (indices into ``left``, indices into ``right``) in order,
    covering every index of both exactly once."""
    n, m = len(left), len(right)
    if n == 0 or m == 0:
        return [([i], []) for i in range(n)] + [([], [j]) for j in range(m)]
    band = BAND + abs(n - m)
    inf = float("inf")
    cost: dict[tuple[int, int], float] = {(0, 0): 0.0}
    back: dict[tuple[int, int], tuple[int, int]] = {}
    priors = {k: -math.log(p) for k, p in PRIORS.items()}
    for i in range(n + 1):
        centre = i * m / n
        lo, hi = max(0, int(centre - band)), min(m, int(centre + band) + 1)
        for j in range(lo, hi + 1):
            if i == 0 and j == 0:
                continue
            best, step = inf, None
            for (di, dj), prior in priors.items():
                pi, pj = i - di, j - dj
                if pi < 0 or pj < 0:
                    continue
                before = cost.get((pi, pj))
                if before is None:
                    continue
                c = before + prior + match_cost(sum(left[pi:i]), sum(right[pj:j]), ratio)
                if c < best:
                    best, step = c, (di, dj)
            if step is not None:
                cost[(i, j)] = best
                back[(i, j)] = step
    if (n, m) not in cost:  # cannot happen with the band above; stay total anyway
        return [(list(range(n)), list(range(m)))]
    out = []
    i, j = n, m
    while i or j:
        di, dj = back[(i, j)]
        out.append((list(range(i - di, i)), list(range(j - dj, j))))
        i, j = i - di, j - dj
    out.reverse()
    return out


def _anchors(a: list[Unit], b: list[Unit]) -> list[tuple[int, int]]:
    """Index pairs of numbered items with the same key in both texts, in increasing order on both sides
    (the longest such chain: keys are unique within a text, so this is a longest increasing subsequence)."""
    where = {u.key: j for j, u in enumerate(b) if u.key is not None}
    pairs = [(i, where[u.key]) for i, u in enumerate(a) if u.key is not None and u.key in where]
    # longest increasing subsequence on the right-hand index (patience sorting)
    tails: list[int] = []
    tails_at: list[int] = []
    parent: list[int] = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        pos = bisect.bisect_left(tails, j)
        if pos == len(tails):
            tails.append(j)
            tails_at.append(k)
        else:
            tails[pos] = j
            tails_at[pos] = k
        parent[k] = tails_at[pos - 1] if pos else -1
    chain, k = [], tails_at[-1] if tails_at else -1
    while k >= 0:
        chain.append(pairs[k])
        k = parent[k]
    return chain[::-1]


def align(left: list[Unit], right: list[Unit]) -> list[Row]:
    """Rows of ``left`` and ``right`` units to read side by side (structure first, then lengths)."""
    total_l, total_r = sum(map(len, left)), sum(map(len, right))
    ratio = (total_r / total_l) if total_l and total_r else 1.0
    rows: list[Row] = []
    i = j = 0
    for ai, bj in [*_anchors(left, right), (len(left), len(right))]:
        gap_l, gap_r = left[i:ai], right[j:bj]
        for li, rj in gale_church([len(u) for u in gap_l], [len(u) for u in gap_r], ratio):
            rows.append(Row([gap_l[x] for x in li], [gap_r[y] for y in rj]))
        if ai < len(left) and bj < len(right):
            rows.append(Row([left[ai]], [right[bj]], anchored=True))
        i, j = ai + 1, bj + 1
    return rows


def align_texts(left_body: str, right_body: str) -> list[Row]:
    return align(units(left_body), units(right_body))
