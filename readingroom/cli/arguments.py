"""The grammar of ``readingroom``: every command and option, with its help.

It names each command's handler (``"module:function"`` in this package) instead of importing it, so that
``--help`` and a mistyped option are answered without setting Django up: nothing touches the data directory
or the database until a command runs. One function per command; :data:`COMMANDS` is the order ``readingroom
--help`` lists them in.
"""

from __future__ import annotations

import argparse

BASE_URL_HELP = "scheme and host of permanent URLs (default: $READINGROOM_BASE_URL)"


def _import(sub) -> None:
    s = sub.add_parser("import", help="import documents from files and folders (format detected per file)")
    s.add_argument("paths", nargs="+", metavar="PATH")
    s.add_argument(
        "--format", choices=["seed", "tei", "un-speech", "json", "csv"], help="force a format instead of detecting it"
    )
    s.add_argument("--batch-size", type=int, default=500, help="documents per transaction (default 500)")
    s.add_argument("--json", action="store_true", help="print the summary as JSON")
    s.add_argument("--quiet", action="store_true", help="no progress output")
    s.add_argument("--single-process", action="store_true", help="read and store in one process (default: two)")
    s.add_argument("--draft", action="store_true", help="new documents start as drafts (not public until published)")
    s.add_argument(
        "--no-index",
        action="store_true",
        help="store only; the queued search-index updates run at the next serve, import or reindex",
    )
    s.set_defaults(handler="records:cmd_import")


def _export(sub) -> None:
    s = sub.add_parser("export", help="export every document (or a search's results)")
    s.add_argument(
        "--format",
        choices=["jsonl", "seed", "bibtex", "ris", "csl-json", "dc", "json"],
        required=True,
        help="jsonl/seed: the archive, re-importable; bibtex/ris/csl-json/dc/json: for reference managers",
    )
    s.add_argument("--query", help="only the results of this search (reference-manager formats)")
    s.add_argument("--base-url", help=BASE_URL_HELP)
    s.add_argument("destination", nargs="?", help="a file (default: standard output); seed: a folder")
    s.set_defaults(handler="records:cmd_export")


def _cite(sub) -> None:
    s = sub.add_parser("cite", help="how to cite a document")
    s.add_argument("id")
    s.add_argument("--style", choices=["archive", "chicago", "mla", "apa", "all"], default="archive")
    s.add_argument("--base-url", help=BASE_URL_HELP)
    s.set_defaults(handler="records:cmd_cite")


def _attach(sub) -> None:
    s = sub.add_parser("attach", help="attach scans (PNG, JPEG, TIFF, PDF) to a document; queues OCR")
    s.add_argument("id")
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument("--language", help="language(s) on the pages, comma-separated codes (default: the document's)")
    s.add_argument("--no-ocr", action="store_true", help="do not queue OCR")
    s.set_defaults(handler="scans:cmd_attach")


def _workflow(sub) -> None:
    """The workflow: publish, withdraw, submit; each takes a note."""
    for name, text, note in (
        (
            "publish",
            "publish documents (drafts, documents in review, withdrawn ones)",
            "a public note for the version history",
        ),
        (
            "withdraw",
            "withdraw published documents (their URL answers 410; the id is never reused)",
            "why: shown on the withdrawn document's page",
        ),
        ("submit", "submit drafts for review", "a note for the reviewers (kept in the audit log)"),
    ):
        s = sub.add_parser(name, help=text)
        s.add_argument("ids", nargs="+", metavar="ID")
        s.add_argument("--note", default="", help=note)
        s.set_defaults(handler="records:cmd_status")


def _worker(sub) -> None:
    s = sub.add_parser("worker", help="run background jobs (OCR); readingroom serve runs one itself")
    s.add_argument("--once", action="store_true", help="stop when the queue is empty")
    s.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)
    s.add_argument("--quiet", action="store_true")
    s.set_defaults(handler="worker:cmd_worker")


def _fixity(sub) -> None:
    s = sub.add_parser(
        "fixity", help="re-read every stored file and check its SHA-256; exit 1 if any is missing or altered"
    )
    s.set_defaults(handler="preservation:cmd_fixity")


def _bag(sub) -> None:
    s = sub.add_parser("bag", help="BagIt packages: export the archive, or restore one into an empty data directory")
    s.add_argument("action", choices=["export", "restore"])
    s.add_argument("directory")
    s.add_argument("--collection", help="export: only this collection (identifier or title) and those inside it")
    s.set_defaults(handler="preservation:cmd_bag")


