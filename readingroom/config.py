"""Twelve-factor configuration: everything an operator sets comes from the environment.

``READINGROOM_DATA_DIR``      where the embedded database and stored files live (default ``./data``)
``READINGROOM_DATABASE_URL``  ``postgresql://user@host:port/name`` for the server database;
                              unset means the embedded SQLite file ``<data dir>/readingroom.sqlite3``
``READINGROOM_SECRET_KEY``    the Django secret key (a per-data-dir key is generated when unset)
``READINGROOM_DEBUG``         ``1`` for development error pages
``READINGROOM_ALLOWED_HOSTS`` comma-separated host names (default: localhost names)
``READINGROOM_BASE_URL``      scheme and host of permanent URLs, e.g. ``https://archive.example.org``
                              (unset: the host each request came to)
``READINGROOM_SITE_NAME``     the archive's name (default ``Reading Room``)
``READINGROOM_ADMIN_EMAIL``   the contact address OAI-PMH ``Identify`` gives
``READINGROOM_REPLICA_URLS``  comma-separated ``postgresql://`` URLs of streaming replicas of the database:
                              reads that may lag (readers without a session) go to one (``dbrouter``)
``READINGROOM_REPLICA_RETRY_SECONDS``  how long a replica that refused a connection is skipped (default 10)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

#: one entry of Django's ``DATABASES`` (values of several types: names, numbers, flags, ``OPTIONS``)
DatabaseSettings = dict[str, Any]


def data_dir() -> Path:
    """The data directory, created if missing."""
    path = Path(os.environ.get("READINGROOM_DATA_DIR") or "data").expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def env_bool(name: str, default: bool = False) -> bool:
    return parse_bool(os.environ.get(name), default)


def parse_bool(value: str | None, default: bool = False) -> bool:
    """A setting's yes or no: ``1``, ``true``, ``yes``, ``on`` (any case) are yes; unset or empty is ``default``."""
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def secret_key(directory: Path) -> str:
    """The secret key from the environment, else one kept (mode 600) in the data directory."""
    key = os.environ.get("READINGROOM_SECRET_KEY")
    if key:
        return key
    key_file = directory / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(50)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


class ConfigError(SystemExit):
    """A setting that cannot work: the command stops with this message (no traceback)."""

    def __init__(self, message: str) -> None:
        super().__init__(f"error: {message}")


def _postgres_settings(url: str, variable: str) -> DatabaseSettings:
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        shown = url if not parsed.password else url.replace(parsed.password, "***")
        raise ConfigError(f"{variable}: {shown!r} is not a PostgreSQL URL (use postgresql://user@host:port/name)")
    try:
        port = parsed.port
    except ValueError:
        raise ConfigError(f"{variable}: the port of {parsed.netloc.rsplit('@', 1)[-1]!r} is not a number") from None
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")) or "readingroom",
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(port or ""),
        "CONN_MAX_AGE": 60,
    }


def replica_settings(primary: DatabaseSettings) -> dict[str, DatabaseSettings]:
    """``DATABASES`` entries ``replica1``, ``replica2``, ... from ``READINGROOM_REPLICA_URLS``.

    Each is a read-only streaming replica of the primary. Its engine (``readingroom.dbrouter``) connects with a
    short timeout and, when the replica refuses or does not answer, remembers that for
    ``READINGROOM_REPLICA_RETRY_SECONDS`` and reads from the primary instead; a connection kept between
    requests is checked at the start of each request (``CONN_HEALTH_CHECKS``).
    """
    urls = [u.strip() for u in os.environ.get("READINGROOM_REPLICA_URLS", "").split(",") if u.strip()]
    if not urls:
        return {}
    # deferred: the settings load the replica router (and its connection watcher) only when replicas are configured
    import readingroom.dbrouter  # noqa: F401  (watches the primary's connections from the first one on)

    if "postgresql" not in primary["ENGINE"]:
        raise ConfigError(
            "READINGROOM_REPLICA_URLS: replicas need READINGROOM_DATABASE_URL to name the PostgreSQL primary"
        )
    out: dict[str, DatabaseSettings] = {}
    for i, url in enumerate(urls, 1):
        db = _postgres_settings(url, "READINGROOM_REPLICA_URLS")
        db.update(
            {
                "ENGINE": "readingroom.dbrouter",
                "CONN_HEALTH_CHECKS": True,
                # a replica that is gone is noticed within a few seconds, not at the TCP timeout
                "OPTIONS": {
                    "connect_timeout": 2,
                    "application_name": "readingroom replica read",
                    "keepalives_idle": 5,
                    "keepalives_interval": 2,
                    "keepalives_count": 2,
                },
                "TEST": {"MIRROR": "default"},
            }
        )
        out[f"replica{i}"] = db
    return out


def database_settings(directory: Path) -> DatabaseSettings:
    """Django ``DATABASES['default']`` from ``READINGROOM_DATABASE_URL`` or the embedded SQLite file."""
    url = os.environ.get("READINGROOM_DATABASE_URL", "").strip()
    if not url or url.startswith("sqlite:"):
        path = urlparse(url).path if url else ""
        name = Path(path) if path else directory / "readingroom.sqlite3"
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(name),
            "OPTIONS": {
                # WAL lets readers (the web workers) run while an import writes;
                # IMMEDIATE transactions make writers queue instead of failing with "database is locked".
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                    " PRAGMA busy_timeout=30000; PRAGMA cache_size=-65536;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
            "TEST": {"NAME": str(directory / "test.sqlite3")},
            # a web worker keeps its connection (and SQLite's page cache, its parsed schema) between requests
            "CONN_MAX_AGE": 600,
        }
    return _postgres_settings(url, "READINGROOM_DATABASE_URL")
