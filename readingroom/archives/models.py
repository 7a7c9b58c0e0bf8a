"""Authority records for holding archives, the archival hierarchy, typed links between documents.

* :class:`Archive`: one record per institution (name, place, identifiers such as ISIL, description); its
  other names, variant spellings and known sub-units are :class:`ArchiveName` rows, looked up by a folded
  key (``keys.name_key``) through a unique index.
* :class:`Node`: a level of the archival hierarchy under an archive (fonds, series, volume, file ...), built
  from the parsed references. ``tree`` is the materialised path of node ids (``00000012.00000034.``), so a
  subtree is one index range; a document points to its deepest node (``Document.archive_node``).
* :class:`ReviewItem`: a name in the sources that did not resolve with certainty, for editors.
* :class:`DocumentLink`: a typed relation between two documents; :class:`LinkSuggestion`: a candidate link
  for editors to accept or dismiss.
"""

from __future__ import annotations

from django.db import models

from readingroom.archives.keys import name_key

IDENTIFIER_RE = r"[a-z0-9][a-z0-9-]*"


class Archive(models.Model):
    """A holding archive (or collection-holding institution): the authority documents point to."""

    identifier = models.SlugField("ID", max_length=100, unique=True, help_text="in URLs: /archives/<id>")
    name = models.CharField(max_length=300, unique=True, help_text="the name facets, citations and exports use")
    place = models.CharField(max_length=300, blank=True, default="")
    isil = models.CharField("ISIL", max_length=50, blank=True, default="")
    identifiers = models.JSONField(default=dict, blank=True, help_text='other identifiers, e.g. {"wikidata": "Q..."}')
    description = models.TextField(blank=True, default="")
    #: series names of this archive that sources write with more after them ("Central Files 1964–66")
    series_names = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"/archives/{self.identifier}"


class ArchiveName(models.Model):
    """Another name of an archive: an official name in another language or script, an abbreviation, a
    spelling found in the sources (typos included, once an editor accepted it), or a name with a sub-unit
    (``Department of State Central Files``: ``subunit`` = ``Central Files``)."""

    class Kind(models.TextChoices):
        OTHER = "other", "other name"
        VARIANT = "variant", "variant in the sources"
        ABBREVIATION = "abbreviation", "abbreviation"

    archive = models.ForeignKey(Archive, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=500)
    #: the folded form (keys.name_key): unique, so one spelling belongs to one archive
    key = models.CharField(max_length=500, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.VARIANT)
    language = models.CharField(max_length=12, blank=True, default="")
    #: what the name adds below the archive, kept as a finer level of the reference ("Central Files", "RG 59")
    subunit = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["archive", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.key = name_key(self.name)
        super().save(*args, **kwargs)


class Node(models.Model):
    """One level of an archive's hierarchy: fonds / collection, series, sub-series, volume / box, file."""

    archive = models.ForeignKey(Archive, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    level = models.CharField(max_length=20)
    label = models.CharField(max_length=300)
    #: the folded label: unique among siblings
    key = models.CharField(max_length=300)
    #: materialised path of ids, "00000012.00000034." (a subtree is the range [tree, tree + "~"))
    tree = models.CharField(max_length=400, blank=True, default="", db_index=True)
    depth = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["archive", "tree"]
        constraints = [
            models.UniqueConstraint(fields=["archive", "parent", "level", "key"], name="node_unique_in_parent"),
            models.UniqueConstraint(
                fields=["archive", "level", "key"], condition=models.Q(parent__isnull=True), name="node_unique_root"
            ),
        ]
        indexes = [models.Index(fields=["parent", "level", "key"], name="node_children")]

    def __str__(self) -> str:
        return f"{self.level} {self.label}"

    def get_absolute_url(self) -> str:
        return f"/archives/{self.archive.identifier}/n/{self.pk}"


class ReviewItem(models.Model):
    """A holding-archive name from the sources that did not resolve with certainty: editors accept it (as
    a new archive, or as a variant of one), merge or split."""

    class State(models.TextChoices):
        OPEN = "open", "open"
        RESOLVED = "resolved", "resolved"

    name = models.CharField(max_length=500)
    key = models.CharField(max_length=500, unique=True)
    #: why it was not resolved automatically ("no match", "close to several archives: A, B")
    reason = models.CharField(max_length=500, blank=True, default="")
    candidates = models.JSONField(default=list, blank=True)
    occurrences = models.PositiveIntegerField(default=0)
    example = models.CharField("example document", max_length=200, blank=True, default="")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    resolved_to = models.ForeignKey(Archive, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["state", "-occurrences", "name"]
        verbose_name = "archive name to review"
        verbose_name_plural = "archive names to review"

    def __str__(self) -> str:
        return self.name


from readingroom.archives.linktypes import NAMES as LINK_NAMES  # noqa: E402

LINK_TYPE_CHOICES = [(name, name.replace("-", " ")) for name in LINK_NAMES]


class DocumentLink(models.Model):
    """``source`` is <type> ``target``: "d5 reply to d3", "d12 cited in d40". The target is kept by public
    id (an import may name a document it brings later); ``target_doc`` is filled when it exists."""

    source = models.ForeignKey("documents.Document", on_delete=models.CASCADE, related_name="links_out")
    #: a type of linktypes.TYPES or its inverse, as the source's side reads it ("cites", "reply-to")
    type = models.CharField(max_length=20, choices=LINK_TYPE_CHOICES)
    target = models.CharField(max_length=200)
    target_doc = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.CASCADE, related_name="links_in"
    )
    note = models.CharField(max_length=500, blank=True, default="")
    #: "import" (from the source file: re-imports replace these) or "editor"
    origin = models.CharField(max_length=10, default="editor")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source", "type", "target"]
        constraints = [models.UniqueConstraint(fields=["source", "type", "target"], name="link_unique")]
        indexes = [models.Index(fields=["target"], name="link_by_target")]

    def __str__(self) -> str:
        return f"{self.source.identifier} {self.type.replace('-', ' ')} {self.target}"


class LinkSuggestion(models.Model):
    """Two documents within a few days of each other that name the same persons, from different archives
    or places: perhaps two accounts of one event. Editors accept (a link is made) or dismiss."""

    class State(models.TextChoices):
        OPEN = "open", "open"
        ACCEPTED = "accepted", "accepted"
        DISMISSED = "dismissed", "dismissed"

    first = models.ForeignKey("documents.Document", on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey("documents.Document", on_delete=models.CASCADE, related_name="+")
    days_apart = models.PositiveSmallIntegerField(default=0)
    shared_persons = models.JSONField(default=list)
    reason = models.CharField(max_length=500, blank=True, default="")
    score = models.FloatField(default=0)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["state", "-score"]
        constraints = [models.UniqueConstraint(fields=["first", "second"], name="suggestion_unique")]

    def __str__(self) -> str:
        return f"{self.first.identifier} ~ {self.second.identifier}"
