"""A quick benchmark to run before committing (a minute or two on 2 cores), compared with bench/baseline.json.

    .venv/bin/python bench/quick.py                       # or: make bench-quick
    .venv/bin/python bench/quick.py --update-baseline bench/results/quick-A.json bench/results/quick-B.json

10,000 documents made by bench/corpus.py's recipe are imported with ``readingroom import`` into a fresh data
directory (documents/s). Then: the 200-query search mix of bench/search.py through the search service in
this process (one warm-up pass, ``--passes`` timed), the same mix over HTTP against ``readingroom serve``
(2 workers; nothing kept between searches: ``READINGROOM_SEARCH_PAGE_CACHE=0``, ``READINGROOM_FACET_CACHE=0``),
and over HTTP the document page
(first view, and again), browse (page 1, a deep page by date, by title, a year), the home page, the feed, a
sitemap page and an OAI-PMH ListIdentifiers page: p50 ms each.

Writes ``bench/results/quick-<time>.json`` and compares every figure with the baseline: a figure more than
``--factor`` (2) times worse than the baseline, and worse by more than ``--floor-ms`` (5 ms) for latencies,
is a regression, and the exit status is 1. ``--update-baseline`` merges runs into bench/baseline.json
keeping the slower figure of each (this machine is shared: a baseline from its slow moments flaps less).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.search import free_port, query_mix  # noqa: E402

BASELINE = ROOT / "bench" / "baseline.json"
RESULTS = ROOT / "bench" / "results"
WORK = Path(os.environ.get("READINGROOM_BENCH_WORK", "/tmp/readingroom-bench"))
SIZE = 10_000


def p50(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def timed(call, args: list, passes: int = 1) -> list[float]:
    out = []
    for _ in range(passes):
        for arg in args:
            t0 = time.perf_counter()
            call(arg)
            out.append((time.perf_counter() - t0) * 1000)
    return out


def by_kind(mix, call, passes: int) -> dict[str, float]:
    for _, params in mix:  # warm-up
        call(params)
    times: dict[str, list[float]] = {}
    for _ in range(passes):
        for kind, params in mix:
            t0 = time.perf_counter()
            call(params)
            times.setdefault(kind, []).append((time.perf_counter() - t0) * 1000)
    return {kind: p50(ms) for kind, ms in times.items()}


def corpus() -> Path:
    from bench.corpus import CORPUS, generate

    path = WORK / f"synth-{SIZE}.jsonl"
    if not path.exists():
        if not CORPUS.exists():
            sys.exit(f"bench/quick.py needs the real corpus at {CORPUS} to make its documents")
        generate(SIZE, path)
    return path


def measure(passes: int) -> dict:
    figures: dict[str, dict] = {}

    def ms(name: str, value: float) -> None:
        figures[name] = {"value": value, "unit": "ms"}

    source = corpus()
    data_dir = Path(tempfile.mkdtemp(prefix="readingroom-quick-")) / "data"
    # nothing kept between searches (answers, facet counts): the mix repeats its queries, and the guard is on
    # the search itself
    os.environ.setdefault("READINGROOM_FACET_CACHE", "0")
    os.environ.setdefault("READINGROOM_SEARCH_PAGE_CACHE", "0")
    env = {**os.environ, "READINGROOM_DATA_DIR": str(data_dir)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    cli = [sys.executable, "-m", "readingroom.cli"]
    subprocess.run([*cli, "bootstrap"], env=env, check=True, capture_output=True)
    t0 = time.perf_counter()
    out = subprocess.run(
        [*cli, "import", "--quiet", "--json", str(source)], env=env, check=True, capture_output=True, text=True
    ).stdout
    seconds = time.perf_counter() - t0
    report = json.loads(out[out.index("{") :])
    assert report["imported"] == SIZE, report
    figures["import"] = {"value": round(SIZE / seconds), "unit": "documents/s"}
    print(f"import: {SIZE:,} documents in {seconds:.1f} s ({SIZE / seconds:,.0f}/s)", flush=True)

    os.environ["READINGROOM_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "readingroom.settings"
    import django

    django.setup()
    from readingroom.search import services

    mix = query_mix()
    for kind, value in by_kind(
        mix, lambda params: services.search(params, facets=params.get("facets") == "1"), passes
    ).items():
        ms(f"search service {kind}", value)
    print(
        "search service p50 ms:",
        {k[15:]: v["value"] for k, v in figures.items() if k.startswith("search service")},
        flush=True,
    )

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--workers", "2", "--no-worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/robots.txt", timeout=10).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("readingroom serve did not start") from None
                time.sleep(0.3)

        def get(path: str) -> bytes:
            with urllib.request.urlopen(base + path, timeout=120) as r:
                return r.read()

        for kind, value in by_kind(
            mix, lambda params: get("/api/search?" + urllib.parse.urlencode(params)), passes
        ).items():
            ms(f"search http {kind}", value)
        print(
            "search http p50 ms:",
            {k[12:]: v["value"] for k, v in figures.items() if k.startswith("search http")},
            flush=True,
        )
        ids = [d["id"] for d in json.loads(get("/api/documents?per_page=50&page=7"))["results"]][:30]
        pages = SIZE // 50
        ms("document page, first view", p50(timed(get, [f"/documents/{i}" for i in ids])))
        ms("document page, again", p50(timed(get, [f"/documents/{i}" for i in ids], passes)))
        ms("document API", p50(timed(get, [f"/api/documents/{i}" for i in ids], passes)))
        ms("browse page 1", p50(timed(get, [f"/documents?page=1&x={i}" for i in range(10)], passes)))
        ms("browse deep page (date)", p50(timed(get, [f"/documents?page={pages - i}" for i in range(1, 11)], passes)))
        ms(
            "browse deep page (title)",
            p50(timed(get, [f"/documents?sort=title&page={pages // 2 + i}" for i in range(10)], passes)),
        )
        ms("browse a year", p50(timed(get, [f"/documents?year={1950 + i}" for i in range(10)], passes)))
        ms("home", p50(timed(get, ["/"] * 10, passes)))
        ms("feed", p50(timed(get, ["/feed.atom"] * 5, passes)))
        ms("sitemap page", p50(timed(get, ["/sitemap-documents.xml?p=1"] * 3, passes)))
        ms("OAI ListIdentifiers page", p50(timed(get, ["/oai?verb=ListIdentifiers&metadataPrefix=oai_dc"] * 5, passes)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return figures


def worse(value: float, base: float, unit: str, factor: float, floor_ms: float) -> bool:
    if unit == "ms":
        return value > base * factor and value - base > floor_ms
    return value < base / factor  # a rate: higher is better


def compare(figures: dict, baseline: dict, factor: float, floor_ms: float) -> list[str]:
    regressions = []
    print(f"\n{'figure':<34} {'now':>10} {'baseline':>10}")
    for name, fig in figures.items():
        base = baseline.get("figures", {}).get(name)
        mark = ""
        if base is None:
            mark = "  (new: no baseline)"
        elif worse(fig["value"], base["value"], fig["unit"], factor, floor_ms):
            mark = "  REGRESSION"
            regressions.append(f"{name}: {fig['value']} {fig['unit']}, baseline {base['value']}")
        print(f"{name:<34} {fig['value']:>10} {base['value'] if base else '-':>10} {fig['unit']}{mark}")
    return regressions


def update_baseline(runs: list[Path]) -> None:
    loaded = [json.loads(p.read_text()) for p in runs]
    merged: dict[str, dict] = {}
    for run in loaded:
        for name, fig in run["figures"].items():
            old = merged.get(name)
            slower = old is None or (
                fig["value"] > old["value"] if fig["unit"] == "ms" else fig["value"] < old["value"]
            )
            if slower:
                merged[name] = fig
    baseline = {
        "note": (
            f"bench/quick.py: the slower figure of each of {len(runs)} runs on the fixed code (this machine is "
            "shared and was busy); p50 ms for latencies, documents/s for the import"
        ),
        "runs": [run["meta"] for run in loaded],
        "figures": merged,
    }
    BASELINE.write_text(json.dumps(baseline, indent=2) + "\n")
    print(f"wrote {BASELINE} from {len(runs)} runs")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passes", type=int, default=2)
    ap.add_argument("--factor", type=float, default=2.0, help="how many times worse than the baseline fails")
    ap.add_argument("--floor-ms", type=float, default=5.0, help="latencies must also be this much worse to fail")
    ap.add_argument("--baseline", type=Path, default=BASELINE)
    ap.add_argument(
        "--update-baseline",
        nargs="+",
        type=Path,
        metavar="RUN.json",
        help="write bench/baseline.json from these runs (the slower figure of each) and stop",
    )
    args = ap.parse_args()
    if args.update_baseline:
        update_baseline(args.update_baseline)
        return
    started = time.time()
    figures = measure(args.passes)
    meta = {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "documents": SIZE,
        "passes": args.passes,
        "seconds": round(time.time() - started, 1),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"quick-{meta['when'].replace(':', '')}.json"
    out.write_text(json.dumps({"meta": meta, "figures": figures}, indent=2) + "\n")
    print(f"wrote {out} ({meta['seconds']} s)")
    if not args.baseline.exists():
        print(f"no baseline at {args.baseline}: nothing to compare")
        return
    regressions = compare(figures, json.loads(args.baseline.read_text()), args.factor, args.floor_ms)
    if regressions:
        print(f"\n{len(regressions)} figure(s) more than {args.factor:g}x worse than the baseline:")
        for line in regressions:
            print("  " + line)
        sys.exit(1)
    print(f"\nno figure more than {args.factor:g}x worse than the baseline")


if __name__ == "__main__":
    main()
