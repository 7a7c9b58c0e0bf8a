"""Scans benchmark: IIIF tiles per second from a cold and a warm cache over HTTP, OCR pages per minute,
peak memory.

    .venv/bin/python bench/iiif.py [--pages 24] [--threads 4]

Builds a fresh archive in a temporary data directory: the reference record with the 24 typewritten CREST
pages (1275 × 1650, grey, 150 dpi) from ../shared/corpus and one synthetic colour scan (3400 × 4400 JPEG,
an A4 page at 400 dpi). Serves it with ``readingroom serve --workers 2 --no-worker`` and fetches every
512-px tile at every scale factor that info.json lists, with ``--threads`` clients: once from an empty
cache (cold: rendered on demand) and once again (warm: from the disk cache). Then runs ``readingroom
worker --once`` over the 24 queued OCR jobs. Prints and writes ``bench/results/iiif.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.search import rss_mb  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
BIN = Path(sys.executable).parent / "readingroom"


def run(env, *args) -> str:
    return subprocess.run([str(BIN), *args], env=env, check=True, capture_output=True, text=True).stdout


def tile_urls(base: str, iiif_id: str) -> list[str]:
    info = json.loads(urllib.request.urlopen(f"{base}/iiif/image/{iiif_id}/info.json").read())
    w, h = info["width"], info["height"]
    tile = info["tiles"][0]["width"]
    urls = []
    for factor in info["tiles"][0]["scaleFactors"]:
        step = tile * factor
        for y in range(0, h, step):
            for x in range(0, w, step):
                rw, rh = min(step, w - x), min(step, h - y)
                urls.append(f"{base}/iiif/image/{iiif_id}/{x},{y},{rw},{rh}/{math.ceil(rw / factor)},/0/default.jpg")
    return urls


def fetch_all(urls: list[str], threads: int) -> tuple[float, list[float]]:
    def one(url: str) -> float:
        t0 = time.perf_counter()
        with urllib.request.urlopen(url, timeout=120) as r:
            r.read()
        return (time.perf_counter() - t0) * 1000

    t0 = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        latencies = list(pool.map(one, urls))
    return time.perf_counter() - t0, latencies


def colour_scan(path: Path) -> Path:
    """A synthetic colour scan: an A4 page at 400 dpi (3400 x 4400 JPEG) with ruled lines."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (3400, 4400), (236, 228, 210))
    draw = ImageDraw.Draw(img)
    for i in range(0, 4400, 40):
        draw.line((100, i, 3300, i + 7), fill=(40 + i % 90, 30, 20), width=3)
    img.save(path, quality=90)
    return path


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=24)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="readingroom-bench-iiif-"))
    env = {**os.environ, "READINGROOM_DATA_DIR": str(tmp / "data"), "OMP_THREAD_LIMIT": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    pages = sorted((CORPUS / "cia-crest-typewritten-scans" / "pages").glob("*.png"))[: args.pages]
    run(env, "import", str(CORPUS / "seed"), "--quiet")
    run(env, "attach", "wilson-300023", *map(str, pages), "--language", "en")
    run(env, "attach", "wilson-300023", str(colour_scan(tmp / "colour.jpg")), "--no-ocr")
    record = json.loads(run(env, "show", "wilson-300023", "--format", "json"))
    ids = [p["iiif_image"].rsplit("/", 1)[1] for p in record["pages"]]

    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port), "--workers", "2", "--no-worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/api/documents", timeout=2).read()
            break
        except OSError:
            time.sleep(0.2)
    results: dict = {"pages": len(ids), "threads": args.threads, "server_workers": 2}
    try:
        urls = [u for i in ids for u in tile_urls(base, i)]
        colour_urls = tile_urls(base, ids[-1])
        cold_s, cold_lat = fetch_all(urls, args.threads)
        warm_s, warm_lat = fetch_all(urls, args.threads)
        results.update(
            {
                "tiles": len(urls),
                "colour_scan_tiles": len(colour_urls),
                "cold_tiles_per_s": round(len(urls) / cold_s, 1),
                "cold_p50_ms": round(statistics.median(cold_lat), 1),
                "cold_p99_ms": round(sorted(cold_lat)[int(len(cold_lat) * 0.99) - 1], 1),
                "warm_tiles_per_s": round(len(urls) / warm_s, 1),
                "warm_p50_ms": round(statistics.median(warm_lat), 1),
                "warm_p99_ms": round(sorted(warm_lat)[int(len(warm_lat) * 0.99) - 1], 1),
                "server_peak_rss_mb": rss_mb([server.pid, *children(server.pid)], peak=True),
            }
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    t0 = time.perf_counter()
    subprocess.run([str(BIN), "worker", "--once", "--quiet"], env=env, check=True, capture_output=True)
    ocr_s = time.perf_counter() - t0
    results.update(
        {
            "ocr_pages": len(pages),
            "ocr_seconds": round(ocr_s, 1),
            "ocr_pages_per_min": round(len(pages) / ocr_s * 60, 1),
            "ocr_worker_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        }
    )
    for key, value in results.items():
        print(f"{key:>26}: {value}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "iiif.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
