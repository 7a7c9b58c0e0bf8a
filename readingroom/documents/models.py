"""The document model, after the Wilson Center Digital Archive's record model, extended.

The record database is the source of truth. Every field a source gives is stored as given (Unicode NFC);
derived columns (``date_sort``, ``year``, ``repository``) exist for sorting and filtering only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

#: Public identifiers: path-like segments of letters, digits, ``_`` and ``-`` (``wilson-300023``,
#: ``frus1961-63v22/d1``). No dots, so ``/documents/<id>.json`` is never ambiguous.
IDENTIFIER_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]*(?:/[A-Za-z0-9][A-Za-z0-9_-]*)*"


def document_url(identifier: str) -> str:
    """A document's page (its ``.json`` twin, PDF, history, ... hang below it): the one place the URL is made."""
    return f"/documents/{identifier}"


class Language(models.Model):
    """A language by ISO 639 code (639-1 where one exists, else 639-3)."""

    code = models.CharField(max_length=12, primary_key=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Repository(models.Model):
    """The institution that holds the original (e.g. the Albanian Central State Archives)."""

    name = models.CharField(max_length=500, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "repositories"

    def __str__(self) -> str:
        return self.name


class Collection(models.Model):
    """A collection of documents; collections nest (a series inside a fonds, a volume inside a series)."""

    identifier = models.CharField(max_length=200, unique=True)
    title = models.TextField()
    description = models.TextField(blank=True, default="")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Subject(models.Model):
    name = models.CharField(max_length=300, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Place(models.Model):
    """A place in a hierarchy (Europe > Albania > Tirana): geographic coverage."""

    name = models.CharField(max_length=300)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "parent"], name="place_unique_in_parent"),
            models.UniqueConstraint(fields=["name"], condition=models.Q(parent__isnull=True), name="place_unique_root"),
        ]

    def __str__(self) -> str:
        return " > ".join(self.path())

    def path(self) -> list[str]:
        names: list[str] = []
        node: Place | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return names[::-1]


class Person(models.Model):
    """A person named in documents (linked to an authority record where the source gives one)."""

    identifier = models.CharField(max_length=200, unique=True)
    name = models.CharField(max_length=300, db_index=True)
    description = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Document(models.Model):
    """One archival document: metadata, archival reference, contributors, contents and texts."""

    class Certainty(models.TextChoices):
        EXACT = "exact", "exact"
        APPROXIMATE = "approximate", "approximate"
        INFERRED = "inferred", "inferred"
        UNCERTAIN = "uncertain", "uncertain"
        UNKNOWN = "unknown", "unknown"

    class Status(models.TextChoices):
        DRAFT = "draft", "draft"
        REVIEW = "review", "in review"
        PUBLISHED = "published", "published"
        WITHDRAWN = "withdrawn", "withdrawn"

    identifier = models.CharField("ID", max_length=200, unique=True)
    title = models.TextField()
    #: draft -> in review -> published -> withdrawn; only published documents are public anywhere
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PUBLISHED, db_default=Status.PUBLISHED
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_note = models.TextField(
        blank=True, default="", db_default="", help_text="shown on the withdrawn document's page"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    date_display = models.CharField("date as written", max_length=200, blank=True, default="")
    date_start = models.CharField(max_length=32, blank=True, default="", help_text="ISO 8601")
    date_end = models.CharField(max_length=32, blank=True, default="", help_text="ISO 8601")
    date_certainty = models.CharField(max_length=12, choices=Certainty.choices, default=Certainty.UNKNOWN)
    # Derived from date_start, for sorting and filtering only (indexed by doc_by_date and (year, date_sort)).
    date_sort = models.DateField(null=True, blank=True, editable=False)
    year = models.SmallIntegerField(null=True, blank=True, editable=False)
    #: Derived from the title (lower case, no diacritics, 200 characters), for sorting by title.
    title_sort = models.CharField(max_length=200, blank=True, default="", editable=False)

    summary = models.TextField(blank=True, default="")
    citation = models.TextField(blank=True, default="")
    credits = models.TextField(blank=True, default="")
    archive = models.CharField(
        max_length=300, blank=True, default="", help_text="The digital archive that publishes the document"
    )
    source_url = models.CharField(max_length=1000, blank=True, default="")

    # The archival reference, parsed from the citation; ``ref_text`` is the reference as written.
    ref_text = models.TextField("archival reference", blank=True, default="")
    ref_repository = models.TextField("repository", blank=True, default="")
    ref_fonds = models.CharField("fonds", max_length=300, blank=True, default="")
    ref_series = models.TextField("series", blank=True, default="")
    ref_volume = models.CharField("volume", max_length=100, blank=True, default="")
    ref_file = models.CharField("file", max_length=300, blank=True, default="")
    ref_folios = models.CharField("folios", max_length=100, blank=True, default="")
    repository = models.ForeignKey(
        Repository, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    #: The authority record of the holding archive (readingroom.archives), resolved from ``ref_repository``
    #: when the import stores the document (or by an editor's decision on the review list).
    holding_archive = models.ForeignKey(
        "archives.Archive", null=True, blank=True, on_delete=models.SET_NULL, related_name="documents", editable=False
    )
    #: The deepest level of the archival hierarchy the reference names (fonds > series > volume > file).
    archive_node = models.ForeignKey(
        "archives.Node", null=True, blank=True, on_delete=models.SET_NULL, related_name="documents", editable=False
    )
    #: The node's materialised path (``archives.Node.tree``), so a level's whole subtree is one index range.
    archive_tree = models.CharField(max_length=400, blank=True, default="", editable=False)
    #: The first folio / page of ``ref_folios`` (or of the source's pages), for "in folio order".
    folio_sort = models.IntegerField(null=True, blank=True, editable=False)

    doc_type = models.CharField("type", max_length=100, blank=True, default="")
    classification = models.CharField(max_length=200, blank=True, default="")
    rights = models.TextField(blank=True, default="")

    original_languages = models.ManyToManyField(
        Language, through="DocumentLanguage", related_name="documents", blank=True
    )
    subjects = models.ManyToManyField(Subject, through="DocumentSubject", related_name="documents", blank=True)
    places = models.ManyToManyField(Place, through="DocumentPlace", related_name="documents", blank=True)
    persons = models.ManyToManyField(Person, through="DocumentPerson", related_name="documents", blank=True)
    collections = models.ManyToManyField(Collection, through="DocumentCollection", related_name="documents", blank=True)

    #: Source fields with no column of their own, kept verbatim (e.g. FRUS footnotes, UN session).
    extra = models.JSONField(default=dict, blank=True)

    source_format = models.CharField(max_length=20, blank=True, default="")
    source_path = models.TextField(blank=True, default="")
    #: SHA-256 of the normalised record: an import that would store the same record changes nothing.
    content_hash = models.CharField(max_length=64, blank=True, default="", editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["date_sort", "identifier"]
        permissions = [
            ("publish_document", "Can publish and withdraw documents"),
            ("submit_document", "Can submit documents for review"),
        ]
        # Browse walks these in order (LIMIT/OFFSET) instead of sorting the archive.
        indexes = [
            models.Index(fields=["status", "year", "date_sort", "identifier"], name="doc_by_status_year"),
            # status first: the public lists are "published, in this order" and walk these without sorting
            models.Index(fields=["status", "date_sort", "identifier"], name="doc_by_status_date"),
            models.Index(fields=["status", "title_sort", "identifier"], name="doc_by_status_title"),
            # the feed: newest published first
            models.Index(fields=["status", "published_at"], name="doc_by_status_published"),
            # OAI-PMH selective harvesting (from/until)
            models.Index(fields=["updated_at"], name="doc_by_updated"),
            # archives: counts per holding archive; a level's documents in folio order, and their neighbours
            # (and an archive's own documents, those with no finer level: archive_node IS NULL, by date)
            models.Index(
                fields=["holding_archive", "status", "archive_node", "date_sort", "identifier"], name="doc_by_archive"
            ),
            models.Index(fields=["archive_node", "folio_sort", "identifier"], name="doc_by_node"),
            models.Index(fields=["archive_tree", "status", "date_sort"], name="doc_by_archive_tree"),
        ]

    def __str__(self) -> str:
        return f"{self.identifier}: {self.title}"

    def get_absolute_url(self) -> str:
        return document_url(self.identifier)


class DocumentLanguage(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE)
    language = models.ForeignKey(Language, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["document", "language"], name="doclang_unique")]


class DocumentSubject(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE)
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["document", "subject"], name="docsubject_unique")]


