"""Import benchmark: the real corpus and scaled corpora, through the real ``readingroom import`` command.

    .venv/bin/python bench/import.py                 # real corpus + 10k + 100k
    .venv/bin/python bench/import.py --sizes 10000 100000 1000000
    .venv/bin/python bench/import.py --sizes 100000 --no-real --raw-engine   # and the engine alone

For each run: a fresh data directory, ``readingroom import`` in a subprocess (two processes: reader and
store), then a re-import (all unchanged). Prints and writes ``bench/results/import.json``: documents/s,
total seconds, peak RSS of the import (MB: its two processes together, and the importer alone), database
and search index size (MB), and CPU seconds by thread (storing, reading, tantivy's indexing, merges, doc
store) with the cores used and the storing thread's CPU over the indexing thread's (a figure that moves far
less than documents/s with this shared machine's speed: compare code with it, or with interleaved runs).
With ``--raw-engine``, each synthetic corpus is also indexed by tantivy alone (``bench/raw_index.py``: the same
schema, analysis and writer, no database): its CPU per document is the engine's own floor for the import.
Scaled corpora are generated once into ``--work`` (default /tmp/readingroom-bench) by bench/corpus.py.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.corpus import CORPUS, generate  # noqa: E402

READINGROOM = [sys.executable, "-m", "readingroom.cli"]


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


#: what each thread of an import is, by the name the kernel knows it by (tantivy names its threads)
THREAD_KINDS = (("thrd-tantivy", "indexing"), ("merge_thread", "merges"), ("docstore", "doc store"))


def thread_ticks(pid: int, own: str) -> dict[tuple[int, str], int]:
    """CPU ticks (user + system) of each thread of a process so far: ``(thread id, kind) -> ticks``, the kind
    ``own`` for the process's own (Python) thread, else by :data:`THREAD_KINDS` (``other``)."""
    out: dict[tuple[int, str], int] = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        kind = own if tid == str(pid) else next((k for prefix, k in THREAD_KINDS if name.startswith(prefix)), "other")
        out[(int(tid), kind)] = int(fields[11]) + int(fields[12])
    return out


