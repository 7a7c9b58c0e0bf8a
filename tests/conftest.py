"""Shared fixtures: the fixture corpus in the repository, the full corpus in ../shared, a fresh data directory per
test, a CLI runner and a live server.

Two corpora (tests/fixtures/corpus/README.md):

* ``FIXTURES`` (``tests/fixtures/corpus``), in the repository: eight FRUS documents cut from one volume and records
  written for the tests in the seed and UN-speech formats. A test's core behaviour runs on it, from a clone alone.
* ``CORPUS`` (``../shared/corpus`` or ``$READINGROOM_CORPUS``): the full real corpora. Tests of its facts (counts
  over whole volumes, the reference record's exact content, relevance over the real corpus) carry
  ``@pytest.mark.corpus`` and skip without it, except with ``CI=true``, where they fail: CI runs every test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "test-output"
IN_CI = os.environ.get("CI") == "true"

#: The fixture corpus in the repository, laid out as the shared one.
FIXTURES = ROOT / "tests" / "fixtures" / "corpus"
#: A record in the seed format written for the tests: Albanian original, English translation, Albanian transcript.
RECORD = FIXTURES / "seed" / "rrtest-900101-shkembi-wang-delin-1962.txt"
RECORD_ID = "rrtest-900101"
RECORD_TITLE = (
    "Record of a Conversation between Deputy Minister Agim Shkëmbi and the Chinese Commercial Counsellor Wang Delin"
    " on 12 March 1962"
)
#: Eight documents (d1-d8) of FRUS 1961-63 XXII, with the volume's bibliography and people records beside it.
FRUS_VOLUME = FIXTURES / "frus" / "volumes" / "frus1961-63v22.xml"
FRUS_DOCUMENTS = 8
#: Two speeches in the UN General Debate format, and a speaker table naming the Albanian speaker only.
UN_SPEECHES = FIXTURES / "un-general-debates" / "speeches" / "Session_18_-_1963"

#: The full shared corpus: only tests marked ``corpus`` read it.
CORPUS = Path(os.environ.get("READINGROOM_CORPUS", ROOT.parent / "shared" / "corpus"))
#: The reference record (Wilson Center document 300023), which may not be copied into the repository.
SEED = CORPUS / "seed" / "wilson-300023-luo-shigao-ramiz-alia-1963.txt"
#: Fixtures that read the shared corpus: a test using one of them is marked ``corpus`` when collected.
CORPUS_FIXTURES = {"seed_path", "seed_text"}


def need(condition: bool, reason: str) -> None:
    """Skip when a resource is missing, except in CI, where every test must run."""
    if not condition:
        if IN_CI:
            pytest.fail(f"CI must run this test, but: {reason}")
        pytest.skip(reason)


def pytest_report_header(config) -> str:
    state = "present" if CORPUS.is_dir() else "missing: tests marked corpus " + ("fail (CI)" if IN_CI else "skip")
    return f"fixture corpus: {FIXTURES}; shared corpus: {CORPUS} ({state})"


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if CORPUS_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.corpus)


def pytest_collection_finish(session) -> None:
    """In CI a missing shared corpus fails the run at once, naming the path (rather than one failure per test)."""
    if IN_CI and not CORPUS.is_dir() and any(item.get_closest_marker("corpus") for item in session.items):
        pytest.exit(
            f"CI=true: the tests marked corpus must run, but the shared corpus is not at {CORPUS} "
            "(put it at ../shared/corpus or set READINGROOM_CORPUS)",
            returncode=1,
        )


@pytest.fixture(autouse=True)
def _shared_corpus(request):
    """A test marked ``corpus`` needs the shared corpus: it skips without it (fails in CI)."""
    if request.node.get_closest_marker("corpus"):
        need(CORPUS.is_dir(), f"the shared corpus is not at {CORPUS} (../shared/corpus or $READINGROOM_CORPUS)")


@pytest.fixture(autouse=True)
def _fresh_search_and_cache(request):
    """Each database test starts with an empty search index and cache, as its database starts empty."""
    if "django_db" in request.keywords or {"db", "transactional_db", "live_server"} & set(request.fixturenames):
        import shutil

        from django.conf import settings
        from django.core.cache import caches

        from readingroom.search.backends import get_backend

        get_backend().reset()
        for alias in settings.CACHES:  # the shared file cache and each process's own (kept fragments, searches)
            caches[alias].clear()

        for derived in ("pdf", "iiif"):  # files made from records of an earlier test
            shutil.rmtree(Path(settings.DATA_DIR) / "cache" / derived, ignore_errors=True)
    yield


@pytest.fixture
def record_path() -> Path:
    """A record in the seed format, in the repository (tests/fixtures/corpus/seed)."""
    return RECORD


@pytest.fixture
def record_text() -> str:
    return RECORD.read_text(encoding="utf-8")


def translation_only(text: str) -> str:
    """A seed-format record (``RECORD``'s text) with its English translation as its only text."""
    head = text.partition("\n\n**Transcript - Albanian:**")[0]
    return head.replace("Translation - English  \nTranscript - Albanian", "Translation - English") + "\n"


@pytest.fixture
def seed_path() -> Path:
    """The real reference record of the shared corpus (the test is marked ``corpus``)."""
    need(SEED.exists(), f"the reference record is not at {SEED} (../shared/corpus/seed)")
    return SEED


@pytest.fixture
def seed_text(seed_path: Path) -> str:
    return seed_path.read_text(encoding="utf-8")


def typewritten_page(path: Path, lines: list[str], size: tuple[int, int] = (1275, 1650)) -> Path:
    """A letter-size page at 150 dpi of typewriter-like text (a monospaced font, slightly skewed, on grey paper)
    that tesseract reads: the scans of the tests without the typewritten CREST pages of the shared corpus."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", size, 235)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 34)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((90, 110 + 64 * i), line, fill=30, font=font)
    image = image.rotate(0.6, fillcolor=235)
    image.save(path, dpi=(150, 150))
    return path


#: Two pages of an invented typewritten abstract card, in the manner of the CREST scans of the shared corpus.
TYPED_PAGES = [
    [
        "ABSTRACT 1457. PHYSIOLOGY",
        "Experimental neurosis in dogs and the",
        "splenic reaction to repeated stress.",
        "Fiziologicheskiy Zhurnal SSSR, 1957,",
        "Vol 43, No 6, pp 512-519.",
    ],
    [
        "ABSTRACT 1458. PHYSIOLOGY",
        "Conditioned reflexes of the spleen after",
        "removal of the cerebral cortex.",
        "Byulleten Eksperimentalnoy Biologii,",
        "1957, Vol 44, No 9, pp 33-37.",
    ],
]


@pytest.fixture
def typed_scans(tmp_path: Path) -> list[Path]:
    """Two typewritten pages (PNG, 150 dpi) that tesseract reads: "neurosis" and "splenic" are on the first."""
    folder = tmp_path / "typed"
    folder.mkdir()
    return [typewritten_page(folder / f"typed_p{n:03}.png", lines) for n, lines in enumerate(TYPED_PAGES, 1)]


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


#: the ports a test process hands out to the servers it starts: a block of its own below the kernel's ephemeral
#: range (32768-60999), so that neither a test on another xdist worker nor an outgoing connection takes one
#: between the check and the server's bind (a server that could not bind while another test's server
#: answered on its port made a test read the other's archive)
_PORT_BLOCK = 1500
_next_port: list[int] = []


def free_port() -> int:
    import socket

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw")[2:]
    first = 20000 + (int(worker) + 1 if worker.isdigit() else 0) * _PORT_BLOCK
    if not _next_port:
        _next_port.append(first + (os.getpid() % _PORT_BLOCK))
    for _ in range(_PORT_BLOCK):
        port = first + (_next_port[0] - first) % _PORT_BLOCK
        _next_port[0] = port + 1  # never the same port twice in a row: a stopped server's may linger
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{first + _PORT_BLOCK - 1}")


def strip_volatile(record: dict) -> dict:
    """A record without the timestamps that differ between two imports of the same source."""
    return {k: v for k, v in record.items() if k not in {"created_at", "updated_at", "published_at"}}


class Served:
    """``readingroom serve`` running in a subprocess on a free port, ready once ``/api/documents`` answers.

    Stop it with :meth:`stop` (which returns what the server wrote to stderr) or use it as a context manager.
    """

    def __init__(self, cli: CLI, *extra: str, workers: int = 2, timeout: float = 30) -> None:
        import time
        import urllib.request

        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.stderr: str | None = None
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

    def stop(self) -> str:
        if self.stderr is None:
            self.proc.terminate()
            try:
                _, err = self.proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                _, err = self.proc.communicate()
            self.stderr = err or ""
        return self.stderr

    def __enter__(self) -> Served:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


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
