"""Store canonical records: one transaction per batch, idempotent on the record's id.

A record whose content hash equals the stored one is left alone ("unchanged"); a changed record is
rewritten in place, keeping its database row, id and URL ("updated"); a new one is inserted ("imported").
Because a batch commits or rolls back as a whole, a crash leaves every record either fully stored or absent.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from readingroom.documents import models as m
from readingroom.ingest.dates import sort_key
from readingroom.ingest.normalise import content_hash


@dataclass
class Outcome:
    id: str
    status: str  # "imported" | "updated" | "unchanged"


class Lookups:
    """Get-or-create caches for the shared tables (languages, repositories, subjects, places, collections)."""

    def __init__(self) -> None:
        self.languages: dict[str, m.Language] = {}
        self.repositories: dict[str, m.Repository] = {}
        self.subjects: dict[str, m.Subject] = {}
        self.places: dict[tuple[str, ...], m.Place] = {}
        self.collections: dict[str, m.Collection] = {}
        self.persons: dict[str, m.Person] = {}

    def language(self, code: str | None, name: str = "") -> m.Language | None:
        if not code:
            return None
        if code not in self.languages:
            from readingroom.ingest.languages import by_code

            self.languages[code], _ = m.Language.objects.get_or_create(code=code, defaults={"name": name or by_code(code)[1]})
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

    def reset(self) -> None:
        """Forget cached rows (after a rolled-back batch, they may not exist)."""
        self.__init__()


def _document_fields(rec: dict, source_format: str, source_path: str, digest: str, lookups: Lookups) -> dict:
    ref = rec["archival_reference"]
    start = rec["date"]["start"]
    key = sort_key(start)
    return {
        "title": rec["title"],
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


def _children(doc: m.Document, rec: dict, lookups: Lookups, rows: dict[type, list]) -> None:
    for i, lang in enumerate(rec["original_languages"]):
        rows[m.DocumentLanguage].append(
            m.DocumentLanguage(document=doc, language=lookups.language(lang["code"], lang["name"]), position=i)
        )
    for i, c in enumerate(rec["contributors"]):
        rows[m.Contributor].append(m.Contributor(document=doc, position=i, name=c["name"], roles=c["roles"]))
    for i, c in enumerate(rec["contents"]):
        rows[m.ContentItem].append(
            m.ContentItem(document=doc, position=i, kind=c["kind"], language=lookups.language(c["language"]), label=c["label"])
        )
    position = 0
    for kind, key in (("translation", "translations"), ("transcript", "transcripts")):
        for t in rec[key]:
            rows[m.Text].append(
                m.Text(
                    document=doc,
                    position=position,
                    kind=kind,
                    language=lookups.language(t["language"]),
                    label=t["label"],
                    title=t["title"],
                    body=t["text"],
                    extra=t.get("extra", {}),
                )
            )
            position += 1
    for i, name in enumerate(rec["subjects"]):
        rows[m.DocumentSubject].append(m.DocumentSubject(document=doc, subject=lookups.subject(name), position=i))
    for i, path in enumerate(rec["places"]):
        rows[m.DocumentPlace].append(m.DocumentPlace(document=doc, place=lookups.place(path), position=i))
    for i, c in enumerate(rec["collections"]):
        rows[m.DocumentCollection].append(
            m.DocumentCollection(document=doc, collection=lookups.collection(c["id"], c["title"]), position=i)
        )
    for i, entry in enumerate(rec["persons"]):
        rows[m.DocumentPerson].append(m.DocumentPerson(document=doc, person=lookups.person(entry), position=i))
    for i, target in enumerate(rec["related"]):
        rows[m.Relation].append(m.Relation(document=doc, target=target, position=i))


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


def store_batch(items: list[tuple[dict, str, str]], lookups: Lookups | None = None) -> list[Outcome]:
    """Store ``(record, source_format, source_path)`` items in one transaction.

    :param items: canonical, validated records with where they came from; ids must be unique in the batch
    :param lookups: caches shared across batches of one import
    :returns: one outcome per item, in order
    """
    lookups = lookups or Lookups()
    ids = [rec["id"] for rec, _, _ in items]
    try:
        with transaction.atomic():
            existing = {
                ident: (pk, digest)
                for ident, pk, digest in m.Document.objects.filter(identifier__in=ids).values_list(
                    "identifier", "pk", "content_hash"
                )
            }
            now = timezone.now()
            outcomes: list[Outcome] = []
            new_docs: list[tuple[m.Document, dict]] = []
            changed: list[tuple[m.Document, dict]] = []
            for rec, fmt, path in items:
                digest = content_hash(rec)
                fields = _document_fields(rec, fmt, path, digest, lookups)
                if rec["id"] in existing:
                    pk, old = existing[rec["id"]]
                    if old == digest:
                        outcomes.append(Outcome(rec["id"], "unchanged"))
                        continue
                    doc = m.Document(pk=pk, identifier=rec["id"], **fields)
                    changed.append((doc, rec))
                    outcomes.append(Outcome(rec["id"], "updated"))
                else:
                    doc = m.Document(identifier=rec["id"], created_at=now, updated_at=now, published_at=now, **fields)
                    new_docs.append((doc, rec))
                    outcomes.append(Outcome(rec["id"], "imported"))
            if new_docs:
                m.Document.objects.bulk_create([doc for doc, _ in new_docs])
            if changed:
                pks = [doc.pk for doc, _ in changed]
                for model in CHILD_MODELS:
                    model.objects.filter(document_id__in=pks).delete()
                update_fields = [*fields.keys(), "updated_at"]
                for doc, _ in changed:
                    doc.updated_at = now
                m.Document.objects.bulk_update([doc for doc, _ in changed], update_fields)
            rows: dict[type, list] = {model: [] for model in CHILD_MODELS}
            for doc, rec in (*new_docs, *changed):
                _children(doc, rec, lookups, rows)
            for model, objs in rows.items():
                if objs:
                    model.objects.bulk_create(objs)
    except BaseException:
        lookups.reset()
        raise
    return outcomes
