"""Attaching scans to a document: PNG, JPEG, TIFF (also multi-page) and PDF (each page rendered).

Everything is checked before anything is stored: the format is sniffed from the bytes (not the name),
the size and pixel count are bounded (no decompression bombs), every image is fully decoded and every PDF
page rendered. Only then are the files moved into place and the pages, and one OCR job per page, created
in one transaction. A bad file stores nothing and is named in the error.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from PIL import Image

from readingroom.documents import models as dm
from readingroom.ingest.languages import UnknownLanguage
from readingroom.ingest.languages import resolve as resolve_language
from readingroom.records.queries import DocumentNotFound
from readingroom.records.unitofwork import UnitOfWork
from readingroom.scans import storage
from readingroom.scans.models import Job, Page, StoredFile

MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "tiff": "image/tiff", "pdf": "application/pdf"}
KEEP_MODES = {"1", "L", "LA", "RGB", "RGBA", "I;16"}


class AttachError(ValueError):
    """A file that cannot be attached: says which and why."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


@dataclass
class PreparedImage:
    tmp: Path | None  # None: the page image is the source itself
    sha256: str
    size: int
    media_type: str
    width: int
    height: int
    source_page: int


@dataclass
class Prepared:
    name: str
    tmp: Path
    sha256: str
    size: int
    media_type: str
    pages: list[PreparedImage] = field(default_factory=list)

    def temp_files(self) -> list[Path]:
        return [self.tmp, *(p.tmp for p in self.pages if p.tmp)]


def limits() -> dict:
    return {
        "max_bytes": settings.READINGROOM_MAX_UPLOAD_MB * (1 << 20),
        "max_pixels": settings.READINGROOM_MAX_IMAGE_PIXELS,
        "max_pages": settings.READINGROOM_MAX_PDF_PAGES,
        "pdf_dpi": settings.READINGROOM_PDF_DPI,
    }


def sniff(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    return None


def _save_png(image: Image.Image) -> tuple[Path, str, int]:
    if image.mode not in KEEP_MODES:
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=False, compress_level=6)
    buffer.seek(0)
    return storage.spool(buffer, 1 << 40)


def _check_pixels(name: str, width: int, height: int, max_pixels: int, what: str = "image") -> None:
    if width < 1 or height < 1:
        raise AttachError(name, f"the {what} has no pixels")
    if width * height > max_pixels:
        raise AttachError(
            name,
            f"the {what} is {width:,} × {height:,} pixels, more than the limit of "
            f"{max_pixels:,} (a decompression bomb or an absurd scan)",
        )


def _prepare_image(name: str, path: Path, kind: str, lim: dict) -> list[PreparedImage]:
    pages: list[PreparedImage] = []
    Image.MAX_IMAGE_PIXELS = None  # we check the size ourselves, before decoding
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with Image.open(path) as im:
                _check_pixels(name, im.width, im.height, lim["max_pixels"])
                im.verify()
            with Image.open(path) as im:
                frames = getattr(im, "n_frames", 1)
                if frames > lim["max_pages"]:
                    raise AttachError(name, f"{frames} pages, more than the limit of {lim['max_pages']}")
                for index in range(frames):
                    im.seek(index)
                    _check_pixels(name, im.width, im.height, lim["max_pixels"], f"page {index + 1}")
                    im.load()
                    if kind in {"png", "jpeg"} and frames == 1:
                        pages.append(PreparedImage(None, "", 0, MEDIA_TYPES[kind], im.width, im.height, 0))
                    else:
                        tmp, sha, size = _save_png(im.copy())
                        pages.append(PreparedImage(tmp, sha, size, "image/png", im.width, im.height, index))
    except AttachError:
        storage.discard(p.tmp for p in pages if p.tmp)
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow's errors for corrupt, truncated or hostile files vary by codec
        storage.discard(p.tmp for p in pages if p.tmp)
        raise AttachError(name, f"not a readable {kind.upper()} image ({type(exc).__name__}: {exc})") from None
    return pages


