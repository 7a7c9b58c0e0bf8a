"""Load: the reading room under 20 concurrent clients, quiet and busy (an import and OCR running, hostile
IIIF requests mixed in).

    .venv/bin/python bench/load.py [--requests 3000] [--concurrency 20] [--data-dir DIR]

Builds an archive in a temporary data directory (FRUS volume VI and the reference record from
../shared/corpus, one colour scan for IIIF tiles; added to a ``--data-dir`` that lacks them), serves it with
``readingroom serve --workers 2`` (its worker runs OCR and owns the search index) and measures each kind of
request with ApacheBench (``ab``, Debian's apache2-utils: C, so the client costs little of the 2 cores):
the document page, the search page, the search API, one IIIF tile (warm), a 404 under /iiif/presentation;
then searches that no process has kept (each request a new two-word query; a Python client of 20 threads).

Then the same again with hostile IIIF requests alone (a thread sends them one after another), and again
while the archive is busy: an import of 5,000 generated documents runs, 24 typewritten
pages are attached and recognised by the worker, and a thread sends hostile IIIF requests (huge rotated
and upscaled outputs, many rotations, odd regions) one after another. Reports requests/s, p50/p99 and errors per kind,
how the hostile requests were answered (status, time) and the server's RSS. Writes ``bench/results/load.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.corpus import generate  # noqa: E402
from bench.iiif import children, colour_scan  # noqa: E402
from bench.search import free_port, rss_mb  # noqa: E402

CORPUS = Path(os.environ.get("READINGROOM_CORPUS", ROOT.parent / "shared" / "corpus"))
BIN = Path(sys.executable).parent / "readingroom"
VOLUME = CORPUS / "frus" / "volumes" / "frus1961-63v06.xml"


def cli(env: dict, *args: str) -> str:
    return subprocess.run([str(BIN), *args], env=env, check=True, capture_output=True, text=True).stdout


def ab(url: str, n: int, c: int) -> dict:
    """ApacheBench: requests/s, p50/p99 (ms), failed and non-2xx counts."""
    out = subprocess.run(
        ["ab", "-q", "-n", str(n), "-c", str(c), "-s", "120", url], capture_output=True, text=True
    ).stdout

    def grab(pattern: str, default: float = 0.0) -> float:
        m = re.search(pattern, out, re.M)
        return float(m.group(1)) if m else default

    return {
        "requests": n,
        "concurrency": c,
        "rps": grab(r"^Requests per second:\s+([\d.]+)"),
        "p50_ms": grab(r"^\s+50%\s+(\d+)"),
        "p99_ms": grab(r"^\s+99%\s+(\d+)"),
        "max_ms": grab(r"^\s+100%\s+(\d+)"),
        "failed": int(grab(r"^Failed requests:\s+(\d+)")),
        "non_2xx": int(grab(r"^Non-2xx responses:\s+(\d+)")),
        # ab counts a response whose length differs from the first one as failed: a page that changes while an
        # import runs (new counts, new results) is not an error; connection errors and exceptions are
        "length_changed": int(grab(r"\(Connect: \d+, Receive: \d+, Length: (\d+)")),
        "errors": int(grab(r"\(Connect: (\d+)")) + int(grab(r"Receive: (\d+)")) + int(grab(r"Exceptions: (\d+)\)")),
    }


class _Done(Exception):
    """The phases asked for are measured."""


def new_queries(n: int, seed: int = 7) -> list[str]:
    """``n`` distinct two-word queries (words of five letters or more from the FRUS volume, the more frequent
    ones more often): searches no cache has seen."""
    text = re.sub(r"<[^>]+>", " ", VOLUME.read_text(encoding="utf-8")).lower()
    counts: dict[str, int] = {}
    for word in re.findall(r"[a-z]{5,}", text):
        counts[word] = counts.get(word, 0) + 1
    words = sorted(counts, key=lambda w: -counts[w])[:2000]
    rng = random.Random(seed)
    seen: set[str] = set()
    while len(seen) < n:
        a, b = rng.sample(words[:400], 1)[0], rng.choice(words)
        if a != b:
            seen.add(f"{a} {b}")
    return sorted(seen, key=lambda _: rng.random())


def many(urls: list[str], c: int) -> dict:
    """Each URL once, ``c`` at a time (threads of this process; unlike ``ab`` the client costs some CPU):
    requests/s, p50/p99 ms, errors."""
    todo = iter(urls)
    lock = threading.Lock()
    times: list[float] = []
    errors = [0]

    def client() -> None:
        while True:
            with lock:
                url = next(todo, None)
            if url is None:
                return
            t0 = time.perf_counter()
            try:
                with urllib.request.urlopen(url, timeout=120) as r:
                    r.read()
            except OSError:
                errors[0] += 1
            times.append((time.perf_counter() - t0) * 1000)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(c)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    times.sort()
    return {
        "requests": len(urls),
        "concurrency": c,
        "rps": round(len(urls) / wall, 1),
        "p50_ms": round(times[len(times) // 2], 1),
        "p99_ms": round(times[int(len(times) * 0.99)], 1),
        "max_ms": round(times[-1], 1),
        "errors": errors[0],
    }


def hostile_urls(base: str, iiif_id: str) -> list[str]:
    img = f"{base}/iiif/image/{iiif_id}"
    urls = [
        f"{img}/full/^5400,7200/33/default.gif",
        f"{img}/full/^9000,/45/default.png",
        f"{img}/full/max/33/default.webp",
        f"{img}/pct:0,0,100,100/^pct:300/17/gray.png",
        f"{img}/full/^10000,10000/!90/default.jpg",
        f"{img}/0,0,1,1/^8000,8000/0/default.png",
    ]
    urls += [f"{img}/full/^3000,/{r / 1000:.3f}/default.jpg" for r in range(1, 41)]  # 40 rotations 0.001..0.040
    return urls


def hammer(urls: list[str], stop: threading.Event, out: list) -> None:
    i = 0
    while not stop.is_set():
        url = urls[i % len(urls)]
        i += 1
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=120) as r:
                r.read()
                status = r.status
        except urllib.error.HTTPError as exc:
            exc.read()
            status = exc.code
        except OSError:
            status = 0
        out.append(
            {
                "url": url.split("/iiif/image/", 1)[1].split("/", 1)[1],
                "status": status,
                "ms": round((time.perf_counter() - t0) * 1000, 1),
            }
        )


def summarise_hostile(hostile: list[dict]) -> dict:
    statuses: dict[str, int] = {}
    for h in hostile:
        statuses[str(h["status"])] = statuses.get(str(h["status"]), 0) + 1
    times = sorted(h["ms"] for h in hostile) or [0]
    return {
        "requests": len(hostile),
        "statuses": statuses,
        "p50_ms": times[len(times) // 2],
        "max_ms": times[-1],
        "slowest": sorted(hostile, key=lambda h: -h["ms"])[:5],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--data-dir", type=Path)
    ap.add_argument("--quiet-only", action="store_true", help="only the quiet figures (no hostile, no busy phase)")
    ap.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "load.json")
    args = ap.parse_args()
    if not shutil.which("ab"):
        sys.exit("bench/load.py needs ApacheBench: apt-get install -y apache2-utils")
    tmp = Path(tempfile.mkdtemp(prefix="readingroom-bench-load-"))
    data = args.data_dir or tmp / "data"
    env = {**os.environ, "READINGROOM_DATA_DIR": str(data), "OMP_THREAD_LIMIT": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    seeded = subprocess.run([str(BIN), "show", "wilson-300023"], env=env, capture_output=True).returncode == 0
    if not seeded:  # a new archive, or a --data-dir made by bench/import.py: add the demo corpus and a scan
        cli(env, "import", str(VOLUME), str(CORPUS / "seed"), "--quiet")
        cli(env, "attach", "wilson-300023", str(colour_scan(tmp / "colour.jpg")), "--no-ocr")
    record = json.loads(cli(env, "show", "wilson-300023", "--format", "json"))
    iiif_id = record["pages"][0]["iiif_image"].rsplit("/", 1)[1]
    some = json.loads(cli(env, "search", "Berlin", "--format", "json"))["results"][0]["id"]

    port = free_port()
    server = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/api/documents", timeout=2).read()
            break
        except OSError:
            time.sleep(0.2)
    kinds = {
        "document page": f"{base}/documents/{some}",
        "search page": f"{base}/search?q=Berlin",
        "search API": f"{base}/api/search?q=moscow",
        "IIIF tile (warm)": f"{base}/iiif/image/{iiif_id}/0,0,512,512/512,/0/default.jpg",
        "404 /iiif/presentation": f"{base}/iiif/presentation/no-such-document/manifest",
    }
    results: dict = {
        "server_workers": 2,
        "concurrency": args.concurrency,
        "quiet": {},
        "busy": {},
        "load_average_before": os.getloadavg(),
    }
    try:
        for url in kinds.values():  # warm caches
            subprocess.run(["ab", "-q", "-n", "50", "-c", "2", url], capture_output=True)
        for kind, url in kinds.items():
            results["quiet"][kind] = ab(url, args.requests, args.concurrency)
            print(f"quiet  {kind:24} {results['quiet'][kind]}", flush=True)
        # every request a search no process has kept (the kinds above repeat one URL, as ab does)
        queries = new_queries(2 * args.requests // 3)
        half = len(queries) // 2
        for kind, path, part in (
            ("search page, new queries", "/search?", queries[:half]),
            ("search API, new queries", "/api/search?", queries[half:]),
        ):
            results["quiet"][kind] = many(
                [base + path + urllib.parse.urlencode({"q": q}) for q in part], args.concurrency
            )
            print(f"quiet  {kind:24} {results['quiet'][kind]}", flush=True)
        results["quiet_rss_mb"] = rss_mb([server.pid, *children(server.pid)])

        if args.quiet_only:
            raise _Done
        # hostile IIIF requests alone: ordinary requests must keep their figures
        stop, hostile = threading.Event(), []
        thread = threading.Thread(target=hammer, args=(hostile_urls(base, iiif_id), stop, hostile), daemon=True)
        thread.start()
        results["hostile_only"] = {}
        for kind, url in kinds.items():
            results["hostile_only"][kind] = ab(url, args.requests, args.concurrency)
            print(f"hostile {kind:23} {results['hostile_only'][kind]}", flush=True)
        stop.set()
        thread.join(timeout=180)
        results["hostile_only_requests"] = summarise_hostile(hostile)

        # busy: an import, OCR of 24 pages, hostile IIIF requests
        synth = tmp / "synth-5000.jsonl"
        generate(5000, synth)
        importer = subprocess.Popen(
            [str(BIN), "import", str(synth), "--quiet"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        pages = sorted((CORPUS / "cia-crest-typewritten-scans" / "pages").glob("*.png"))[:24]
        attached = subprocess.run(
            [str(BIN), "attach", "wilson-300023", *map(str, pages), "--language", "en"],
            env=env,
            capture_output=True,
            text=True,
        )
        results["attach_while_importing"] = {"exit": attached.returncode, "stderr_tail": attached.stderr[-300:]}
        stop, hostile = threading.Event(), []
        thread = threading.Thread(target=hammer, args=(hostile_urls(base, iiif_id), stop, hostile), daemon=True)
        thread.start()
        t0 = time.monotonic()
        for kind, url in kinds.items():
            results["busy"][kind] = ab(url, args.requests, args.concurrency)
            print(f"busy   {kind:24} {results['busy'][kind]}", flush=True)
        results["busy_seconds"] = round(time.monotonic() - t0, 1)
        results["busy_rss_mb"] = rss_mb([server.pid, *children(server.pid)])
        results["busy_peak_rss_mb"] = rss_mb([server.pid, *children(server.pid)], peak=True)
        stop.set()
        thread.join(timeout=180)
        importer.wait(timeout=1800)
        results["import_exit"] = importer.returncode
        results["import_stderr_tail"] = importer.stderr.read()[-300:]
        results["hostile"] = summarise_hostile(hostile)
        cache = data / "cache" / "iiif"
        results["iiif_cache_files"] = sum(1 for p in cache.rglob("*") if p.is_file()) if cache.exists() else 0
        results["ocr_jobs"] = cli(env, "jobs").splitlines()[0]
    except _Done:
        pass
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        json.dumps(
            {
                k: results.get(k)
                for k in (
                    "hostile",
                    "hostile_only_requests",
                    "attach_while_importing",
                    "quiet_rss_mb",
                    "busy_rss_mb",
                    "busy_peak_rss_mb",
                    "iiif_cache_files",
                    "ocr_jobs",
                    "import_exit",
                )
            },
            indent=1,
        )
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2))
    if not args.data_dir:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
