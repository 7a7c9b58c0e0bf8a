"""A person stored by an import (or anywhere else) gets its source name and automatic variants at once, in the
same transaction: the FRUS people lists and every record's persons list seed the variant table."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from readingroom.documents.models import Person


@receiver(post_save, sender=Person)
def person_saved(sender, instance: Person, created: bool, raw: bool = False, update_fields=None, **kwargs) -> None:
    if raw:
        return
    from readingroom.names.services import refresh_person

    # a new person, a renamed one, or one whose description now says where they are from (Soviet, Chinese)
    if created or update_fields is None or "name" in update_fields or "description" in update_fields:
        refresh_person(instance)
