"""Search benchmark: a fixed 200-query mix over HTTP, in process, and on the raw engine.

    .venv/bin/python bench/search.py --data-dir /tmp/readingroom-bench/data-synth-100000
    .venv/bin/python bench/search.py --data-dir DIR --database-url postgresql://... --backend postgres

The data directory comes from ``bench/import.py --keep``. The mix follows ../shared/PERFORMANCE-ANCHORS.md:
rare word, common word, two words, phrase, prefix, word + two filters, word + facet counts, newest first,
deep page (offset 5000). Plain kinds ask for no facet counts (``facets=0``); the facets kind asks for all
nine facets and the year histogram. Every kind returns 20 results with snippets.

Modes: ``http`` (one client against ``readingroom serve``, 2 workers, gunicorn), ``throughput`` (4 client
threads, queries/s), ``service`` (the search service in this process), ``engine`` (tantivy's own API on the
same index: search + count, and aggregations for the facets kind; no hydration, no snippets).
Prints and writes ``bench/results/search-<name>.json``: p50/p95/p99 ms per kind, queries/s, RSS MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COMMON = [
    "Soviet",
    "government",
    "President",
    "United",
    "policy",
    "military",
    "States",
    "question",
    "relations",
    "Secretary",
]
MID = [
    "Cuba",
    "Berlin",
    "Khrushchev",
    "missile",
    "treaty",
    "Vietnam",
    "Taiwan",
    "Poland",
    "Congo",
    "disarmament",
    "Geneva",
    "Moscow",
    "Germany",
    "Laos",
    "Japan",
    "Korea",
    "Peking",
    "Hungary",
    "NATO",
    "embassy",
    "aid",
    "trade",
    "nuclear",
    "conference",
    "Cyprus",
    "Greece",
    "Turkey",
    "Yugoslavia",
    "Romania",
    "Warsaw",
]
RARE = [
    "substantiate",
    "arbitral",
    "unpalatable",
    "circumlocution",
    "imperturbable",
    "obfuscation",
    "recrudescence",
    "tergiversation",
    "vituperative",
    "excoriate",
    "sanguine",
    "obdurate",
    "perfunctory",
    "intransigence",
    "equivocal",
    "magnanimous",
    "acquiescence",
    "punctilious",
    "disingenuous",
    "conciliatory",
    "pusillanimous",
    "inveigh",
    "bellicose",
    "rapprochement",
    "truculent",
]
PHRASES = [
    '"Soviet Union"',
    '"United Nations"',
    '"test ban"',
    '"Secretary of State"',
    '"nuclear weapons"',
    '"Prime Minister"',
    '"General Assembly"',
    '"Security Council"',
    '"Foreign Minister"',
    '"West Berlin"',
]
PREFIXES = ["nucl*", "disarm*", "commun*", "sovi*", "negotiat*", "milit*", "econom*", "ambass*", "agree*", "secur*"]
LANGUAGES = ["en", "fr", "de", "ru", "es"]
CLASSIFICATIONS = ["Secret", "Confidential", "Top Secret", "Unclassified"]
REPOSITORIES = [
    "National Archives and Records Administration",
    "Johnson Library",
    "Kennedy Library",
    "Eisenhower Library",
]


def query_mix(seed: int = 12345) -> list[tuple[str, dict]]:
    rng = random.Random(seed)
    mix: list[tuple[str, dict]] = []
    mix += [("rare", {"q": rng.choice(RARE)}) for _ in range(25)]
    mix += [("common", {"q": rng.choice(COMMON)}) for _ in range(25)]
    mix += [("and2", {"q": " ".join(rng.sample(MID, 2))}) for _ in range(25)]
    mix += [("phrase", {"q": rng.choice(PHRASES)}) for _ in range(20)]
    mix += [("prefix", {"q": rng.choice(PREFIXES)}) for _ in range(20)]
    for i in range(25):
        if i % 2:
            y = rng.randrange(1945, 1987)
            mix.append(
                (
                    "filter2",
                    {
                        "q": rng.choice(MID),
                        "date_from": str(y),
                        "date_to": str(y + 4),
                        "repository": rng.choice(REPOSITORIES),
                    },
                )
            )
        else:
            mix.append(
                (
                    "filter2",
                    {
                        "q": rng.choice(MID),
                        "language": rng.choice(LANGUAGES),
                        "classification": rng.choice(CLASSIFICATIONS),
                    },
                )
            )
    mix += [("facets", {"q": rng.choice(COMMON + MID), "facets": "1"}) for _ in range(25)]
    mix += [("sortdate", {"q": rng.choice(MID), "sort": "-date"}) for _ in range(20)]
    mix += [("deep", {"q": rng.choice(COMMON), "page": "251"}) for _ in range(15)]
    for _, params in mix:
        params.setdefault("facets", "0")
        params["per_page"] = "20"
    return mix


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def summarise(timings: dict[str, list[float]]) -> dict:
    out = {}
    every = []
    for kind, ms in timings.items():
        out[kind] = {
            "p50": round(pct(ms, 50), 2),
            "p95": round(pct(ms, 95), 2),
            "p99": round(pct(ms, 99), 2),
            "n": len(ms),
        }
        every += ms
    out["ALL"] = {
        "p50": round(pct(every, 50), 2),
        "p95": round(pct(every, 95), 2),
        "p99": round(pct(every, 99), 2),
        "n": len(every),
    }
    return out


def run(mix, call, passes: int) -> dict[str, list[float]]:
    for _, params in mix:  # warm-up pass
        call(params)
    timings: dict[str, list[float]] = {}
    for _ in range(passes):
        for kind, params in mix:
            t0 = time.perf_counter()
            call(params)
            timings.setdefault(kind, []).append((time.perf_counter() - t0) * 1000)
    return timings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pids: list[int], peak: bool = False) -> float:
    """Resident memory of processes in MB (``peak``: the high-water mark, VmHWM)."""
    key = "VmHWM:" if peak else "VmRSS:"
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(key):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--database-url", default="")
    ap.add_argument("--backend", default="", help="tantivy (default on SQLite) or postgres")
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--name", default="")
    ap.add_argument("--modes", nargs="*", default=["engine", "service", "http", "throughput"])
    args = ap.parse_args()
    os.environ["READINGROOM_DATA_DIR"] = str(args.data_dir)
    # the mix repeats its queries: nothing is kept between them, so every figure is the search's own
    os.environ.setdefault("READINGROOM_FACET_CACHE", "0")
    os.environ.setdefault("READINGROOM_SEARCH_PAGE_CACHE", "0")
    if args.database_url:
        os.environ["READINGROOM_DATABASE_URL"] = args.database_url
    if args.backend:
        os.environ["READINGROOM_SEARCH_BACKEND"] = args.backend
    os.environ["DJANGO_SETTINGS_MODULE"] = "readingroom.settings"
    import django

    django.setup()
    from readingroom.documents.models import Document
    from readingroom.search import services
    from readingroom.search.backends import get_backend
    from readingroom.search.backends.base import SearchRequest
    from readingroom.search.query import parse

    backend = get_backend()
    n_docs = Document.objects.count()
    name = args.name or f"{backend.name}-{n_docs}"
    mix = query_mix()
    results: dict = {"name": name, "documents": n_docs, "backend": backend.name, "passes": args.passes, "modes": {}}
    print(
        f"{name}: {n_docs:,} documents, backend {backend.name}, {len(mix)} queries x {args.passes} passes", flush=True
    )

    def report(mode: str, summary: dict, extra: str = "") -> None:
        results["modes"][mode] = summary
        cells = "  ".join(f"{k} {v['p50']}/{v['p95']}/{v['p99']}" for k, v in summary.items() if isinstance(v, dict))
        print(f"  {mode:>10} p50/p95/p99 ms: {cells} {extra}", flush=True)

    if "engine" in args.modes and backend.name == "tantivy":
        import tantivy

        def engine(params):
            page_req = services_request(params)
            query, _ = backend.build_query(page_req)
            searcher = backend.index.searcher()
            kwargs = {}
            if page_req.sort == "-date":
                kwargs = {"order_by_field": "date_key", "order": tantivy.Order.Desc}
            searcher.search(query, limit=20, count=True, offset=page_req.offset, **kwargs)
            if page_req.facets:
                from readingroom.search.backends.base import FACETS

                aggs = {f: {"terms": {"field": f"f_{f}", "size": 20}} for f in FACETS}
                aggs["years"] = {"histogram": {"field": "year", "interval": 1, "min_doc_count": 1}}
                searcher.aggregate(query, aggs)

        def services_request(params):
            page = int(params.get("page", 1))
            req = SearchRequest(
                query=parse(params["q"]),
                sort=params.get("sort", "relevance"),
                offset=(page - 1) * 20,
                limit=20,
                facets=params.get("facets") == "1",
            )
            for f in ("language", "classification", "repository"):
                if f in params:
                    req.filters[f] = [params[f]]
            if "date_from" in params:
                req.date_from, req.date_to = (
                    int(params["date_from"]) * 10000 + 101,
                    int(params["date_to"]) * 10000 + 1231,
                )
            return req

        report("engine", summarise(run(mix, engine, args.passes)))

    if "service" in args.modes:

        def service(params):
            services.search(params, facets=params.get("facets") == "1")

        report("service", summarise(run(mix, service, args.passes)))

    if {"http", "throughput"} & set(args.modes):
        port = free_port()
        env = {**os.environ}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        proc = subprocess.Popen(
            [sys.executable, "-m", "readingroom.cli", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}/api/search?"
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "q=x", timeout=30).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

        def http(params):
            with urllib.request.urlopen(base + urllib.parse.urlencode(params), timeout=60) as r:
                r.read()

        try:
            if "http" in args.modes:
                report("http", summarise(run(mix, http, args.passes)))
            if "throughput" in args.modes:
                done, errors = [], []
                lock = threading.Lock()

                def client(seed):
                    rng = random.Random(seed)
                    local = mix[:]
                    rng.shuffle(local)
                    for _, params in local:
                        t0 = time.perf_counter()
                        try:
                            http(params)
                        except Exception as exc:  # noqa: BLE001 - counted, reported
                            errors.append(str(exc))
                        with lock:
                            done.append((time.perf_counter() - t0) * 1000)

                t0 = time.perf_counter()
                threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                wall = time.perf_counter() - t0
                children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
                server_rss = rss_mb([proc.pid, *map(int, children)])
                qps = round(len(done) / wall, 1)
                results["modes"]["throughput"] = {
                    "clients": 4,
                    "queries": len(done),
                    "errors": len(errors),
                    "qps": qps,
                    "p50": round(pct(done, 50), 2),
                    "p99": round(pct(done, 99), 2),
                    "server_rss_mb": server_rss,
                }
                print(
                    f"  throughput: 4 clients, {qps} queries/s, p50 {pct(done, 50):.1f} ms, "
                    f"p99 {pct(done, 99):.1f} ms, {len(errors)} errors, server RSS {server_rss} MB",
                    flush=True,
                )
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    results["bench_rss_mb"] = rss_mb([os.getpid()])
    out = ROOT / "bench" / "results" / f"search-{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