def _prepare_pdf(name: str, path: Path, lim: dict) -> list[PreparedImage]:
    # deferred: pypdfium2 (the PDFium library) is loaded only when a PDF is attached
    import pypdfium2 as pdfium

    pages: list[PreparedImage] = []
    try:
        pdf = pdfium.PdfDocument(str(path))
    except Exception as exc:  # noqa: BLE001 - pdfium's errors for a broken or hostile PDF: refused, named
        raise AttachError(name, f"a PDF that cannot be opened ({exc})") from None
    try:
        if len(pdf) == 0:
            raise AttachError(name, "a PDF without pages")
        if len(pdf) > lim["max_pages"]:
            raise AttachError(name, f"{len(pdf)} pages, more than the limit of {lim['max_pages']}")
        scale = lim["pdf_dpi"] / 72
        for index in range(len(pdf)):
            page = pdf[index]
            width, height = page.get_size()
            _check_pixels(name, round(width * scale), round(height * scale), lim["max_pixels"], f"page {index + 1}")
            try:
                image = page.render(scale=scale).to_pil()
            except Exception as exc:  # noqa: BLE001 - a page pdfium cannot render: the file is refused, named
                raise AttachError(name, f"page {index + 1} of the PDF will not render ({exc})") from None
            tmp, sha, size = _save_png(image)
            pages.append(PreparedImage(tmp, sha, size, "image/png", image.width, image.height, index))
    except BaseException:
        storage.discard(p.tmp for p in pages if p.tmp)
        raise
    finally:
        pdf.close()
    return pages


def prepare(name: str, stream: BinaryIO) -> Prepared:
    """Spool, identify and check one file, producing its page images (all still temporary).

    :raises AttachError: naming the file
    """
    lim = limits()
    try:
        tmp, sha, size = storage.spool(stream, lim["max_bytes"])
    except storage.TooLarge as exc:
        raise AttachError(name, str(exc)) from None
    try:
        if size == 0:
            raise AttachError(name, "the file is empty")
        with tmp.open("rb") as fh:
            kind = sniff(fh.read(16))
        if kind is None:
            raise AttachError(name, "not a supported format (PNG, JPEG, TIFF or PDF)")
        pages = _prepare_pdf(name, tmp, lim) if kind == "pdf" else _prepare_image(name, tmp, kind, lim)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    prepared = Prepared(name, tmp, sha, size, MEDIA_TYPES[kind], pages)
    for p in pages:
        if p.tmp is None:
            p.sha256, p.size = sha, size
    return prepared


def _stored(sha256: str, size: int, media_type: str, name: str, derived_from: StoredFile | None = None) -> StoredFile:
    stored, _ = StoredFile.objects.get_or_create(
        sha256=sha256,
        defaults={"size": size, "media_type": media_type, "original_name": name[:500], "derived_from": derived_from},
    )
    return stored


def attach(
    identifier: str, files: Iterable[tuple[str, BinaryIO]], languages: list[str] | None = None, ocr: bool = True
) -> list[Page]:
    """Add files to the end of a document's pages; queue OCR for each new page.

    :raises DocumentNotFound: when there is no such document
    :raises AttachError: for the first file that cannot be attached (nothing is stored)
    """
    if not dm.Document.objects.filter(identifier=identifier).exists():
        raise DocumentNotFound(identifier)
    for code in languages or []:
        try:
            resolve_language(code)
        except UnknownLanguage as exc:
            raise AttachError("--language", str(exc)) from None
    prepared: list[Prepared] = []
    try:
        for name, stream in files:
            prepared.append(prepare(name, stream))
        return _store(identifier, prepared, languages, ocr)
    finally:
        storage.discard(t for p in prepared for t in p.temp_files())


