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
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse


def data_dir() -> Path:
    """The data directory, created if missing."""
    path = Path(os.environ.get("READINGROOM_DATA_DIR") or "data").expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
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


def database_settings(directory: Path) -> dict:
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
        }
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"READINGROOM_DATABASE_URL: unsupported scheme {parsed.scheme!r} (use postgresql://)")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")) or "readingroom",
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": 60,
    }
