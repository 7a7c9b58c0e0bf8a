"""The database and Django: ``migrate`` and ``manage`` (any Django management command)."""

from __future__ import annotations

from django.core.management import execute_from_command_line

from readingroom.cli import schema


def cmd_migrate(args) -> int:
    schema.migrate()
    return 0


def cmd_manage(args) -> int:
    execute_from_command_line(["readingroom manage", *args.args])
    return 0
