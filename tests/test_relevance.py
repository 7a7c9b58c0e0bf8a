"""Known-item relevance on the real FRUS corpus (marked ``corpus``): mean reciprocal rank over 300 queries,
floor 0.9."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from readingroom.ingest.pipeline import import_paths
from readingroom.records.serialise import iter_records
from readingroom.search import services
from readingroom.search.backends import get_backend
from tests.conftest import CORPUS, ROOT, need
from tests.known_items import Fts5Baseline, build, build_unquoted, reciprocal_rank

pytestmark = [pytest.mark.django_db, pytest.mark.corpus]


def test_known_item_mrr_on_frus():
    volumes = CORPUS / "frus" / "volumes"
    need(volumes.exists(), f"the FRUS corpus is not at {volumes}")
    get_backend().reset()
    report = import_paths([volumes], parallel=True)
    assert report.imported == 2922
    queries = build(list(iter_records()))
    ranks: dict[str, list[float]] = {}
    for kind, params, expected in queries:
        page = services.search({**params, "per_page": 20}, facets=False, snippets=False)
        ranks.setdefault(kind, []).append(reciprocal_rank([d["id"] for d in page.documents], expected))
    overall = [r for rs in ranks.values() for r in rs]
    mrr = sum(overall) / len(overall)
    summary = ", ".join(f"{kind} {sum(rs) / len(rs):.3f} (n={len(rs)})" for kind, rs in ranks.items())
    print(f"\nknown-item MRR on FRUS: {mrr:.3f} over {len(overall)} queries; {summary}")
    assert len(overall) == 300
    assert mrr >= 0.9, summary


def test_unquoted_known_items_beat_a_plain_fts5_baseline():
    """Issue #14: inflected matches must not cost ranking. Six consecutive words (4+ letters) of a random
    paragraph, and title words, unquoted, over a FRUS volume nothing was tuned on; the embedded default must
    score a known-item MRR at least as good as a plain SQLite FTS5 table (title + text, BM25, no stemming)."""
    volume = CORPUS / "frus" / "volumes" / "frus1964-68v30.xml"
    need(volume.exists(), f"the FRUS corpus is not at {volume}")
    get_backend().reset()
    import_paths([volume])
    records = list(iter_records())
    queries = build_unquoted(records)
    fts5 = Fts5Baseline(records)
    ours: dict[str, list[float]] = {}
    base: dict[str, list[float]] = {}
    for kind, params, expected in queries:
        page = services.search({**params, "per_page": 20}, facets=False, snippets=False)
        ours.setdefault(kind, []).append(reciprocal_rank([d["id"] for d in page.documents], expected))
        base.setdefault(kind, []).append(reciprocal_rank(fts5.ids(params["q"]), expected))

    def mrr(ranks: dict[str, list[float]], kind: str | None = None) -> float:
        values = ranks[kind] if kind else [r for rs in ranks.values() for r in rs]
        return sum(values) / len(values)

    print(
        f"\nunquoted known items on {volume.name} ({len(records)} documents, {len(queries)} queries): "
        f"readingroom MRR {mrr(ours):.3f} (words {mrr(ours, 'words'):.3f}, title {mrr(ours, 'title'):.3f}); "
        f"FTS5 baseline {mrr(base):.3f} (words {mrr(base, 'words'):.3f}, title {mrr(base, 'title'):.3f})"
    )
    assert len(queries) >= 150
    # FRUS titles repeat ("Telegram From the Embassy in ... to the Department of State"): title queries are hard
    # for any engine; the six-word queries are not.
    assert mrr(ours) >= 0.6 and mrr(ours, "words") >= 0.9
    # at least as well as the baseline on each kind (0.954 against 0.968 on the six words before the words of a
    # query standing together counted: stemming lets in texts that have them in other forms)
    assert mrr(ours) >= mrr(base)
    assert mrr(ours, "words") >= mrr(base, "words")
    assert mrr(ours, "title") >= mrr(base, "title")


def test_the_known_item_benchmark_compares_every_run_on_a_volume(tmp_path):
    """bench/known_items.py (every volume, docs/search.md): on a second volume, the same queries through the service
    with and without the words' proximity and through FTS5; the service at least as good as FTS5 on each kind."""
    need((CORPUS / "frus" / "volumes" / "frus1961-63v06.xml").exists(), f"the FRUS corpus is not at {CORPUS}")
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "READINGROOM_DATA_DIR"}}
    out = tmp_path / "known-items.json"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "known_items.py"), "--volumes", "frus1961-63v06", "--output", str(out)],
        env={**env, "READINGROOM_CORPUS": str(CORPUS)},
        capture_output=True,
        timeout=300,
        check=True,
    )
    [row] = json.loads(out.read_text())
    assert row["volume"] == "frus1961-63v06" and row["queries"]["words"] >= 40 and row["queries"]["title"] >= 40
    mrr = row["mrr"]
    assert set(mrr) == {"readingroom", "no proximity", "FTS5"}
    for kind in ("words", "title"):
        assert mrr["readingroom"][kind] >= mrr["FTS5"][kind], mrr
    assert mrr["readingroom"]["words"] > mrr["no proximity"]["words"], mrr
