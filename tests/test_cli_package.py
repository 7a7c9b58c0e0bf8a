"""The command line as a package: its reference in README.md is the parser's, a new data directory works at once,
and a database whose schema is behind this version stops every command (one line, exit 2) until it is migrated."""

from __future__ import annotations

import argparse
import re

import pytest

from readingroom.cli import parser
from tests.conftest import CLI, RECORD_ID, ROOT, free_port

MIGRATIONS = ROOT / "readingroom" / "documents" / "migrations"
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]*")


def _commands(p: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    [sub] = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def _options(p: argparse.ArgumentParser) -> set[str]:
    """The long options a reader may use (not --help, not the ones hidden from --help)."""
    return {
        o
        for a in p._actions
        if a.help != argparse.SUPPRESS and not isinstance(a, argparse._HelpAction)
        for o in a.option_strings
        if o.startswith("--")
    }


def _documented() -> tuple[set[str], dict[str, set[str]]]:
    """The README's CLI reference: the global options, and each command with the options shown for it.
    A line names its command(s) (``submit|publish``) and options before its ``#`` comment."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## The command line", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    global_options: set[str] = set()
    commands: dict[str, set[str]] = {}
    for line in block.splitlines():
        code = line.split("#", 1)[0].strip()
        if not code.startswith("readingroom "):
            continue
        word = code.split()[1]
        if word.startswith("["):
            global_options |= set(OPTION.findall(code))
            continue
        for name in word.split("|"):
            commands.setdefault(name, set()).update(OPTION.findall(code))
    return global_options, commands


def test_the_cli_reference_is_the_parsers():
    """Every command and long option of the parser is in README's reference, and nothing the parser lacks."""
    p = parser()
    global_options, documented = _documented()
    assert global_options == _options(p), "README's first line shows the options every command takes"
    actual = {name: _options(sub) for name, sub in _commands(p).items()}
    assert sorted(documented) == sorted(actual), (
        f"commands missing from README: {sorted(set(actual) - set(documented))}; "
        f"in README but not in the parser: {sorted(set(documented) - set(actual))}"
    )
    for name, options in actual.items():
        assert documented[name] == options, (
            f"readingroom {name}: options missing from README: {sorted(options - documented[name])}; "
            f"in README but not in the parser: {sorted(documented[name] - options)}"
        )


def test_every_command_answers_help_without_a_data_directory(tmp_path):
    """``--help`` is answered from the parser alone: no data directory, no database."""
    cli = CLI(tmp_path / "data")
    for name in [None, *_commands(parser())]:
        result = cli(*([name] if name else []), "--help")
        assert result.stdout.startswith("usage: readingroom"), result.stdout
    assert not cli.data_dir.exists()


def test_a_new_data_directory_works_without_bootstrap(cli, record_path):
    """A brand-new data directory is created by the first command that uses it, silently."""
    jobs = cli("jobs")
    assert jobs.stdout.startswith("queued 0") and jobs.stderr == ""
    assert "imported 1" in cli("import", str(record_path)).stdout
    assert RECORD_ID in cli("search", "--format", "json").stdout
    assert cli("migrate").stderr == "migrate: the database schema is up to date\n"


def _latest_two() -> tuple[str, str]:
    names = sorted(p.stem for p in MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.py"))
    return names[-2], names[-1]


def _behind(cli: CLI, record_path) -> str:
    """A data directory in use whose schema an older version left: the latest documents migration undone,
    as a downgrade (or a restore of an older database) does. Returns that migration as ``app.name``."""
    cli("import", str(record_path))
    previous, latest = _latest_two()
    cli("manage", "migrate", "documents", previous, "--noinput")
    return f"documents.{latest}"


def _refused(result, migration: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("error: the database schema is behind this version (")
    assert migration in line and line.endswith("run `readingroom migrate` (or `readingroom bootstrap`)")


@pytest.mark.parametrize("fix", ["migrate", "bootstrap"])
def test_a_schema_behind_stops_commands_until_migrated(cli, record_path, fix):
    migration = _behind(cli, record_path)
    for command in (["jobs"], ["search", "wang"], ["show", RECORD_ID], ["import", str(record_path)]):
        _refused(cli(*command, check=False), migration)
    # serve refuses before it starts anything (no index healing, no worker, no gunicorn)
    _refused(cli("serve", "--port", str(free_port()), "--no-worker", check=False), migration)

    fixed = cli(fix)
    assert f"migrate: applying {migration} ..." in fixed.stderr
    assert "migrate: the database schema is up to date" in fixed.stderr
    assert cli("show", RECORD_ID, "--format", "json").stdout
    assert cli("jobs").returncode == 0
    assert "migrate: the database schema is up to date" in cli("migrate").stderr  # again: nothing to apply


@pytest.mark.postgres
def test_a_schema_behind_on_postgresql(postgres_url, tmp_path, record_path):
    pg = CLI(tmp_path / "pg-data", env={"READINGROOM_DATABASE_URL": postgres_url})
    migration = _behind(pg, record_path)
    _refused(pg("search", "wang", check=False), migration)
    _refused(pg("jobs", check=False), migration)
    pg("migrate")
    assert RECORD_ID in pg("search", "--format", "json").stdout


def test_jobs_lists_a_failed_job_over_a_whole_document(cli, record_path):
    """A failed PDF job has no page: ``jobs`` names its document (it used to stop with a traceback)."""
    cli("import", str(record_path))
    cli(
        "manage",
        "shell",
        "-c",
        "from readingroom.documents.models import Document; from readingroom.scans.models import Job; "
        f"Job.objects.create(kind='pdf', document=Document.objects.get(identifier='{RECORD_ID}'), "
        "state='failed', error='no scans')",
    )
    result = cli("jobs")
    assert result.stdout.splitlines() == ["queued 0, running 0, done 0, failed 1", f"failed: pdf {RECORD_ID}: no scans"]
