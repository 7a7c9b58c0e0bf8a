"""Compile the interface's gettext catalogues (``.po``) into the binary form Django reads (``.mo``), in Python,
so serving needs no GNU gettext. ``python -m readingroom.web.msgfmt`` compiles every catalogue under
``readingroom/locale`` whose ``.mo`` is missing or older than its ``.po``; ``make setup`` runs it (through
``scripts/vendor.sh``). Fuzzy entries are left out, as ``msgfmt`` does.
"""

from __future__ import annotations

import ast
import re
import struct
import sys
from pathlib import Path
from typing import Any

from readingroom.web.i18n import LOCALE

_LINE = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def parse_po(text: str) -> dict[str, str]:
    """The catalogue of a ``.po`` file as MO keys and values (context ``ctxt\\x04id``, plurals joined by NUL)."""
    out: dict[str, str] = {}
    # an entry: "flags", msgctxt/msgid/msgid_plural/msgstr (text), "plural" (msgstr[n] by n)
    entries: list[dict[str, Any]] = []
    entry: dict[str, Any] = {"flags": ""}
    last: str | tuple[str, int] | None = None  # the field continued by a bare string line

    def flush() -> None:
        nonlocal entry
        if "msgid" in entry:
            entries.append(entry)
        entry = {"flags": ""}

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#,"):
            if "msgid" in entry:
                flush()
            entry["flags"] += line[2:]
            continue
        if line.startswith("#"):
            continue
        m = _LINE.match(line)
        if m:
            name = m[1]
            if name in ("msgctxt", "msgid") and (
                "msgid" in entry and (name == "msgctxt" or "msgstr" in entry or "plural" in entry)
            ):
                flush()
            value = ast.literal_eval(m[3])
            if name.startswith("msgstr["):
                entry.setdefault("plural", {})[int(m[2])] = value
                last = ("plural", int(m[2]))
            else:
                entry[name] = value
                last = name
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(last, tuple):
                entry["plural"][last[1]] += value
            elif last:
                entry[last] += value
        else:
            raise ValueError(f"cannot read line: {raw!r}")
    flush()
    for e in entries:
        if "fuzzy" in e["flags"] and e["msgid"]:
            continue
        key = e["msgid"]
        if "msgid_plural" in e:
            key += "\0" + e["msgid_plural"]
            forms = [e.get("plural", {}).get(i, "") for i in range(len(e.get("plural", {})))]
            if not any(forms):
                continue
            value = "\0".join(forms)
        else:
            value = e.get("msgstr", "")
            if not value:
                continue
        if "msgctxt" in e:
            key = e["msgctxt"] + "\x04" + key
        out[key] = value
    return out


def write_mo(catalogue: dict[str, str]) -> bytes:
    """The GNU ``.mo`` bytes of a catalogue (little-endian, no hash table)."""
    keys = sorted(catalogue)
    ids = [k.encode("utf-8") for k in keys]
    strs = [catalogue[k].encode("utf-8") for k in keys]
    n = len(keys)
    header = 7 * 4
    ids_table = header
    strs_table = ids_table + n * 8
    data = strs_table + n * 8
    offsets, blob = [], b""
    for b in ids:
        offsets.append((len(b), data + len(blob)))
        blob += b + b"\0"
    str_offsets = []
    for b in strs:
        str_offsets.append((len(b), data + len(blob)))
        blob += b + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, n, ids_table, strs_table, 0, 0)
    out += b"".join(struct.pack("<2I", *o) for o in offsets)
    out += b"".join(struct.pack("<2I", *o) for o in str_offsets)
    return out + blob


def compile_file(po: Path, mo: Path | None = None) -> Path:
    mo = mo or po.with_suffix(".mo")
    data = write_mo(parse_po(po.read_text(encoding="utf-8")))
    tmp = mo.with_suffix(".mo.tmp")
    tmp.write_bytes(data)
    tmp.replace(mo)
    return mo


def compile_all(root: Path | None = None, force: bool = False) -> list[Path]:
    """Compile every ``LC_MESSAGES/*.po`` under ``root`` (default: ``readingroom/locale``) that needs it."""
    done = []
    for po in sorted((root or LOCALE).glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if force or not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            done.append(compile_file(po, mo))
    return done


if __name__ == "__main__":
    compiled = compile_all(force="--force" in sys.argv)
    print(f"msgfmt: compiled {len(compiled)} catalogue{'s' if len(compiled) != 1 else ''}", file=sys.stderr)
