"""Editors' admin for documents, with their texts, contents, contributors and classifications inline."""

from django.contrib import admin
from django.urls import path

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


@admin.register(m.Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("identifier", "title", "date_display", "year", "ref_repository", "updated_at")
    list_filter = ("year", "original_languages", "doc_type", "classification")
    search_fields = ("identifier", "title", "summary", "citation")
    readonly_fields = ("date_sort", "year", "content_hash", "created_at", "updated_at")
    inlines = [LanguageInline, ContributorInline, ContentInline, TextInline, PageInline]
    fieldsets = [
        (None, {"fields": ("identifier", "title", "summary")}),
        ("Date", {"fields": ("date_display", "date_start", "date_end", "date_certainty", "date_sort", "year")}),
        ("Citation", {"fields": ("citation", "archive", "source_url", "credits")}),
        (
            "Archival reference",
            {"fields": ("ref_text", "ref_repository", "ref_fonds", "ref_series", "ref_volume", "ref_file", "ref_folios", "repository")},
        ),
        ("Description", {"fields": ("doc_type", "classification", "rights", "extra")}),
        ("Record", {"fields": ("source_format", "source_path", "content_hash", "created_at", "updated_at", "published_at")}),
    ]


    def get_urls(self):
        attach = path("<path:object_id>/attach/", self.admin_site.admin_view(lambda request, object_id: attach_view(self, request, object_id)),
                      name="documents_document_attach")
        return [attach, *super().get_urls()]


for model in (m.Language, m.Repository, m.Subject, m.Place, m.Collection):
    admin.site.register(model)
