"""Name variants of a person: other spellings, transliterations and scripts (docs/search.md, "Names across scripts").

A variant belongs to a ``documents.Person``. ``key`` is its script-independent comparison form
(:func:`readingroom.names.translit.key`: romanised, folded, letters only), ``stem_key`` the same of its words
stemmed as Russian (so an inflected query form such as ``Хрущёва`` finds the person); search expands a
query's run of words whose key is a variant's into every variant of that person.
"""

from __future__ import annotations

from django.db import models

from readingroom.documents.models import Person


class NameVariant(models.Model):
    class Kind(models.TextChoices):
        SOURCE = "source", "source (as the records give it)"
        EDITOR = "editor", "editor"
        AUTOMATIC = "automatic", "automatic (transliteration)"
        SEED = "seed", "curated list"

    class Script(models.TextChoices):
        LATIN = "Latn", "Latin"
        CYRILLIC = "Cyrl", "Cyrillic"
        HAN = "Hani", "Chinese characters"
        OTHER = "Zyyy", "other"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name_variants")
    name = models.CharField(max_length=300)
    key = models.CharField(max_length=300, db_index=True, editable=False)
    stem_key = models.CharField(max_length=300, db_index=True, editable=False, default="")
    script = models.CharField(max_length=4, choices=Script.choices, default=Script.LATIN)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.EDITOR)
    #: how an automatic variant was made: pinyin, pinyin-tones, wade-giles, palladius, bgn-pcgn, scholarly,
    #: german, cyrillic, natural-order, surname; empty for the others
    scheme = models.CharField(max_length=20, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["person", "id"]
        constraints = [models.UniqueConstraint(fields=["person", "name"], name="namevariant_unique")]

    def __str__(self) -> str:
        return self.name


class PersonNames(Person):
    """A person as the names admin edits it: its variants, merging."""

    class Meta:
        proxy = True
        verbose_name = "person (names)"
        verbose_name_plural = "persons (names)"


class SeedName(models.Model):
    """A curated form of a well-known person's name (a data migration), grouped by person. Search finds a group
    by any of its forms even before a record names the person; a person whose name is one of them is given
    the group's forms as variants (kind "seed")."""

    group = models.CharField(max_length=100, db_index=True)
    name = models.CharField(max_length=300)
    key = models.CharField(max_length=300, db_index=True)
    stem_key = models.CharField(max_length=300, db_index=True, default="")
    script = models.CharField(max_length=4, default="Latn")

    class Meta:
        ordering = ["group", "id"]
        constraints = [models.UniqueConstraint(fields=["group", "name"], name="seedname_unique")]

    def __str__(self) -> str:
        return f"{self.group}: {self.name}"
