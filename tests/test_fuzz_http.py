"""Seeded fuzzing over real HTTP against ``readingroom serve`` (issue 11): a few hundred generated hostile
search requests and IIIF Image API parameters. No 5xx (a deliberate, bounded refusal, 503 with
``Retry-After``, is allowed for IIIF), no traceback in the server's log, every answer within a bound. The
import half of the fuzzing is in tests/test_hardening_import.py."""

from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from PIL import Image, ImageDraw

from tests.conftest import CLI, Served

SEED = 20261128
ALPHABET = (
    'abc xyz AND OR NOT - " * ( ) : title: person: place: archive: ü ß ё Хрущёв 毛泽东 ٱلْعَرَبِيَّة 🙂 '
    "\\ % ' ; < > & \x00 \x0b \u202e \ufeff near/3 ^ ~ [ ] { }"
).split(" ")


def fetch(url: str, timeout: float = 60) -> tuple[int, dict, float]:
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            r.read()
            return r.status, dict(r.headers), time.monotonic() - t0
    except urllib.error.HTTPError as exc:
        exc.read()
        return exc.code, dict(exc.headers), time.monotonic() - t0


def hostile_query(rng: random.Random) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        return "".join(chr(rng.randrange(1, 0x3000)) for _ in range(rng.randrange(1, 60)))
    if kind == 1:
        return " ".join(rng.choice(ALPHABET) for _ in range(rng.randrange(1, 30)))
    if kind == 2:
        return rng.choice(["(", '"', "-", "*", "OR", "title:"]) * rng.randrange(1, 400)
    if kind == 3:
        return "x" * rng.randrange(900, 7000)
    return rng.choice(ALPHABET) + "".join(rng.choice("*?~^:\"'()-") for _ in range(rng.randrange(1, 8)))


def hostile_params(rng: random.Random) -> dict:
    params = {"q": hostile_query(rng)}
    for name, values in {
        "page": ["0", "-1", "1e9", "99999999999999999999", "two", "3"],
        "per_page": ["0", "101", "-5", "1000000", "20", "x"],
        "sort": ["relevance", "date", "-title", "random", "'; --", ""],
        "date_from": ["1963", "1963-13-45", "yesterday", "0000", "99999", "1963-07"],
        "date_to": ["1962", "--", "1963-07-22T00:00", "9" * 40],
        "year": ["1963", "0", "-1", "abc", "99999999"],
        "decade": ["1960", "1965", "x", "-10"],
        "language": ["en", "xx", "../../", "\x00", "a" * 500],
        "repository": ["Test Archive", "%", "' OR 1=1 --"],
        "facets": ["0", "1", "yes", "maybe"],
    }.items():
        if rng.random() < 0.3:
            params[name] = rng.choice(values)
    return params


def hostile_iiif(rng: random.Random, ident: str) -> str:
    region = rng.choice(
        [
            "full",
            "square",
            "0,0,100,100",
            "pct:10,10,50,50",
            "-1,0,10,10",
            "0,0,0,0",
            "99999,99999,10,10",
            "pct:0,0,200,200",
            "pct:-5,0,10,10",
            "a,b,c,d",
            "0,0,1,1",
            "pct:0.0001,0,0.0001,0.0001",
            f"{rng.randrange(0, 2000)},{rng.randrange(0, 2000)},{rng.randrange(1, 3000)},{rng.randrange(1, 3000)}",
        ]
    )
    size = rng.choice(
        [
            "max",
            "^max",
            "100,",
            ",100",
            "^5400,7200",
            "^9000,",
            "pct:50",
            "^pct:400",
            "!100,100",
            "^!99999,99999",
            "0,",
            ",0",
            "-5,",
            "w,h",
            "100,100",
            "^100000,",
            f"{rng.randrange(1, 12000)},",
            f"^{rng.randrange(1, 12000)},{rng.randrange(1, 12000)}",
            "pct:0",
            "pct:1e9",
        ]
    )
    rotation = rng.choice(
        [
            "0",
            "90",
            "!180",
            "33",
            "-90",
            "360",
            "361",
            "1e9",
            "nan",
            "inf",
            "!",
            f"{rng.uniform(0, 360):.6f}",
            f"0.{rng.randrange(1, 10**6)}",
        ]
    )
    quality = rng.choice(["default", "color", "gray", "bitonal", "native", "x"])
    fmt = rng.choice(["jpg", "png", "gif", "webp", "tif", "pdf", "jp2", "exe"])
    return (
        f"/iiif/image/{ident}/{urllib.parse.quote(region, safe=',:!^')}/{urllib.parse.quote(size, safe=',:!^')}/"
        f"{urllib.parse.quote(rotation, safe='!.')}/{quality}.{fmt}"
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    cli = CLI(tmp / "data")
    records = [
        {
            "id": f"fuzz-{i}",
            "title": f"Telegram number {i} on the talks",
            "date": f"196{i % 10}-07-22",
            "original_languages": ["en" if i % 2 else "ru"],
            "archival_reference": {"repository": "Test Archive"},
            "transcripts": [
                {"language": "en", "text": f"The talks in Moscow, round {i}. Хрущёв and 毛泽东 were named."}
            ],
        }
        for i in range(30)
    ]
    (tmp / "records.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    cli("import", str(tmp / "records.jsonl"))
    scan = Image.new("RGB", (2400, 3200), (236, 228, 210))
    draw = ImageDraw.Draw(scan)
    for y in range(0, 3200, 40):
        draw.line((100, y, 2300, y + 7), fill=(40 + y % 90, 30, 20), width=3)
    scan.save(tmp / "scan.jpg", quality=85)
    cli("attach", "fuzz-1", str(tmp / "scan.jpg"), "--no-ocr")
    ident = json.loads(cli("show", "fuzz-1", "--format", "json").stdout)["pages"][0]["iiif_image"].rsplit("/", 1)[1]
    server = Served(cli)
    yield server, ident
    log = server.stop()
    assert "Traceback" not in log, log[-5000:]


def test_hostile_search_requests(served):
    server, _ = served
    rng = random.Random(SEED)
    failures = []
    for n in range(250):
        params = hostile_params(rng)
        path = rng.choice(
            ["/api/search", "/search", "/search.json", "/api/search/export", "/documents", "/api/documents"]
        )
        if path == "/api/search/export":
            params["format"] = rng.choice(["ris", "bibtex", "csl-json", "dc", "json", "exe"])
        url = f"{server.base}{path}?{urllib.parse.urlencode(params)}"
        status, headers, seconds = fetch(url)
        link = headers.get("Link", "")
        if status >= 500 or seconds > 10 or len(link) > 4096:
            failures.append((n, path, params, status, round(seconds, 2), len(link)))
    assert not failures, failures[:5]


def test_hostile_iiif_requests(served):
    server, ident = served
    rng = random.Random(SEED + 1)
    failures = []
    for n in range(250):
        url = server.base + hostile_iiif(rng, ident)
        status, headers, seconds = fetch(url)
        refused_with_retry = status == 503 and "Retry-After" in headers
        if (status >= 500 and not refused_with_retry) or seconds > 10:
            failures.append((n, url, status, round(seconds, 2)))
    # the derived-image cache holds at most what was rendered well, and an ordinary tile is still served
    assert fetch(f"{server.base}/iiif/image/{ident}/0,0,512,512/512,/0/default.jpg")[0] == 200
    assert not failures, failures[:5]
