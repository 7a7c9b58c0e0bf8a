"""The audit log for administrators: read-only, filterable, searchable; and document versions."""

from django.contrib import admin

from readingroom.history.models import AuditEvent, DocumentVersion


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "source", "address", "action", "object_id")
    list_filter = ("source", "action", "at")
    search_fields = ("actor", "action", "object_id", "address")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    list_per_page = 100

    def has_module_permission(self, request) -> bool:
        return (
            request.user.is_active
            and request.user.is_superuser
            or request.user.groups.filter(name="Administrators").exists()
        )

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DocumentVersion)
class DocumentVersionAdmin(admin.ModelAdmin):
    list_display = ("document", "number", "created_at", "actor", "erratum", "note")
    list_filter = ("erratum",)
    search_fields = ("document__identifier", "note", "actor")
    readonly_fields = ("document", "number", "created_at", "actor", "snapshot", "changes", "note", "erratum")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
