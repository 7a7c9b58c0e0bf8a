"""Publishing at scale over HTTP: browse, document pages and citations, OAI-PMH harvesting, sitemap, feed
and a streamed result-set export.

    .venv/bin/python bench/import.py --sizes 100000 --no-real --keep     # makes the data directory
    .venv/bin/python bench/publish.py --data-dir /tmp/readingroom-bench/data-synth-100000

Serves the archive with ``readingroom serve --workers 2 --no-worker`` and measures, one client at a time:
p50/p99 ms per request kind, an OAI-PMH ListIdentifiers harvest of the whole archive and a ListRecords
harvest of 20 pages (records/s), and ``/api/search/export`` of a common word as RIS (records/s, and the
server's peak RSS, which must not grow with the result set). Writes ``bench/results/publish.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.search import free_port, rss_mb  # noqa: E402


def get(url: str) -> tuple[float, bytes]:
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as r:
        body = r.read()
    return (time.perf_counter() - t0) * 1000, body


def timed(urls: list[str]) -> dict:
    times = [get(u)[0] for u in urls]
    ordered = sorted(times)
    return {
        "n": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p99_ms": round(ordered[max(0, int(len(ordered) * 0.99) - 1)], 1),
        "max_ms": round(ordered[-1], 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "publish.json")
    args = ap.parse_args()
    env = {**os.environ, "READINGROOM_DATA_DIR": str(args.data_dir)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "readingroom.cli", "serve", "--port", str(port), "--workers", "2", "--no-worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(base + "/robots.txt", timeout=2).read()
            break
        except OSError:
            time.sleep(0.5)
    out: dict = {"data_dir": str(args.data_dir)}
    try:
        total = json.loads(get(base + "/api/documents?per_page=1")[1])["total"]
        out["documents"] = total
        pages = max(1, total // 50)
        ids = [d["id"] for d in json.loads(get(f"{base}/api/documents?per_page=200&page=3")[1])["results"]][:60]
        out["browse page 1"] = timed([f"{base}/api/documents?page=1&x={i}" for i in range(20)])
        out["browse deep page (date)"] = timed([f"{base}/api/documents?page={pages - i}" for i in range(1, 11)])
        out["browse deep page (title)"] = timed(
            [f"{base}/api/documents?sort=title&page={pages // 2 + i}" for i in range(10)]
        )
        out["browse year filter"] = timed([f"{base}/api/documents?year={1950 + i}" for i in range(10)])
        out["document page, cold (citations rendered)"] = timed([f"{base}/documents/{i}" for i in ids[:30]])
        out["document page, warm"] = timed([f"{base}/documents/{i}" for i in ids[:30]])
        out["cite chicago, warm"] = timed([f"{base}/api/documents/{i}/cite?style=chicago" for i in ids[:30]])
        out["export bibtex (one document)"] = timed(
            [f"{base}/api/documents/{i}/export?format=bibtex" for i in ids[30:60]]
        )
        out["sitemap index"] = timed([f"{base}/sitemap.xml"] * 5)
        out["sitemap page (10,000 URLs)"] = timed([f"{base}/sitemap-documents.xml?p={p}" for p in (1, 5, 10)])
        out["feed"] = timed([f"{base}/feed.atom"] * 5)

        # OAI-PMH: a whole ListIdentifiers harvest, and 20 pages of ListRecords
        t0 = time.perf_counter()
        url, n, page_times = f"{base}/oai?verb=ListIdentifiers&metadataPrefix=oai_dc", 0, []
        while url:
            ms, body = get(url)
            page_times.append(ms)
            text = body.decode()
            n += text.count("<header")
            token = re.search(r"<resumptionToken[^>]*>([^<]+)</resumptionToken>", text)
            url = f"{base}/oai?verb=ListIdentifiers&resumptionToken={urllib.parse.quote(token[1])}" if token else None
        seconds = time.perf_counter() - t0
        out["oai ListIdentifiers harvest"] = {
            "identifiers": n,
            "seconds": round(seconds, 1),
            "per_s": round(n / seconds),
            "page_p50_ms": round(statistics.median(page_times), 1),
        }
        t0 = time.perf_counter()
        url, n, page_times = f"{base}/oai?verb=ListRecords&metadataPrefix=oai_dc", 0, []
        for _ in range(20):
            ms, body = get(url)
            page_times.append(ms)
            text = body.decode()
            n += text.count("<record>")
            token = re.search(r"<resumptionToken[^>]*>([^<]+)</resumptionToken>", text)
            if not token:
                break
            url = f"{base}/oai?verb=ListRecords&resumptionToken={urllib.parse.quote(token[1])}"
        seconds = time.perf_counter() - t0
        out["oai ListRecords (20 pages)"] = {
            "records": n,
            "seconds": round(seconds, 1),
            "per_s": round(n / seconds),
            "page_p50_ms": round(statistics.median(page_times), 1),
        }

        # a streamed result-set export
        common = "Soviet"
        hits = json.loads(get(f"{base}/api/search?q={common}&facets=0&per_page=1")[1])["total"]
        children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        before = rss_mb([server.pid, *map(int, children)], peak=True)
        t0 = time.perf_counter()
        _, body = get(f"{base}/api/search/export?q={common}&format=ris")
        seconds = time.perf_counter() - t0
        records = body.count(b"\nER  - ")
        out["search export ris"] = {
            "hits": hits,
            "records": records,
            "seconds": round(seconds, 1),
            "per_s": round(records / seconds),
            "mb": round(len(body) / 1e6, 1),
        }
        out["server peak RSS MB before the export"] = before
        out["server peak RSS MB after the export"] = rss_mb([server.pid, *map(int, children)], peak=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    for k, v in out.items():
        print(f"{k:>42}: {v}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