class DocumentPlace(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE)
    place = models.ForeignKey(Place, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["document", "place"], name="docplace_unique")]


class DocumentPerson(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE)
    person = models.ForeignKey(Person, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["document", "person"], name="docperson_unique")]


class DocumentCollection(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE)
    collection = models.ForeignKey(Collection, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["document", "collection"], name="doccoll_unique")]


class Contributor(models.Model):
    """A person or body credited on the record, with roles (contributor, translator, transcriber, ...)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="contributors")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=300)
    roles = models.JSONField(default=list)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.name} ({', '.join(self.roles)})"


class Text(models.Model):
    """A text of the document: a transcript in the original language, a translation, or machine OCR."""

    class Kind(models.TextChoices):
        TRANSCRIPT = "transcript", "transcript"
        TRANSLATION = "translation", "translation"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="texts")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    language = models.ForeignKey(Language, null=True, blank=True, on_delete=models.PROTECT)
    label = models.CharField(max_length=300, blank=True, default="")
    title = models.TextField(blank=True, default="")
    body = models.TextField()
    #: Source-specific structure kept with the text (footnotes, page breaks).
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.kind} ({self.language_id or '?'})"


class ContentItem(models.Model):
    """An item the record declares among its contents (Original Scan, Translation - English, ...)."""

    class Kind(models.TextChoices):
        SCAN = "scan", "scan"
        TRANSCRIPT = "transcript", "transcript"
        TRANSLATION = "translation", "translation"
        OTHER = "other", "other"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="contents")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    language = models.ForeignKey(Language, null=True, blank=True, on_delete=models.PROTECT)
    label = models.CharField(max_length=300)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.label


class Relation(models.Model):
    """A link to a related document, by public id (the target may be imported later)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="relations")
    position = models.PositiveSmallIntegerField(default=0)
    target = models.CharField(max_length=200, db_index=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.target


class Tombstone(models.Model):
    """A document that existed and was deleted: OAI-PMH reports it as deleted (``deletedRecord``
    ``persistent``) so harvesters drop their copy. Its identifier is never given to another record."""

    identifier = models.CharField("ID", max_length=200, unique=True)
    title = models.TextField(blank=True, default="")
    #: the collection identifiers (OAI-PMH sets) the document was in
    collections = models.JSONField(default=list, blank=True)
    deleted_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["deleted_at"]

    def __str__(self) -> str:
        return f"{self.identifier} (deleted {self.deleted_at:%Y-%m-%d})"
