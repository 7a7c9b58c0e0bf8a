"""``readingroom``: the command line, a thin layer over the same service functions as the site.

Example::

    readingroom import ../shared/corpus/seed/
    readingroom show wilson-300023
    readingroom export --format jsonl > archive.jsonl
    readingroom export --format bibtex --query "Khrushchev" > khrushchev.bib
    readingroom cite wilson-300023 --style chicago
    readingroom serve --port 8000

The package: :mod:`.arguments` (every command and option: the parser; no Django), then one module per group of commands,
imported only once :func:`main` has set Django up, so they import models and services at module level:
:mod:`.records` (import, export, show, cite, delete, submit/publish/withdraw), :mod:`.search` (search, lemmas,
reindex), :mod:`.scans` (attach, jobs), :mod:`.worker`, :mod:`.preservation` (fixity, bag, backup), :mod:`.server`
(bootstrap, serve), :mod:`.manage` (migrate, manage); :mod:`.schema` (is the database schema current?),
:mod:`.progress` (the import progress bar) and :mod:`.indexing` (waiting for the search index).
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import django
from django.conf import settings

from readingroom.cli.arguments import parser

__all__ = ["main", "parser"]

#: Commands that bring the schema up to date themselves or must work while it is behind.
UNCHECKED = {"migrate", "bootstrap", "manage", "lemmas"}


def setup(data_dir: str | None = None) -> None:
    """Set Django up (once) for the data directory ``data_dir`` (default: $READINGROOM_DATA_DIR or ./data)."""
    if data_dir:
        os.environ["READINGROOM_DATA_DIR"] = str(Path(data_dir).resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readingroom.settings")
    django.setup()


def _database() -> str:
    db = settings.DATABASES["default"]
    return f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}" if db.get("HOST") else db["NAME"]


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    setup(args.data_dir)
    # deferred: these need Django set up (above); the command's own module is imported the same way below
    from django.db.utils import OperationalError

    from readingroom.cli import schema

    module, _, name = args.handler.partition(":")
    try:
        if args.command not in UNCHECKED:
            schema.ensure_current()  # a new database is created; one behind this version stops the command
        handler = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        return handler(args)
    except schema.SchemaBehind as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OperationalError as exc:  # the database cannot be reached or used: one line, no traceback
        print(
            f"error: cannot use the database {_database()}: {(str(exc).strip().splitlines() or ['?'])[0]}",
            file=sys.stderr,
        )
        return 2
