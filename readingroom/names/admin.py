"""Editors add, remove and merge name variants and persons. Every change is audited: the admin's own log entry
becomes an audit event (history.signals), and each added or removed variant and each merge writes its own
(``person.variant.add``, ``person.variant.remove``, ``person.merge``) through history.services.audit."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import admin, messages
from django.shortcuts import render

from readingroom.names import services
from readingroom.names.models import NameVariant, PersonNames, SeedName
from readingroom.names.variants import fill


class NameVariantInline(admin.TabularInline):
    model = NameVariant
    extra = 1
    fields = ("name", "script", "kind", "scheme")
    readonly_fields = ("script", "scheme")


class MergeForm(forms.Form):
    target = forms.ModelChoiceField(queryset=PersonNames.objects.none(), label="Keep this person")


@admin.register(PersonNames)
class PersonNamesAdmin(admin.ModelAdmin):
    search_fields = ("identifier", "name", "name_variants__name")
    list_display = ("name", "identifier", "variant_count")
    inlines = [NameVariantInline]
    actions = ["merge"]

    @admin.display(description="variants")
    def variant_count(self, obj) -> int:
        return obj.name_variants.count()

    def save_formset(self, request, form, formset, change):
        actor = request.user.get_username()
        person = form.instance
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.remove_variant(obj, actor=actor)
        for obj in formset.new_objects:
            services.add_variant(person, obj.name, kind=obj.kind or NameVariant.Kind.EDITOR, actor=actor)
        for obj, _fields in formset.changed_objects:
            obj.save()
        formset.save_m2m()

    @admin.action(description="Merge the selected persons into one")
    def merge(self, request, queryset):
        persons = list(queryset)
        if len(persons) < 2:
            self.message_user(request, "Select at least two persons to merge.", messages.WARNING)
            return None
        form = MergeForm(request.POST if "target" in request.POST else None)
        # form.fields is typed dict[str, Field]; MergeForm declares "target" a ModelChoiceField
        cast(forms.ModelChoiceField, form.fields["target"]).queryset = queryset
        if form.is_valid():
            target = form.cleaned_data["target"]
            others = [p for p in persons if p.pk != target.pk]
            details = services.merge_persons(target, others, actor=request.user.get_username())
            self.log_change(
                request, target, f"Merged {', '.join(m['name'] for m in details['merged'])} into this person"
            )
            self.message_user(request, f"Merged {len(others)} person(s) into {target.name}.")
            return None
        return render(
            request,
            "names/merge.html",
            {
                **self.admin_site.each_context(request),
                "title": "Merge persons",
                "persons": persons,
                "form": form,
                "opts": self.model._meta,
                "action": "merge",
            },
        )


@admin.register(SeedName)
class SeedNameAdmin(admin.ModelAdmin):
    search_fields = ("group", "name")
    list_display = ("name", "group", "script")
    readonly_fields = ("key", "stem_key")

    def save_model(self, request, obj, form, change):
        fill(obj)
        super().save_model(request, obj, form, change)
