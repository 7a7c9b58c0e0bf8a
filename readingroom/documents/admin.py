"""Editors' admin for documents, with their texts, contents, contributors, classifications and scans
inline; the workflow (submit, publish, withdraw) as actions that check the user's role; a change note and
"correction" flag that go into the public version history."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.urls import path

from readingroom.accounts.addresses import client_address
from readingroom.accounts.roles import is_restricted
from readingroom.documents import services

from readingroom.documents import models as m
from readingroom.scans.admin import PageInline, attach_view


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
    change_note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text="Why this change (shown in the public history of a published document)")
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
    readonly_fields = ("status", "withdrawn_at", "date_sort", "year", "content_hash", "created_at", "updated_at",
                       "published_at")
    actions = ["submit_for_review", "publish", "withdraw"]
    list_per_page = 50
    inlines = [LanguageInline, ContributorInline, ContentInline, TextInline, SubjectInline, PlaceInline,
               CollectionInline, PersonInline, PageInline]
    fieldsets = [
        (None, {"fields": ("identifier", "title", "summary", "status", "withdrawn_at", "withdrawal_note")}),
        ("Date", {"fields": ("date_display", "date_start", "date_end", "date_certainty", "date_sort", "year")}),
        ("Citation", {"fields": ("citation", "archive", "source_url", "credits")}),
        (
            "Archival reference",
            {"fields": ("ref_text", "ref_repository", "ref_fonds", "ref_series", "ref_volume", "ref_file", "ref_folios", "repository")},
        ),
        ("Description", {"fields": ("doc_type", "classification", "rights", "extra")}),
        ("Record", {"fields": ("source_format", "source_path", "content_hash", "created_at", "updated_at", "published_at")}),
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

    def save_model(self, request, obj, form, change) -> None:
        from readingroom.history.services import ensure_base_version

        if not change:
            obj.created_by = request.user
            obj.status = m.Document.Status.DRAFT  # made in the admin: a draft until published
            obj.published_at = None
        elif obj.status == m.Document.Status.PUBLISHED:
            ensure_base_version([obj.identifier], actor=request.user.get_username())
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        from readingroom.history.services import record_version
        from readingroom.search.models import IndexQueue

        doc = form.instance
        m.Document.objects.filter(pk=doc.pk).update(content_hash="")  # edited by hand: a re-import may update it
        IndexQueue.objects.create(identifier=doc.identifier, action="index")
        if change and doc.status == m.Document.Status.PUBLISHED:
            record_version(doc, actor=request.user.get_username(), note=form.cleaned_data.get("change_note", ""),
                           erratum=form.cleaned_data.get("erratum", False))
        _index_now()

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
                services.set_status(doc.identifier, status, actor=request.user.get_username(), source="admin",
                                    address=client_address(request))
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
        attach = path("<path:object_id>/attach/", self.admin_site.admin_view(lambda request, object_id: attach_view(self, request, object_id)),
                      name="documents_document_attach")
        return [attach, *super().get_urls()]


def _index_now() -> None:
    """Apply the index queue here when no other process owns the index (else the owner does, within a second)."""
    from readingroom.search.indexing import process_queue

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
