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
    """The reading blocks of ``body``, in order."""
    out: list[Block] = []
    for para in re.split(r"\n\s*\n", body.replace("\r\n", "\n").strip("\n")):
        lines = [line.rstrip() for line in para.split("\n")]
        if not any(line.strip() for line in lines):
            continue
        current: Block | None = None
        for line in lines:
            m = _ITEM.match(line)
            if m:
                if current is None or current.kind != "list":
                    current = Block("list", start=int(m[1]))
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
