"""The editors' admin: archives (authorities) with their other names, the review list of names that did not
resolve (accept as new / as a variant), merge and split, typed links between documents, link suggestions.
Every decision goes through ``archives.services`` (one transaction, one audit event)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm

from readingroom.archives import linktypes, services
from readingroom.archives.models import Archive, ArchiveName, DocumentLink, LinkSuggestion, ReviewItem
from readingroom.documents.models import Document
from readingroom.records.unitofwork import UnitOfWork


class TargetActionForm(ActionForm):
    target = forms.CharField(required=False, label="archive id", help_text="for merge / accept / split")
    name = forms.CharField(
        required=False, label="name", help_text="split: the other name to move; accept: a new archive's name"
    )


class ArchiveNameInline(admin.TabularInline):
    model = ArchiveName
    extra = 1
    fields = ("name", "kind", "language", "subunit")


@admin.register(Archive)
class ArchiveAdmin(admin.ModelAdmin):
    list_display = ("name", "identifier", "place", "isil")
    search_fields = ("name", "identifier", "names__name")
    inlines = [ArchiveNameInline]
    action_form = TargetActionForm
    actions = ["merge_into_target", "split_name_off"]

    def save_model(self, request, obj, form, change):
        with UnitOfWork() as uow:  # the row and its audit event commit together (who: the request's user)
            super().save_model(request, obj, form, change)
            uow.audit(
                "archive.change" if change else "archive.add", obj.identifier, details={"fields": form.changed_data}
            )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # a new or changed variant may resolve documents that were waiting, or move others
        services.replace_documents(Document.objects.filter(holding_archive__isnull=True))

    @admin.action(description="Merge the selected archives into the archive id given")
    def merge_into_target(self, request, queryset):
        target = request.POST.get("target", "").strip()
        for archive in queryset:
            try:
                services.merge_archives(archive.identifier, target, actor=request.user.get_username())
                self.message_user(request, f"merged {archive.name} into {target}")
            except (services.EditError, services.ArchiveNotFound) as exc:
                self.message_user(request, str(exc), messages.ERROR)

    @admin.action(description="Split the name given off the selected archive (to the archive id given, or a new one)")
    def split_name_off(self, request, queryset):
        for archive in queryset:
            try:
                dst = services.split_archive(
                    archive.identifier,
                    request.POST.get("name", ""),
                    into=request.POST.get("target", "").strip(),
                    actor=request.user.get_username(),
                )
                self.message_user(request, f"moved to {dst.name}")
            except (services.EditError, services.ArchiveNotFound) as exc:
                self.message_user(request, str(exc), messages.ERROR)


@admin.register(ReviewItem)
class ReviewItemAdmin(admin.ModelAdmin):
    list_display = ("name", "occurrences", "reason", "candidates", "example", "state", "resolved_to")
    list_filter = ("state",)
    search_fields = ("name",)
    readonly_fields = ("key", "reason", "candidates", "occurrences", "example", "state", "resolved_to")
    action_form = TargetActionForm
    actions = ["accept"]

    @admin.action(description="Accept: as a variant of the archive id given, or (none given) as a new archive")
    def accept(self, request, queryset):
        for item in queryset:
            try:
                archive = services.accept_review(
                    item.pk,
                    archive=request.POST.get("target", "").strip(),
                    new_name=request.POST.get("name", "").strip(),
                    actor=request.user.get_username(),
                )
                self.message_user(request, f"{item.name} -> {archive.name}")
            except (services.EditError, services.ArchiveNotFound) as exc:
                self.message_user(request, str(exc), messages.ERROR)


class LinkForm(forms.ModelForm):
    source_id_text = forms.CharField(label="document", help_text="the document's id")

    class Meta:
        model = DocumentLink
        fields = ("type", "target", "note")

    def clean(self):
        super().clean()
        data = self.cleaned_data  # (what ModelForm.clean returns; typed as possibly None)

        source, target, type_ = data.get("source_id_text", ""), data.get("target", ""), data.get("type", "")
        src = Document.objects.filter(identifier=source).first()
        tgt = Document.objects.filter(identifier=target).first()
        if src is None or tgt is None:
            raise forms.ValidationError(f"no document with id {source if src is None else target!r}")
        if src.pk == tgt.pk:
            raise forms.ValidationError("a document cannot be related to itself")
        edge = linktypes.canonical_edge(source, type_, target)
        if edge[1] in linktypes.ACYCLIC:
            names = [n for n, (c, _) in linktypes.NAMES.items() if c == edge[1]]
            edges = [
                linktypes.canonical_edge(s, t, g)
                for s, t, g in DocumentLink.objects.filter(type__in=names).values_list(
                    "source__identifier", "type", "target"
                )
            ]
            cycle = linktypes.find_cycle(edges, edge)
            if cycle:
                raise forms.ValidationError(
                    f"a {edge[1].replace('-', ' ')} link cannot form a cycle: {' -> '.join(cycle)}"
                )
        return data


@admin.register(DocumentLink)
class DocumentLinkAdmin(admin.ModelAdmin):
    list_display = ("source", "type", "target", "origin", "created_at")
    list_filter = ("type", "origin")
    search_fields = ("source__identifier", "target")
    form = LinkForm

    def get_readonly_fields(self, request, obj=None):
        return ("source", "type", "target", "origin") if obj else ()

    def get_fields(self, request, obj=None):
        return ("source", "type", "target", "note", "origin") if obj else ("source_id_text", "type", "target", "note")

    def save_model(self, request, obj, form, change):
        if change:
            with UnitOfWork() as uow:  # the note and its audit event commit together (who: the request's user)
                super().save_model(request, obj, form, change)
                uow.audit("link.change", obj.source.identifier, details={"note": obj.note})
            return
        link = services.add_link(
            form.cleaned_data["source_id_text"], obj.type, obj.target, note=obj.note, actor=request.user.get_username()
        )
        obj.pk = link.pk

    def delete_model(self, request, obj):
        services.remove_link(obj.pk, actor=request.user.get_username())

    def delete_queryset(self, request, queryset):
        for link in queryset:
            services.remove_link(link.pk, actor=request.user.get_username())


@admin.register(LinkSuggestion)
class LinkSuggestionAdmin(admin.ModelAdmin):
    list_display = ("first", "second", "days_apart", "shared_persons", "reason", "score", "state")
    list_filter = ("state",)
    readonly_fields = ("first", "second", "days_apart", "shared_persons", "reason", "score", "state")
    actions = ["accept", "dismiss"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Accept: link them as other accounts of the same meeting")
    def accept(self, request, queryset):
        for s in queryset:
            try:
                services.decide_suggestion(s.pk, True, actor=request.user.get_username())
            except services.EditError as exc:
                self.message_user(request, str(exc), messages.ERROR)

    @admin.action(description="Dismiss")
    def dismiss(self, request, queryset):
        for s in queryset:
            try:
                services.decide_suggestion(s.pk, False, actor=request.user.get_username())
            except services.EditError as exc:
                self.message_user(request, str(exc), messages.ERROR)