def _store(identifier: str, prepared: list[Prepared], languages: list[str] | None, ocr: bool) -> list[Page]:
    created: list[Page] = []
    with UnitOfWork() as uow:  # the pages, their jobs, the feed row and the audit event: one transaction
        doc = dm.Document.objects.select_for_update().get(identifier=identifier)
        langs = _languages(doc, languages)
        position = (
            Page.objects.filter(document=doc).order_by("-position").values_list("position", flat=True).first() or 0
        )
        for item in prepared:
            source = _stored(item.sha256, item.size, item.media_type, item.name)
            storage.commit(item.tmp, item.sha256)
            for p in item.pages:
                image = (
                    source
                    if p.tmp is None
                    else _stored(p.sha256, p.size, p.media_type, f"{item.name} page {p.source_page + 1}", source)
                )
                if p.tmp is not None:
                    storage.commit(p.tmp, p.sha256)
                position += 1
                page = Page.objects.create(
                    document=doc,
                    position=position,
                    label=str(position),
                    source=source,
                    source_page=p.source_page,
                    image=image,
                    iiif_id=image.sha256,
                    width=p.width,
                    height=p.height,
                )
                page.languages.set(langs)
                if ocr:
                    Job.objects.create(kind="ocr", page=page)
                created.append(page)
        uow.updated(identifier, touch=True)
        uow.audit(
            "scans.attach",
            identifier,
            details={
                "files": [
                    {"name": p.name.rsplit("/", 1)[-1], "sha256": p.sha256, "size": p.size, "pages": len(p.pages)}
                    for p in prepared
                ],
                "pages": [pg.position for pg in created],
            },
        )
    return created


def _languages(doc: dm.Document, codes: list[str] | None) -> list[dm.Language]:
    if codes:
        out = []
        for code in codes:
            resolved_code, name = resolve_language(code)
            lang, _ = dm.Language.objects.get_or_create(code=resolved_code, defaults={"name": name})
            out.append(lang)
        return out
    return [dl.language for dl in doc.documentlanguage_set.select_related("language")]


def attach_paths(
    identifier: str, paths: list[Path], languages: list[str] | None = None, ocr: bool = True
) -> list[Page]:
    """:func:`attach` for files on disk (what ``readingroom attach`` calls)."""
    handles = []
    try:
        for path in paths:
            if not path.is_file():
                raise AttachError(str(path), "no such file")
            handles.append((str(path), path.open("rb")))
        return attach(identifier, handles, languages, ocr)
    finally:
        for _, fh in handles:
            fh.close()


SCAN_EXTENSIONS = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".pdf"}


@dataclass
class FolderReport:
    attached: dict[str, int] = field(default_factory=dict)  # document id -> pages added
    already: int = 0  # files that were attached before (a re-run adds nothing)
    errors: list[str] = field(default_factory=list)
    unmatched: list[Path] = field(default_factory=list)  # scans in folders that name no document
    handled: int = 0  # scan files in folders that name a document (attached, attached before, or refused)


def attach_folders(files: Iterable[Path], ocr: bool = True) -> FolderReport:
    """Bulk attach: each scan file goes to the document its folder is named after (``/`` in an id is
    written ``__``), in file-name order. Idempotent: a file already attached to that document is skipped.
    One document's files are all checked before any is stored; a bad one is reported and that document
    gets none of them."""
    report = FolderReport()
    groups: dict[Path, list[Path]] = {}
    for f in files:
        if f.suffix.lower() in SCAN_EXTENSIONS:
            groups.setdefault(f.parent, []).append(f)
    for folder, paths in sorted(groups.items()):
        identifier = folder.name.replace("__", "/")
        if not dm.Document.objects.filter(identifier=identifier).exists():
            report.unmatched += paths
            continue
        report.handled += len(paths)
        have = set(Page.objects.filter(document__identifier=identifier).values_list("source__sha256", flat=True))
        todo = []
        for p in sorted(paths):
            if storage.sha256_of(p) in have:
                report.already += 1
            else:
                todo.append(p)
        if not todo:
            continue
        try:
            report.attached[identifier] = len(attach_paths(identifier, todo, ocr=ocr))
        except AttachError as exc:
            report.errors.append(f"{identifier}: {exc}; none of this folder's {len(todo)} files were attached")
    return report
