"""Store canonical records: one transaction per batch, idempotent on the record's id.

A record whose content hash equals the stored one is left alone ("unchanged"); a changed record is
rewritten in place, keeping its database row, id and URL ("updated"); a new one is inserted ("imported").
Because a batch commits or rolls back as a whole, a crash leaves every record either fully stored or absent.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from readingroom.archives import linktypes
from readingroom.archives.hierarchy import Placer
from readingroom.archives.models import DocumentLink
from readingroom.documents import models as m
from readingroom.ingest.dates import sort_key
from readingroom.ingest.errors import RecordError
from readingroom.ingest.languages import by_code
from readingroom.ingest.normalise import content_hash
from readingroom.names.services import refresh_persons
from readingroom.records.unitofwork import UnitOfWork
from readingroom.search.documents import title_key
from readingroom.search.indexing import current_origin


@dataclass
class Outcome:
    id: str
    status: str  # "imported" | "updated" | "unchanged"


class Lookups:
    """Get-or-create caches for the shared tables (languages, repositories, subjects, places, collections)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget cached rows (after a rolled-back batch, they may not exist)."""
        self.languages: dict[str, m.Language] = {}
        self.repositories: dict[str, m.Repository] = {}
        self.subjects: dict[str, m.Subject] = {}
        self.places: dict[tuple[str, ...], m.Place] = {}
        self.collections: dict[str, m.Collection] = {}
        self.persons: dict[str, m.Person] = {}
        self._placer: Placer | None = None

    @property
    def placer(self) -> Placer:
        """Resolves holding archives and hierarchy nodes (readingroom.archives), loaded on first use."""
        if self._placer is None:
            self._placer = Placer()
        return self._placer

    def language(self, code: str | None, name: str = "") -> m.Language | None:
        if not code:
            return None
        if code not in self.languages:
            self.languages[code], _ = m.Language.objects.get_or_create(
                code=code, defaults={"name": name or by_code(code)[1]}
            )
        return self.languages[code]

    def repository(self, name: str) -> m.Repository | None:
        if not name:
            return None
        if name not in self.repositories:
            self.repositories[name], _ = m.Repository.objects.get_or_create(name=name)
        return self.repositories[name]

    def subject(self, name: str) -> m.Subject:
        if name not in self.subjects:
            self.subjects[name], _ = m.Subject.objects.get_or_create(name=name)
        return self.subjects[name]

    def place(self, path: list[str]) -> m.Place:
        key = tuple(path)
        if key not in self.places:
            parent = self.place(path[:-1]) if len(path) > 1 else None
            self.places[key], _ = m.Place.objects.get_or_create(name=path[-1], parent=parent)
        return self.places[key]

    def collection(self, identifier: str, title: str) -> m.Collection:
        if identifier not in self.collections:
            obj, created = m.Collection.objects.get_or_create(identifier=identifier, defaults={"title": title})
            self.collections[identifier] = obj
        return self.collections[identifier]

    def prefetch_persons(self, entries: list[dict]) -> None:
        """Find or make the persons of a batch at once: one query for those that exist, one insert for the new
        ones and their name variants in bulk (``names.services.refresh_persons``; one by one, through
        ``get_or_create`` and the ``post_save`` signal, they were a quarter of a 10k import)."""
        wanted: dict[str, dict] = {}
        for entry in entries:
            if entry["id"] not in self.persons:
                wanted.setdefault(entry["id"], entry)
        if not wanted:
            return
        found = {p.identifier: p for p in m.Person.objects.filter(identifier__in=list(wanted))}
        new = [
            m.Person(identifier=ident, name=e["name"], description=e.get("description", ""))
            for ident, e in wanted.items()
            if ident not in found
        ]
        if new:
            # (another writer may make the same person meanwhile: its row is kept, and read back below)
            m.Person.objects.bulk_create(new, ignore_conflicts=True)
            made = {p.identifier: p for p in m.Person.objects.filter(identifier__in=[p.identifier for p in new])}
            refresh_persons(list(made.values()))
        else:
            made = {}
        for ident, person in found.items():  # an existing person gains a description (and variants from it)
            if wanted[ident].get("description") and not person.description:
                person.description = wanted[ident]["description"]
                person.save(update_fields=["description"])
        self.persons.update(found)
        self.persons.update(made)

    def person(self, entry: dict) -> m.Person:
        ident = entry["id"]
        if ident not in self.persons:
            obj, created = m.Person.objects.get_or_create(
                identifier=ident, defaults={"name": entry["name"], "description": entry.get("description", "")}
            )
            if not created and entry.get("description") and not obj.description:
                obj.description = entry["description"]
                obj.save(update_fields=["description"])
            self.persons[ident] = obj
        return self.persons[ident]


def _document_fields(rec: dict, source_format: str, source_path: str, digest: str, lookups: Lookups) -> dict:
    ref = rec["archival_reference"]
    start = rec["date"]["start"]
    key = sort_key(start)
    return {
        "title": rec["title"],
        "title_sort": title_key(rec["title"])[:200],
        "date_display": rec["date"]["display"],
        "date_start": start,
        "date_end": rec["date"]["end"],
        "date_certainty": rec["date"]["certainty"],
        "date_sort": key,
        "year": key.year if key else None,
        "summary": rec["summary"],
        "citation": rec["citation"],
        "credits": rec["credits"],
        "archive": rec["archive"],
        "source_url": rec["source_url"],
        "ref_text": ref["text"],
        "ref_repository": ref["repository"],
        "ref_fonds": ref["fonds"],
        "ref_series": ref["series"],
        "ref_volume": ref["volume"],
        "ref_file": ref["file"],
        "ref_folios": ref["folios"],
        "repository": lookups.repository(ref["repository"]),
        "doc_type": rec["type"],
        "classification": rec["classification"],
        "rights": rec["rights"],
        "extra": rec["extra"],
        "source_format": source_format,
        "source_path": source_path,
        "content_hash": digest,
    }


def _place(rec: dict, fields: dict, lookups: Lookups) -> None:
    """The holding archive's authority, the deepest hierarchy level and the folio order (readingroom.archives)."""
    archive_id, node_id, folio = lookups.placer.place(rec)
    fields["holding_archive_id"] = archive_id
    fields["archive_node_id"] = node_id
    fields["archive_tree"] = lookups.placer.trees.get(node_id, "") if node_id else ""
    fields["folio_sort"] = folio


