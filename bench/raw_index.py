"""The raw engine's share of an import: tantivy alone indexing the documents an import would give it.

    .venv/bin/python bench/raw_index.py CORPUS.jsonl [--limit N]

The records of ``CORPUS`` are read and prepared as ``readingroom import`` prepares them (``prepare_file``: read,
normalise, validate, the search document), then handed to a fresh tantivy index with the embedded backend's
own schema, analysis and writer settings (``TantivyBackend``: one indexing thread, 128 MB), a commit every
20,000 documents as the import makes, and waited on to the end of its merges. Nothing is stored in SQLite.

What is measured is the engine's CPU: the process's CPU less this (Python) thread's, so the reading and
preparing, which run here in the same thread, do not count; the time ``add_document`` and the commits keep
this thread waiting does not count either. ``ms_per_document`` is the engine's whole CPU a document (its
indexing thread, merges and doc store): on one core it cannot index faster than
``engine_ceiling_documents_per_second``, whatever the rest of an import costs (the import's own thread figures,
``bench/import.py``, split it by thread). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COMMIT_EVERY = 20_000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--limit", type=int, default=0, help="index only the first N documents (0: all)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="rr-raw-index-") as tmp:
        os.environ["READINGROOM_DATA_DIR"] = tmp
        os.environ["DJANGO_SETTINGS_MODULE"] = "readingroom.settings"
        os.environ.setdefault("READINGROOM_MAX_IMPORT_FILE_MB", str(args.corpus.stat().st_size // 2**20 + 1))
        import django

        django.setup()
        import tantivy

        from readingroom.ingest import readers
        from readingroom.ingest.pipeline import Prepared, prepare_file
        from readingroom.search.backends.tantivy_backend import TantivyBackend

        backend = TantivyBackend(Path(tmp) / "raw")
        writer = backend._get_writer()  # the import's writer settings (heap, threads)
        docs = 0
        cpu0, own0, wall0 = sum(os.times()[:2]), time.thread_time(), time.monotonic()
        fmt = readers.detect(args.corpus)
        if fmt is None:
            raise SystemExit(f"{args.corpus}: not a format Reading Room can import")
        for item in prepare_file(args.corpus, fmt):
            if not isinstance(item, Prepared):
                continue
            writer.add_document(tantivy.Document(**backend.fields(item.search)))
            docs += 1
            if docs % COMMIT_EVERY == 0:
                writer.commit()
            if docs == args.limit:
                break
        writer.commit()
        writer.wait_merging_threads()
        engine = (sum(os.times()[:2]) - cpu0) - (time.thread_time() - own0)
        wall = time.monotonic() - wall0
    ms = 1000 * engine / docs if docs else 0.0
    print(
        json.dumps(
            {
                "documents": docs,
                "engine_cpu_seconds": round(engine, 1),
                "ms_per_document": round(ms, 3),
                "engine_ceiling_documents_per_second": round(1000 / ms) if ms else None,
                "wall_seconds": round(wall, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
