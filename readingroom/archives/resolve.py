"""Resolve the holding-archive name a source writes to an authority record (:class:`Archive`).

Automatic only where it is certain:

1. the name, folded (:func:`name_key`: case, diacritics, punctuation and "Source;" prefixes do not count),
   is an archive's name or a known variant (``ArchiveName``);
2. the name is a known name followed by a sub-unit: after a colon (``Central Intelligence Agency: Job
   79-S01060A``) or as the words that follow (``Department of State Central Files``); the sub-unit is kept as
   a finer level of the reference;
3. a typo: within a small edit distance (rapidfuzz, Levenshtein; 1 for short names, 2 from 16 characters)
   of the names or variants of exactly one archive.

Anything else (no match, or close to two archives) is queued for editors (``ReviewItem``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from readingroom.archives.keys import clean, name_key
from readingroom.archives.models import Archive, ArchiveName

#: words after a known name that add nothing as a sub-unit ("Central Intelligence Agency Files")
GENERIC_REMAINDERS = {"files", "file", "records", "papers", "archive", "archives", "collection", "collections"}


def max_distance(key: str) -> int:
    """How many edits a typo may have: none under 8 characters (CIA, NARA), 1 under 16, else 2."""
    return 0 if len(key) < 8 else 1 if len(key) < 16 else 2


@dataclass
class Resolution:
    archive_id: int | None
    #: what the written name adds below the archive ("Central Files", "Job 79-S01060A")
    subunit: str = ""
    #: how: exact | variant | subunit | typo | unresolved
    method: str = "unresolved"
    reason: str = ""
    candidates: list[str] = field(default_factory=list)
    #: the first series piece was consumed as part of the archive's name ("..., RG 59")
    consumed_series: bool = False


class Resolver:
    """Resolution against the names in the database, loaded once (an import makes one per run)."""

    def __init__(self, names: list[tuple[str, int, str, str]] | None = None) -> None:
        """:param names: ``(key, archive id, subunit, archive name)``; by default read from the database."""
        if names is None:
            names = [(name_key(a.name), a.pk, "", a.name) for a in Archive.objects.all()]
            names += [
                (n.key, n.archive_id, n.subunit, n.archive.name) for n in ArchiveName.objects.select_related("archive")
            ]
        self.by_key: dict[str, tuple[int, str]] = {}
        self.archive_names: dict[int, str] = {}
        for key, archive_id, subunit, archive_name in names:
            if key:
                self.by_key.setdefault(key, (archive_id, subunit))
                self.archive_names[archive_id] = archive_name
        self.keys = list(self.by_key)
        self._cache: dict[tuple[str, str], Resolution] = {}

    def resolve(self, name: str, first_series_piece: str = "") -> Resolution:
        cache_key = (name, first_series_piece)
        if cache_key not in self._cache:
            self._cache[cache_key] = self._resolve(name, first_series_piece)
        return self._cache[cache_key]

    def _exact(self, key: str) -> tuple[int, str] | None:
        return self.by_key.get(key)

    def _resolve(self, name: str, first_series_piece: str) -> Resolution:
        written = clean(name)
        key = name_key(written)
        if not key:
            return Resolution(None, reason="no name")
        if first_series_piece:  # "National Archives and Records Administration, RG 59" is one variant
            hit = self._exact(name_key(f"{written} {first_series_piece}"))
            if hit:
                return Resolution(hit[0], hit[1], "variant", consumed_series=True)
        hit = self._exact(key)
        if hit:
            return Resolution(hit[0], hit[1], "exact" if hit[1] == "" else "variant")
        without_brackets = re.sub(r"\s*\([^)]*\)\s*", " ", written).strip()
        if without_brackets != written:
            hit = self._exact(name_key(without_brackets))
            if hit:
                return Resolution(hit[0], hit[1], "variant")
        # a sub-unit after a colon: "Central Intelligence Agency: Job 79-S01060A"
        if ":" in written:
            head, tail = (part.strip() for part in written.split(":", 1))
            inner = self._resolve(head, "")
            if inner.archive_id is not None:
                return Resolution(
                    inner.archive_id, _join(inner.subunit, tail), "subunit" if inner.method != "typo" else "typo"
                )
        # a known name followed by more words: "Department of State Central Files"
        words = written.split()
        for n in range(len(words) - 1, 0, -1):
            hit = self._exact(name_key(" ".join(words[:n])))
            if hit:
                rest = " ".join(words[n:]).strip(" ,;:-–")
                if name_key(rest) in GENERIC_REMAINDERS:
                    rest = ""
                return Resolution(hit[0], _join(hit[1], rest), "subunit")
        return self._typo(key)

    def _typo(self, key: str) -> Resolution:
        limit = max_distance(key)
        if limit == 0 or not self.keys:
            return Resolution(None, reason="no archive has this name or a variant of it")
        matches = process.extract(key, self.keys, scorer=Levenshtein.distance, score_cutoff=limit, limit=None)
        archives: dict[int, tuple[int, str]] = {}
        for candidate, distance, _ in matches:
            if max_distance(candidate) == 0:
                continue  # a typo of a short name is another name
            archive_id, subunit = self.by_key[candidate]
            archives.setdefault(archive_id, (distance, subunit))
        if len(archives) == 1:
            archive_id, (distance, subunit) = next(iter(archives.items()))
            return Resolution(archive_id, subunit, "typo")
        if archives:
            names = sorted(self.archive_names[a] for a in archives)
            return Resolution(None, reason="close to several archives: " + "; ".join(names), candidates=names)
        # near misses (for the editors' list): up to 3 names within twice the distance
        near = process.extract(key, self.keys, scorer=Levenshtein.distance, score_cutoff=limit * 3, limit=5)
        names = list(dict.fromkeys(self.archive_names[self.by_key[c][0]] for c, _, _ in near))[:3]
        return Resolution(None, reason="no archive has this name or a variant of it", candidates=names)


def _join(*parts: str) -> str:
    return ", ".join(p for p in parts if p)
