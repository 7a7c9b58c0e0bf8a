"""Archive pages benchmark (issue 17): the archives, the archival hierarchy, the document's context and the
chronology over HTTP, on a large archive.

    .venv/bin/python bench/archive_pages.py --data-dir /tmp/readingroom-bench/data-synth-1000000
    .venv/bin/python bench/archive_pages.py --size 10000            # generate, import, measure
    .venv/bin/python bench/archive_pages.py --size 1000000 --data-dir /tmp/bench/data-1m --jsonl synth-1m.jsonl
    .venv/bin/python bench/archive_pages.py --data-dir DIR --cookie sessionid=x   # past the page caches

A data directory that holds documents is reused as it is (``bench/import.py --keep`` leaves them in
``--work``); an empty or missing one is built: ``--size N`` documents from bench/corpus.py (generated once
into ``--work``, or ``--jsonl``), imported with ``readingroom import`` (bench/import.py's ``run_import``).

The URLs are picked from the data (read through the ORM, so any corpus works): ``/archives``; the archive
with the most documents (page 1 and its last page); for each kind of level (fonds, sub-unit, series,
sub-series, volume, file) the level with the most documents below it and the one with the most documents
in it (page 1 and its last page: the deepest OFFSET), and the level with the most sub-levels; the context
of a document in the middle of the fullest level (``/api/documents/<id>/context``) and its page; the
chronology's day, week and month views of the busiest and of the sparsest span, a month and a week with a
search filter, the longest range (93 days) and the default view. Each page with its ``.json`` twin, and
the ``/api/`` routes once each.

``readingroom serve --workers 2`` serves the data directory; every URL is asked for ``--warmup`` times,
then ``--requests`` times by one client (stopping early after ``--max-seconds`` per URL), then the whole
mix by ``--concurrency`` clients (``--throughput-requests`` in all; 0 skips it). ``--explain`` runs each
URL whose p50 misses ``--budget-ms`` once more in this process, with its SQL counted and timed, and prints
the query plans of its slowest queries. The load average is sampled during the run (other work on the
machine shows in the figures).
Prints a table and writes ``bench/results/archive_pages-<N>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import random
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.corpus import generate  # noqa: E402
from bench.search import free_port, pct, rss_mb  # noqa: E402

run_import = importlib.import_module("bench.import").run_import  # ("import" is a keyword)


# ---------------------------------------------------------------- the data directory
def ensure_data(args) -> dict:
    """Reuse ``--data-dir`` when it holds documents, else generate and import ``--size`` documents."""
    data = args.data_dir
    db = data / "readingroom.sqlite3"
    if db.exists() and db.stat().st_size > 1 << 20 and not args.reimport:
        return {"reused": True}
    if not args.size:
        sys.exit(f"{data} holds no archive: give --size N to build one")
    jsonl = args.jsonl or args.work / f"synth-{args.size}.jsonl"
    if not jsonl.exists():
        info = generate(args.size, jsonl)
        print(f"generated {args.size:,} documents into {jsonl} in {info['seconds']} s", flush=True)
    print(f"importing {jsonl} into {data} ...", flush=True)
    # 1M generated documents are about 5.3 GB: above the import's default file limit (4096 MB)
    need_mb = jsonl.stat().st_size // 2**20 + 1
    if int(os.environ.get("READINGROOM_MAX_IMPORT_FILE_MB", "4096")) < need_mb:
        os.environ["READINGROOM_MAX_IMPORT_FILE_MB"] = str(need_mb)
    report = run_import(data, [str(jsonl)])
    print(
        f"imported {report['documents']:,} documents in {report['seconds']:,.0f} s "
        f"({report['documents_per_second']:,.0f}/s), db {report['database_mb']:,} MB, "
        f"index {report['search_index_mb']:,} MB",
        flush=True,
    )
    return {"reused": False, "import": report}


# ---------------------------------------------------------------- picking the URLs
def pick_urls(filter_word: str) -> tuple[list[tuple[str, str]], dict]:
    """``[(name, path)]`` for the pages to measure, chosen from the data, and what was found."""
    from django.db.models import Count

    from readingroom.archives.models import Archive, Node
    from readingroom.documents.models import Document

    published = Document.objects.filter(status=Document.Status.PUBLISHED)
    n_docs = published.count()
    per_archive = dict(
        published.filter(holding_archive__isnull=False)
        .values_list("holding_archive")
        .annotate(n=Count("id"))
        .values_list("holding_archive", "n")
    )
    archives = {a.pk: a.identifier for a in Archive.objects.filter(pk__in=list(per_archive))}
    here = dict(
        published.filter(archive_node__isnull=False)
        .values_list("archive_node")
        .annotate(n=Count("id"))
        .values_list("archive_node", "n")
    )
    nodes = {
        pk: {"id": pk, "archive": archive_id, "level": level, "tree": tree, "depth": depth, "parent": parent}
        for pk, archive_id, level, tree, depth, parent in Node.objects.values_list(
            "pk", "archive_id", "level", "tree", "depth", "parent_id"
        )
    }
    below: Counter = Counter()
    for pk, n in here.items():
        for part in nodes[pk]["tree"].split("."):
            if part:
                below[int(part)] += n
    children = Counter(n["parent"] for n in nodes.values() if n["parent"])
    found: dict = {
        "documents": n_docs,
        "archives": len(per_archive),
        "levels": len(nodes),
        "documents_in_levels": sum(here.values()),
        "picked": {},
    }
    urls: list[tuple[str, str]] = []

    def level_url(pk: int) -> str:
        return f"/archives/{archives.get(nodes[pk]['archive'], '')}/n/{pk}"

    def add(name: str, path: str, api: str | None = None) -> None:
        """A page, its .json twin (before the query string) and, once, its API route."""
        base, _, query = path.partition("?")
        urls.append((name, path))
        urls.append((f"{name} .json", f"{base}.json" + (f"?{query}" if query else "")))
        if api:
            urls.append((f"{name} API", api))

    # the archives
    add("/archives", "/archives", "/api/archives")
    if per_archive:
        top = max(per_archive, key=per_archive.get)
        ident = archives[top]
        direct = published.filter(holding_archive_id=top, archive_node__isnull=True).count()
        levels = Node.objects.filter(archive_id=top, parent__isnull=True).count()
        last = max(1, -(-max(direct, levels) // 50))
        found["picked"]["archive"] = {
            "id": ident,
            "documents": per_archive[top],
            "documents_here": direct,
            "top_levels": levels,
            "last_page": last,
        }
        add(f"archive {ident} p1", f"/archives/{ident}", f"/api/archives/{ident}")
        if last > 1:
            add(f"archive {ident} p{last}", f"/archives/{ident}?page={last}")

    # the hierarchy: per kind of level, the most documents below, the most here (first and last page)
    picked_levels: dict = {}
    api_done = False
    seen: set = set()
    for level in ("fonds", "series", "subseries", "volume", "file"):
        of_level = [pk for pk, n in nodes.items() if n["level"] == level and n["archive"] in archives]
        if not of_level:
            continue
        for how, key in (("most below", below), ("most here", Counter(here)), ("most sub-levels", children)):
            if how == "most sub-levels" and level == "file":
                continue
            pk = max(of_level, key=lambda p: (key.get(p, 0), -p))
            if not key.get(pk):
                continue
            info = {
                "id": pk,
                "depth": nodes[pk]["depth"],
                "below": below.get(pk, 0),
                "here": here.get(pk, 0),
                "sub_levels": children.get(pk, 0),
            }
            picked_levels[f"{level} ({how})"] = info
            if pk in seen:
                continue
            seen.add(pk)
            last = max(1, -(-max(info["here"], info["sub_levels"]) // 50))
            name = f"{level} {pk} ({how}: {key[pk]:,})"
            add(f"{name} p1", level_url(pk), None if api_done else f"/api/levels/{pk}")
            api_done = True
            if last > 1:
                add(f"{name} p{last}", f"{level_url(pk)}?page={last}")
    found["picked"]["levels"] = picked_levels

    # a document's place: the middle document (in folio order) of the fullest level
    if here:
        fullest = max(here, key=here.get)
        order = list(
            published.filter(archive_node_id=fullest)
            .order_by("folio_sort", "identifier")
            .values_list("identifier", flat=True)[:5000]
        )
        doc = order[len(order) // 2]
        found["picked"]["document"] = {"id": doc, "level": fullest, "position": len(order) // 2 + 1}
        urls.append(("document context API", f"/api/documents/{doc}/context"))
        urls.append(("document page (context panel)", f"/documents/{doc}"))

    # the chronology: published documents per day, week and month
    per_day = dict(
        published.filter(date_sort__isnull=False)
        .values_list("date_sort")
        .annotate(n=Count("id"))
        .values_list("date_sort", "n")
    )
    if per_day:
        weeks: Counter = Counter()
        months: Counter = Counter()
        for day, n in per_day.items():
            weeks[day - dt.timedelta(days=day.weekday())] += n
            months[day.replace(day=1)] += n
        chron: dict = {"days_with_documents": len(per_day)}
        for span, counts in (("day", Counter(per_day)), ("week", weeks), ("month", months)):
            busy = max(counts, key=lambda d: (counts[d], d))
            sparse = min(counts, key=lambda d: (counts[d], d))
            chron[span] = {"busy": [busy.isoformat(), counts[busy]], "sparse": [sparse.isoformat(), counts[sparse]]}
            add(f"chronology {span} busy ({counts[busy]:,})", f"/chronology?span={span}&date={busy.isoformat()}")
            add(
                f"chronology {span} sparse ({counts[sparse]:,})",
                f"/chronology?span={span}&date={sparse.isoformat()}",
            )
        busy_month = max(months, key=months.get)
        busy_week = max(weeks, key=weeks.get)
        language = (
            Document.original_languages.through.objects.values_list("language__code")
            .annotate(n=Count("id"))
            .order_by("-n")
            .values_list("language__code", flat=True)[1:2]
        )
        language = list(language)
        if language:
            add(
                f"chronology month busy language={language[0]}",
                f"/chronology?span=month&date={busy_month.isoformat()}&language={language[0]}",
                f"/api/chronology?span=month&date={busy_month.isoformat()}&language={language[0]}",
            )
        add(
            f"chronology week busy q={filter_word}",
            f"/chronology?span=week&date={busy_week.isoformat()}&q={filter_word}",
        )
        start = busy_month
        add(
            "chronology range 93 days",
            f"/chronology?from={start.isoformat()}&to={(start + dt.timedelta(days=92)).isoformat()}",
        )
        add("chronology (default: first day's week)", "/chronology")
        found["picked"]["chronology"] = chron
    return urls, found


# ---------------------------------------------------------------- measuring
HEADERS: dict[str, str] = {}


def fetch(url: str) -> tuple[int, int, float]:
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=HEADERS), timeout=300) as r:
            body = r.read()
            status = r.status
    except urllib.error.HTTPError as exc:
        body = exc.read()
        status = exc.code
    return status, len(body), (time.perf_counter() - t0) * 1000


class LoadSampler(threading.Thread):
    """The 1-minute load average every 5 s, while the benchmark runs."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.samples.append(os.getloadavg()[0])
            self.stop.wait(5)

    def summary(self) -> dict:
        s = self.samples or [0.0]
        return {"min": min(s), "mean": round(sum(s) / len(s), 2), "max": max(s), "samples": len(s)}


