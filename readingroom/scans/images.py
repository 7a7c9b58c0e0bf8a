"""IIIF Image API 3.0, compliance level 2 (https://iiif.io/api/image/3.0/), served from the stored page
images with Pillow. Derived images are produced on demand and cached on disk
(``<data>/cache/iiif/``, bounded: least recently used files go first); the originals are only read.

Parsing is strict: anything the specification does not allow is an :class:`ImageRequestError` (400),
as is a region outside the image or an output past the limits advertised in ``info.json`` (checked on
the final image: after upscaling and after rotation, whose bounding box counts). Every request is priced
before any pixel is touched (megapixels handled, estimated seconds); one past the budget is refused up
front (400), and a render that still runs past the time limit is stopped between its steps (503).
Expensive renders take one of a few slots shared by every worker process, so a handful of hostile
requests cannot occupy all workers (503 with ``Retry-After`` while the slots are taken).

Memory: a JPEG is decoded at the smallest scale the request allows (``Image.draft``); a page larger than
``READINGROOM_IIIF_MEMORY_MP`` is decoded once into an uncompressed raw copy in the cache, memory-mapped
afterwards (regions are read from the page cache, nothing large stays in the worker); heap memory is
handed back to the system after a large render.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import io
import math
import mmap
import os
import re
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageOps

CONTEXT = "http://iiif.io/api/image/3/context.json"
PROFILE_URI = "http://iiif.io/api/image/3/level2.json"
TILE = 512
FORMATS = {
    "jpg": ("JPEG", "image/jpeg"),
    "png": ("PNG", "image/png"),
    "webp": ("WEBP", "image/webp"),
    "gif": ("GIF", "image/gif"),
}
QUALITIES = ("default", "color", "gray", "bitonal")
IDENTIFIER = r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}"
_NUM = r"\d+(?:\.\d+)?"
#: rotations are rounded to this many decimals of a degree (0.1°) before rendering and caching
ROTATION_DECIMALS = 1

#: estimated seconds per megapixel of each step (measured on a 2-core x86-64 host, Pillow 12; see
#: docs/limits-scans.md). They only have to be of the right order: the time limit is enforced as well.
COST_DECODE = 0.015  # decoding a PNG/TIFF (or JPEG at full scale), per source megapixel, when not cached
COST_READ = 0.01  # reading/resampling the source region, per megapixel read
COST_RESIZE = 0.02  # per output megapixel
COST_ROTATE = 0.05  # arbitrary rotation, per megapixel of the rotated canvas
COST_ENCODE = {"jpg": 0.02, "png": 0.15, "webp": 0.12, "gif": 0.2}  # noisy scans compress slowly


class ImageRequestError(ValueError):
    """A request the Image API does not allow, or this server does not produce (answered 400)."""


class ImageBusy(RuntimeError):
    """Not now: every slot for expensive renders is taken, or the render ran past the time limit (503)."""

    def __init__(self, message: str, retry_after: int = 10) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class ImageRequest:
    region: tuple[int, int, int, int]  # x, y, w, h in image pixels
    size: tuple[int, int]
    mirror: bool
    rotation: float
    quality: str
    format: str

    def cache_key(self) -> str:
        # canonical: region and size in pixels (whatever form the request used), rotation rounded
        rotation = f"{self.rotation:.{ROTATION_DECIMALS}f}"
        raw = f"{self.region}|{self.size}|{self.mirror}|{rotation}|{self.quality}|{self.format}"
        return hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()

    @property
    def final_size(self) -> tuple[int, int]:
        """The size of the image delivered: the rotated bounding box."""
        return rotated_size(*self.size, self.rotation)


@dataclass(frozen=True)
class Cost:
    megapixels: float  # pixels handled: the source region read, the output, the rotated canvas
    seconds: float  # estimated render time
    raw_needed: bool = False


def limits() -> tuple[int, int]:
    return settings.READINGROOM_IIIF_MAX_WIDTH, settings.READINGROOM_IIIF_MAX_AREA


def _setting(name: str, default):
    return getattr(settings, name, default)


def rotated_size(w: int, h: int, rotation: float) -> tuple[int, int]:
    """The canvas ``Image.rotate(-rotation, expand=True)`` makes of a w×h image (Pillow's own arithmetic)."""
    angle = rotation % 360
    if angle % 90 == 0:
        return (h, w) if angle % 180 else (w, h)
    a = -math.radians(-angle % 360.0)
    cos, sin = round(math.cos(a), 15), round(math.sin(a), 15)
    xs = [cos * x + sin * y for x, y in ((0, 0), (w, 0), (w, h), (0, h))]
    ys = [-sin * x + cos * y for x, y in ((0, 0), (w, 0), (w, h), (0, h))]
    return math.ceil(max(xs)) - math.floor(min(xs)), math.ceil(max(ys)) - math.floor(min(ys))


def _within(w: int, h: int) -> bool:
    max_width, max_area = limits()
    return w <= max_width and h <= max_width and w * h <= max_area


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


def parse_size(text: str, region_w: int, region_h: int, rotation: float = 0.0) -> tuple[int, int]:
    """The output size before rotation. The limits apply to the image delivered: after upscaling and
    after rotation (an arbitrary rotation delivers the bounding box, up to twice the area)."""
    max_width, max_area = limits()
    upscale = text.startswith("^")
    spec = text[1:] if upscale else text
    ratio = region_w / region_h
    if spec == "max":
        w, h = region_w, region_h
        bw, bh = rotated_size(w, h, rotation)
        scale = min(max_width / bw, max_width / bh, math.sqrt(max_area / (bw * bh)))
        if not upscale:
            scale = min(1.0, scale)
        w, h = max(1, int(w * scale)), max(1, int(h * scale))
        while not _within(*rotated_size(w, h, rotation)) and w > 1 and h > 1:  # rounding of the rotated box
            w, h = max(1, w - 1 - w // 200), max(1, round((w - 1 - w // 200) / ratio))
        return w, h
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
    fw, fh = rotated_size(w, h, rotation)
    if not _within(fw, fh):
        raise ImageRequestError(
            f"size {w}×{h} rotated by {rotation:g}° gives {fw}×{fh}, past this server's limits "
            f"(maxWidth {max_width}, maxArea {max_area})"
        )
    return w, h


def parse_rotation(text: str) -> tuple[bool, float]:
    m = re.fullmatch(rf"(!?)({_NUM})", text)
    if not m or not 0 <= float(m[2]) <= 360:
        raise ImageRequestError(f"rotation {text!r} is not a number of degrees from 0 to 360 (optionally after !)")
    return bool(m[1]), round(float(m[2]) % 360, ROTATION_DECIMALS) % 360


def parse(
    region: str,
    size: str,
    rotation: str,
    quality: str,
    fmt: str,
    width: int,
    height: int,
    *,
    jpeg: bool = False,
    iiif_id: str | None = None,
) -> ImageRequest:
    """:raises ImageRequestError: naming the parameter, or the budget the request is past"""
    if quality not in QUALITIES:
        raise ImageRequestError(f"quality {quality!r} is not one of {', '.join(QUALITIES)}")
    if fmt not in FORMATS:
        raise ImageRequestError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    box = parse_region(region, width, height)
    mirror, angle = parse_rotation(rotation)
    out_size = parse_size(size, box[2], box[3], angle)
    req = ImageRequest(box, out_size, mirror, angle, quality, fmt)
    check_budget(req, width, height, jpeg=jpeg, iiif_id=iiif_id)
    return req


# ---------------------------------------------------------------- the price of a request
def _draft_factor(req: ImageRequest) -> int:
    """The integer factor the source region may be reduced by and still be at least the output size."""
    _, _, w, h = req.region
    ow, oh = req.size
    return max(1, min(w // ow, h // oh))


def cost(
    req: ImageRequest,
    width: int,
    height: int,
    *,
    jpeg: bool = False,
    iiif_id: str | None = None,
    source: Path | None = None,
) -> Cost:
    _, _, w, h = req.region
    src_mp = w * h / 1e6
    factor = _draft_factor(req)
    decode_mp = 0.0
    raw_needed = False
    if jpeg and factor >= 2:
        # decoded at 1/2, 1/4 or 1/8 scale by the JPEG decoder itself
        scale = min(8, 1 << (factor.bit_length() - 1))
        src_mp /= scale * scale
        decode_mp = width * height / 1e6 / (scale * scale)
    elif width * height > memory_pixels():
        raw_needed = iiif_id is None or not raw_path(iiif_id, width, height).exists()
        if raw_needed:
            decode_mp = width * height / 1e6
    elif source is None or str(source) not in _decoded:
        decode_mp = width * height / 1e6  # once per process: the decoded cache keeps it for the next tiles
    out_mp = req.size[0] * req.size[1] / 1e6
    fw, fh = req.final_size
    final_mp = fw * fh / 1e6
    rot_mp = final_mp if req.rotation % 90 else 0.0
    seconds = (
        decode_mp * COST_DECODE
        + src_mp * COST_READ
        + out_mp * COST_RESIZE
        + rot_mp * COST_ROTATE
        + final_mp * COST_ENCODE[req.format]
    )
    return Cost(megapixels=src_mp + out_mp + rot_mp, seconds=seconds, raw_needed=raw_needed)


def check_budget(req: ImageRequest, width: int, height: int, *, jpeg: bool = False, iiif_id: str | None = None) -> Cost:
    """:raises ImageRequestError: when the request is past the megapixel or the time budget"""
    c = cost(req, width, height, jpeg=jpeg, iiif_id=iiif_id)
    budget_mp = _setting("READINGROOM_IIIF_MAX_MEGAPIXELS", 250)
    if c.megapixels > budget_mp:
        raise ImageRequestError(
            f"this request handles {c.megapixels:.0f} megapixels, past this server's budget of "
            f"{budget_mp} per request; ask for a smaller region or size"
        )
    limit = _setting("READINGROOM_IIIF_TIME_LIMIT", 5.0)
    if c.seconds > limit:
        raise ImageRequestError(
            f"this request would take about {c.seconds:.0f} s, past this server's limit of "
            f"{limit:g} s per image; ask for a smaller size, a rotation by a multiple of 90 "
            f"or the jpg format"
        )
    return c


# ---------------------------------------------------------------- shared slots for expensive renders
def cache_root() -> Path:
    return Path(settings.DATA_DIR) / "cache" / "iiif"


@contextlib.contextmanager
def heavy_slot():
    """One of ``READINGROOM_IIIF_HEAVY_SLOTS`` slots shared by every process on this host (lock files).

    :raises ImageBusy: when all are taken
    """
    slots = max(1, int(_setting("READINGROOM_IIIF_HEAVY_SLOTS", 1)))
    folder = cache_root() / ".slots"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(slots):
        fd = os.open(folder / f"{i}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        return
    raise ImageBusy("the server is rendering other large images; try again shortly", retry_after=5)


# ---------------------------------------------------------------- decoding
_decoded: OrderedDict[str, Image.Image] = OrderedDict()
_mapped: OrderedDict[str, tuple[Image.Image, mmap.mmap]] = OrderedDict()
_decoded_lock = threading.Lock()
DECODED_CACHE = 3
MAPPED_CACHE = 4


def memory_pixels() -> int:
    """Pages up to this many pixels are decoded into memory (and kept for the tiles that follow); larger
    ones are served from a memory-mapped raw copy."""
    return int(float(_setting("READINGROOM_IIIF_MEMORY_MP", 20)) * 1_000_000)


def _normalise(image: Image.Image) -> Image.Image:
    if image.mode == "I;16":
        return image.point(lambda v: v / 256).convert("L")
    if image.mode not in {"1", "L", "LA", "RGB", "RGBA"}:
        return image.convert("RGB")
    return image


def _decode(path: Path) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = None  # attach checked the size; these are our own files
    with Image.open(path) as im:
        im.load()
        return _normalise(im)


def _open(path: Path) -> Image.Image:
    key = str(path)
    with _decoded_lock:
        if key in _decoded:
            _decoded.move_to_end(key)
            return _decoded[key]
    image = _decode(path)
    budget = _setting("READINGROOM_IIIF_DECODED_CACHE_MB", 128) * 1024 * 1024
    with _decoded_lock:
        _decoded[key] = image
        while len(_decoded) > DECODED_CACHE or (
            len(_decoded) > 1 and sum(_nbytes(i) for i in _decoded.values()) > budget
        ):
            _decoded.popitem(last=False)
    return image


def _nbytes(image: Image.Image) -> int:
    return image.width * image.height * {"1": 1, "L": 1, "LA": 4, "RGB": 4, "RGBA": 4}.get(image.mode, 4)


RAW_MODES = {"1": "L", "L": "L", "LA": "RGBA", "RGBA": "RGBA", "RGB": "RGBX"}


def raw_path(iiif_id: str, width: int, height: int) -> Path:
    return cache_root() / iiif_id[:2] / iiif_id / f"source-{width}x{height}.raw"


def _raw_header(path: Path) -> str | None:
    sidecar = path.with_suffix(".mode")
    return sidecar.read_text().strip() if sidecar.exists() else None


def _make_raw(source: Path, target: Path) -> None:
    """Decode the page once and write its pixels uncompressed (4 or 1 bytes a pixel), strip by strip."""
    image = _decode(source)
    mode = RAW_MODES[image.mode]
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as fh:
        for y in range(0, image.height, 256):
            strip = image.crop((0, y, image.width, min(image.height, y + 256)))
            fh.write((strip if strip.mode == mode else strip.convert(mode)).tobytes())
    target.with_suffix(".mode").write_text(mode)
    os.replace(tmp, target)
    del image
    release_memory()


def _mapped_source(iiif_id: str, source: Path, width: int, height: int) -> Image.Image:
    target = raw_path(iiif_id, width, height)
    key = str(target)
    with _decoded_lock:
        if key in _mapped and target.exists():
            _mapped.move_to_end(key)
            return _mapped[key][0]
    if not target.exists() or _raw_header(target) is None:
        _make_raw(source, target)
    mode = _raw_header(target)
    if mode is None:  # (its sidecar went after it was made: the TypeError Pillow raised for a None mode)
        raise TypeError(f"the raw copy {target} has no pixel mode")
    _touch(target)
    with open(target, "rb") as fh:
        buffer = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    # Pillow reads any object with the buffer protocol (an mmap: no copy); its annotation names bytes only
    image = Image.frombuffer(mode, (width, height), buffer, "raw", mode, 0, 1)  # type: ignore[arg-type]
    with _decoded_lock:
        _mapped[key] = (image, buffer)
        while len(_mapped) > MAPPED_CACHE:
            _mapped.popitem(last=False)
    return image


def _drop_mapped_pages() -> None:
    """Let the kernel take back the pages of the raw copies this process read (they stay in the page
    cache, shared by every worker, and are read again on demand)."""
    with _decoded_lock:
        buffers = [b for _, b in _mapped.values()]
    for buffer in buffers:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            buffer.madvise(mmap.MADV_DONTNEED)


def release_memory() -> None:
    """Hand freed heap back to the operating system (glibc keeps it otherwise)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _check(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise ImageBusy("rendering this image took longer than this server allows; try again later", retry_after=30)


def _source_region(
    path: Path, req: ImageRequest, *, jpeg: bool, iiif_id: str | None, width: int, height: int
) -> tuple[Image.Image, tuple[float, float, float, float]]:
    """The image to read from and the region's box in its pixels."""
    x, y, w, h = req.region
    factor = _draft_factor(req)
    if jpeg and factor >= 2:
        Image.MAX_IMAGE_PIXELS = None
        im = Image.open(path)
        im.draft(im.mode if im.mode in {"L", "RGB"} else "RGB", (math.ceil(width / factor), math.ceil(height / factor)))
        im.load()
        image = _normalise(im)
        sx, sy = image.width / width, image.height / height
        return image, (x * sx, y * sy, (x + w) * sx, (y + h) * sy)
    if iiif_id and width * height > memory_pixels():
        image = _mapped_source(iiif_id, path, width, height)
    else:
        image = _open(path)
    return image, (x, y, x + w, y + h)


def render(
    path: Path,
    req: ImageRequest,
    *,
    jpeg: bool = False,
    iiif_id: str | None = None,
    width: int | None = None,
    height: int | None = None,
    deadline: float | None = None,
) -> bytes:
    """The encoded image for ``req``. ``deadline`` (``time.monotonic()``): stop between steps past it.

    :raises ImageBusy: past the deadline
    """
    if width is None or height is None:
        with Image.open(path) as probe:
            width, height = probe.size
    image, box = _source_region(path, req, jpeg=jpeg, iiif_id=iiif_id, width=width, height=height)
    _check(deadline)
    whole = box == (0, 0, image.width, image.height)
    if req.size != (round(box[2] - box[0]), round(box[3] - box[1])) or not all(float(v).is_integer() for v in box):
        downscale = req.size[0] < (box[2] - box[0])
        image = image.resize(
            req.size,
            Image.Resampling.LANCZOS if downscale else Image.Resampling.BICUBIC,
            box=box,
            reducing_gap=3.0 if downscale else None,
        )
    elif not whole:
        left, top, right, bottom = box
        image = image.crop((int(left), int(top), int(right), int(bottom)))
    if image.mode == "RGBX":
        image = image.convert("RGB")
    _check(deadline)
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
        _check(deadline)
    if req.quality == "gray":
        image = image.convert("L")
    elif req.quality == "bitonal":
        image = image.convert("L").point(lambda v: 255 if v >= 128 else 0).convert("1")
    elif req.quality == "color" and image.mode not in {"RGB", "RGBA"}:
        image = image.convert("RGB")
    pil_format, _ = FORMATS[req.format]
    if pil_format == "JPEG" and image.mode not in {"L", "RGB"}:
        image = image.convert("RGB" if image.mode in {"RGBA", "LA", "P"} else "L")
    if pil_format == "GIF" and image.mode not in {"1", "L", "P"}:
        image = image.quantize(256) if image.mode == "RGB" else image.convert("P")
        _check(deadline)
    out = io.BytesIO()
    options = {"quality": 85, "optimize": False} if pil_format in {"JPEG", "WEBP"} else {}
    image.save(out, pil_format, **options)
    return out.getvalue()


# ---------------------------------------------------------------- the disk cache (bounded, LRU)
def cache_path(iiif_id: str, req: ImageRequest) -> Path:
    return cache_root() / iiif_id[:2] / iiif_id / f"{req.cache_key()}.{req.format}"


def cache_limit_bytes() -> int:
    return int(float(_setting("READINGROOM_IIIF_CACHE_MB", 2048)) * 1024 * 1024)


_written_since_sweep = 0
_sweep_lock = threading.Lock()


def _touch(path: Path) -> None:
    """Mark a cached file as used (its mtime is the recency the eviction goes by); at most once a minute."""
    try:
        if time.time() - path.stat().st_mtime > 60:
            os.utime(path)
    except OSError:
        pass


def _note_written(size: int) -> None:
    global _written_since_sweep
    with _sweep_lock:
        _written_since_sweep += size
        due = _written_since_sweep >= max(1, cache_limit_bytes() // 50)
        if due:
            _written_since_sweep = 0
    if due:
        sweep()


def sweep() -> int:
    """Delete least recently used cached files until the cache is within ``READINGROOM_IIIF_CACHE_MB``
    (down to 90% of it). One process sweeps at a time; returns the bytes freed."""
    root = cache_root()
    limit = cache_limit_bytes()
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / ".sweep.lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return 0  # another process is sweeping
        files, total = [], 0
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in filenames:
                if name.startswith(".") or name.endswith(".mode"):
                    continue
                p = os.path.join(dirpath, name)
                try:
                    st = os.stat(p)
                except OSError:
                    continue
                files.append((st.st_mtime, st.st_size, p))
                total += st.st_size
        if total <= limit:
            return 0
        freed = 0
        for _, size, p in sorted(files):
            if total - freed <= limit * 0.9:
                break
            with contextlib.suppress(OSError):
                os.unlink(p)
                if p.endswith(".raw"):
                    os.unlink(p[:-4] + ".mode")
                freed += size
        return freed
    finally:
        os.close(fd)


def derived(
    iiif_id: str,
    source: Path,
    req: ImageRequest,
    *,
    jpeg: bool = False,
    width: int | None = None,
    height: int | None = None,
    store: bool = True,
) -> io.BufferedIOBase:
    """The derived image for a request, as an open binary file: from the disk cache, or rendered now
    (within the budgets) and cached (``store=False``: not cached).

    :raises ImageBusy: no slot for an expensive render, or it ran past the time limit
    """
    target = cache_path(iiif_id, req)
    if store:
        try:
            fh = open(target, "rb")  # opened before anything else may evict it
        except FileNotFoundError:
            pass
        else:
            _touch(target)
            return fh
    if width is None or height is None:
        with Image.open(source) as probe:
            width, height = probe.size
    price = cost(req, width, height, jpeg=jpeg, iiif_id=iiif_id, source=source)
    limit = float(_setting("READINGROOM_IIIF_TIME_LIMIT", 5.0))
    heavy = price.seconds >= float(_setting("READINGROOM_IIIF_HEAVY_SECONDS", 0.5)) or price.raw_needed
    with heavy_slot() if heavy else contextlib.nullcontext():
        started = time.monotonic()
        try:
            # the estimate was within the limit; a render that still takes three times as long is stopped
            data = render(
                source, req, jpeg=jpeg, iiif_id=iiif_id, width=width, height=height, deadline=started + 3 * limit
            )
        finally:
            _drop_mapped_pages()
            if price.megapixels >= 10:
                release_memory()
    if store:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
        _note_written(len(data))
    return io.BytesIO(data)


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
