"""Stored files, the pages of a document's scan, machine OCR and background jobs."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models

from readingroom.documents.models import Document, Language


class StoredFile(models.Model):
    """One file's bytes, stored once under the data directory by their SHA-256 and never altered."""

    sha256 = models.CharField("SHA-256", max_length=64, unique=True)
    size = models.BigIntegerField()
    media_type = models.CharField(max_length=100)
    #: the name it was attached under (the first time)
    original_name = models.CharField(max_length=500, blank=True, default="")
    #: ``derived`` for page images rendered from a PDF or split from a multi-page TIFF
    derived_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="derivatives"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.original_name or self.sha256[:12]} ({self.media_type}, {self.size:,} bytes)"

    @property
    def path(self) -> Path:
        return file_path(self.sha256)


def file_path(sha256: str) -> Path:
    return Path(settings.DATA_DIR) / "files" / sha256[:2] / sha256[2:4] / sha256


class Page(models.Model):
    """One page of a document's original: an image served by IIIF, in document order."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="pages")
    position = models.PositiveIntegerField(help_text="1 for the first page")
    label = models.CharField(max_length=100, blank=True, default="")
    #: the file as attached (an image, a multi-page TIFF or a PDF) and the page within it (0-based)
    source = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="source_pages")
    source_page = models.PositiveIntegerField(default=0)
    #: the single raster image served (the source itself for a single PNG/JPEG)
    image = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="image_pages")
    #: the IIIF Image API identifier (the image's SHA-256 unless set otherwise)
    iiif_id = models.CharField("IIIF identifier", max_length=128, db_index=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    #: the language(s) written on the page, for OCR (default: the document's original languages)
    languages = models.ManyToManyField(Language, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document", "position"]
        constraints = [models.UniqueConstraint(fields=["document", "position"], name="one_page_per_position")]

    def __str__(self) -> str:
        return f"{self.document.identifier} page {self.position}"


class OcrText(models.Model):
    """Machine OCR of one page: plain text plus word boxes (hOCR). Never mixed with edited transcripts."""

    page = models.OneToOneField(Page, on_delete=models.CASCADE, related_name="ocr")
    languages = models.CharField(max_length=100, help_text="tesseract language codes, e.g. sqi+eng")
    engine = models.CharField(max_length=100)
    text = models.TextField(blank=True, default="")
    hocr = models.TextField(blank=True, default="")
    #: [[word, x, y, w, h, confidence], ...] in image pixels, for IIIF Content Search
    words = models.JSONField(default=list, blank=True)
    mean_confidence = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "OCR text"

    def __str__(self) -> str:
        return f"OCR of {self.page}"


class Job(models.Model):
    """A background job: OCR of a page (``kind`` "ocr", ``page``) or the combined PDF of a document
    (``kind`` "pdf", ``document``; ``params`` holds the base URL, the version's cache key and the
    progress). Survives restarts: a job left running by a process that died is queued again."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    kind = models.CharField(max_length=20, default="ocr")
    page = models.ForeignKey(Page, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs")
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.CASCADE, related_name="scan_jobs")
    params = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    worker = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["state", "id"], name="job_queue")]

    def __str__(self) -> str:
        return f"{self.kind} job {self.pk} ({self.state})"