def _store_links(placed: list[tuple[dict, str, str]], pks: dict[str, int], new_ids: list[str]) -> None:
    """The typed relations the stored records carry (``relations``), replacing those an earlier import of
    the same records made; links waiting for a document stored now are connected to it.

    :raises RecordError: a relation to a document that is neither stored nor in this batch (formats other
        than FRUS TEI, whose cross-references may point forward in the volume), or one that closes a cycle
        of a type that forbids cycles (enclosure of, reply to, translation of); the batch is not stored
    """
    DocumentLink.objects.filter(source_id__in=[pks[rec["id"]] for rec, _, _ in placed], origin="import").delete()
    wanted = [(rec, fmt, path, i, r) for rec, fmt, path in placed for i, r in enumerate(rec.get("relations") or [])]
    for chunk in range(0, len(new_ids), 500):
        waiting = DocumentLink.objects.filter(target__in=new_ids[chunk : chunk + 500], target_doc__isnull=True)
        for link_pk, target in waiting.values_list("pk", "target"):
            DocumentLink.objects.filter(pk=link_pk).update(target_doc_id=pks[target])
    if not wanted:
        return
    targets = {r["target"] for *_, r in wanted}
    known = dict(m.Document.objects.filter(identifier__in=targets).values_list("identifier", "pk"))
    known.update({t: pks[t] for t in targets if t in pks})
    # the acyclic links already stored around these documents, as canonical edges
    involved = {rec["id"] for rec, *_ in wanted} | targets
    edges = [
        linktypes.canonical_edge(s, t, g)
        for s, t, g in DocumentLink.objects.filter(
            type__in=[n for n, (c, _) in linktypes.NAMES.items() if c in linktypes.ACYCLIC]
        )
        .filter(source__identifier__in=involved)
        .values_list("source__identifier", "type", "target")
    ]
    edges += [
        linktypes.canonical_edge(s, t, g)
        for s, t, g in DocumentLink.objects.filter(
            type__in=[n for n, (c, _) in linktypes.NAMES.items() if c in linktypes.ACYCLIC], target__in=involved
        ).values_list("source__identifier", "type", "target")
    ]
    links = []
    for rec, fmt, path, i, r in wanted:
        field = f"relations[{i}]"
        if r["target"] not in known and fmt != "tei":
            raise RecordError(
                f"no document with id {r['target']!r} (import it first, or in the same batch)",
                path=path,
                record=rec["id"],
                field=f"{field}.target",
            )
        edge = linktypes.canonical_edge(rec["id"], r["type"], r["target"])
        cycle = linktypes.find_cycle(edges, edge)
        if cycle:
            raise RecordError(
                f"'{r['type']}' {r['target']!r} closes a cycle ({' -> '.join(cycle)}), which a "
                f"{edge[1].replace('-', ' ')} link cannot",
                path=path,
                record=rec["id"],
                field=field,
            )
        edges.append(edge)
        links.append(
            DocumentLink(
                source_id=pks[rec["id"]],
                type=r["type"],
                target=r["target"],
                target_doc_id=known.get(r["target"]),
                origin="import",
            )
        )
    DocumentLink.objects.bulk_create(links, ignore_conflicts=True)


