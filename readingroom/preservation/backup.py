"""``readingroom backup DEST``: a consistent copy of a live archive without stopping it.

SQLite: the database is copied with SQLite's online backup API (a consistent snapshot even while the
server reads and an import writes), then the stored files it refers to are copied (they are
content-addressed and never change, so every file the snapshot names exists). The copy is a data
directory: ``READINGROOM_DATA_DIR=DEST readingroom serve`` serves it. PostgreSQL: use ``pg_dump`` for the
database (or ``readingroom bag export``); this command refuses rather than copy half an archive.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from django.conf import settings
from django.db import connection

from readingroom.history.services import audit


class BackupError(Exception):
    pass


def backup(destination: Path, pages_per_step: int = 1024) -> dict:
    if connection.vendor != "sqlite":
        raise BackupError("the database is PostgreSQL: back it up with pg_dump, or use `readingroom bag export`")
    destination = Path(destination)
    if destination.exists() and any(destination.iterdir()):
        raise BackupError(f"{destination} is not empty")
    destination.mkdir(parents=True, exist_ok=True)
    source_db = Path(settings.DATABASES["default"]["NAME"])
    target_db = destination / "readingroom.sqlite3"
    src = sqlite3.connect(f"file:{source_db}?mode=ro", uri=True, timeout=60)
    dst = sqlite3.connect(target_db)
    try:
        src.backup(dst, pages=pages_per_step)  # copies step by step; restarts itself if a writer changes pages
        dst.execute("PRAGMA journal_mode=DELETE")
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"the copy failed its integrity check: {check}")
        shas = [row[0] for row in dst.execute("SELECT sha256 FROM scans_storedfile")]
    finally:
        dst.close()
        src.close()
    copied = 0
    for sha in shas:
        source = Path(settings.DATA_DIR) / "files" / sha[:2] / sha[2:4] / sha
        target = destination / "files" / sha[:2] / sha[2:4] / sha
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
        copied += 1
    key = Path(settings.DATA_DIR) / "secret_key"
    if key.exists():
        shutil.copyfile(key, destination / "secret_key")
        os.chmod(destination / "secret_key", 0o600)

    audit("backup", str(destination), details={"files": copied, "bytes": target_db.stat().st_size})
    return {"database": str(target_db), "bytes": target_db.stat().st_size, "files": copied}
