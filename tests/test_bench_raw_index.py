"""bench/raw_index.py, the engine's share of an import (issue 12: where a goal is missed, the raw engine measured
in the same run): it indexes every document the import would, and reports the engine's CPU a document."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def raw_index(*args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "READINGROOM_DATA_DIR"}}
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "raw_index.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_the_raw_engine_indexes_every_document_and_reports_its_cpu(tmp_path):
    from bench.corpus import generate

    corpus = tmp_path / "synth-300.jsonl"
    generate(300, corpus)
    report = raw_index(str(corpus))
    assert report["documents"] == 300
    assert report["ms_per_document"] > 0  # the engine's CPU (300 documents: tenths of a second at least)
    ceiling = report["engine_ceiling_documents_per_second"]
    assert abs(ceiling - 1000 / report["ms_per_document"]) <= 0.01 * ceiling
    assert raw_index(str(corpus), "--limit", "50")["documents"] == 50
