"""IIIF Image API 3.0, compliance level 2 (https://iiif.io/api/image/3.0/), served from the stored page
images with Pillow. Derived images are produced on demand and cached on disk
(``<data>/cache/iiif/``); the originals are only read.

Parsing is strict: anything the specification does not allow is an :class:`ImageRequestError` (400),
as is a region outside the image or a size past the limits advertised in ``info.json``.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageOps

CONTEXT = "http://iiif.io/api/image/3/context.json"
PROFILE_URI = "http://iiif.io/api/image/3/level2.json"
TILE = 512
FORMATS = {"jpg": ("JPEG", "image/jpeg"), "png": ("PNG", "image/png"), "webp": ("WEBP", "image/webp"),
           "gif": ("GIF", "image/gif")}
QUALITIES = ("default", "color", "gray", "bitonal")
IDENTIFIER = r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}"
_NUM = r"\d+(?:\.\d+)?"


class ImageRequestError(ValueError):
    """A request the Image API does not allow (answered 400)."""


@dataclass(frozen=True)
class ImageRequest:
    region: tuple[int, int, int, int]  # x, y, w, h in image pixels
    size: tuple[int, int]
    mirror: bool
    rotation: float
    quality: str
    format: str

    def cache_key(self) -> str:
        raw = f"{self.region}|{self.size}|{self.mirror}|{self.rotation}|{self.quality}|{self.format}"
        return hashlib.sha1(raw.encode()).hexdigest()


def limits() -> tuple[int, int]:
    return settings.READINGROOM_IIIF_MAX_WIDTH, settings.READINGROOM_IIIF_MAX_AREA


def parse_region(text: str, width: int, height: int) -> tuple[int, int, int, int]:
    if text == "full":
        return 0, 0, width, height
    if text == "square":
        side = min(width, height)
        return (width - side) // 2, (height - side) // 2, side, side
    if m := re.fullmatch(rf"pct:({_NUM}),({_NUM}),({_NUM}),({_NUM})", text):
        px, py, pw, ph = (float(v) for v in m.groups())
        x, y = round(px * width / 100), round(py * height / 100)
        w, h = round(pw * width / 100), round(ph * height / 100)
    elif m := re.fullmatch(r"(\d+),(\d+),(\d+),(\d+)", text):
        x, y, w, h = (int(v) for v in m.groups())
    else:
        raise ImageRequestError(f"region {text!r} is not full, square, x,y,w,h or pct:x,y,w,h")
    if w <= 0 or h <= 0:
        raise ImageRequestError(f"region {text!r} has no width or height")
    if x >= width or y >= height:
        raise ImageRequestError(f"region {text!r} lies outside the {width}×{height} image")
    return x, y, min(w, width - x), min(h, height - y)


def parse_size(text: str, region_w: int, region_h: int) -> tuple[int, int]:
    max_width, max_area = limits()
    upscale = text.startswith("^")
    spec = text[1:] if upscale else text
    ratio = region_w / region_h
    if spec == "max":
        w, h = region_w, region_h
        scale = min(1.0, max_width / w, max_width / h, math.sqrt(max_area / (w * h)))
        if upscale:
            scale = min(max_width / w, max_width / h, math.sqrt(max_area / (w * h)))
        return max(1, int(w * scale)), max(1, int(h * scale))
    if m := re.fullmatch(rf"pct:({_NUM})", spec):
        pct = float(m[1])
        w, h = round(region_w * pct / 100), round(region_h * pct / 100)
    elif m := re.fullmatch(r"(\d+),", spec):
        w = int(m[1])
        h = round(w / ratio)
    elif m := re.fullmatch(r",(\d+)", spec):
        h = int(m[1])
        w = round(h * ratio)
    elif m := re.fullmatch(r"!(\d+),(\d+)", spec):
        bw, bh = int(m[1]), int(m[2])
        scale = min(bw / region_w, bh / region_h)
        w, h = max(1, int(region_w * scale)), max(1, int(region_h * scale))
        if w > bw:
            w = bw
        if h > bh:
            h = bh
    elif m := re.fullmatch(r"(\d+),(\d+)", spec):
        w, h = int(m[1]), int(m[2])
    else:
        raise ImageRequestError(f"size {text!r} is not max, w,, ,h, pct:n, w,h or !w,h (optionally after ^)")
    if w < 1 or h < 1:
        raise ImageRequestError(f"size {text!r} gives an empty image")
    if not upscale and (w > region_w or h > region_h):
        raise ImageRequestError(f"size {text!r} is larger than the region; use ^ to ask for upscaling")
    if w > max_width or h > max_width or w * h > max_area:
        raise ImageRequestError(f"size {w}×{h} is past this server's limits (maxWidth {max_width}, maxArea {max_area})")
    return w, h


def parse_rotation(text: str) -> tuple[bool, float]:
    m = re.fullmatch(rf"(!?)({_NUM})", text)
    if not m or not 0 <= float(m[2]) <= 360:
        raise ImageRequestError(f"rotation {text!r} is not a number of degrees from 0 to 360 (optionally after !)")
    return bool(m[1]), float(m[2]) % 360


def parse(region: str, size: str, rotation: str, quality: str, fmt: str, width: int, height: int) -> ImageRequest:
    """:raises ImageRequestError: naming the parameter"""
    if quality not in QUALITIES:
        raise ImageRequestError(f"quality {quality!r} is not one of {', '.join(QUALITIES)}")
    if fmt not in FORMATS:
        raise ImageRequestError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    box = parse_region(region, width, height)
    out_size = parse_size(size, box[2], box[3])
    mirror, angle = parse_rotation(rotation)
    return ImageRequest(box, out_size, mirror, angle, quality, fmt)


# ---------------------------------------------------------------- rendering
_decoded: OrderedDict[str, Image.Image] = OrderedDict()
_decoded_lock = threading.Lock()
DECODED_CACHE = 3


def _open(path: Path) -> Image.Image:
    key = str(path)
    with _decoded_lock:
        if key in _decoded:
            _decoded.move_to_end(key)
            return _decoded[key]
    Image.MAX_IMAGE_PIXELS = None  # attach checked the size; these are our own files
    with Image.open(path) as im:
        im.load()
        image = im
        if image.mode == "I;16":
            image = image.point(lambda v: v / 256).convert("L")
        elif image.mode not in {"1", "L", "LA", "RGB", "RGBA"}:
            image = image.convert("RGB")
    with _decoded_lock:
        _decoded[key] = image
        while len(_decoded) > DECODED_CACHE:
            _decoded.popitem(last=False)
    return image


def render(path: Path, req: ImageRequest) -> bytes:
    image = _open(path)
    x, y, w, h = req.region
    if (x, y, w, h) != (0, 0, image.width, image.height):
        image = image.crop((x, y, x + w, y + h))
    if req.size != image.size:
        image = image.resize(req.size, Image.Resampling.LANCZOS if req.size[0] < image.width else Image.Resampling.BICUBIC,
                             reducing_gap=3.0)
    if req.mirror:
        image = ImageOps.mirror(image)
    if req.rotation:
        if req.rotation % 90 == 0:
            image = image.rotate(-req.rotation, expand=True)
        else:
            if image.mode not in {"RGB", "RGBA"}:
                image = image.convert("RGBA" if req.format in {"png", "webp", "gif"} else "RGB")
            fill = (255, 255, 255, 0) if image.mode == "RGBA" else (255, 255, 255)
            image = image.rotate(-req.rotation, expand=True, resample=Image.Resampling.BICUBIC, fillcolor=fill)
    if req.quality == "gray":
        image = image.convert("L")
    elif req.quality == "bitonal":
        image = image.convert("L").point(lambda v: 255 if v >= 128 else 0).convert("1")
    elif req.quality == "color" and image.mode not in {"RGB", "RGBA"}:
        image = image.convert("RGB")
    pil_format, _ = FORMATS[req.format]
    if pil_format == "JPEG" and image.mode not in {"L", "RGB"}:
        image = image.convert("RGB" if image.mode in {"RGBA", "LA", "P"} else "L")
    out = io.BytesIO()
    options = {"quality": 85, "optimize": False} if pil_format in {"JPEG", "WEBP"} else {}
    image.save(out, pil_format, **options)
    return out.getvalue()


def cache_path(iiif_id: str, req: ImageRequest) -> Path:
    return Path(settings.DATA_DIR) / "cache" / "iiif" / iiif_id[:2] / iiif_id / f"{req.cache_key()}.{req.format}"


def derived(iiif_id: str, source: Path, req: ImageRequest) -> Path:
    """The derived image for a request: from the disk cache, or rendered now and cached."""
    target = cache_path(iiif_id, req)
    if target.exists():
        return target
    data = render(source, req)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, target)
    return target


def info(service_id: str, width: int, height: int) -> dict:
    """``info.json`` for one image."""
    max_width, max_area = limits()
    factors, sizes = [], []
    factor = 1
    while True:
        factors.append(factor)
        if math.ceil(width / factor) <= TILE and math.ceil(height / factor) <= TILE:
            break
        factor *= 2
    for f in reversed(factors):
        w, h = math.ceil(width / f), math.ceil(height / f)
        if w * h <= max_area and max(w, h) <= max_width:
            sizes.append({"width": w, "height": h})
    return {
        "@context": CONTEXT,
        "id": service_id,
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": "level2",
        "width": width,
        "height": height,
        "maxWidth": max_width,
        "maxHeight": max_width,
        "maxArea": max_area,
        "sizes": sizes,
        "tiles": [{"width": TILE, "height": TILE, "scaleFactors": factors}],
        "extraQualities": ["color", "gray", "bitonal"],
        "extraFormats": ["webp", "gif"],
        "extraFeatures": ["mirroring", "rotationArbitrary", "sizeUpscaling", "profileLinkHeader"],
    }
