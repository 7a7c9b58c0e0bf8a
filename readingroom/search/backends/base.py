"""The search-backend contract. A backend indexes search documents (``search.documents``) and answers
:class:`SearchRequest`\\ s with :class:`SearchResults`; it never decides what a record contains."""

from __future__ import annotations

from dataclasses import dataclass, field

from readingroom.search.query import ParsedQuery

#: Facet name -> what the index calls it. Every backend counts these.
FACETS = ("language", "translation", "repository", "collection", "subject", "person", "place", "type", "classification")
SORTS = ("relevance", "date", "-date", "title", "-title")


@dataclass
class SearchRequest:
    query: ParsedQuery
    filters: dict[str, list[str]] = field(default_factory=dict)  # facet -> values (OR within a facet)
    date_from: int | None = None  # YYYYMMDD, inclusive
    date_to: int | None = None
    sort: str = "relevance"
    offset: int = 0
    limit: int = 20
    facets: bool = True
    facet_size: int = 20
    snippets: bool = True


@dataclass
class Hit:
    id: str
    score: float
    snippet: str = ""  # HTML: escaped text with <b>...</b> around matches


@dataclass
class SearchResults:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    years: list[tuple[int, int]] = field(default_factory=list)
    #: False when ``total`` is an estimate (a backend may estimate past a documented number of matches)
    total_exact: bool = True
    #: False when the facet and year counts were counted on a sample of the matches and scaled
    facets_exact: bool = True


class SearchBackend:
    """What every search backend does. Methods that change the index take effect after :meth:`commit`."""

    name = "base"

    def add(self, docs: list[dict]) -> None:
        """Add or replace the search documents (by their ``id``)."""
        raise NotImplementedError

    def delete(self, ids: list[str]) -> None:
        """Remove documents from the index."""
        raise NotImplementedError

    def commit(self) -> None:
        """Make what was added or deleted visible to searches."""

    def reset(self) -> None:
        """Empty the index (before a full rebuild)."""
        raise NotImplementedError

    def count(self) -> int:
        """How many documents the index holds."""
        raise NotImplementedError

    def search(self, request: SearchRequest) -> SearchResults:
        """Run a search."""
        raise NotImplementedError

    def languages(self) -> tuple[str, ...]:
        """The analysis languages (``search.analysis`` keys) of the texts the index holds: a query is analysed in
        each of them."""
        raise NotImplementedError

    def version(self) -> str | None:
        """What searches see now, as a short string that every process of the archive reads the same and that
        changes with every commit (a page of results may be kept while it is the same); None: not known."""
        return None

    def close(self) -> None:
        """Release files, writers and connections."""
