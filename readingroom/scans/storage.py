"""Content-addressed file storage: ``<data>/files/ab/cd/<sha256>``. Bytes are written to a temporary file
in the same file system, hashed on the way, fsynced and renamed into place; a file is never rewritten."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

from readingroom.scans.models import file_path

CHUNK = 1 << 20


class TooLarge(ValueError):
    pass


def tmp_dir() -> Path:
    path = Path(settings.DATA_DIR) / "files" / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def spool(source: BinaryIO, max_bytes: int) -> tuple[Path, str, int]:
    """Copy a stream into a temporary file, hashing it: ``(temp path, sha256, size)``.

    :raises TooLarge: past ``max_bytes`` (the partial copy is removed)
    """
    digest = hashlib.sha256()
    size = 0
    fd, name = tempfile.mkstemp(dir=tmp_dir(), prefix="incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(f"larger than the {max_bytes // (1 << 20):,} MB limit")
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        os.unlink(name)
        raise
    return Path(name), digest.hexdigest(), size


def commit(tmp: Path, sha256: str) -> Path:
    """Move a spooled file to its permanent, content-addressed place (a no-op when it is already there)."""
    final = file_path(sha256)
    if final.exists():
        tmp.unlink(missing_ok=True)
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, final)
    os.chmod(final, 0o444)
    return final


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def discard(paths) -> None:
    for p in paths:
        try:
            Path(p).unlink()
        except OSError:
            pass