def _pk(obj) -> int | str | None:
    return obj.pk if hasattr(obj, "pk") else obj


class Rows:
    """Plain rows for one model, inserted with one ``executemany`` (no model instances: the ORM's
    per-object cost was two thirds of the import time)."""

    def __init__(self, model, fields: list[str], ready: tuple[str, ...] = ()) -> None:
        """:param ready: fields whose values the caller passes already in database form (converted once)."""
        self.model = model
        self.fields = [model._meta.get_field(f) for f in fields]
        self.rows: list[tuple] = []
        qn = connection.ops.quote_name
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - quoted names from the model's _meta, values are parameters
            qn(model._meta.db_table),
            ", ".join(qn(f.column) for f in self.fields),
            ", ".join(["%s"] * len(self.fields)),
        )
        special = {"JSONField", "DateField", "DateTimeField"}
        self.convert = [
            None
            if f.name in ready
            else (lambda v, f=f: f.get_db_prep_save(v, connection))
            if f.get_internal_type() in special
            else _pk
            if f.is_relation
            else None
            for f in self.fields
        ]

        self.converted = [(i, c) for i, c in enumerate(self.convert) if c is not None]

    def add(self, *values) -> None:
        if self.converted:
            row = list(values)
            for i, c in self.converted:
                row[i] = c(row[i])
            values = tuple(row)
        self.rows.append(tuple(values))

    def insert(self, cursor) -> None:
        if self.rows:
            cursor.executemany(self.sql, self.rows)
            self.rows.clear()


def _child_rows() -> dict[type, Rows]:
    return {
        m.DocumentLanguage: Rows(m.DocumentLanguage, ["document", "language", "position"]),
        m.Contributor: Rows(m.Contributor, ["document", "position", "name", "roles"]),
        m.ContentItem: Rows(m.ContentItem, ["document", "position", "kind", "language", "label"]),
        m.Text: Rows(m.Text, ["document", "position", "kind", "language", "label", "title", "body", "extra"]),
        m.DocumentSubject: Rows(m.DocumentSubject, ["document", "subject", "position"]),
        m.DocumentPlace: Rows(m.DocumentPlace, ["document", "place", "position"]),
        m.DocumentCollection: Rows(m.DocumentCollection, ["document", "collection", "position"]),
        m.DocumentPerson: Rows(m.DocumentPerson, ["document", "person", "position"]),
        m.Relation: Rows(m.Relation, ["document", "position", "target"]),
    }