def busiest_processes(exclude: set[int]) -> list[str]:
    """What else was running (the top CPU users, this benchmark and its server left out)."""
    out = subprocess.run(
        ["ps", "-eo", "pid=,pcpu=,etime=,args=", "--sort=-pcpu"], capture_output=True, text=True
    ).stdout
    rows = []
    for line in out.splitlines():
        pid, cpu, etime, cmd = line.split(None, 3)
        if int(pid) in exclude or float(cpu) < 5:
            continue
        rows.append(f"{cpu}% {etime} {cmd[:120]}")
    return rows[:6]


def sequential(base: str, urls, warmup: int, requests: int, max_seconds: float) -> dict:
    for name, path in urls:  # warm up (and check every URL answers)
        for _ in range(warmup):
            status, size, _ = fetch(base + path)
        if status != 200:
            print(f"  ! {name}: {path} answered {status}", flush=True)
    results = {}
    for name, path in urls:
        times, statuses, size = [], Counter(), 0
        t_end = time.monotonic() + max_seconds
        for i in range(requests):
            status, size, ms = fetch(base + path)
            times.append(ms)
            statuses[status] += 1
            if i >= 4 and time.monotonic() > t_end:
                break
        results[name] = {
            "path": path,
            "n": len(times),
            "p50": round(pct(times, 50), 1),
            "p95": round(pct(times, 95), 1),
            "p99": round(pct(times, 99), 1),
            "max": round(max(times), 1),
            "bytes": size,
            "statuses": dict(statuses),
            "load": round(os.getloadavg()[0], 2),
        }
        r = results[name]
        flag = "  " if r["p50"] <= BUDGET_MS else " *"
        print(
            f"{flag}{name[:62]:62} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['p99']:>8.1f} {r['n']:>4} {r['bytes']:>8}"
            f"{'' if set(statuses) == {200} else '  ' + str(dict(statuses))}",
            flush=True,
        )
    return results


