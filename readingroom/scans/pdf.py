"""The combined PDF of a document (what the Wilson Center offers as a download): a cover page with the
citation, the scans page by page, then the transcripts and translations. Made with fpdf2, once per
version of the document, and cached under ``<data>/cache/pdf/``."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import tempfile
from pathlib import Path

from django.conf import settings
from fpdf import FPDF

logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "BDF NOT subset" for the CJK font: harmless
FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/wqy")]
A4 = (210.0, 297.0)
MARGIN = 18.0


def cache_path(record: dict, base: str) -> Path:
    key = hashlib.sha1(f"{record['id']}|{record['updated_at']}|{base}|2".encode()).hexdigest()[:20]
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
                except Exception:  # a font file fpdf2 cannot read: CJK characters will be missing
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


def build(record: dict, page_images: list[tuple[Path, int, int]], citation: str, url: str, path: Path) -> Path:
    """Write the PDF for ``record`` to ``path`` (atomically)."""
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
    if page_images:
        contents.insert(0, f"Scans: {len(page_images)} page{'s' if len(page_images) != 1 else ''}")
    pdf.text_block("Contents: " + "; ".join(contents), 9, gap=4)
    pdf.text_block(f"Generated {dt.date.today().isoformat()} from the record of {record['updated_at'] or ''}.", 8)
    # scans, each on a page of its own proportions (fitted to A4 width)
    for image_path, width, height in page_images:
        page_w = A4[0]
        page_h = page_w * height / width
        pdf.add_page(format=(page_w, page_h))
        pdf.image(str(image_path), x=0, y=0, w=page_w, h=page_h)
    # texts
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    for kind, key in (("Transcript", "transcripts"), ("Translation", "translations")):
        for t in record[key]:
            pdf.add_page(format="A4")
            pdf.text_block(t.get("label") or f"{kind} ({t.get('language_name') or t.get('language') or ''})", 10, "B")
            if t.get("title"):
                pdf.text_block(t["title"], 14, "B", gap=4)
            for para in t["text"].split("\n\n"):
                pdf.text_block(para.strip(), 11, serif=True)
            for note in (t.get("extra") or {}).get("footnotes", []):
                pdf.text_block(f"{note.get('n', '')}. {note.get('text', '')}", 9, serif=True, gap=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pdf")
    os.close(fd)
    pdf.output(tmp)
    os.replace(tmp, path)
    return path