CHILD_MODELS = (
    m.DocumentLanguage,
    m.Contributor,
    m.ContentItem,
    m.Text,
    m.DocumentSubject,
    m.DocumentPlace,
    m.DocumentCollection,
    m.DocumentPerson,
    m.Relation,
)


def _children(pk: int, rec: dict, lookups: Lookups, rows: dict[type, Rows]) -> None:
    for i, lang in enumerate(rec["original_languages"]):
        language = lookups.language(lang["code"], lang["name"])
        if language is None:  # (normalise gives every original language a code)
            raise RecordError("an original language has no code", field=f"original_languages[{i}]")
        rows[m.DocumentLanguage].add(pk, language.pk, i)
    for i, c in enumerate(rec["contributors"]):
        rows[m.Contributor].add(pk, i, c["name"], c["roles"])
    for i, c in enumerate(rec["contents"]):
        rows[m.ContentItem].add(pk, i, c["kind"], _pk(lookups.language(c["language"])), c["label"])
    position = 0
    for kind, key in (("translation", "translations"), ("transcript", "transcripts")):
        for t in rec[key]:
            rows[m.Text].add(
                pk,
                position,
                kind,
                _pk(lookups.language(t["language"])),
                t["label"],
                t["title"],
                t["text"],
                t.get("extra", {}),
            )
            position += 1
    for i, name in enumerate(rec["subjects"]):
        rows[m.DocumentSubject].add(pk, lookups.subject(name).pk, i)
    for i, path in enumerate(rec["places"]):
        rows[m.DocumentPlace].add(pk, lookups.place(path).pk, i)
    for i, c in enumerate(rec["collections"]):
        rows[m.DocumentCollection].add(pk, lookups.collection(c["id"], c["title"]).pk, i)
    for i, entry in enumerate(rec["persons"]):
        rows[m.DocumentPerson].add(pk, lookups.person(entry).pk, i)
    for i, target in enumerate(rec["related"]):
        rows[m.Relation].add(pk, i, target)


