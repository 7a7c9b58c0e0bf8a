"""The audit log (append-only: the database refuses to update it, and on PostgreSQL to delete from it)
and document versions."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from readingroom.documents.models import Document


class AppendOnly(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("the audit log is append-only")

    def delete(self):
        raise AppendOnly("the audit log is append-only")


class AuditEvent(models.Model):
    """One write: who, when, what, from where."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.CharField(max_length=200, help_text="user name, or the operator of a command")
    source = models.CharField(max_length=20, help_text="admin, cli, import, worker, web")
    address = models.CharField(max_length=100, blank=True, default="", help_text="IP address or host name")
    action = models.CharField(max_length=60, db_index=True)
    object_id = models.CharField(max_length=300, blank=True, default="", db_index=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "audit event"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnly("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("the audit log is append-only")


class DocumentVersion(models.Model):
    """A published document as it was after a change: the public record, what changed against the
    version before, who made the change and why; an erratum is listed on the document's page."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    actor = models.CharField(max_length=200, blank=True, default="")
    snapshot = models.JSONField()
    changes = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True, default="", help_text="a public note on the change")
    erratum = models.BooleanField(default=False, help_text="a correction, listed publicly on the document page")

    class Meta:
        ordering = ["document", "number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="one_version_number")]

    def __str__(self) -> str:
        return f"{self.document.identifier} v{self.number}"
