"""Known-item ranking on every FRUS volume of ../shared/corpus, against a plain SQLite FTS5 baseline (issue 14).

    .venv/bin/python bench/known_items.py                 # every volume
    .venv/bin/python bench/known_items.py --volumes frus1961-63v15 frus1964-68v30
    .venv/bin/python bench/known_items.py --un            # and every session of the UN General Debate speeches

For each volume (or UN session, a directory of speeches): a fresh data directory, ``readingroom bootstrap``, the
volume imported, then the queries of ``tests/known_items.build_unquoted`` (queries nobody tuned for: six
consecutive words of four letters or more from a random paragraph, and the words of a title, unquoted), searched
through the search service (the embedded default), with and without the proximity of the query's words
(``PROXIMITY_*`` in the tantivy backend), and through ``tests/known_items.Fts5Baseline`` (a plain FTS5 table of
title + text, BM25, no stemming). Prints the mean reciprocal rank of each kind and writes
``bench/results/known-items.json``. tests/test_relevance.py asserts the same on 1964-68 vol. XXX and 1961-63 vol. VI.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("READINGROOM_CORPUS", ROOT.parent / "shared" / "corpus"))
VOLUMES = CORPUS / "frus" / "volumes"
SESSIONS = CORPUS / "un-general-debates" / "speeches"
RUNS = ("readingroom", "no proximity", "FTS5")


def one_volume(volume: Path) -> dict:
    """Runs in a process of its own (one data directory, one Django set-up)."""
    data = tempfile.mkdtemp(prefix="rr-known-items-")
    try:
        env = {**os.environ, "READINGROOM_DATA_DIR": data}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        subprocess.run([sys.executable, "-m", "readingroom.cli", "bootstrap"], env=env, check=True, capture_output=True)
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(volume)],
            env={**env, "READINGROOM_SEARCH_PAGE_CACHE": "0"},
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(data, ignore_errors=True)


def evaluate(volume: Path) -> dict:
    os.environ["DJANGO_SETTINGS_MODULE"] = "readingroom.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from readingroom.ingest.pipeline import import_paths
    from readingroom.records.serialise import iter_records
    from readingroom.search import services
    from readingroom.search.backends import tantivy_backend
    from tests.known_items import Fts5Baseline, build_unquoted, reciprocal_rank

    import_paths([volume])
    records = list(iter_records())
    queries = build_unquoted(records)
    fts5 = Fts5Baseline(records)
    ranks: dict[str, dict[str, list[float]]] = {run: {} for run in RUNS}
    for run in RUNS:
        if run == "FTS5":
            for kind, params, expected in queries:
                ranks[run].setdefault(kind, []).append(reciprocal_rank(fts5.ids(params["q"]), expected))
            continue
        saved = tantivy_backend.PROXIMITY_MIN_WORDS
        if run == "no proximity":
            tantivy_backend.PROXIMITY_MIN_WORDS = 10**9
        try:
            for kind, params, expected in queries:
                page = services.search({**params, "per_page": 20}, facets=False, snippets=False)
                ranks[run].setdefault(kind, []).append(reciprocal_rank([d["id"] for d in page.documents], expected))
        finally:
            tantivy_backend.PROXIMITY_MIN_WORDS = saved
    return {
        "volume": volume.stem,
        "documents": len(records),
        "queries": {kind: len(v) for kind, v in ranks["FTS5"].items()},
        "mrr": {
            run: {kind: round(sum(v) / len(v), 4) for kind, v in by_kind.items() if v} for run, by_kind in ranks.items()
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--volumes", nargs="*", help="volume names (file stems); default: every volume")
    ap.add_argument("--un", action="store_true", help="also every session of the UN speeches (Session_17_-_1962)")
    ap.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "known-items.json")
    ap.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # (the per-volume process)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(evaluate(args.one)))
        return
    volumes = sorted(VOLUMES.glob("*.xml"))
    if args.volumes:
        volumes = [v for v in volumes if v.stem in args.volumes]
    if args.un:
        volumes += sorted(p for p in SESSIONS.glob("Session_*") if p.is_dir())
    if not volumes:
        raise SystemExit(f"no FRUS volume found at {VOLUMES}")
    rows = []
    print(f"{'volume':28} {'docs':>5}  " + "  ".join(f"{run + ' words/title':>27}" for run in RUNS), flush=True)
    for volume in volumes:
        row = one_volume(volume)
        rows.append(row)
        if not row["queries"]:
            print(f"{row['volume']:28} {row['documents']:5}  (no document with a text of its own)", flush=True)
            continue
        cells = "  ".join(
            f"{row['mrr'][run].get('words', 0):>19.3f} / {row['mrr'][run].get('title', 0):.3f}" for run in RUNS
        )
        print(f"{row['volume']:28} {row['documents']:5}  {cells}", flush=True)
    for source, prefix in (("FRUS volumes", "frus"), ("UN sessions", "Session_")):
        scored = [r for r in rows if r["queries"] and r["volume"].startswith(prefix)]
        for kind in ("words", "title"):
            n = sum(r["queries"].get(kind, 0) for r in scored)
            if not n:
                continue
            means = {
                run: sum(r["mrr"][run].get(kind, 0) * r["queries"].get(kind, 0) for r in scored) / n for run in RUNS
            }
            print(f"all {source}, {kind} ({n} queries): " + ", ".join(f"{run} {v:.3f}" for run, v in means.items()))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(rows, indent=1))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
