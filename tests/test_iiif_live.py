"""Scans as a user runs them, over real HTTP against ``readingroom serve``: OCR queued by ``readingroom
attach`` completes once the archive is served (the worker runs beside the web server), the IIIF Image API
passes the IIIF validator at level 2, and the scans load in OpenSeadragon on the document page and in an
unmodified Mirador (both from the npm registry), in Debian's Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import CLI, OUTPUT, RECORD, RECORD_ID, ROOT, TYPED_PAGES, Served, need, typewritten_page

VALIDATOR_ID = "67352ccc-d1b0-11e1-89ae-279075081939"
DOC = RECORD_ID


def validator_image(path: Path) -> Path:
    """The validator's test image: 10 × 10 squares of 100 px in its colours (colorInfo[x][y] = column x, row y)."""
    from iiif_validator.validator import ValidationInfo

    colours = ValidationInfo().colorInfo
    image = Image.new("RGB", (1000, 1000))
    for x in range(10):
        for y in range(10):
            image.paste(colours[x][y], (x * 100, y * 100, x * 100 + 100, y * 100 + 100))
    image.save(path)
    return path


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    need(shutil.which("tesseract") is not None, "tesseract is not installed (make test installs it)")
    tmp = tmp_path_factory.mktemp("iiif")
    cli = CLI(tmp / "data")
    cli("import", str(RECORD))
    typed = typewritten_page(tmp / "typed_p001.png", TYPED_PAGES[0])  # "Experimental neurosis ..."
    out = cli("attach", DOC, str(typed), "--language", "en").stdout
    assert "attached 1 page" in out and "OCR queued" in out
    cli("attach", DOC, str(validator_image(tmp / "validator.png")), "--no-ocr")
    cli(
        "manage",
        "shell",
        "-c",
        f"from readingroom.scans.models import Page; Page.objects.filter(position=2).update(iiif_id='{VALIDATOR_ID}')",
    )
    assert "queued 1" in cli("jobs").stdout
    server = Served(cli)
    yield server
    server.stop()


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


def test_ocr_queued_by_attach_completes_once_served(served):
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        results = get_json(f"{served.base}/api/search?q=neurosis&facets=0")["results"]
        if results:
            break
        time.sleep(0.5)
    assert [r["id"] for r in results] == [DOC], "the worker started by serve did not recognise the page"
    record = get_json(f"{served.base}/api/documents/{DOC}")
    assert record["pages"][0]["ocr"] and "neurosis" in record["ocr"][0]["text"].lower()


def test_iiif_image_api_validator_passes_at_level_2(served):
    validate = Path(sys.executable).parent / "iiif-validate.py"
    need(validate.exists(), "iiif-validator is not installed (pip install -e '.[test]')")
    host = served.base.removeprefix("http://")
    result = subprocess.run(
        [
            sys.executable,
            str(validate),
            "-s",
            host,
            "-p",
            "iiif/image",
            "-i",
            VALIDATOR_ID,
            "--version=3.0",
            "--level=2",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    summary = re.search(r"Done \((\d+) tests, (\d+) failures\)", result.stdout + result.stderr)
    assert summary and int(summary[1]) >= 30 and summary[2] == "0", result.stdout + result.stderr


def wait_until(page, expression: str, timeout: float = 30) -> None:
    """Poll a JavaScript expression with page.evaluate (Playwright's wait_for_function evaluates strings in
    the page, which our Content-Security-Policy rightly forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(100)


@pytest.mark.browser
def test_viewer_on_the_document_page_highlights_a_search_hit(served, browser):
    need(
        (ROOT / "readingroom/web/static/vendor/openseadragon/openseadragon.min.js").exists(),
        "OpenSeadragon is not vendored (scripts/vendor.sh; make setup runs it)",
    )
    test_ocr_queued_by_attach_completes_once_served(served)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{served.base}/documents/{DOC}?q=neurosis#scans")
    wait_until(
        page,
        "!!(document.getElementById('viewer').viewer && "
        "document.getElementById('viewer').viewer.world.getItemCount() > 0 && "
        "document.getElementById('viewer').viewer.world.getItemAt(0).getFullyLoaded())",
    )
    page.wait_for_selector(".hit-mark", state="attached", timeout=15000)
    assert "neurosis" in page.locator("#scan-hits").inner_text().lower()
    assert page.locator(".thumbs img").count() == 2
    assert page.locator("#viewer-status").inner_text() == "Page 1 of 2"
    page.locator(".thumbs a").nth(1).click()
    wait_until(page, "document.getElementById('viewer-status').textContent === 'Page 2 of 2'")
    page.select_option("#beside", "ocr")
    page.locator(".thumbs a").nth(0).click()
    wait_until(page, "document.getElementById('beside-text').textContent.toLowerCase().includes('neurosis')")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "scan-viewer.png"))
    assert not errors


@pytest.mark.browser
def test_the_manifest_opens_in_an_unmodified_mirador(served, browser, tmp_path):
    mirador = ROOT / "node_modules" / "mirador" / "dist" / "mirador.min.js"
    need(mirador.exists(), "Mirador is not installed (scripts/vendor.sh --dev; make test runs it)")
    manifest = f"{served.base}/iiif/presentation/{DOC}/manifest"
    html = tmp_path / "mirador.html"
    html.write_text(f"""<!doctype html><html><head><meta charset="utf-8"></head><body>
<div id="m" style="position:absolute;inset:0"></div>
<script src="{mirador.as_uri()}"></script>
<script>Mirador.viewer({{id: "m", windows: [{{manifestId: "{manifest}"}}]}});</script></body></html>""")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors, images = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: images.append(r.url) if "/iiif/image/" in r.url and r.status == 200 else None)
    page.goto(html.as_uri())
    wait_until(page, "document.body.innerText.includes('Record of a Conversation')")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(u.endswith("/default.jpg") and "/full/" not in u for u in images):
        page.wait_for_timeout(250)
    assert any(u.endswith("info.json") for u in images), images
    assert any(u.endswith("/default.jpg") for u in images), images  # tiles came from our Image API
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "mirador.png"))
    assert not errors, errors
