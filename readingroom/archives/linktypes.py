"""Typed links between documents (no Django imports: the import's reader process uses this).

Each type has a name read from the source's side and an inverse read from the target's side; a record may
carry either ("d40 cites d12" is "d12 cited in d40").
"""

from __future__ import annotations

#: canonical type -> (label, inverse type, inverse label)
TYPES: dict[str, tuple[str, str, str]] = {
    "same-event": ("other account of the same meeting", "same-event", "other account of the same meeting"),
    "reply-to": ("reply to", "replied-by", "answered by"),
    "enclosure-of": ("enclosure of", "encloses", "encloses"),
    "translation-of": ("translation of", "translated-as", "translated as"),
    "cited-in": ("cited in", "cites", "cites"),
}
#: every accepted name (canonical or inverse) -> (canonical type, whether the direction is inverted)
NAMES: dict[str, tuple[str, bool]] = {}
for _t, (_label, _inv, _inv_label) in TYPES.items():
    NAMES[_t] = (_t, False)
    if _inv != _t:
        NAMES[_inv] = (_t, True)
#: a cycle of these is an error (A enclosure of B enclosure of A); a document never links to itself
ACYCLIC = {"reply-to", "enclosure-of", "translation-of"}


def type_name(value: str) -> str:
    """ "Enclosure of" -> "enclosure-of" (spaces and underscores as dashes, lower case)."""
    return "-".join(str(value).strip().lower().replace("_", " ").split())


def label(type_: str) -> str:
    canonical, inverted = NAMES[type_]
    return TYPES[canonical][2] if inverted else TYPES[canonical][0]


def canonical_edge(source: str, type_: str, target: str) -> tuple[str, str, str]:
    """``(a, canonical type, b)``: "a <type> b" whichever side wrote it."""
    canonical, inverted = NAMES[type_]
    return (target, canonical, source) if inverted else (source, canonical, target)


def inverse(type_: str) -> str:
    """The name the other side reads: "cites" <-> "cited-in"."""
    canonical, inverted = NAMES[type_]
    return canonical if inverted else TYPES[canonical][1]


def find_cycle(edges: list[tuple[str, str, str]], new: tuple[str, str, str]) -> list[str] | None:
    """The cycle ``new`` (a canonical edge) would close among ``edges`` of the same acyclic type, as the
    path of ids, or None."""
    a, type_, b = new
    if a == b:
        return [a, a]
    if type_ not in ACYCLIC:
        return None
    graph: dict[str, list[str]] = {}
    for x, t, y in edges:
        if t == type_:
            graph.setdefault(x, []).append(y)
    # a path b -> ... -> a closes the cycle
    stack, seen = [b], {b}
    parents: dict[str, str | None] = {b: None}
    while stack:
        node = stack.pop()
        if node == a:
            path = [a]
            while (up := parents[path[-1]]) is not None:
                path.append(up)
            return [a, *reversed(path[1:]), a] if len(path) > 1 else [a, b, a]
        for nxt in graph.get(node, []):
            if nxt not in seen:
                seen.add(nxt)
                parents[nxt] = node
                stack.append(nxt)
    return None
