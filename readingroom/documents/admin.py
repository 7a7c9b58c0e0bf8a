"""Editors' admin for documents, with their texts, contents, contributors, classifications and scans
inline; the workflow (submit, publish, withdraw) as actions that check the user's role; a change note and
"correction" flag that go into the public version history."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.urls import path

from readingroom.accounts.addresses import client_address
from readingroom.accounts.roles import is_restricted
from readingroom.documents import models as m
from readingroom.documents import services
from readingroom.records.unitofwork import UnitOfWork
from readingroom.scans.admin import PageInline, attach_view
from readingroom.search.indexing import process_queue


class TextInline(admin.StackedInline):
    model = m.Text
    extra = 0
    fields = ("position", "kind", "language", "label", "title", "body")


class ContentInline(admin.TabularInline):
    model = m.ContentItem
    extra = 0


class ContributorInline(admin.TabularInline):
    model = m.Contributor
    extra = 0


class LanguageInline(admin.TabularInline):
    model = m.DocumentLanguage
    extra = 0


class SubjectInline(admin.TabularInline):
    model = m.DocumentSubject
    extra = 0
    autocomplete_fields = ("subject",)


class PlaceInline(admin.TabularInline):
    model = m.DocumentPlace
    extra = 0
    autocomplete_fields = ("place",)


class CollectionInline(admin.TabularInline):
    model = m.DocumentCollection
    extra = 0
    autocomplete_fields = ("collection",)


class PersonInline(admin.TabularInline):
    model = m.DocumentPerson
    extra = 0
    autocomplete_fields = ("person",)


class DocumentForm(forms.ModelForm):
    change_note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why this change (shown in the public history of a published document)",
    )
    erratum = forms.BooleanField(required=False, label="This corrects an error (listed as a correction on the page)")

    class Meta:
        model = m.Document
        fields = "__all__"


@admin.register(m.Document)
class DocumentAdmin(admin.ModelAdmin):
    form = DocumentForm
    list_display = ("identifier", "title", "status", "date_display", "year", "ref_repository", "updated_at")
    list_filter = ("status", "year", "original_languages", "doc_type", "classification")
    search_fields = ("identifier", "title", "summary", "citation")
    readonly_fields = (
        "status",
        "withdrawn_at",
        "date_sort",
        "year",
        "content_hash",
        "created_at",
        "updated_at",
        "published_at",
    )
    actions = ["submit_for_review", "publish", "withdraw"]
    list_per_page = 50
    inlines = [
        LanguageInline,
        ContributorInline,
        ContentInline,
        TextInline,
        SubjectInline,
        PlaceInline,
        CollectionInline,
        PersonInline,
        PageInline,
    ]
    fieldsets = [
        (None, {"fields": ("identifier", "title", "summary", "status", "withdrawn_at", "withdrawal_note")}),
        ("Date", {"fields": ("date_display", "date_start", "date_end", "date_certainty", "date_sort", "year")}),
        ("Citation", {"fields": ("citation", "archive", "source_url", "credits")}),
        (
            "Archival reference",
            {
                "fields": (
                    "ref_text",
                    "ref_repository",
                    "ref_fonds",
                    "ref_series",
                    "ref_volume",
                    "ref_file",
                    "ref_folios",
                    "repository",
                )
            },
        ),
        ("Description", {"fields": ("doc_type", "classification", "rights", "extra")}),
        (
            "Record",
            {"fields": ("source_format", "source_path", "content_hash", "created_at", "updated_at", "published_at")},
        ),
        ("This change", {"fields": ("change_note", "erratum")}),
    ]

    # -- who sees and changes what (contributors: their own drafts only)
    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.filter(created_by=request.user) if is_restricted(request.user) else qs

    def has_change_permission(self, request, obj=None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        if obj is not None and is_restricted(request.user):
            return obj.created_by_id == request.user.pk and obj.status == m.Document.Status.DRAFT
        return True

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and is_restricted(request.user):
            return False
        return super().has_delete_permission(request, obj)

    # -- a save is one unit of work: the record and its inlines, the change feed, the version of a published
    # document, and the audit event (the admin's LogEntry) commit together
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        with UnitOfWork(actor=request.user.get_username(), source="admin", address=client_address(request)) as uow:
            response = super().changeform_view(request, object_id, form_url, extra_context)
        if uow.documents:
            _index_now()
        return response

    def save_model(self, request, obj, form, change) -> None:
        uow = _unit()
        if not change:
            obj.created_by = request.user
            obj.status = m.Document.Status.DRAFT  # made in the admin: a draft until published
            obj.published_at = None
        else:
            uow.changing(obj.identifier)  # a published document keeps its state before the first change
        obj.content_hash = ""  # edited by hand: a re-import may update it
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        doc, uow = form.instance, _unit()
        if change:
            uow.updated(doc.identifier)
            uow.version(
                doc.identifier,
                note=form.cleaned_data.get("change_note", ""),
                erratum=form.cleaned_data.get("erratum", False),
            )  # if published
        else:
            uow.created(doc.identifier)

    def delete_model(self, request, obj) -> None:
        """Through the service: a tombstone, the feed row and the audit event, as ``readingroom delete``."""
        services.delete_document(
            obj.identifier, actor=request.user.get_username(), source="admin", address=client_address(request)
        )

    def delete_queryset(self, request, queryset) -> None:
        for identifier in queryset.values_list("identifier", flat=True):
            services.delete_document(
                identifier, actor=request.user.get_username(), source="admin", address=client_address(request)
            )

    # -- the workflow
    def _transition(self, request, queryset, status: str, permission: str, label: str) -> None:
        if not request.user.has_perm(permission):
            raise PermissionDenied(f"you may not {label} documents")
        done, refused = 0, []
        for doc in queryset:
            if is_restricted(request.user) and doc.created_by_id != request.user.pk:
                refused.append(f"{doc.identifier}: not yours")
                continue
            try:
                services.set_status(
                    doc.identifier,
                    status,
                    actor=request.user.get_username(),
                    source="admin",
                    address=client_address(request),
                )
                done += 1
            except services.InvalidTransition as exc:
                refused.append(str(exc))
        _index_now()
        if done:
            self.message_user(request, f"{label.capitalize()}: {done} document{'s' if done != 1 else ''}.")
        for r in refused:
            self.message_user(request, r, messages.WARNING)

    @admin.action(description="Submit the selected drafts for review", permissions=["submit"])
    def submit_for_review(self, request, queryset):
        self._transition(request, queryset, m.Document.Status.REVIEW, "documents.submit_document", "submit")

    @admin.action(description="Publish the selected documents", permissions=["publish"])
    def publish(self, request, queryset):
        self._transition(request, queryset, m.Document.Status.PUBLISHED, "documents.publish_document", "publish")

    @admin.action(description="Withdraw the selected documents", permissions=["publish"])
    def withdraw(self, request, queryset):
        self._transition(request, queryset, m.Document.Status.WITHDRAWN, "documents.publish_document", "withdraw")

    def has_submit_permission(self, request) -> bool:
        return request.user.has_perm("documents.submit_document")

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm("documents.publish_document")

    def get_urls(self):
        view = self.admin_site.admin_view(lambda request, object_id: attach_view(self, request, object_id))
        attach = path("<path:object_id>/attach/", view, name="documents_document_attach")
        return [attach, *super().get_urls()]


def _unit() -> UnitOfWork:
    """The unit of work of the admin's save (opened by ``changeform_view``)."""
    uow = UnitOfWork.current()
    if uow is None:
        raise RuntimeError("a document is saved in the admin only inside changeform_view's unit of work")
    return uow


def _index_now() -> None:
    """Apply the index queue here when no other process owns the index (else the owner does, within a second)."""
    process_queue()


@admin.register(m.Subject)
class SubjectAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(m.Place)
class PlaceAdmin(admin.ModelAdmin):
    search_fields = ("name",)
    list_display = ("name", "parent")


@admin.register(m.Collection)
class CollectionAdmin(admin.ModelAdmin):
    search_fields = ("identifier", "title")
    list_display = ("title", "identifier", "parent")


@admin.register(m.Person)
class PersonAdmin(admin.ModelAdmin):
    search_fields = ("identifier", "name")
    list_display = ("name", "identifier")


for model in (m.Language, m.Repository):
    admin.site.register(model, search_fields=("name",))
