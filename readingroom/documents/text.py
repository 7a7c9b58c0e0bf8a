"""Turn a stored text body into blocks for reading: paragraphs, numbered lists, and the closing lines
(place/date line, "[Signed]") that end a letter or a record of conversation. The body itself is never changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ITEM = re.compile(r"^\s*(\d{1,3})[.)]\s+(.*)$")
_CLOSING = re.compile(
    r"^\s*(?:\[[^\]]{1,60}\]|[^.!?]{0,60}\b(?:\d{1,2}[./]\d{1,2}[./]\d{2,4}|1[89]\d\d|20\d\d)\b[^.!?]{0,30})\s*$"
)


@dataclass
class Block:
    kind: str  # "paragraph" | "list" | "closing"
    lines: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    start: int = 1


def blocks(body: str) -> list[Block]:
    """The reading blocks of ``body``, in order.

    A numbered line is a list item when it starts a list ("1.") or continues the one before it (across
    blank lines too, as numbered paragraphs do); a lone "310. Deliver following message..." (a telegram's
    number) stays a paragraph.
    """
    out: list[Block] = []
    paragraphs = [p for p in re.split(r"\n\s*\n", body.replace("\r\n", "\n").strip("\n")) if p.strip()]
    for para in paragraphs:
        lines = [line.rstrip() for line in para.split("\n")]
        current: Block | None = None
        for i, line in enumerate(lines):
            m = _ITEM.match(line)
            n = int(m[1]) if m else None
            previous = current if current is not None else (out[-1] if out else None)
            continues = previous is not None and previous.kind == "list" and n == previous.start + len(previous.items)
            following = _ITEM.match(lines[i + 1]) if i + 1 < len(lines) else None
            starts = n is not None and (n == 1 or (following is not None and int(following[1]) == n + 1))
            if m is not None and n is not None and (continues or starts):
                if continues and previous is not None:  # (continues: there is a list before)
                    current = previous
                else:
                    current = Block("list", start=n)
                    out.append(current)
                current.items.append(m[2])
            elif current is not None and current.kind == "list":
                current.items[-1] += "\n" + line
            else:
                if current is None or current.kind != "paragraph":
                    current = Block("paragraph")
                    out.append(current)
                current.lines.append(line)
    # Closing lines: short trailing paragraphs such as "Tirana, on 22.7.1963" and "[Signed]".
    for block in reversed(out):
        if block.kind == "paragraph" and len(block.lines) <= 2 and all(_CLOSING.match(line) for line in block.lines):
            block.kind = "closing"
        else:
            break
    if out and all(b.kind == "closing" for b in out):
        for b in out:
            b.kind = "paragraph"
    return out