def store_batch(
    items: list[tuple], lookups: Lookups | None = None, *, status: str = "published", uow: UnitOfWork | None = None
) -> list[Outcome]:
    """Store ``(record, source_format, source_path[, content_hash])`` items in one transaction.

    :param items: canonical, validated records with where they came from; ids must be unique in the batch
    :param lookups: caches shared across batches of one import
    :param status: the workflow state of documents created by this batch (``draft`` for ``import --draft``);
        an existing document keeps its state
    :param uow: the unit of work the batch is part of (the import's, which adds the batch's history; a
        restore's); by default a unit of its own. The unit writes the feed rows of what was stored, and the
        state before the change of each published document rewritten is kept (``UnitOfWork.changing``).
    :returns: one outcome per item, in order
    """
    if uow is None:
        with UnitOfWork(source="import", origin=current_origin()) as unit:
            return store_batch(items, lookups, status=status, uow=unit)
        # not reached (narrows ``uow``): UnitOfWork.__exit__ never swallows an exception, but is typed ``-> bool``
        raise AssertionError("the unit of work swallowed an exception")
    lookups = lookups or Lookups()
    ids = [item[0]["id"] for item in items]
    # No savepoint of its own: the caller's unit is the batch's transaction (a nested one would make SQLite
    # keep a statement journal of every page the batch changes, measurably slower). A failure rolls it back.
    try:
        existing = {
            ident: (pk, digest)
            for ident, pk, digest in m.Document.objects.filter(identifier__in=ids).values_list(
                "identifier", "pk", "content_hash"
            )
        }
        now = timezone.now()
        now_db = m.Document._meta.get_field("created_at").get_db_prep_save(now, connection)
        outcomes: list[Outcome] = []
        new_docs: list[tuple[dict, dict]] = []
        changed: list[tuple[m.Document, dict]] = []
        update_fields: list[str] = []
        digests = [given[0] if given else content_hash(rec) for rec, fmt, path, *given in items]
        # published documents about to be rewritten keep their state before it (before any row changes)
        uow.changing(
            *[
                rec["id"]
                for (rec, *_), digest in zip(items, digests, strict=True)
                if rec["id"] in existing and existing[rec["id"]][1] != digest
            ],
            actor="import",
        )
        for (rec, fmt, path, *_), digest in zip(items, digests, strict=True):
            fields = _document_fields(rec, fmt, path, digest, lookups)
            if rec["id"] in existing:
                pk, old = existing[rec["id"]]
                if old == digest:
                    outcomes.append(Outcome(rec["id"], "unchanged"))
                    continue
            _place(rec, fields, lookups)
            if rec["id"] in existing:
                changed.append((m.Document(pk=pk, identifier=rec["id"], **fields), rec))
                update_fields = list(fields)
                outcomes.append(Outcome(rec["id"], "updated"))
            else:
                new_docs.append((rec, fields))
                outcomes.append(Outcome(rec["id"], "imported"))
        lookups.prefetch_persons(
            [p for rec, _ in new_docs for p in rec["persons"]] + [p for _, rec in changed for p in rec["persons"]]
        )
        stored_ids = {r["id"] for r, _ in new_docs} | {r["id"] for _, r in changed}
        placed = [(rec, fmt, path) for rec, fmt, path, *_ in items if rec["id"] in stored_ids]
        pks: dict[str, int] = {}
        with connection.cursor() as cursor:
            if new_docs:
                columns = ["identifier", *new_docs[0][1].keys(), "status", "created_at", "updated_at", "published_at"]
                docs = Rows(m.Document, columns, ready=("created_at", "updated_at", "published_at"))
                published = now_db if status == m.Document.Status.PUBLISHED else None
                for rec, fields in new_docs:
                    docs.add(rec["id"], *fields.values(), status, now_db, now_db, published)
                docs.insert(cursor)
                pks.update(
                    m.Document.objects.filter(identifier__in=[rec["id"] for rec, _ in new_docs]).values_list(
                        "identifier", "pk"
                    )
                )
            if changed:
                changed_pks = [doc.pk for doc, _ in changed]
                for model in CHILD_MODELS:
                    model.objects.filter(document_id__in=changed_pks).delete()
                for doc, _ in changed:
                    doc.updated_at = now
                m.Document.objects.bulk_update([doc for doc, _ in changed], [*update_fields, "updated_at"])
            rows = _child_rows()
            for rec, _ in new_docs:
                _children(pks[rec["id"]], rec, lookups, rows)
            for doc, rec in changed:
                _children(doc.pk, rec, lookups, rows)
            for table in rows.values():
                table.insert(cursor)
            pks.update({doc.identifier: doc.pk for doc, _ in changed})
            _store_links(placed, pks, [rec["id"] for rec, _ in new_docs])
            lookups.placer.flush()
        # The search index follows the records: the unit writes their feed rows in this transaction.
        uow.created(*[rec["id"] for rec, _ in new_docs])
        uow.updated(*[doc.identifier for doc, _ in changed])
    except BaseException:
        lookups.reset()
        raise
    return outcomes


def refresh_statistics() -> None:
    """Give SQLite's planner statistics after a write of many rows (bounded: ``analysis_limit`` samples each
    index, about 40 ms at 10k documents). The plans do not depend on them (tests/test_query_plans.py checks
    both ways); they help the planner choose between two good indexes. PostgreSQL's autovacuum does this."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA analysis_limit=1000")
            cur.execute("ANALYZE")
