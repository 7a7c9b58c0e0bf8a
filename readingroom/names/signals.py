"""A person stored by an import (or anywhere else) gets its source name and automatic variants at once, in the
same transaction: the FRUS people lists and every record's persons list seed the variant table. A variant's
derived fields (key, stem key, script) are set from its name before every save."""

from __future__ import annotations

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from readingroom.documents.models import Person
from readingroom.names.models import NameVariant
from readingroom.names.services import refresh_person
from readingroom.names.variants import fill


@receiver(post_save, sender=Person)
def person_saved(sender, instance: Person, created: bool, raw: bool = False, update_fields=None, **kwargs) -> None:
    if raw:
        return
    # a new person, a renamed one, or one whose description now says where they are from (Soviet, Chinese)
    if created or update_fields is None or "name" in update_fields or "description" in update_fields:
        refresh_person(instance)


@receiver(pre_save, sender=NameVariant)
def variant_saving(sender, instance: NameVariant, raw: bool = False, **kwargs) -> None:
    """A variant's derived fields (key, stem key, script) follow its name on every save."""
    if not raw:
        fill(instance)
