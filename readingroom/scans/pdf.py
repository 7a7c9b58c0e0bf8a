"""The combined PDF of a document (what the Wilson Center offers as a download): a cover page with the
citation, the scans page by page, then the transcripts and translations. Made with fpdf2, once per
version of the document, and cached under ``<data>/cache/pdf/``.

A small document's PDF is made during the request; any other is made by the background worker (a job of
kind ``pdf``, one at a time per document) while the request answers 202 with the progress. The PDF holds
at most ``READINGROOM_COMBINED_PDF_MAX_PAGES`` scanned pages and ``READINGROOM_COMBINED_PDF_MAX_TEXT_CHARS``
characters of text; past either it says so and where the rest is."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from fpdf import FPDF
from PIL import Image

from readingroom.documents.models import Document
from readingroom.publish import services as publish
from readingroom.records.queries import get_document, related
from readingroom.records.serialise import document_record
from readingroom.scans.models import Job

logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "BDF NOT subset" for the CJK font: harmless
FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/wqy")]
A4 = (210.0, 297.0)
MARGIN = 18.0


#: scans are embedded as JPEG at this width (A4 at 150 dpi): fast to make, small to download
SCAN_WIDTH = 1240


def max_pages() -> int:
    return int(getattr(settings, "READINGROOM_COMBINED_PDF_MAX_PAGES", 300))


def max_text_chars() -> int:
    return int(getattr(settings, "READINGROOM_COMBINED_PDF_MAX_TEXT_CHARS", 1_000_000))


def cache_path(record: dict, base: str) -> Path:
    key = hashlib.sha1(
        f"{record['id']}|{record['updated_at']}|{base}|3|{max_pages()}|{max_text_chars()}".encode(),
        usedforsecurity=False,
    ).hexdigest()[:20]
    safe = record["id"].replace("/", "__")
    return Path(settings.DATA_DIR) / "cache" / "pdf" / f"{safe}-{key}.pdf"


class _PDF(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(unit="mm", format="A4")
        self.doc_title = title
        self.set_auto_page_break(True, margin=MARGIN)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.unicode = False
        regular = FONT_DIRS[0] / "DejaVuSans.ttf"
        if regular.exists():
            self.add_font("DejaVu", "", str(regular))
            self.add_font("DejaVu", "B", str(FONT_DIRS[0] / "DejaVuSans-Bold.ttf"))
            self.add_font("DejaVuSerif", "", str(FONT_DIRS[0] / "DejaVuSerif.ttf"))
            fallbacks = []
            cjk = FONT_DIRS[1] / "wqy-zenhei.ttc"
            if cjk.exists():
                try:
                    self.add_font("WQY", "", str(cjk))
                    fallbacks.append("WQY")
                except Exception:  # noqa: BLE001, S110 - a font fpdf2 cannot read (fontTools raises many kinds): CJK characters will be missing
                    pass
            if fallbacks:
                self.set_fallback_fonts(fallbacks)
            self.unicode = True
        self.set_title(title)
        self.set_creator(settings.READINGROOM_SITE_NAME)

    def font(self, style: str = "", size: float = 11, serif: bool = False) -> None:
        if self.unicode:
            self.set_font("DejaVuSerif" if serif and not style else "DejaVu", style, size)
        else:
            self.set_font("Times" if serif else "Helvetica", style, size)

    def text_block(self, text: str, size: float = 11, style: str = "", serif: bool = False, gap: float = 2) -> None:
        self.font(style, size, serif)
        if not self.unicode:
            text = text.encode("latin-1", "replace").decode("latin-1")
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(gap)

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(-12)
        self.font("", 8)
        label = f"{self.doc_title[:90]} · {self.page_no()}"
        self.cell(0, 6, label if self.unicode else label.encode("latin-1", "replace").decode("latin-1"), align="C")


def _scan_jpeg(path: Path) -> io.BytesIO:
    """A page image as a JPEG at most :data:`SCAN_WIDTH` wide (decoded at a reduced scale when it is a JPEG)."""
    Image.MAX_IMAGE_PIXELS = None  # attach checked the size; these are our own files
    with Image.open(path) as im:
        if im.format == "JPEG":
            im.draft("RGB" if im.mode not in {"L"} else "L", (SCAN_WIDTH, max(1, im.height * SCAN_WIDTH // im.width)))
        im.load()
        image = im if im.mode in {"L", "RGB"} else im.convert("L" if im.mode in {"1", "I;16", "LA"} else "RGB")
        if image.width > SCAN_WIDTH:
            image = image.resize(
                (SCAN_WIDTH, max(1, round(image.height * SCAN_WIDTH / image.width))),
                Image.Resampling.LANCZOS,
                reducing_gap=3.0,
            )
        out = io.BytesIO()
        image.save(out, "JPEG", quality=80)
    out.seek(0)
    return out


def _cap_texts(record: dict, limit: int) -> tuple[list[tuple[str, dict, str]], int, int]:
    """The texts to print, ``(kind, text, body)``, cut so that together they hold at most ``limit``
    characters (at a paragraph break when there is one nearby). Returns them, the characters kept and
    the characters there are."""
    out, kept, total = [], 0, 0
    for kind, key in (("Transcript", "transcripts"), ("Translation", "translations")):
        for t in record[key]:
            body = t["text"] or ""
            total += len(body)
            room = limit - kept
            if room <= 0:
                continue
            if len(body) > room:
                cut = body.rfind("\n\n", max(0, room - 2000), room)
                body = body[: cut if cut > 0 else room]
            kept += len(body)
            out.append((kind, t, body))
    return out, kept, total


def build(
    record: dict,
    page_images: list[tuple[Path, int, int]],
    citation: str,
    url: str,
    path: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    full_text_url: str | None = None,
) -> Path:
    """Write the PDF for ``record`` to ``path`` (atomically): at most :func:`max_pages` scans and
    :func:`max_text_chars` characters of text, saying so when there is more. ``progress(done, total)``
    is called as the steps (scans, texts) are done."""
    all_pages = len(page_images)
    page_images = page_images[: max_pages()]
    texts, kept_chars, total_chars = _cap_texts(record, max_text_chars())
    steps = len(page_images) + len(texts) + 1
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, steps)

    full_text_url = full_text_url or url
    notes = []
    if all_pages > len(page_images):
        notes.append(
            f"This PDF holds the first {len(page_images):,} of the {all_pages:,} scanned pages; "
            f"every page is at {url} (and in its IIIF manifest)."
        )
    if kept_chars < total_chars:
        notes.append(
            f"This PDF holds the first {kept_chars:,} of the {total_chars:,} characters of the "
            f"transcripts and translations; the full text is at {full_text_url}."
        )
    pdf = _PDF(record["title"])
    # cover
    pdf.add_page()
    pdf.text_block(settings.READINGROOM_SITE_NAME, 10, "B", gap=8)
    pdf.text_block(record["date"]["display"] or "Undated", 11)
    pdf.text_block(record["title"], 18, "B", gap=6)
    if record.get("archive"):
        pdf.text_block(record["archive"], 11)
    if record["archival_reference"].get("text"):
        pdf.text_block(record["archival_reference"]["text"], 11, gap=6)
    pdf.text_block("How to cite", 10, "B")
    pdf.text_block(citation, 11, serif=True, gap=6)
    pdf.text_block(f"Permanent link: {url}", 9)
    if record.get("summary"):
        pdf.text_block("Summary", 10, "B")
        pdf.text_block(record["summary"], 11, serif=True)
    contents = [c["label"] for c in record["contents"]]
    if all_pages:
        contents.insert(0, f"Scans: {all_pages} page{'s' if all_pages != 1 else ''}")
    pdf.text_block("Contents: " + "; ".join(contents), 9, gap=4)
    for note in notes:
        pdf.text_block("Abridged: " + note, 9, "B", gap=4)
    pdf.text_block(f"Generated {dt.date.today().isoformat()} from the record of {record['updated_at'] or ''}.", 8)
    step()
    # scans, each on a page of its own proportions (fitted to A4 width)
    for image_path, width, height in page_images:
        page_w = A4[0]
        page_h = page_w * height / width
        pdf.add_page(format=(page_w, page_h))
        pdf.image(_scan_jpeg(image_path), x=0, y=0, w=page_w, h=page_h)
        step()
    # texts
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    for i, (kind, t, body) in enumerate(texts):
        pdf.add_page(format="A4")
        pdf.text_block(t.get("label") or f"{kind} ({t.get('language_name') or t.get('language') or ''})", 10, "B")
        if t.get("title"):
            pdf.text_block(t["title"], 14, "B", gap=4)
        for para in body.split("\n\n"):
            pdf.text_block(para.strip(), 11, serif=True)
        if len(body) < len(t["text"] or "") or (i == len(texts) - 1 and kept_chars < total_chars):
            pdf.text_block(
                f"[The text is cut here: this PDF holds at most {max_text_chars():,} characters of text. "
                f"The full text is at {full_text_url}.]",
                10,
                "B",
                gap=4,
            )
        else:
            for note in (t.get("extra") or {}).get("footnotes", []):
                pdf.text_block(f"{note.get('n', '')}. {note.get('text', '')}", 9, serif=True, gap=1)
        step()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pdf")
    os.close(fd)
    try:
        pdf.output(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


# ---------------------------------------------------------------- made in the request or in the background
def inline_ok(record: dict, pages: list) -> bool:
    """Small enough to make during the request (about a second of work)."""
    chars = sum(len(t["text"] or "") for key in ("transcripts", "translations") for t in record[key])
    return len(pages) <= int(getattr(settings, "READINGROOM_COMBINED_PDF_INLINE_PAGES", 10)) and chars <= int(
        getattr(settings, "READINGROOM_COMBINED_PDF_INLINE_CHARS", 50_000)
    )


def make(doc, record: dict, pages: list, base: str, path: Path, progress=None) -> Path:
    citation = publish.document_citations(record, base)["archive"]["text"]
    url = publish.permanent_url(record, base)
    images_ = [(p.image.path, p.width, p.height) for p in pages]
    return build(
        record,
        images_,
        citation,
        url,
        path,
        progress=progress,
        full_text_url=f"{url} (JSON: {base}/api/documents/{record['id']})",
    )


def pending_job(doc):
    return (
        Job.objects.filter(kind="pdf", document=doc, state__in=[Job.State.QUEUED, Job.State.RUNNING])
        .order_by("id")
        .first()
    )


def ensure_job(doc, base: str, key: str):
    """The PDF job of ``doc``: the one queued or running, else a new one (never two at a time)."""
    with transaction.atomic():
        Document.objects.select_for_update().filter(pk=doc.pk).first()  # one request at a time decides
        job = pending_job(doc)
        if job is None:
            failed = Job.objects.filter(kind="pdf", document=doc, state=Job.State.FAILED, params__key=key).first()
            if failed is not None:
                return failed
            job = Job.objects.create(kind="pdf", document=doc, params={"base": base, "key": key})
    return job


def queue_position(job) -> int:
    return Job.objects.filter(state=Job.State.QUEUED, id__lt=job.id).count()


def build_job(job) -> None:
    """The worker's handler for a ``pdf`` job: make the PDF of the document's present version (if it is not
    in the cache already), recording the progress on the job."""
    doc = get_document(job.document.identifier, public=False)
    base = (job.params or {}).get("base") or ""
    record = document_record(doc)
    path = cache_path(record, base)
    params = dict(job.params or {})

    def progress(done: int, total: int) -> None:
        params.update(done=done, total=total)
        Job.objects.filter(pk=job.pk).update(params=params)

    if not path.exists():
        make(doc, record, related(doc, "pages"), base, path, progress=progress)
    params["path"] = path.name
    Job.objects.filter(pk=job.pk).update(state=Job.State.DONE, finished_at=timezone.now(), error="", params=params)