def run_import(data_dir: Path, sources: list[str]) -> dict:
    env = {**os.environ, "READINGROOM_DATA_DIR": str(data_dir)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    # the 1M corpus is one 5.3 GB JSON Lines file: over the default 4,096 MB limit of one import file, which an
    # operator raises the same way (docs/limits-import.md)
    largest = max((Path(s).stat().st_size for s in sources if Path(s).is_file()), default=0)
    env.setdefault("READINGROOM_MAX_IMPORT_FILE_MB", str(max(4096, largest // 2**20 + 1)))
    subprocess.run([*READINGROOM, "bootstrap"], env=env, check=True, capture_output=True)
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [*READINGROOM, "import", "--quiet", "--json", *sources],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = {"main": 0, "total": 0}
    ticks: dict[tuple[int, str], int] = {}  # the last reading of every thread seen (threads come and go)
    stop = threading.Event()

    def sample() -> None:  # peak RSS and CPU by thread of the importer and its reader process, every 0.2 s
        while not stop.is_set():
            main = rss_kb(proc.pid)
            children = [
                int(p)
                for p in subprocess.run(
                    ["ps", "-o", "pid=", "--ppid", str(proc.pid)], capture_output=True, text=True
                ).stdout.split()
            ]
            peak["main"] = max(peak["main"], main)
            peak["total"] = max(peak["total"], main + sum(rss_kb(p) for p in children))
            ticks.update(thread_ticks(proc.pid, "storing"))
            for child in children:  # the reader process: all of its threads are reading
                ticks.update({(tid, "reading"): n for (tid, _), n in thread_ticks(child, "reading").items()})
            stop.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.monotonic() - t0
    stop.set()
    sampler.join()
    report = json.loads(out)
    hz = os.sysconf("SC_CLK_TCK")
    cpu: dict[str, float] = {}
    for (_, kind), n in ticks.items():
        cpu[kind] = cpu.get(kind, 0.0) + n / hz
    db = data_dir / "readingroom.sqlite3"
    size = sum(p.stat().st_size for p in data_dir.glob("readingroom.sqlite3*"))
    return {
        "documents": report["imported"] + report["updated"] + report["unchanged"],
        "imported": report["imported"],
        "unchanged": report["unchanged"],
        "rejected": report["rejected"],
        "seconds": round(wall, 2),
        "import_seconds": report["seconds"],
        "documents_per_second": round((report["imported"] + report["unchanged"] + report["rejected"]) / wall, 1),
        "peak_rss_mb": round(peak["total"] / 1024, 1),
        "peak_rss_main_mb": round(peak["main"] / 1024, 1),
        "database_mb": round(size / 2**20, 1),
        "search_index_mb": round(
            sum(p.stat().st_size for p in (data_dir / "search").rglob("*") if p.is_file()) / 2**20, 1
        ),
        "database": str(db),
        # CPU seconds by thread (storing: the importer's own thread, its start-up included; reading: the reader
        # process; indexing: tantivy's indexing thread; merges, doc store, other), the cores they kept busy on
        # average, and the storing thread's CPU over the indexing thread's: this machine's speed varies from
        # hour to hour, that ratio much less (the same documents go through both)
        "cpu_seconds": {k: round(v, 1) for k, v in sorted(cpu.items())},
        "cores_used": round(sum(cpu.values()) / wall, 2) if wall else 0.0,
        "storing_per_indexing": round(cpu.get("storing", 0) / cpu["indexing"], 2) if cpu.get("indexing") else None,
    }


def bench(name: str, sources: list[str], work: Path, keep: bool) -> dict:
    data_dir = work / f"data-{name}"
    shutil.rmtree(data_dir, ignore_errors=True)
    first = run_import(data_dir, sources)
    again = run_import(data_dir, sources)
    if not keep:
        shutil.rmtree(data_dir, ignore_errors=True)
    row = {"corpus": name, "import": first, "reimport": again}
    print(
        f"{name:>10}: {first['documents']:>9,} docs  {first['seconds']:>8.1f} s  "
        f"{first['documents_per_second']:>7,.0f} docs/s  "
        f"RSS {first['peak_rss_mb']} MB (importer {first['peak_rss_main_mb']} MB)  "
        f"db {first['database_mb']:,} MB, index {first['search_index_mb']:,} MB  | re-import {again['seconds']:.1f} s "
        f"({again['documents_per_second']:,.0f} docs/s, {again['unchanged']:,} unchanged)\n"
        f"{'':>12}CPU s: "
        + ", ".join(f"{k} {v:,.1f}" for k, v in first["cpu_seconds"].items())
        + f"  (cores used {first['cores_used']}, storing/indexing {first['storing_per_indexing']})",
        flush=True,
    )
    return row


def raw_engine(corpus: Path) -> dict:
    """bench/raw_index.py on ``corpus``: tantivy's CPU per document for the documents an import hands it."""
    env = {**os.environ}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "raw_index.py"), str(corpus)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--work", type=Path, default=Path("/tmp/readingroom-bench"))
    ap.add_argument("--no-real", action="store_true", help="skip the real corpus")
    ap.add_argument("--keep", action="store_true", help="keep the data directories (the search benchmark reuses them)")
    ap.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "import.json")
    ap.add_argument(
        "--raw-engine",
        action="store_true",
        help="also index each synthetic corpus with tantivy alone (bench/raw_index.py): the engine's own floor",
    )
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "runs": [],
    }
    if not args.no_real:
        sources = [str(CORPUS / "seed"), str(CORPUS / "frus" / "volumes"), str(CORPUS / "un-general-debates")]
        results["runs"].append(bench("real", sources, args.work, args.keep))
    for n in args.sizes:
        path = args.work / f"synth-{n}.jsonl"
        if not path.exists():
            info = generate(n, path)
            print(
                f"generated {n:,} documents ({info['mean_chars']:,} chars each on average) in {info['seconds']} s",
                flush=True,
            )
        results["runs"].append(bench(f"synth-{n}", [str(path)], args.work, args.keep))
        if args.raw_engine:
            results["runs"][-1]["raw_engine"] = raw = raw_engine(path)
            print(
                f"{'':>12}raw engine (tantivy alone, same schema, analysis and writer): "
                f"{raw['ms_per_document']} CPU ms a document (indexing, merges, doc store), at most "
                f"{raw['engine_ceiling_documents_per_second']:,} documents/s",
                flush=True,
            )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
