"""One node against two nodes on one PostgreSQL database, over HTTP: searches/s, and the change feed's lag
while an import runs.

    .venv/bin/python bench/cluster.py --docs 10000 --database-url postgresql://postgres@127.0.0.1:5432/postgres

Each node is a real ``readingroom serve`` (gunicorn, ``--workers`` each, plus its job worker owning the node's
embedded tantivy index that follows the feed) with its own data directory; both use one fresh database made on
the given server. Steps:

1. import ``--docs`` documents of the scaled corpus (bench/corpus.py) through node 1's command line;
2. node 1 alone: 4 client threads send the 200-query mix of bench/search.py for ``--seconds``: searches/s;
3. node 2 starts (it builds its own index from the records: timed), then 8 client threads, half to each node;
4. feed lag: while ``--import-docs`` more documents are imported through node 1's command line, a prober
   changes a document's title in one transaction (the record and its feed row, as any writer does) every
   0.25 s and times until each node's search finds the new title: p50/p99 per node.

Writes ``bench/results/cluster-<docs>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import generate  # noqa: E402
from bench.search import free_port, pct, query_mix  # noqa: E402


class Node:
    def __init__(self, name: str, data: Path, env: dict, workers: int) -> None:
        self.name, self.data = name, data
        self.env = {**os.environ, **env, "READINGROOM_DATA_DIR": str(data)}
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.workers = workers
        self.proc: subprocess.Popen | None = None
        self.base = ""

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "-m", "readingroom.cli", *args], env=self.env, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"readingroom {' '.join(args)} failed:\n{done.stderr}")
        return done

    def start(self, timeout: float = 900) -> float:
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "readingroom.cli", "serve", "--port", str(port), "--workers", str(self.workers)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while True:
            try:
                urllib.request.urlopen(self.base + "/api/search?q=x&facets=0", timeout=30).read()
                return time.monotonic() - t0
            except OSError:
                if time.monotonic() - t0 > timeout or self.proc.poll() is not None:
                    raise SystemExit(f"{self.name} did not start") from None
                time.sleep(0.2)

    def total(self, q: str) -> int:
        url = f"{self.base}/api/search?" + urllib.parse.urlencode({"q": q, "facets": 0, "per_page": 1})
        with urllib.request.urlopen(url, timeout=30) as r:
            return json.loads(r.read())["total"]

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=60)


def throughput(nodes: list[Node], clients: int, seconds: float) -> dict:
    mix = query_mix()
    done: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(i: int) -> None:
        rng = random.Random(i)
        node = nodes[i % len(nodes)]
        while time.monotonic() < stop_at:
            _, params = rng.choice(mix)
            t0 = time.perf_counter()
            try:
                with urllib.request.urlopen(
                    f"{node.base}/api/search?" + urllib.parse.urlencode(params), timeout=60
                ) as r:
                    r.read()
            except Exception as exc:  # noqa: BLE001 - counted
                errors.append(str(exc))
                continue
            with lock:
                done.append((time.perf_counter() - t0) * 1000)

    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    return {
        "nodes": len(nodes),
        "clients": clients,
        "searches": len(done),
        "errors": len(errors),
        "searches_per_s": round(len(done) / wall, 1),
        "p50_ms": round(pct(done, 50), 1),
        "p99_ms": round(pct(done, 99), 1),
    }


def feed_lag(nodes: list[Node], database_url: str, importer: subprocess.Popen, probe_ids: list[str]) -> dict:
    """Change a title in one transaction every 0.25 s while ``importer`` runs; time until each node finds it."""
    import psycopg

    lags: dict[str, list[float]] = {n.name: [] for n in nodes}
    conn = psycopg.connect(database_url, autocommit=False)
    i = 0
    while importer.poll() is None or i < 10:
        ident = probe_ids[i % len(probe_ids)]
        word = "probe" + uuid.uuid4().hex[:10]
        conn.execute(
            "UPDATE documents_document SET title = %s, updated_at = now() WHERE identifier = %s", [f"Lag {word}", ident]
        )
        conn.execute(
            "INSERT INTO search_indexqueue (identifier, action, created_at, origin) VALUES (%s, 'index', now(), '')",
            [ident],
        )
        conn.commit()
        t0 = time.monotonic()
        pending = {n.name: n for n in nodes}
        while pending and time.monotonic() - t0 < 60:
            for name, node in list(pending.items()):
                if node.total(word) == 1:
                    lags[name].append(time.monotonic() - t0)
                    del pending[name]
            time.sleep(0.02)
        for name in pending:
            lags[name].append(60.0)
        i += 1
        time.sleep(0.25)
    conn.close()
    return {
        name: {
            "changes": len(v),
            "p50_s": round(pct(v, 50), 3),
            "p99_s": round(pct(v, 99), 3),
            "max_s": round(max(v), 3),
        }
        for name, v in lags.items()
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--import-docs", type=int, default=3_000, help="documents imported while the feed lag is measured")
    ap.add_argument(
        "--database-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server where a fresh database is made (and dropped afterwards)",
    )
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers per node")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--work", type=Path, default=Path("/tmp/readingroom-bench"))
    ap.add_argument("--keep", action="store_true", help="keep the database and data directories")
    args = ap.parse_args()

    import psycopg

    args.work.mkdir(parents=True, exist_ok=True)
    corpus = args.work / f"synth-{args.docs}.jsonl"
    if not corpus.exists():
        generate(args.docs, corpus)
    extra = args.work / f"cluster-extra-{args.import_docs}.jsonl"
    with extra.open("w", encoding="utf-8") as out, corpus.open(encoding="utf-8") as source:  # same recipe, other ids
        for n, line in enumerate(source):
            if n >= args.import_docs:
                break
            rec = json.loads(line)
            rec["id"] = "extra-" + rec["id"].replace("/", "-")
            out.write(json.dumps(rec) + "\n")
    name = f"rr_cluster_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = args.database_url.rsplit("/", 1)[0] + f"/{name}"
    tmp = Path(tempfile.mkdtemp(prefix="rr-cluster-bench-"))
    env = {
        "READINGROOM_DATABASE_URL": url,
        "READINGROOM_SEARCH_BACKEND": "tantivy",
        "READINGROOM_SECRET_KEY": "bench-" + "k" * 40,
        "READINGROOM_SEARCH_PAGE_CACHE": "0",  # searches/s of the search itself, as before
    }
    (tmp / "shared-files").mkdir()
    nodes = []
    for i in (1, 2):
        (tmp / f"node-{i}").mkdir()
        (tmp / f"node-{i}" / "files").symlink_to(tmp / "shared-files")
        nodes.append(Node(f"node {i}", tmp / f"node-{i}", env, args.workers))
    one, two = nodes
    results: dict = {"documents": args.docs, "workers_per_node": args.workers, "cores": os.cpu_count()}
    try:
        t0 = time.monotonic()
        one.cli("import", str(corpus))
        results["import_s"] = round(time.monotonic() - t0, 1)
        print(
            f"imported {args.docs:,} documents into PostgreSQL (node 1 indexing inline) in {results['import_s']} s",
            flush=True,
        )
        one.start()
        results["one_node"] = throughput([one], 4, args.seconds)
        print(f"one node:  {results['one_node']}", flush=True)
        results["node2_index_build_s"] = round(two.start(), 1)
        print(f"node 2 built its index from the records and started in {results['node2_index_build_s']} s", flush=True)
        results["two_nodes"] = throughput([one, two], 8, args.seconds)
        print(f"two nodes: {results['two_nodes']}", flush=True)

        probes = [f"synth/{i}" for i in range(1, 11)]
        importer = subprocess.Popen(
            [sys.executable, "-m", "readingroom.cli", "import", str(extra)],
            env=one.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        t0 = time.monotonic()
        results["feed_lag_during_import"] = feed_lag([one, two], url, importer, probes)
        importer.wait()
        results["extra_import_s"] = round(time.monotonic() - t0, 1)
        print(
            f"feed lag while importing {extra.name} ({results['extra_import_s']} s): "
            f"{results['feed_lag_during_import']}",
            flush=True,
        )
        base = "embassy"
        results["same_results"] = one.total(base) == two.total(base)
    finally:
        for node in nodes:
            node.stop()
        if not args.keep:
            with psycopg.connect(args.database_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
    out = ROOT / "bench" / "results" / f"cluster-{args.docs}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
