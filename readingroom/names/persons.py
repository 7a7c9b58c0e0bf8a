"""A person as the public reads it: names in every script, and the published documents that name or mention
them (read from the search index, which expands the name to all its forms)."""

from __future__ import annotations

from readingroom.documents.models import Person
from readingroom.names.models import NameVariant
from readingroom.search import services as search


def person_record(person: Person) -> dict:
    """The public JSON of a person: names, variants, and the published documents (from the search index)."""
    variants = [
        {"name": v.name, "script": v.script, "kind": v.kind, **({"scheme": v.scheme} if v.scheme else {})}
        for v in NameVariant.objects.filter(person=person).order_by("id")
    ]
    named = search.search({"person": person.name, "sort": "date", "per_page": 100}, facets=False, snippets=False)
    # the name as a query: the search expands it to every form (inflected ones too), as for a reader
    mentions = search.search({"q": person.name, "per_page": 50}, facets=False, snippets=True)
    named_ids = {d["id"] for d in named.documents}

    def summary(d: dict) -> dict:
        return {k: d[k] for k in ("id", "url", "title", "date") if k in d} | (
            {"snippet": d["snippet"]} if d.get("snippet") else {}
        )

    return {
        "id": person.identifier,
        "url": f"/persons/{person.identifier}",
        "name": person.name,
        "description": person.description,
        "variants": variants,
        "documents": {"total": named.total, "results": [summary(d) for d in named.documents]},
        "mentions": {
            "total": mentions.total,
            "results": [summary(d) for d in mentions.documents if d["id"] not in named_ids],
        },
    }
