"""Every change made through Django's admin (it writes a LogEntry) becomes an audit event."""

from __future__ import annotations

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db.models.signals import post_save
from django.dispatch import receiver

from readingroom.accounts.acting import current_request
from readingroom.accounts.addresses import client_address
from readingroom.history.services import audit

ACTIONS = {ADDITION: "add", CHANGE: "change", DELETION: "delete"}


@receiver(post_save, sender=LogEntry)
def admin_write(sender, instance: LogEntry, created: bool, **kwargs) -> None:
    if not created:
        return
    request = current_request.get()
    content_type = instance.content_type if instance.content_type_id else None
    model = content_type.model if content_type is not None else "object"
    audit(
        f"admin.{model}.{ACTIONS.get(instance.action_flag, 'change')}",
        instance.object_repr[:300],
        actor=instance.user.get_username(),
        source="admin",
        address=client_address(request),
        details={"object_pk": instance.object_id, "message": instance.get_change_message()},
    )
