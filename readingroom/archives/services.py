"""Reading and editing archives, the hierarchy, the chronology and links: what views, the API, the admin
and the CLI call. Public reads show published documents only (``records.queries.published``); every edit is one
unit of work (``records.unitofwork``): its rows, the feed rows of the documents it changes and its audit event
commit together."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from typing import overload

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max, Min, Q
from django.utils.text import slugify

from readingroom.archives import linktypes
from readingroom.archives.hierarchy import LEVEL_NAMES, Placer
from readingroom.archives.keys import name_key
from readingroom.archives.models import Archive, ArchiveName, DocumentLink, LinkSuggestion, Node, ReviewItem
from readingroom.documents import models as dm
from readingroom.records.params import InvalidQuery, parse_int
from readingroom.records.queries import PUBLISHED, published
from readingroom.records.serialise import archival_reference
from readingroom.records.unitofwork import UnitOfWork
from readingroom.search import services as search

PER_PAGE = 50
LIST_SECONDS = 60


class ArchiveNotFound(LookupError):
    pass


class EditError(ValueError):
    """An edit that cannot be made (a merge into itself, a link to a missing document, a cycle): nothing is stored."""


# ---------------------------------------------------------------- shapes
def _public(qs):
    """``qs`` with the state tested on each row (the walk follows the archive / node key, not the state)."""
    return published(qs, by_row=True)


def _date(value) -> str | None:
    return value.isoformat() if value else None


@overload
def archive_ref(archive: Archive) -> dict: ...
@overload
def archive_ref(archive: None) -> None: ...
@overload
def archive_ref(archive: Archive | None) -> dict | None: ...
def archive_ref(archive: Archive | None) -> dict | None:
    if archive is None:
        return None
    return {"id": archive.identifier, "name": archive.name, "url": archive.get_absolute_url()}


def _archive_crumb(archive: Archive) -> dict:
    return {**archive_ref(archive), "level": "archive", "level_name": "Archive", "label": archive.name}


def _archive_json(a: Archive, count: int | None = None, names: bool = False) -> dict:
    out = {
        "id": a.identifier,
        "name": a.name,
        "url": a.get_absolute_url(),
        "place": a.place,
        "isil": a.isil,
        "identifiers": a.identifiers,
        "description": a.description,
    }
    if count is not None:
        out["documents"] = count
    if names:
        out["other_names"] = [
            {"name": n.name, "kind": n.kind, "language": n.language, **({"subunit": n.subunit} if n.subunit else {})}
            for n in a.names.all()
        ]
    return out


def _doc_summary(doc: dm.Document) -> dict:
    return {
        "id": doc.identifier,
        "url": doc.get_absolute_url(),
        "title": doc.title,
        "date": {
            "display": doc.date_display,
            "start": doc.date_start,
            "end": doc.date_end,
            "certainty": doc.date_certainty,
        },
        "folios": doc.ref_folios,
        "reference": doc.ref_text,
    }


def _page_info(total: int, page: int, per_page: int) -> dict:
    return {"total": total, "page": page, "per_page": per_page, "pages": max(1, math.ceil(total / per_page))}


def _parse_count(value, name: str, maximum: int, default: int) -> int:
    """``parse_int`` from 1 to ``maximum`` with a default: never None (``parse_int`` gives the default when absent)."""
    number = parse_int(value, name, 1, maximum, default)
    return default if number is None else number


# ---------------------------------------------------------------- archives
def archive_counts() -> dict[int, int]:
    """Published documents per archive: one count per archive over (holding_archive, status), a minute cached."""
    counts = cache.get("archive-counts")
    if counts is None:
        counts = {}
        for pk in Archive.objects.values_list("pk", flat=True):
            n = published(dm.Document.objects.filter(holding_archive_id=pk)).count()
            if n:
                counts[pk] = n
        cache.set("archive-counts", counts, LIST_SECONDS)
    return counts


def list_archives() -> dict:
    """The holding archives that hold published documents, by name, with their counts."""
    counts = archive_counts()
    archives = [a for a in Archive.objects.filter(pk__in=list(counts)).order_by("name")]
    return {"total": len(archives), "archives": [_archive_json(a, counts[a.pk]) for a in archives]}


def get_archive(identifier: str) -> Archive:
    archive = Archive.objects.filter(identifier=identifier).first()
    if archive is None:
        raise ArchiveNotFound(f"no archive with id {identifier!r}")
    return archive


def _stats(archive_id: int, tree: str | None) -> dict:
    """Published documents in a subtree (or the whole archive when ``tree`` is None): count and dates."""
    if tree is not None:
        return _stats_many([tree])[tree]
    # (holding_archive, status, ...) are doc_by_archive's first keys and it holds date_sort: the index only
    row = published(dm.Document.objects.filter(holding_archive_id=archive_id)).aggregate(
        n=Count("id"), first=Min("date_sort"), last=Max("date_sort")
    )
    return {
        "documents": row["n"],
        "date_range": {"from": _date(row["first"]), "to": _date(row["last"])},
    }


def _stats_many(trees: list[str]) -> dict[str, dict]:
    """``_stats`` of many subtrees in one statement: each is one range of the covering ``doc_by_archive_tree``
    (the documents' copy of their node's path), with the state tested on each row it reads."""
    if not trees:
        return {}
    table = dm.Document._meta.db_table
    sql = " UNION ALL ".join(
        f'SELECT {i}, COUNT(*), MIN(date_sort), MAX(date_sort) FROM "{table}" '  # noqa: S608 - table from _meta, values parameters
        "WHERE archive_tree >= %s AND archive_tree < %s AND LOWER(status) = %s"
        for i in range(len(trees))
    )
    params: list = []
    for tree in trees:
        params += [tree, tree + "~", PUBLISHED]
    out: dict[str, dict] = {}
    with connection.cursor() as cur:
        cur.execute(sql, params)
        for i, n, first, last in cur.fetchall():
            first, last = _as_date(first), _as_date(last)
            out[trees[i]] = {"documents": n, "date_range": {"from": _date(first), "to": _date(last)}}
    return out


def _as_date(value):
    if isinstance(value, str):  # SQLite hands back the stored text
        return dt.date.fromisoformat(value[:10])
    return value


def _node_json(node: Node, archive: Archive, stats: bool | dict = True) -> dict:
    out = {
        "id": node.pk,
        "level": node.level,
        "level_name": LEVEL_NAMES.get(node.level, node.level),
        "label": node.label,
        "url": f"/archives/{archive.identifier}/n/{node.pk}",
    }
    if isinstance(stats, dict):
        out.update(stats)
    elif stats:
        out.update(_stats(archive.pk, node.tree))
    return out


def _children(archive: Archive, parent: Node | None, page: int, per_page: int) -> tuple[list[dict], dict]:
    qs = Node.objects.filter(archive=archive, parent=parent)
    total = qs.count()
    rows = list(qs.order_by("label", "pk")[(page - 1) * per_page : page * per_page])
    stats = _stats_many([n.tree for n in rows])
    items = [n for n in (_node_json(n, archive, stats[n.tree]) for n in rows) if n["documents"]]
    return items, _page_info(total, page, per_page)


def archive_detail(identifier: str, page=1, per_page=PER_PAGE) -> dict:
    """An archive: its record, its top levels (fonds / series) with counts and dates, and the documents it
    holds with no finer reference (in date order)."""
    archive = get_archive(identifier)
    page_n = _parse_count(page, "page", 10**6, 1)
    per_page_n = _parse_count(per_page, "per_page", 200, PER_PAGE)
    children, children_page = _children(archive, None, page_n, per_page_n)
    # walked in date order along doc_by_archive (holding_archive, status, archive_node, date_sort, identifier)
    direct = published(dm.Document.objects.filter(holding_archive=archive, archive_node__isnull=True))
    docs = list(direct.order_by("date_sort", "identifier")[(page_n - 1) * per_page_n : page_n * per_page_n])
    return {
        **_archive_json(archive, names=True),
        **_stats(archive.pk, None),
        "levels": children,
        "levels_page": children_page,
        "documents_here": [_doc_summary(d) for d in docs],
        "documents_here_page": _page_info(direct.count(), page_n, per_page_n),
        "breadcrumb": [_archive_crumb(archive)],
    }


def _ancestors(node: Node) -> list[Node]:
    ids = [int(part) for part in node.tree.split(".") if part]
    nodes = {n.pk: n for n in Node.objects.filter(pk__in=ids)}
    return [nodes[i] for i in ids if i in nodes]


def node_detail(identifier: str, node_id, page=1, per_page=PER_PAGE) -> dict:
    """A level of the hierarchy: where it sits, its sub-levels with counts and dates, its documents in folio
    order (paginated)."""
    archive = get_archive(identifier)
    node_pk = parse_int(node_id, "node", 1, 2**31 - 1)
    node = None if node_pk is None else Node.objects.filter(archive=archive, pk=node_pk).first()
    if node is None:
        raise ArchiveNotFound(f"archive {identifier!r} has no level {node_id}")
    page_n = _parse_count(page, "page", 10**6, 1)
    per_page_n = _parse_count(per_page, "per_page", 200, PER_PAGE)
    children, children_page = _children(archive, node, page_n, per_page_n)
    here = _public(dm.Document.objects.filter(archive_node=node))
    docs = list(here.order_by("folio_sort", "identifier")[(page_n - 1) * per_page_n : page_n * per_page_n])
    crumbs = [_archive_crumb(archive)] + [_node_json(n, archive, stats=False) for n in _ancestors(node)]
    this = _node_json(node, archive)
    this["total_documents"] = this.pop("documents")  # (in this level and below; "documents" lists those here)
    return {
        "archive": archive_ref(archive),
        **this,
        "breadcrumb": crumbs,
        "levels": children,
        "levels_page": children_page,
        "documents": [_doc_summary(d) for d in docs],
        "documents_page": _page_info(here.count(), page_n, per_page_n),
    }


# ---------------------------------------------------------------- the document's place
def archival_context(document: dm.Document) -> dict:
    """Where a document sits and what is around it, for its page's context panel and ``/api/documents/<id>/context``:
    the holding archive (authority), the breadcrumb of its reference, its neighbours in the same file (by folio),
    the number of documents within three days, and its typed links (both directions, published documents only)."""
    archive = document.holding_archive if document.holding_archive_id else None
    node = document.archive_node if document.archive_node_id else None
    crumbs: list[dict] = []
    if archive is not None:
        crumbs.append(_archive_crumb(archive))
        if node is not None:
            crumbs += [_node_json(n, archive, stats=False) for n in _ancestors(node)]
    context = {
        "archive": archive_ref(archive),
        "repository_as_written": document.ref_repository,
        "breadcrumb": crumbs,
        "folios": document.ref_folios,
        "neighbours": _neighbours(document, node),
        "this_day": this_day(document),
        "relations": relations_of(document),
    }
    return context


def _neighbours(document: dm.Document, node: Node | None) -> dict | None:
    if node is None:
        return None
    order = list(
        _public(dm.Document.objects.filter(archive_node=node))
        .order_by("folio_sort", "identifier")
        .values_list("identifier", flat=True)[:5000]
    )
    if document.identifier not in order:
        return {
            "level": node.level,
            "level_name": LEVEL_NAMES.get(node.level, node.level),
            "label": node.label,
            "total": len(order),
            "position": None,
            "previous": None,
            "next": None,
        }
    i = order.index(document.identifier)
    wanted = [x for x in (order[i - 1] if i else None, order[i + 1] if i + 1 < len(order) else None) if x]
    docs = {d.identifier: d for d in dm.Document.objects.filter(identifier__in=wanted)}
    pick = lambda ident: _doc_summary(docs[ident]) if ident in docs else None  # noqa: E731
    return {
        "level": node.level,
        "level_name": LEVEL_NAMES.get(node.level, node.level),
        "label": node.label,
        "url": f"/archives/{node.archive.identifier}/n/{node.pk}",
        "total": len(order),
        "position": i + 1,
        "previous": pick(order[i - 1]) if i else None,
        "next": pick(order[i + 1]) if i + 1 < len(order) else None,
    }


def this_day(document: dm.Document, days: int = 3) -> dict | None:
    """How many published documents are dated within ``days`` of this one (the chronology's count)."""
    if document.date_sort is None:
        return None
    day = document.date_sort
    start, end = day - dt.timedelta(days=days), day + dt.timedelta(days=days)
    result = _search({"date_from": start.isoformat(), "date_to": end.isoformat(), "per_page": 1})
    return {
        "date": day.isoformat(),
        "days": days,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "count": max(0, result.total - (1 if document.status == PUBLISHED else 0)),
        "url": f"/chronology?span=week&date={day.isoformat()}",
    }


def _search(params: dict, facets: bool = False):
    return search.search(params, facets=facets, snippets=False)


# ---------------------------------------------------------------- chronology
SPANS = ("day", "week", "month")
CHRONOLOGY_FILTERS = (
    "language",
    "translation",
    "repository",
    "collection",
    "subject",
    "person",
    "place",
    "type",
    "classification",
    "q",
)


def _span(span: str, day: dt.date) -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """(first, last, previous span's day, next span's day)."""
    if span == "day":
        return day, day, day - dt.timedelta(days=1), day + dt.timedelta(days=1)
    if span == "week":
        first = day - dt.timedelta(days=day.weekday())
        return first, first + dt.timedelta(days=6), first - dt.timedelta(days=7), first + dt.timedelta(days=7)
    first = day.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt - dt.timedelta(days=1), (first - dt.timedelta(days=1)).replace(day=1), nxt


def chronology(params) -> dict:
    """Everything dated in a day, week or month across all archives, with the search's filters; a document
    dated as a range is listed under the first day of the span it touches, with its range and certainty.

    :raises InvalidQuery: for a bad span, date, page or filter
    """
    get = params.get
    span = get("span") or "week"
    if span not in SPANS:
        raise InvalidQuery(f"span must be one of {', '.join(SPANS)}")
    raw = get("date") or ""
    frm, to = get("from") or "", get("to") or ""
    day: dt.date | None = None
    try:
        if frm or to:  # an explicit range (at most 93 days)
            first = dt.date.fromisoformat(frm or to)
            last = dt.date.fromisoformat(to or frm)
            first, last = min(first, last), max(first, last)  # given the wrong way round: the same days
            last = min(last, first + dt.timedelta(days=92))  # at most 93 days (as a month view)
            span = "range"
            prev_day, next_day = first - dt.timedelta(days=(last - first).days + 1), last + dt.timedelta(days=1)
        else:
            day = dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        raise InvalidQuery("date, from and to must be dates (YYYY-MM-DD)") from None
    if span != "range":
        if day is None:
            # status first and date_sort next in doc_by_status_date: the first published date is one index seek
            first_doc = (
                published(dm.Document.objects.filter(date_sort__isnull=False))
                .order_by("date_sort")
                .values_list("date_sort", flat=True)
                .first()
            )
            day = first_doc or dt.date.today()
        first, last, prev_day, next_day = _span(span, day)
    shown_day = day.isoformat() if day is not None and span != "range" else None
    page = _parse_count(get("page"), "page", 1000, 1)
    search_params: dict = {
        "date_from": first.isoformat(),
        "date_to": last.isoformat(),
        "sort": "date",
        "page": page,
        "per_page": 100,
    }
    filters: dict = {}
    for key in CHRONOLOGY_FILTERS:
        values = params.getlist(key) if hasattr(params, "getlist") else ([get(key)] if get(key) else [])
        values = [v for v in values if v]
        if values:
            search_params[key] = values if key != "q" else values[0]
            filters[key] = values if key != "q" else values[0]
    result = _search(search_params, facets=True)
    docs = result.documents
    names = dict(
        dm.Document.objects.filter(identifier__in=[d["id"] for d in docs]).values_list(
            "identifier", "holding_archive__name"
        )
    )
    days: dict[str, list] = {}
    for d in docs:
        start = (d["date"]["start"] or "")[:10]
        end = (d["date"]["end"] or start)[:10]
        key = max(start, first.isoformat()) if start else first.isoformat()
        entry = {k: d[k] for k in ("id", "url", "title", "date", "summary", "repository", "archive")}
        entry["holding_archive"] = names.get(d["id"]) or d["repository"] or d["archive"]
        entry["range"] = start != end or d["date"]["certainty"] not in ("exact", "")
        days.setdefault(key, []).append(entry)
    facets = result.as_json().get("facets", {})
    return {
        "span": span,
        "date": shown_day,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "previous": prev_day.isoformat(),
        "next": next_day.isoformat(),
        "total": result.total,
        **_page_info(result.total, page, 100),
        "filters": filters,
        "days": [{"date": k, "documents": v} for k, v in sorted(days.items())],
        "facets": facets,
    }


# ---------------------------------------------------------------- links
#: what a link shows of the document at its other end
_LINKED = ("identifier", "title", "date_display", "status")


def relations_of(document: dm.Document, *, public: bool = True) -> list[dict]:
    """The document's typed links, both directions, as its page and the API show them (read from its side).
    Two queries of plain values (part of every document page's first view: the documents at the other ends
    as model instances cost as much again)."""
    out = []
    outgoing = DocumentLink.objects.filter(source=document, target_doc__isnull=False).values_list(
        "type", "note", *(f"target_doc__{f}" for f in _LINKED)
    )
    incoming = DocumentLink.objects.filter(target_doc=document).values_list(
        "type", "note", *(f"source__{f}" for f in _LINKED)
    )
    for type_, note, *other in outgoing:
        if not public or other[3] == PUBLISHED:
            out.append(_link_json(type_, note, *other[:3]))
    for type_, note, *other in incoming:
        if not public or other[3] == PUBLISHED:
            out.append(_link_json(linktypes.inverse(type_), note, *other[:3]))
    return out


def _link_json(type_: str, note: str, identifier: str, title: str, date: str) -> dict:
    return {
        "type": type_,
        "label": linktypes.label(type_),
        "id": identifier,
        "url": dm.document_url(identifier),
        "title": title,
        "date": date,
        **({"note": note} if note else {}),
    }


def relations_for(pks: list[int]) -> dict[int, list[tuple[str, str]]]:
    """pk -> [(type as read from that document, other document's id)] for many documents (OAI-PMH pages),
    published counterparts only; two queries over the link indexes."""
    out: dict[int, list[tuple[str, str]]] = {}
    if not pks:
        return out
    for src, type_, ident, status in DocumentLink.objects.filter(
        source_id__in=pks, target_doc__isnull=False
    ).values_list("source_id", "type", "target_doc__identifier", "target_doc__status"):
        if status == PUBLISHED:
            out.setdefault(src, []).append((type_, ident))
    for tgt, type_, ident, status in DocumentLink.objects.filter(target_doc_id__in=pks).values_list(
        "target_doc_id", "type", "source__identifier", "source__status"
    ):
        if status == PUBLISHED:
            out.setdefault(tgt, []).append((linktypes.inverse(type_), ident))
    return out


def _document(identifier: str, role: str) -> dm.Document:
    doc = dm.Document.objects.filter(identifier=identifier).first()
    if doc is None:
        raise EditError(f"{role}: no document with id {identifier!r}")
    return doc


def _touch(uow: UnitOfWork, *docs: dm.Document) -> None:
    """A link changed: the documents' pages (cached by their state), harvesters and indexes see it."""
    uow.updated(*[d.identifier for d in docs], touch=True)


def add_link(source: str, type_: str, target: str, *, note: str = "", actor: str = "") -> DocumentLink:
    """Link two documents ("source <type> target").

    :raises EditError: unknown type, a missing document, a link to itself, one that exists, or one that
        closes a cycle of a type that forbids it; nothing is stored
    """
    type_ = linktypes.type_name(type_)
    if type_ not in linktypes.NAMES:
        raise EditError(f"{type_!r} is not a relation type (one of {', '.join(linktypes.NAMES)})")
    with UnitOfWork(actor=actor) as uow:
        src, tgt = _document(source, "source"), _document(target, "target")
        if src.pk == tgt.pk:
            raise EditError("a document cannot be related to itself")
        if DocumentLink.objects.filter(source=src, type=type_, target=tgt.identifier).exists():
            raise EditError(f"{source} is already '{type_}' {target}")
        edge = linktypes.canonical_edge(src.identifier, type_, tgt.identifier)
        acyclic_names = [n for n, (c, _) in linktypes.NAMES.items() if c == edge[1]]
        edges = (
            [
                linktypes.canonical_edge(s, t, g)
                for s, t, g in DocumentLink.objects.filter(type__in=acyclic_names).values_list(
                    "source__identifier", "type", "target"
                )
            ]
            if edge[1] in linktypes.ACYCLIC
            else []
        )
        cycle = linktypes.find_cycle(edges, edge)
        if cycle:
            raise EditError(f"a {edge[1].replace('-', ' ')} link cannot form a cycle: {' -> '.join(cycle)}")
        link = DocumentLink.objects.create(
            source=src, type=type_, target=tgt.identifier, target_doc=tgt, note=note, origin="editor"
        )
        _touch(uow, src, tgt)
        uow.audit("link.add", src.identifier, details={"type": type_, "target": tgt.identifier, "note": note})
    return link


def remove_link(link_id: int, *, actor: str = "") -> None:
    with UnitOfWork(actor=actor) as uow:
        link = DocumentLink.objects.select_related("source").filter(pk=link_id).first()
        if link is None:
            raise EditError(f"no link {link_id}")
        link.delete()
        _touch(uow, *[d for d in (link.source, link.target_doc) if d is not None])
        uow.audit("link.remove", link.source.identifier, details={"type": link.type, "target": link.target})


def suggest_links(days: int = 3, limit: int = 2000) -> int:
    """Candidate "same event" links for editors: published documents within ``days`` of each other that
    name at least one person in common and come from different archives or places. Pairs already linked,
    suggested or dismissed are left alone. Returns how many suggestions were added."""
    persons: dict[int, set[str]] = defaultdict(set)
    for doc_id, name in dm.DocumentPerson.objects.filter(document__status=PUBLISHED).values_list(
        "document_id", "person__name"
    ):
        persons[doc_id].add(name)
    places: dict[int, set[int]] = defaultdict(set)
    for doc_id, place_id in dm.DocumentPlace.objects.filter(document_id__in=list(persons)).values_list(
        "document_id", "place_id"
    ):
        places[doc_id].add(place_id)
    docs = sorted(
        (
            (pk, day, archive_id)
            for pk, day, archive_id in dm.Document.objects.filter(
                pk__in=list(persons), date_sort__isnull=False
            ).values_list("pk", "date_sort", "holding_archive_id")
            if day is not None  # (excluded by the query; narrows the type)
        ),
        key=lambda r: r[1],
    )
    linked = set(DocumentLink.objects.filter(target_doc__isnull=False).values_list("source_id", "target_doc_id"))
    linked |= {(b, a) for a, b in linked}
    known = set(LinkSuggestion.objects.values_list("first_id", "second_id"))
    candidates = []
    for i, (a, day_a, arch_a) in enumerate(docs):
        for b, day_b, arch_b in docs[i + 1 :]:
            gap = (day_b - day_a).days
            if gap > days:
                break
            shared = persons[a] & persons[b]
            if not shared or (a, b) in linked or (a, b) in known or (b, a) in known:
                continue
            if arch_a == arch_b and places[a] == places[b]:
                continue  # the same archive and place: more likely a sequence than two accounts
            reasons = []
            if arch_a != arch_b:
                reasons.append("different archives")
            if places[a] != places[b]:
                reasons.append("different places")
            candidates.append(
                LinkSuggestion(
                    first_id=a,
                    second_id=b,
                    days_apart=gap,
                    shared_persons=sorted(shared)[:20],
                    reason=", ".join(reasons),
                    score=len(shared) / (1 + gap),
                )
            )
    candidates.sort(key=lambda s: -s.score)
    LinkSuggestion.objects.bulk_create(candidates[:limit], ignore_conflicts=True)
    return min(len(candidates), limit)


def decide_suggestion(suggestion_id: int, accept: bool, *, type_: str = "same-event", actor: str = "") -> None:
    with UnitOfWork(actor=actor) as uow:
        s = LinkSuggestion.objects.select_related("first", "second").filter(pk=suggestion_id).first()
        if s is None:
            raise EditError(f"no suggestion {suggestion_id}")
        if s.state != LinkSuggestion.State.OPEN:
            raise EditError(f"the suggestion was already {s.state}")
        if accept:
            add_link(s.first.identifier, type_, s.second.identifier, note="from a suggestion", actor=actor)
        s.state = LinkSuggestion.State.ACCEPTED if accept else LinkSuggestion.State.DISMISSED
        s.save(update_fields=["state"])
        uow.audit(
            f"suggestion.{'accept' if accept else 'dismiss'}",
            s.first.identifier,
            details={"other": s.second.identifier, "type": type_ if accept else ""},
        )


# ---------------------------------------------------------------- authorities: review, merge, split
def replace_documents(qs) -> int:
    """Resolve the archive and hierarchy of ``qs``'s documents again (after an editor's decision); their
    search entries are queued. Returns how many changed."""
    with UnitOfWork() as uow:  # the moves and their feed rows: one transaction
        changed = _replace_documents(uow, Placer(), qs)
        uow.clear_cache("archive-counts", "archive-overview")
    return changed


def _replace_documents(uow: UnitOfWork, placer, qs) -> int:
    changed = 0
    for doc in qs.only(
        "pk",
        "identifier",
        "archive",
        "ref_text",
        "ref_repository",
        "ref_fonds",
        "ref_series",
        "ref_volume",
        "ref_file",
        "ref_folios",
        "extra",
        "holding_archive_id",
        "archive_node_id",
        "folio_sort",
        "archive_tree",
    ).iterator(chunk_size=500):
        rec = {
            "id": doc.identifier,
            "archive": doc.archive,
            "extra": doc.extra,
            "archival_reference": archival_reference(doc),
        }
        archive_id, node_id, folio = placer.place(rec)
        tree = placer.trees.get(node_id, "") if node_id else ""
        if (archive_id, node_id, folio, tree) != (
            doc.holding_archive_id,
            doc.archive_node_id,
            doc.folio_sort,
            doc.archive_tree,
        ):
            dm.Document.objects.filter(pk=doc.pk).update(
                holding_archive_id=archive_id, archive_node_id=node_id, folio_sort=folio, archive_tree=tree
            )
            uow.updated(doc.identifier)
            changed += 1
    placer.flush()
    prune_nodes()
    return changed


def prune_nodes() -> None:
    """Remove hierarchy levels no document sits in or below (after documents moved)."""
    used = set(dm.Document.objects.filter(archive_node__isnull=False).values_list("archive_node__tree", flat=True))
    keep: set[int] = set()
    for tree in used:
        keep.update(int(p) for p in tree.split(".") if p)
    Node.objects.exclude(pk__in=keep).filter(children__isnull=True).delete()
    # parents left empty by that
    while True:
        empty = Node.objects.exclude(pk__in=keep).filter(children__isnull=True)
        if not empty.exists():
            break
        empty.delete()


def _documents_named(names: list[str]):
    keys = {name_key(n) for n in names}
    qs = dm.Document.objects.filter(Q(ref_repository__in=names) | Q(ref_repository="", archive__in=names))
    return qs, keys


def accept_review(
    item_id: int, *, archive: str = "", new_identifier: str = "", new_name: str = "", actor: str = ""
) -> Archive:
    """Decide a queued name: as a variant of an existing archive (``archive``), or as a new archive
    (``new_identifier``, ``new_name``, by default the name as written). Its documents are placed again."""
    with UnitOfWork(actor=actor) as uow:
        item = ReviewItem.objects.filter(pk=item_id).first()
        if item is None:
            raise EditError(f"no review item {item_id}")
        if item.state != ReviewItem.State.OPEN:
            raise EditError(f"{item.name!r} was already decided")
        if archive:
            target = get_archive(archive)
        else:
            ident = new_identifier or slugify(new_name or item.name)[:100]
            if not ident:
                raise EditError("the new archive needs an identifier")
            if Archive.objects.filter(Q(identifier=ident) | Q(name=new_name or item.name)).exists():
                raise EditError(
                    f"an archive {ident!r} or named {new_name or item.name!r} exists: accept as its variant"
                )
            target = Archive.objects.create(identifier=ident, name=new_name or item.name)

        if (
            name_key(item.name) != name_key(target.name)
            and not ArchiveName.objects.filter(key=name_key(item.name)).exists()
        ):
            ArchiveName.objects.create(archive=target, name=item.name, kind=ArchiveName.Kind.VARIANT)
        item.state, item.resolved_to = ReviewItem.State.RESOLVED, target
        item.save(update_fields=["state", "resolved_to", "updated_at"])
        docs, _ = _documents_named([item.name])
        moved = replace_documents(docs)
        uow.audit(
            "archive.accept", target.identifier, details={"name": item.name, "archive": target.name, "documents": moved}
        )
    return target


def merge_archives(source: str, into: str, *, actor: str = "") -> Archive:
    """Merge archive ``source`` into ``into``: its name and other names become ``into``'s variants, its
    documents are placed again under ``into``, ``source`` is deleted.

    :raises EditError: a merge into itself, or an unknown archive; nothing is changed
    """
    if source == into:
        raise EditError(f"cannot merge the archive {source!r} into itself")
    with UnitOfWork(actor=actor) as uow:
        try:
            src, dst = get_archive(source), get_archive(into)
        except ArchiveNotFound as exc:
            raise EditError(str(exc)) from None
        held = dict(dm.Document.objects.filter(holding_archive=src).values_list("pk", "identifier"))
        doc_pks = list(held)
        moved_names = list(src.names.values_list("name", flat=True))
        src.names.update(archive=dst)
        src_name = src.name
        dm.Document.objects.filter(pk__in=doc_pks).update(holding_archive=None, archive_node=None, archive_tree="")
        uow.updated(*held.values())  # placed again below; their archive changed either way
        src.delete()
        ArchiveName.objects.create(archive=dst, name=src_name, kind=ArchiveName.Kind.VARIANT)
        moved = replace_documents(dm.Document.objects.filter(pk__in=doc_pks))
        uow.audit(
            "archive.merge",
            dst.identifier,
            details={"merged": source, "name": src_name, "names": moved_names, "documents": moved},
        )
    return dst


def split_archive(
    source: str, name: str, *, into: str = "", new_identifier: str = "", new_name: str = "", actor: str = ""
) -> Archive:
    """Take one of ``source``'s other names (and the documents written with it) to another archive: an
    existing one (``into``) or a new one. Documents are placed again.

    :raises EditError: the name is not one of ``source``'s other names, or the target is ``source`` itself
    """
    with UnitOfWork(actor=actor) as uow:
        try:
            src = get_archive(source)
        except ArchiveNotFound as exc:
            raise EditError(str(exc)) from None
        variant = src.names.filter(key=name_key(name)).first()
        if variant is None:
            raise EditError(f"{name!r} is not one of the other names of {src.name!r}")
        if into:
            if into == source:
                raise EditError("a name split off an archive must go to another archive")
            dst = get_archive(into)
        else:
            ident = new_identifier or slugify(new_name or name)[:100]
            if Archive.objects.filter(Q(identifier=ident) | Q(name=new_name or name)).exists():
                raise EditError(f"an archive {ident!r} or named {new_name or name!r} exists: split into it")
            dst = Archive.objects.create(identifier=ident, name=new_name or name)
        variant.archive = dst
        variant.save()
        moved = replace_documents(dm.Document.objects.filter(holding_archive=src))
        uow.audit(
            "archive.split", src.identifier, details={"name": variant.name, "to": dst.identifier, "documents": moved}
        )
    return dst
