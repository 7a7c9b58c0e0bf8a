"""The archival hierarchy from a parsed reference: archive > fonds > series > sub-series > volume > file.

``steps`` turns a document's reference (after its archive was resolved) into the levels below the archive,
each as ``(level, label as written, key)``; ``Placer`` finds or makes the nodes (cached for an import).
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import Case, F, IntegerField, Value, When

from readingroom.archives.models import Archive, Node, ReviewItem
from readingroom.archives.resolve import Resolution, Resolver, name_key
from readingroom.archives.resolve import name_key as key_of
from readingroom.ingest.citation import _LABELS, split_top_level

LEVELS = ("fonds", "series", "subseries", "volume", "file")
LEVEL_NAMES = {
    "fonds": "Fonds / collection",
    "series": "Series",
    "subseries": "Sub-series",
    "volume": "Volume / box",
    "file": "File / dossier",
}


def _written(ref_text: str) -> dict[str, str]:
    """The labelled parts of a reference as written ("Fondi 14/AP", "V. 1963", "Dos. 4")."""
    out: dict[str, str] = {}
    for token in split_top_level((ref_text or "").strip().rstrip("."))[1:]:
        for part, pattern in _LABELS:
            if pattern.fullmatch(token):
                out.setdefault(part, token)
                break
    return out


def _pieces(text: str) -> list[str]:
    return [p for p in split_top_level(text or "") if p]


def steps(ref: dict, resolution: Resolution, series_names: list[str]) -> list[tuple[str, str, str]]:
    """The levels below the archive for one reference."""
    written = _written(ref.get("text", ""))
    out: list[tuple[str, str, str]] = []

    def add(level: str, label: str, value: str | None = None) -> None:
        label = " ".join(label.split())[:300]
        key = name_key(value if value is not None else label)[:300]
        if key:
            out.append((level, label, key))

    series = _pieces(ref.get("series", ""))
    if resolution.consumed_series and series:
        series = series[1:]
    subunit = resolution.subunit
    known = {name_key(s): s for s in series_names}
    if subunit and name_key(subunit) in known:  # "Department of State Central Files": the series
        series = [subunit, *series]
        subunit = ""
    file_value = ref.get("file", "")
    if not series and file_value and any(name_key(file_value).startswith(k) for k in known):
        # "NARA, RG 59, Central Files 1964–66 POL US–USSR": with RG 59 taken as the archive's, the rest is a series
        series, file_value = _pieces(file_value), ""
    if subunit:
        add("fonds", subunit)
    if ref.get("fonds"):
        add("fonds", written.get("fonds", ref["fonds"]), ref["fonds"])
    for i, piece in enumerate(series):
        level = "series" if i == 0 else "subseries"
        if i == 0:
            # a known series written with more after it: "Central Files 1964–66", "Central Files POL CHICOM-US"
            for k, name in known.items():
                folded = name_key(piece)
                if folded.startswith(k + " "):
                    add("series", name)
                    rest = piece[len(name) :].strip(" ,;:") if piece.lower().startswith(name.lower()) else piece
                    add("subseries", rest)
                    break
            else:
                add(level, piece)
        else:
            add(level, piece)
    if ref.get("volume"):
        add("volume", written.get("volume", ref["volume"]), ref["volume"])
    if file_value:
        add("file", written.get("file", file_value), file_value)
    return out


def folio_sort(folios: str, extra: dict | None = None) -> int | None:
    """The first folio or page as a number ("49-50" -> 49); else the first page the source gives."""
    m = re.search(r"\d+", folios or "")
    if m:
        return min(int(m[0]), 2**31 - 1)
    pages = (extra or {}).get("pages") or []
    if pages and isinstance(pages[0], str) and pages[0].isdigit():
        return min(int(pages[0]), 2**31 - 1)
    return None


class Placer:
    """Resolves archives and finds or makes hierarchy nodes for an import (cached across its batches)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Start afresh: a new resolver, no cached nodes or unresolved names."""
        self.resolver = Resolver()
        self.nodes: dict[tuple, int] = {}
        #: node id -> its tree path and depth
        self.trees: dict[int, str] = {}
        self.depths: dict[int, int] = {}
        #: (archive, parent) levels whose children are in ``nodes``; nodes this import made (no children yet)
        self.loaded: set[tuple] = set()
        self.fresh: set[int] = set()
        #: (tree path, id) of levels made in this batch, their path not yet written
        self.pending_trees: list[tuple[str, int]] = []
        self.series_names: dict[int, list[str]] = {}
        self.unresolved: dict[str, list] = {}

    def place(self, rec: dict) -> tuple[int | None, int | None, int | None]:
        """``(archive id, deepest node id, folio sort key)`` for a canonical record; an unresolved name is
        remembered for the review list (:meth:`flush`, which the caller calls at the end of its batch)."""
        ref = rec["archival_reference"]
        written = ref.get("repository") or ""
        name = written or rec.get("archive") or ""
        series = _pieces(ref.get("series", ""))
        resolution = self.resolver.resolve(name, series[0] if written and series else "")
        folio = folio_sort(ref.get("folios", ""), rec.get("extra"))
        if resolution.archive_id is None:
            if name and resolution.reason != "no name":
                self.unresolved.setdefault(name, [rec["id"], resolution, 0])[2] += 1
            return None, None, folio
        node_id = None
        if written:  # the hierarchy comes from a reference; a fallback to the publishing archive has none
            for level, label, key in steps(ref, resolution, self._series(resolution.archive_id)):
                node_id = self._node(resolution.archive_id, node_id, level, label, key)
        return resolution.archive_id, node_id, folio

    def _series(self, archive_id: int) -> list[str]:
        if archive_id not in self.series_names:
            self.series_names[archive_id] = list(
                Archive.objects.filter(pk=archive_id).values_list("series_names", flat=True).first() or []
            )
        return self.series_names[archive_id]

    def _node(self, archive_id: int, parent_id: int | None, level: str, label: str, key: str) -> int:
        cache_key = (archive_id, parent_id, level, key)
        if cache_key in self.nodes:
            return self.nodes[cache_key]
        if (archive_id, parent_id) not in self.loaded:
            # the children this level already has, read once (none to read under a level made by this import)
            if parent_id is None or parent_id not in self.fresh:
                for pk, lvl, k, tree, depth in Node.objects.filter(
                    archive_id=archive_id, parent_id=parent_id
                ).values_list("pk", "level", "key", "tree", "depth"):
                    self.nodes.setdefault((archive_id, parent_id, lvl, k), pk)
                    self.trees[pk], self.depths[pk] = tree, depth
            self.loaded.add((archive_id, parent_id))
            if cache_key in self.nodes:
                return self.nodes[cache_key]
        parent_tree, depth = "", 0
        if parent_id is not None:
            if parent_id not in self.trees:
                self.trees[parent_id], self.depths[parent_id] = (
                    Node.objects.filter(pk=parent_id).values_list("tree", "depth").get()
                )
            parent_tree, depth = self.trees[parent_id], self.depths[parent_id] + 1
        # plain SQL: an import makes a level per dossier, and the ORM's own cost was most of the time here
        table = Node._meta.db_table
        with connection.cursor() as cur:
            cur.execute(
                f'INSERT INTO "{table}" (archive_id, parent_id, level, label, key, tree, depth) '  # noqa: S608 - the table name is the model's _meta.db_table, values are parameters
                "VALUES (%s, %s, %s, %s, %s, '', %s) RETURNING id",
                [archive_id, parent_id, level, label[:300], key[:300], depth],
            )
            pk = cur.fetchone()[0]
        tree = f"{parent_tree}{pk:08d}."
        self.pending_trees.append((tree, pk))  # written with the batch's other new levels (:meth:`flush`)
        self.nodes[cache_key] = pk
        self.trees[pk], self.depths[pk] = tree, depth
        self.fresh.add(pk)
        return pk

    def flush(self) -> None:
        """Write what this batch left for its end: the new levels' tree paths, the names to review."""
        if self.pending_trees:
            with connection.cursor() as cur:
                cur.executemany(f'UPDATE "{Node._meta.db_table}" SET tree = %s WHERE id = %s', self.pending_trees)  # noqa: S608 - the table name is the model's _meta.db_table, values are parameters
            self.pending_trees.clear()
        self.flush_reviews()

    def flush_reviews(self) -> None:
        """Queue the names that did not resolve (one review item per folded name; counted): one query for the
        items that exist, one insert for the new ones, one update per open item seen again."""
        if not self.unresolved:
            return
        by_key: dict[str, tuple[str, str, Resolution, int]] = {}
        for name, (example, resolution, count) in self.unresolved.items():
            key = key_of(name)[:500]
            if key in by_key:  # two spellings that fold alike: one item
                first = by_key[key]
                by_key[key] = (first[0], first[1], first[2], first[3] + count)
            else:
                by_key[key] = (name, example, resolution, count)
        self.unresolved.clear()
        existing = dict(ReviewItem.objects.filter(key__in=list(by_key)).values_list("key", "state"))
        ReviewItem.objects.bulk_create(
            [
                ReviewItem(
                    key=key,
                    name=name[:500],
                    reason=resolution.reason[:500],
                    candidates=resolution.candidates,
                    example=example[:200],
                    occurrences=count,
                )
                for key, (name, example, resolution, count) in by_key.items()
                if key not in existing
            ]
        )
        seen_again = [key for key, state in existing.items() if state == ReviewItem.State.OPEN]
        for i in range(0, len(seen_again), 200):  # one statement for up to 200 items
            keys = seen_again[i : i + 200]
            ReviewItem.objects.filter(key__in=keys).update(
                occurrences=F("occurrences")
                + Case(*[When(key=k, then=Value(by_key[k][3])) for k in keys], output_field=IntegerField())
            )
