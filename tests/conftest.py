"""Shared fixtures: the real corpus in ../shared, a fresh data directory per test, a CLI runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("READINGROOM_CORPUS", ROOT.parent / "shared" / "corpus"))
SEED = CORPUS / "seed" / "wilson-300023-luo-shigao-ramiz-alia-1963.txt"
OUTPUT = ROOT / "test-output"
IN_CI = os.environ.get("CI") == "true"


def need(condition: bool, reason: str) -> None:
    """Skip when a resource is missing, except in CI, where every test must run."""
    if not condition:
        if IN_CI:
            pytest.fail(f"CI must run this test, but: {reason}")
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fresh_search_and_cache(request):
    """Each database test starts with an empty search index and cache, as its database starts empty."""
    if "django_db" in request.keywords or {"db", "transactional_db", "live_server"} & set(request.fixturenames):
        from django.core.cache import cache

        from readingroom.search.backends import get_backend

        get_backend().reset()
        cache.clear()
        import shutil

        from django.conf import settings

        for derived in ("pdf", "iiif"):  # files made from records of an earlier test
            shutil.rmtree(Path(settings.DATA_DIR) / "cache" / derived, ignore_errors=True)
    yield


@pytest.fixture
def seed_path() -> Path:
    need(SEED.exists(), f"the reference record is not at {SEED} (../shared/corpus/seed)")
    return SEED


@pytest.fixture
def seed_text(seed_path: Path) -> str:
    return seed_path.read_text(encoding="utf-8")


class CLI:
    """Runs the real ``readingroom`` command in a subprocess against its own data directory."""

    def __init__(self, data_dir: Path, env: dict | None = None) -> None:
        self.data_dir = data_dir
        self.env = {**os.environ, "READINGROOM_DATA_DIR": str(data_dir), **(env or {})}
        self.env.pop("DJANGO_SETTINGS_MODULE", None)

    def __call__(self, *args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "readingroom.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            input=input,
            timeout=600,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"readingroom {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    def records(self) -> list[dict]:
        out = self("export", "--format", "jsonl").stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture
def cli(tmp_path: Path) -> CLI:
    return CLI(tmp_path / "data")


@pytest.fixture
def postgres_url() -> str:
    """A fresh, empty PostgreSQL database for this test (dropped afterwards)."""
    base = os.environ.get("READINGROOM_TEST_POSTGRES_URL")
    need(bool(base), "no PostgreSQL server (set READINGROOM_TEST_POSTGRES_URL; make test starts one)")
    import psycopg

    name = f"rr_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    url = base.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def strip_volatile(record: dict) -> dict:
    """A record without the timestamps that differ between two imports of the same source."""
    return {k: v for k, v in record.items() if k not in {"created_at", "updated_at", "published_at"}}


class Served:
    """``readingroom serve`` running in a subprocess on a free port (stopped by :meth:`stop`)."""

    def __init__(self, cli: CLI, *extra: str, workers: int = 2, timeout: float = 30) -> None:
        import time
        import urllib.request

        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "readingroom.cli", "serve", "--port", str(port), "--workers", str(workers), *extra],
            env=cli.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(self.base + "/api/documents", timeout=5).read()
                return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.proc.kill()
                    raise RuntimeError(f"server did not start: {self.proc.stderr.read()}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser(monkeypatch):
    """Debian's Chromium driven by Playwright (never ``playwright install``)."""
    import shutil

    # Playwright's sync API keeps an event loop on this thread; the ORM calls of a test are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    executable = shutil.which("chromium")
    need(executable is not None, "Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()
