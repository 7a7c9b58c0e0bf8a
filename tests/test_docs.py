"""The documentation cannot drift from the code: every environment variable the archive reads is in the
README's configuration tables, and every command the README shows is accepted by the real parser."""

from __future__ import annotations

import re
import shlex

from readingroom.cli import parser
from tests.conftest import ROOT

READ = re.compile(r"""(?:environ\.get|environ\[|env_bool|env_int|getenv)\(?\s*["'](READINGROOM_[A-Z0-9_]+)""")


def test_every_setting_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    read = {
        m.group(1)
        for path in (ROOT / "readingroom").rglob("*.py")
        for m in READ.finditer(path.read_text(encoding="utf-8"))
    }
    assert len(read) > 30
    missing = sorted(v for v in read if f"`{v}`" not in readme)
    assert not missing, f"settings read by the code but not in README.md: {missing}"


def test_every_documented_setting_is_read():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "readingroom").rglob("*.py"))
    documented = set(re.findall(r"`(READINGROOM_[A-Z0-9_]+)`", readme))
    unused = sorted(v for v in documented if v not in code)
    assert not unused, f"README documents settings nothing reads: {unused}"


def test_the_readme_commands_parse():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## The command line", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    p = parser()
    checked = 0
    for line in block.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line.startswith("readingroom "):
            continue
        words = shlex.split(line)[1:]
        if words[:1] == ["[--data-dir"]:
            continue
        # placeholders as a reader would fill them in
        concrete = []
        for w in words:
            w = w.strip("[]")
            if w == "...":
                continue
            w = w.removesuffix("...")
            if "|" in w and not w.startswith("-"):
                w = w.split("|")[0]
            concrete.append(
                {
                    "ID": "doc-1",
                    "PATH": "file.jsonl",
                    "FILE": "out.txt",
                    "DIR": "/tmp/x",
                    "DEST": "/tmp/y",
                    "QUERY": "berlin",
                    "N": "note",
                    "Q": "berlin",
                    "F=V": "language=en",
                    "H": "127.0.0.1",
                    "P": "8000",
                    "C": "coll",
                    "SIZE": "100",
                    "URL": "https://archive.example.org",
                    "DATE": "1963",
                    "PAGE": "2",
                    "COUNT": "4",
                }.get(w, w)
            )
        try:
            p.parse_args([c for c in concrete if c])
        except SystemExit as exc:
            raise AssertionError(f"README shows a command the parser rejects: {line}") from exc
        checked += 1
    assert checked > 15
