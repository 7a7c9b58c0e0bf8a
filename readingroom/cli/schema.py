"""Is the database schema this version's? Commands check it when they start, instead of migrating each time.

A database without tables (a new data directory, an empty PostgreSQL database) is created on first use, so
that a new user's first ``readingroom import`` works: migrating it is creating it. A database whose schema
is behind this version (migrations it has not applied) is upgraded only when asked, by ``readingroom
migrate`` or ``readingroom bootstrap``: an upgrade can take long and is best run while nothing else uses
the database. The check reads the migration files and the ``django_migrations`` table: no schema change,
no signal handlers.
"""

from __future__ import annotations

import sys
import time

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder


class SchemaBehind(Exception):
    """The database has migrations of this version not applied; the message says what to run."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        super().__init__(
            f"the database schema is behind this version ({len(names)} migration{'s' if len(names) != 1 else ''}"
            f" not applied: {shown}); run `readingroom migrate` (or `readingroom bootstrap`)"
        )


def is_new(using: str = DEFAULT_DB_ALIAS) -> bool:
    """True for a database no migration ever ran on (it has no ``django_migrations`` table)."""
    return not MigrationRecorder(connections[using]).has_table()


def unapplied(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The migrations of this version the database has not applied, as ``app.name``, in the order they run."""
    executor = MigrationExecutor(connections[using])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, backwards in plan if not backwards]


def ensure_current(using: str = DEFAULT_DB_ALIAS) -> None:
    """Create a new database; raise :class:`SchemaBehind` for one whose schema is behind this version."""
    if is_new(using):
        call_command("migrate", interactive=False, verbosity=0, database=using)
        return
    names = unapplied(using)
    if names:
        raise SchemaBehind(names)


def migrate(quiet: bool = False, using: str = DEFAULT_DB_ALIAS) -> int:
    """Apply this version's migrations (and what runs after every migrate: the roles and their permissions)
    with a progress line on standard error; returns how many were applied. ``quiet``: say something only
    when an existing database is upgraded."""
    new = is_new(using)
    names = [] if new else unapplied(using)
    said = bool(names) or (new and not quiet)
    if names:
        print(
            f"migrate: applying {len(names)} migrations ({names[0]} ... {names[-1]}) ..."
            if len(names) > 1
            else f"migrate: applying {names[0]} ...",
            file=sys.stderr,
            flush=True,
        )
    elif said:
        print("migrate: creating the database schema ...", file=sys.stderr, flush=True)
    t0 = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0, database=using)
    if said:
        print(f"migrate: the database schema is up to date ({time.monotonic() - t0:.1f} s)", file=sys.stderr)
    elif not quiet:
        print("migrate: the database schema is up to date", file=sys.stderr)
    return len(names)
