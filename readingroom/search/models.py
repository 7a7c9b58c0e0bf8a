import uuid
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql.compiler import SQLCompiler


class CurrentTxid(models.Func):
    """The writing transaction's id on PostgreSQL (``txid_current()``), NULL elsewhere: a column default."""

    output_field = models.BigIntegerField()

    # django-stubs types the params as a tuple; Django's own expressions give a list, and so does this
    def as_sql(  # type: ignore[override]
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra: Any,
    ) -> tuple[str, list[Any]]:
        return "NULL", []

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        return "txid_current()", []


class IndexQueue(models.Model):
    """The change feed: one row per record change, written in the same transaction as the change.

    Every node's search index follows it from its own position (``search.feed``); rows are pruned once every
    live node has applied them. On PostgreSQL each row also carries the id of the transaction that wrote it
    (``txid``, set by the database), so that a reader never passes a row whose transaction commits late.
    """

    identifier = models.CharField(max_length=200, db_index=True)
    action = models.CharField(max_length=10, default="index")  # "index" | "delete" | "rebuild"
    created_at = models.DateTimeField(auto_now_add=True)
    #: the import that indexed this change itself (``search.indexing.InlineIndexer``); '' for every other writer
    origin = models.CharField(max_length=40, blank=True, default="", db_default="")
    #: PostgreSQL: txid_current() of the writing transaction (a column default); NULL on SQLite
    txid = models.BigIntegerField(null=True, blank=True, db_index=True, db_default=CurrentTxid())

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.action} {self.identifier}"


class SearchNode(models.Model):
    """A search index that follows the feed (one per node with its own index, one for a shared index):
    where it is, and when it was last seen. The feed is pruned below the position of every node seen lately.
    The row named ``(pruned)`` holds the position below which rows are gone (a node behind it rebuilds)."""

    name = models.CharField(max_length=300, unique=True)
    position = models.BigIntegerField(default=0)
    seen_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.position}"


class ArchiveIdentity(models.Model):
    """Which archive this database holds: a random id made with it (or when a flush emptied it). A search index
    records it beside its position in the feed and is rebuilt when it finds another: an index from another
    archive, or from before its database was replaced, even where both were at the same path or address. Moving
    a data directory or renaming a database keeps it."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.uuid)