def _backup(sub) -> None:
    s = sub.add_parser(
        "backup", help="a consistent copy of the live SQLite archive (database and files), while serving"
    )
    s.add_argument("destination")
    s.set_defaults(handler="preservation:cmd_backup")


def _jobs(sub) -> None:
    s = sub.add_parser("jobs", help="background jobs by state, and the failed ones")
    s.set_defaults(handler="scans:cmd_jobs")


def _show(sub) -> None:
    s = sub.add_parser("show", help="show one document")
    s.add_argument("id")
    s.add_argument("--format", choices=["text", "json"], default="text")
    s.set_defaults(handler="records:cmd_show")


def _serve(sub) -> None:
    s = sub.add_parser("serve", help="serve the archive over HTTP (gunicorn, one worker per core)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, default=0, help="default: one per CPU core")
    s.add_argument("--access-log", action="store_true", help="log every request to standard output")
    s.add_argument(
        "--no-worker", action="store_true", help="do not run the job worker (run readingroom worker elsewhere)"
    )
    s.set_defaults(handler="server:cmd_serve")


def _search(sub) -> None:
    s = sub.add_parser("search", help="search the archive (the same search as /search and /api/search)")
    s.add_argument("query", nargs="*", help='words, "phrases", OR, -exclude, prefix*, title:/person:/place:/archive:')
    s.add_argument(
        "--filter",
        action="append",
        metavar="FACET=VALUE",
        help="language, translation, repository, collection, subject, person, place, type, classification, "
        "year, decade",
    )
    s.add_argument("--date-from", dest="date_from")
    s.add_argument("--date-to", dest="date_to")
    s.add_argument("--sort", default="relevance", choices=["relevance", "date", "-date", "title", "-title"])
    s.add_argument("--page", type=int, default=1)
    s.add_argument("--limit", type=int, default=10, help="results per page (at most 100)")
    s.add_argument("--facets", action="store_true", help="also print facet counts")
    s.add_argument("--format", choices=["text", "json"], default="text")
    s.set_defaults(handler="search:cmd_search")


def _delete(sub) -> None:
    s = sub.add_parser("delete", help="delete documents (and remove them from the search index)")
    s.add_argument("ids", nargs="+", metavar="ID")
    s.set_defaults(handler="records:cmd_delete")


def _reindex(sub) -> None:
    s = sub.add_parser("reindex", help="rebuild the search index from the records")
    s.set_defaults(handler="search:cmd_reindex")


def _lemmas(sub) -> None:
    s = sub.add_parser(
        "lemmas", help="make the tables of word forms searches look up (once per machine; a first search would)"
    )
    s.set_defaults(handler="search:cmd_lemmas")


def _bootstrap(sub) -> None:
    s = sub.add_parser("bootstrap", help="prepare the data directory; import a demo corpus into an empty archive")
    s.add_argument("--corpus", help="a corpus folder (such as ../shared/corpus) to import when the archive is empty")
    s.set_defaults(handler="server:cmd_bootstrap")


def _migrate(sub) -> None:
    s = sub.add_parser("migrate", help="bring the database schema up to date with this version")
    s.set_defaults(handler="manage:cmd_migrate")


def _manage(sub) -> None:
    s = sub.add_parser("manage", help="run a Django management command (createsuperuser, dbshell, ...)")
    s.add_argument("args", nargs=argparse.REMAINDER)
    s.set_defaults(handler="manage:cmd_manage")


#: The commands in the order ``readingroom --help`` lists them.
COMMANDS = (
    _import,
    _export,
    _cite,
    _attach,
    _workflow,
    _worker,
    _fixity,
    _bag,
    _backup,
    _jobs,
    _show,
    _serve,
    _search,
    _delete,
    _reindex,
    _lemmas,
    _bootstrap,
    _migrate,
    _manage,
)


def parser() -> argparse.ArgumentParser:
    """The ``readingroom`` parser: each command carries ``handler``, the function that runs it."""
    p = argparse.ArgumentParser(prog="readingroom", description="Reading Room: a digital archive of primary sources.")
    p.add_argument("--data-dir", help="where the database and files live (default: $READINGROOM_DATA_DIR or ./data)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command(sub)
    return p
