"""Optical character recognition with tesseract (Debian's ``tesseract-ocr`` and its language packs).

One tesseract run per page writes both plain text and hOCR (word boxes); the words are read out of the
hOCR for IIIF Content Search. ``OMP_THREAD_LIMIT=1``: several times faster on small machines.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lxml import html as lxml_html

#: ISO 639-1 code -> tesseract's language data name, where they differ from ISO 639-2/T
TESSERACT_NAMES = {
    "zh": "chi_sim",
    "sq": "sqi",
    "en": "eng",
    "ru": "rus",
    "de": "deu",
    "pl": "pol",
    "hu": "hun",
    "cs": "ces",
    "fr": "fra",
    "es": "spa",
    "it": "ita",
    "uk": "ukr",
    "bg": "bul",
    "ro": "ron",
    "sr": "srp",
    "hr": "hrv",
    "sk": "slk",
    "el": "ell",
    "ja": "jpn",
    "ko": "kor",
    "vi": "vie",
}
TIMEOUT = 600


class OcrUnavailable(RuntimeError):
    pass


@dataclass
class Recognised:
    text: str
    hocr: str
    words: list[list]
    mean_confidence: float | None
    languages: str
    engine: str


def tesseract() -> str:
    path = shutil.which("tesseract")
    if not path:
        raise OcrUnavailable(
            "tesseract is not installed (apt-get install tesseract-ocr and language packs; "
            "make run and make test install them)"
        )
    return path


@functools.lru_cache(maxsize=1)
def installed_languages() -> frozenset[str]:
    out = subprocess.run(  # noqa: S603 - the tesseract binary found on PATH, fixed arguments
        [tesseract(), "--list-langs"], capture_output=True, text=True, timeout=60
    ).stdout
    return frozenset(line.strip() for line in out.splitlines()[1:] if line.strip())


@functools.lru_cache(maxsize=1)
def engine_version() -> str:
    out = subprocess.run([tesseract(), "--version"], capture_output=True, text=True, timeout=60)  # noqa: S603 - fixed binary and arguments
    first = (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else "tesseract"
    return first.strip()


def tesseract_languages(codes: list[str]) -> str:
    """``sqi+eng`` for ``["sq"]``: the page's languages that have language data, English when none has."""
    available = installed_languages()
    names = []
    for code in codes:
        name = TESSERACT_NAMES.get(code, code)
        if name in available and name not in names:
            names.append(name)
    if not names:
        names.append("eng" if "eng" in available else sorted(available - {"osd"})[0])
    return "+".join(names)


_BBOX = re.compile(r"bbox (\d+) (\d+) (\d+) (\d+)")
_CONF = re.compile(r"x_wconf (\d+)")


def words_from_hocr(hocr: str) -> list[list]:
    """``[[word, x, y, w, h, confidence], ...]`` from hOCR ``ocrx_word`` spans."""
    if not hocr.strip():
        return []
    tree = lxml_html.fromstring(hocr.encode())
    words = []
    for span in tree.xpath('//*[contains(concat(" ", normalize-space(@class), " "), " ocrx_word ")]'):
        text = span.text_content().strip()
        box = _BBOX.search(span.get("title", ""))
        if not text or not box:
            continue
        x0, y0, x1, y1 = (int(v) for v in box.groups())
        conf = _CONF.search(span.get("title", ""))
        words.append([text, x0, y0, x1 - x0, y1 - y0, int(conf[1]) if conf else None])
    return words


def recognise(image: Path, codes: list[str], psm: int = 3) -> Recognised:
    """Recognise one page image in the given languages.

    :raises OcrUnavailable: when tesseract is missing; ``subprocess.CalledProcessError`` when it fails
    """
    langs = tesseract_languages(codes)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    with tempfile.TemporaryDirectory(prefix="readingroom-ocr-") as tmp:
        base = Path(tmp) / "page"
        subprocess.run(  # noqa: S603 - tesseract on our own temporary files, languages from the installed list
            [tesseract(), str(image), str(base), "-l", langs, "--psm", str(psm), "hocr", "txt"],
            env=env,
            capture_output=True,
            check=True,
            timeout=TIMEOUT,
        )
        text = base.with_suffix(".txt").read_text(encoding="utf-8")
        hocr = base.with_suffix(".hocr").read_text(encoding="utf-8")
    words = words_from_hocr(hocr)
    confidences = [w[5] for w in words if w[5] is not None]
    mean = round(sum(confidences) / len(confidences), 1) if confidences else None
    return Recognised(text.strip(), hocr, words, mean, langs, engine_version())
