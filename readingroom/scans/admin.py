"""The editors' side of scans: pages shown on the document form (with thumbnails and OCR state), an
"Attach scans" form per document, and the background jobs with their progress and errors."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html

from readingroom.documents import models as dm
from readingroom.scans.attach import AttachError, attach
from readingroom.scans.models import Job, Page, StoredFile
from readingroom.search.indexing import process_queue


class PageInline(admin.TabularInline):
    model = Page
    extra = 0
    can_delete = True
    fields = ("position", "label", "thumbnail", "file", "size", "ocr_state")
    readonly_fields = ("thumbnail", "file", "size", "ocr_state")
    ordering = ("position",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # pages are added with "Attach scans", which checks and stores the files

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("source", "ocr")
            .prefetch_related(Prefetch("jobs", queryset=Job.objects.order_by("-id")))
        )

    @admin.display(description="scan")
    def thumbnail(self, page: Page) -> str:
        return format_html(
            '<a href="/iiif/image/{}/full/max/0/default.jpg"><img src="/iiif/image/{}/full/,80/0/default.jpg" '
            'alt="page {}" height="80"></a>',
            page.iiif_id,
            page.iiif_id,
            page.position,
        )

    @admin.display(description="file")
    def file(self, page: Page) -> str:
        name = page.source.original_name.rsplit("/", 1)[-1]
        return (
            f"{name} (page {page.source_page + 1})"
            if page.source.media_type in {"application/pdf", "image/tiff"}
            else name
        )

    @admin.display(description="size")
    def size(self, page: Page) -> str:
        return f"{page.width} × {page.height}"

    @admin.display(description="OCR")
    def ocr_state(self, page: Page) -> str:
        if hasattr(page, "ocr"):
            return "recognised"
        job = next(iter(page.jobs.all()), None)
        return f"{job.state}{': ' + job.error[:120] if job and job.error else ''}" if job else "—"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        return [single(d, initial) for d in data] if isinstance(data, (list, tuple)) else [single(data, initial)]


class AttachForm(forms.Form):
    # a declared field (the form's metaclass moves it to base_fields), not BaseForm's ``files`` attribute
    files = MultipleFileField(  # type: ignore[assignment]
        help_text="PNG, JPEG, TIFF (also multi-page) or PDF; added after the existing pages"
    )
    languages = forms.CharField(
        required=False, help_text="language codes on the pages, e.g. sq,en (default: the document's original languages)"
    )
    ocr = forms.BooleanField(required=False, initial=True, label="Recognise the text (OCR) in the background")


def attach_view(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str):
    doc = get_object_or_404(dm.Document, pk=object_id)
    change_url = reverse("admin:documents_document_change", args=[doc.pk])
    if not model_admin.has_change_permission(request, doc):
        messages.error(request, "You may not change this document.")
        return HttpResponseRedirect(change_url)
    limit = settings.READINGROOM_MAX_UPLOAD_MB * (1 << 20)
    if request.method == "POST" and int(request.META.get("CONTENT_LENGTH") or 0) > limit * 4:
        messages.error(
            request, f"The upload is larger than the limit ({settings.READINGROOM_MAX_UPLOAD_MB:,} MB a file)."
        )
        return HttpResponseRedirect(change_url)
    form = AttachForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        codes = [c.strip() for c in form.cleaned_data["languages"].split(",") if c.strip()] or None
        uploads = form.cleaned_data["files"]
        try:
            pages = attach(doc.identifier, [(f.name, f) for f in uploads], codes, ocr=form.cleaned_data["ocr"])
        except AttachError as exc:
            messages.error(request, f"Nothing was attached: {exc}")
        else:
            process_queue()  # here when no other process owns the index (else the owner does, within a second)
            messages.success(
                request,
                f"Attached {len(pages)} page{'s' if len(pages) != 1 else ''}"
                + ("; OCR is queued and runs in the background." if form.cleaned_data["ocr"] else "."),
            )
            return HttpResponseRedirect(change_url)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Attach scans to {doc.identifier}",
        "form": form,
        "document": doc,
        "opts": model_admin.model._meta,
        "change_url": change_url,
    }
    return render(request, "admin/scans/attach.html", context)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "state",
        "document",
        "page_position",
        "attempts",
        "created_at",
        "finished_at",
        "error",
    )
    list_filter = ("state", "kind")
    search_fields = ("page__document__identifier", "error")
    readonly_fields = [f.name for f in Job._meta.fields]
    actions = ["requeue"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="document")
    def document(self, job: Job) -> str:
        return job.page.document.identifier if job.page else ""

    @admin.display(description="page")
    def page_position(self, job: Job):
        return job.page.position if job.page else None

    @admin.action(description="Queue the selected jobs again")
    def requeue(self, request, queryset):
        n = queryset.exclude(state=Job.State.RUNNING).update(state=Job.State.QUEUED, attempts=0, error="")
        self.message_user(request, f"{n} jobs queued again.")


@admin.register(StoredFile)
class StoredFileAdmin(admin.ModelAdmin):
    list_display = ("original_name", "media_type", "size", "sha256", "created_at")
    search_fields = ("original_name", "sha256")
    list_filter = ("media_type",)
    readonly_fields = [f.name for f in StoredFile._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # stored bytes are never altered