def throughput(base: str, urls, clients: int, total: int) -> dict:
    """``clients`` threads sending the whole mix in shuffled order, ``total`` requests in all."""
    paths = [p for _, p in urls]
    jobs = [paths[i % len(paths)] for i in range(total)]
    random.Random(7).shuffle(jobs)
    lock = threading.Lock()
    done: list[float] = []
    errors: list[str] = []

    def client() -> None:
        while True:
            with lock:
                if not jobs:
                    return
                path = jobs.pop()
            try:
                status, _, ms = fetch(base + path)
                if status != 200:
                    errors.append(f"{status} {path}")
            except OSError as exc:
                errors.append(f"{exc} {path}")
                continue
            with lock:
                done.append(ms)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {
        "clients": clients,
        "requests": len(done),
        "errors": len(errors),
        "error_examples": errors[:5],
        "rps": round(len(done) / wall, 1),
        "p50": round(pct(done, 50), 1) if done else None,
        "p95": round(pct(done, 95), 1) if done else None,
        "p99": round(pct(done, 99), 1) if done else None,
        "load": round(os.getloadavg()[0], 2),
    }


def explain(path: str, top: int = 3) -> dict:
    """The request once more in this process: its SQL statements counted and timed, the query plans of the
    slowest ones."""
    from django.db import connection
    from django.test import Client

    statements: list[tuple[float, str, tuple]] = []

    def timed(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append(((time.perf_counter() - t0) * 1000, sql, tuple(params or ())))

    client = Client(HTTP_HOST="127.0.0.1")
    if "Cookie" in HEADERS:
        name, _, value = HEADERS["Cookie"].partition("=")
        client.cookies[name] = value
    client.get(path)  # warm (caches, connection)
    statements.clear()
    t0 = time.perf_counter()
    with connection.execute_wrapper(timed):
        response = client.get(path)
    wall = (time.perf_counter() - t0) * 1000
    slowest = sorted(statements, key=lambda s: -s[0])[:top]
    out = {
        "path": path,
        "status": response.status_code,
        "ms_in_process": round(wall, 1),
        "queries": len(statements),
        "sql_ms": round(sum(s[0] for s in statements), 1),
        "slowest": [],
    }
    with connection.cursor() as cur:
        for ms, sql, params in slowest:
            plan = []
            if connection.vendor == "sqlite" and sql.lstrip().upper().startswith("SELECT"):
                cur.execute("EXPLAIN QUERY PLAN " + sql, params)
                plan = [row[-1] for row in cur.fetchall()]
            out["slowest"].append(
                {"ms": round(ms, 1), "sql": sql[:600], "params": [str(p)[:40] for p in params][:8], "plan": plan}
            )
    return out


BUDGET_MS = 100.0


def main() -> None:
    global BUDGET_MS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, help="default: --work/data-synth-N")
    ap.add_argument("--size", type=int, default=0, help="documents to generate and import when the data dir is empty")
    ap.add_argument("--jsonl", type=Path, help="the generated corpus (default --work/synth-N.jsonl)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/readingroom-bench"))
    ap.add_argument("--reimport", action="store_true", help="import again into an existing data dir")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--requests", type=int, default=30, help="sequential requests per URL")
    ap.add_argument("--max-seconds", type=float, default=20.0, help="per URL (at least 5 requests)")
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--throughput-requests", type=int, default=600, help="0: no throughput run")
    ap.add_argument("--budget-ms", type=float, default=100.0)
    ap.add_argument("--explain", action="store_true", help="profile the URLs over budget in process")
    ap.add_argument("--filter-word", default="Soviet", help="the q= filter of a chronology view")
    ap.add_argument("--only", default="", help="measure only the URLs whose name contains this")
    ap.add_argument(
        "--cookie",
        default="",
        help="a Cookie header for every request (sessionid=x: a reader with a session, whom page caches skip)",
    )
    ap.add_argument("--output", type=Path)
    args = ap.parse_args()
    if args.cookie:
        HEADERS["Cookie"] = args.cookie
    BUDGET_MS = args.budget_ms
    if args.data_dir is None:
        if not args.size:
            sys.exit("give --data-dir or --size")
        args.data_dir = args.work / f"data-synth-{args.size}"
    args.work.mkdir(parents=True, exist_ok=True)
    os.environ["READINGROOM_DATA_DIR"] = str(args.data_dir)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    built = ensure_data(args)

    os.environ["DJANGO_SETTINGS_MODULE"] = "readingroom.settings"
    import django

    django.setup()
    t0 = time.monotonic()
    urls, found = pick_urls(args.filter_word)
    if args.only:
        urls = [(n, p) for n, p in urls if args.only in n]
    print(
        f"{found['documents']:,} published documents, {found['archives']} archives, {found['levels']:,} levels "
        f"({found['documents_in_levels']:,} documents in them); {len(urls)} URLs picked in "
        f"{time.monotonic() - t0:.1f} s",
        flush=True,
    )
    n = found["documents"]
    results: dict = {
        "documents": n,
        "data_dir": str(args.data_dir),
        "data": built,
        "found": found,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_before": os.getloadavg(),
        },
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "server_workers": 2,
        "budget_ms": args.budget_ms,
        "cookie": args.cookie,
    }

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "readingroom.cli", "serve", "--port", str(port), "--workers", "2"],
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=str(ROOT),
    )
    base = f"http://127.0.0.1:{port}"
    sampler = LoadSampler()
    sampler.start()
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                urllib.request.urlopen(base + "/api/archives", timeout=60).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        kids = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        ours = {os.getpid(), server.pid, *map(int, kids)}
        results["machine"]["other_processes_at_start"] = busiest_processes(ours)
        print(f"\n  {'sequential, 1 client (ms)':62} {'p50':>8} {'p95':>8} {'p99':>8} {'n':>4} {'bytes':>8}")
        results["sequential"] = sequential(base, urls, args.warmup, args.requests, args.max_seconds)
        if args.throughput_requests:
            results["throughput"] = throughput(base, urls, args.concurrency, args.throughput_requests)
            t = results["throughput"]
            print(
                f"\nthroughput, {t['clients']} clients over the mix: {t['rps']} requests/s, p50 {t['p50']} ms, "
                f"p95 {t['p95']} ms, p99 {t['p99']} ms, {t['errors']} errors",
                flush=True,
            )
        kids = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        results["server_rss_mb"] = rss_mb([server.pid, *map(int, kids)])
        results["machine"]["other_processes_at_end"] = busiest_processes(ours | set(map(int, kids)))
    finally:
        server.terminate()
        server.wait(timeout=30)
        sampler.stop.set()
    results["machine"]["load_average_during"] = sampler.summary()
    seq = results["sequential"]
    over = {k: v for k, v in seq.items() if v["p50"] > args.budget_ms}
    results["over_budget"] = sorted(over, key=lambda k: -over[k]["p50"])
    print(
        f"\n{len(seq) - len(over)}/{len(seq)} URLs under {args.budget_ms:.0f} ms p50; load average during the run "
        f"{results['machine']['load_average_during']}",
        flush=True,
    )
    for name in results["over_budget"]:
        print(f"  over: {name}: p50 {seq[name]['p50']} ms  {seq[name]['path']}")
    if args.explain and over:
        results["explain"] = {}
        for name in results["over_budget"]:
            e = explain(seq[name]["path"])
            results["explain"][name] = e
            print(f"\n{name}: {e['ms_in_process']} ms in process, {e['queries']} queries, {e['sql_ms']} ms in SQL")
            for s in e["slowest"]:
                print(f"  {s['ms']:>8.1f} ms  {s['sql'][:220]}")
                for line in s["plan"][:6] + (["..."] if len(s["plan"]) > 6 else []):
                    print(f"             {line}")
    out = args.output or ROOT / "bench" / "results" / f"archive_pages-{n}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
