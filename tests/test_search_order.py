"""Results come in one total order, the same on every node: documents that rank alike (equal score, the same
date, the same title) are ordered by the document, not by where they sit in one node's index. Two embedded
indexes (two nodes' own) fed the same documents in other orders and other commits give the same pages, and the
pages of one search never repeat or skip a document."""

from __future__ import annotations

import os
import random

import pytest

from readingroom.search.backends.base import SearchRequest
from readingroom.search.backends.tantivy_backend import TantivyBackend
from readingroom.search.documents import search_document
from readingroom.search.query import parse


def record(n: int, title: str, text: str, date: str) -> dict:
    return {
        "id": f"order-{n:03d}",
        "title": title,
        "summary": "",
        "citation": "",
        "translations": [],
        "archive": "",
        "transcripts": [{"language": "en", "text": text, "title": ""}],
        "archival_reference": {"repository": "", "text": ""},
        "contributors": [],
        "places": [],
        "collections": [],
        "original_languages": [{"code": "en", "name": "English"}],
        "subjects": [],
        "type": "",
        "classification": "",
        "date": {"start": date, "end": date},
    }


# 150 documents alike for "cranberry" (same words, same length: equal scores) on 3 dates, 15 with the word
# twice but not in the title, 15 with it in the title and twice (the best), and 30 that do not match
DOCS = (
    [record(i, "Cranberry report", "Cranberry harvest figures.", f"1961-0{1 + i % 3}-01") for i in range(150)]
    + [record(i, "Trade note", "Cranberry and cranberry again, the harvest.", "1962-05-05") for i in range(150, 165)]
    + [record(i, "Cranberry report", "Cranberry, cranberry, harvest.", "1963-01-01") for i in range(165, 180)]
    + [record(i, "Other", "Nothing about berries.", "1960-01-01") for i in range(180, 210)]
)


def node(path, docs: list[dict], chunk: int) -> TantivyBackend:
    backend = TantivyBackend(path)
    for i in range(0, len(docs), chunk):  # a commit per chunk: one segment each (as a follower of the feed makes)
        backend.add([search_document(d) for d in docs[i : i + chunk]])
        backend.commit()
    return backend


def pages(backend: TantivyBackend, q: str, sort: str, per_page: int) -> list[list[str]]:
    out, offset = [], 0
    while True:
        req = SearchRequest(query=parse(q), sort=sort, offset=offset, limit=per_page, facets=False, snippets=False)
        res = backend.search(req)
        if not res.hits:
            return out
        out.append([h.id for h in res.hits])
        offset += per_page


@pytest.mark.parametrize("sort", ["relevance", "date", "-date", "title", "-title"])
def test_two_nodes_fed_in_other_orders_give_the_same_pages(tmp_path, sort):
    shuffled = DOCS[:]
    random.Random(7).shuffle(shuffled)
    one = node(tmp_path / "one", DOCS, chunk=500)
    two = node(tmp_path / "two", shuffled, chunk=17)
    # node two also saw some documents twice (an update re-adds them: a deleted copy stays until a merge)
    two.add([search_document(d) for d in shuffled[:40]])
    two.commit()
    for per_page in (20, 7):
        first, second = pages(one, "cranberry", sort, per_page), pages(two, "cranberry", sort, per_page)
        assert first == second
        seen = [i for page in first for i in page]
        assert len(seen) == len(set(seen)) == 180  # every match once, none repeated or skipped across pages
    if sort == "relevance":
        top = pages(one, "cranberry", sort, 15)[0]
        assert {int(i[-3:]) for i in top} == set(range(165, 180))  # the better matches (title, twice) still first


def test_facet_counts_kept_between_searches_follow_every_commit(tmp_path):
    """A process keeps the facet counts of recent searches for the index version they were counted on: a
    reader (another object on the same index, as a web worker beside the writer) sees new counts once a commit
    is made, and the writer itself too."""
    writer = node(tmp_path / "idx", DOCS[:40], chunk=40)
    reader = TantivyBackend(tmp_path / "idx")

    def years(backend: TantivyBackend) -> dict[int, int]:
        req = SearchRequest(query=parse("cranberry"), limit=5, facets=True, snippets=False)
        return dict(backend.search(req).years)

    assert years(reader) == years(writer) == {1961: 40}
    assert years(reader) == {1961: 40}  # (from the kept counts)
    writer.add([search_document(d) for d in DOCS[150:160]])  # ten more, of 1962
    writer.commit()
    assert years(writer) == {1961: 40, 1962: 10}
    assert years(reader) == {1961: 40, 1962: 10}
    writer.delete([d["id"] for d in DOCS[:5]])
    writer.commit()
    assert years(reader) == {1961: 35, 1962: 10}


def test_a_reader_sees_two_commits_made_within_one_clock_tick(tmp_path):
    """The file system stamps ``meta.json`` with a coarse clock (a few milliseconds on Linux): two commits in
    one tick leave the same modification time. A reader (a web worker beside the writer) must still see the
    second one: its results, its kept facet counts and the version that keys the kept search answers."""
    writer = node(tmp_path / "idx", DOCS[:40], chunk=40)
    reader = TantivyBackend(tmp_path / "idx")
    meta = tmp_path / "idx" / "meta.json"

    def seen(backend: TantivyBackend) -> tuple[int, dict[int, int]]:
        res = backend.search(SearchRequest(query=parse("cranberry"), limit=5, facets=True, snippets=False))
        return res.total, dict(res.years)

    assert seen(reader) == (40, {1961: 40})
    before, stamp = reader.version(), meta.stat()
    writer.delete([d["id"] for d in DOCS[:5]])
    writer.commit()
    os.utime(meta, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # the second commit within the first's tick
    assert reader.version() != before
    assert seen(reader) == (35, {1961: 35})


@pytest.mark.django_db(databases=[])
def test_facet_counts_past_the_sample_bound_are_estimated_from_a_fixed_sample(tmp_path, monkeypatch, settings):
    """Past FACET_SAMPLE_FROM matches the facet and year counts come from the matches whose hash falls in a fixed
    share of the documents, scaled, and say so (``facets_exact``); the same search gives the same counts on
    every node (two indexes fed in other orders). Below the bound they are exact. READINGROOM_FACET_CACHE=0
    keeps no counts."""
    from readingroom.search.backends import tantivy_backend

    one = node(tmp_path / "one", DOCS, chunk=37)
    other = node(tmp_path / "other", list(reversed(DOCS)), chunk=50)

    def facets(backend: TantivyBackend):
        r = backend.search(SearchRequest(query=parse("cranberry"), limit=5, facets=True, snippets=False))
        return r.total, dict(r.years), r.facets_exact

    assert facets(one) == (180, {1961: 150, 1962: 15, 1963: 15}, True)
    monkeypatch.setattr(tantivy_backend, "FACET_SAMPLE_FROM", 100)
    monkeypatch.setattr(tantivy_backend, "FACET_SAMPLE", 90)
    settings.READINGROOM_FACET_CACHE = 0  # (else the exact counts above would be served again)
    kept = len(one._facet_cache)
    total, years, exact = facets(one)
    assert total == 180 and not exact and facets(other) == (total, years, exact)
    assert 150 * 0.6 < years[1961] < 150 * 1.4 and sum(years.values()) < 180 * 1.4
    assert len(one._facet_cache) == kept  # nothing more kept


def test_a_prefix_ranks_its_matches_and_finds_every_word_it_begins(tmp_path):
    """``zork*`` is scored as the words of the index it begins (not one equal score for every match, which left
    the order to the tie-break alone): the document that has them in its title and often comes first. A prefix
    that begins more words than are scored as words (``PREFIX_TERMS``; then only the most frequent few are)
    still finds the rarest of them."""
    from readingroom.search.backends.tantivy_backend import PREFIX_TERMS

    words = [f"zork{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(PREFIX_TERMS + 16)]
    docs = [
        record(i, "Note", f"The word {w} appears once here, among others.", "1961-01-01") for i, w in enumerate(words)
    ]
    best = len(words)
    docs.append(record(best, "Zorkland and zorkland", "Zorkland, zorkland, zorkland.", "1962-01-01"))
    docs += [record(best + 1 + i, "Note", "Zorkland is named once here.", "1963-01-01") for i in range(5)]
    docs.append(record(best + 6, "Other", "Nothing that begins so.", "1960-01-01"))
    backend = node(tmp_path / "index", docs, chunk=500)
    req = SearchRequest(query=parse("zork*"), limit=200, facets=False, snippets=False)
    hits = backend.search(req).hits
    assert {h.id for h in hits} == {f"order-{i:03d}" for i in range(best + 6)}
    assert hits[0].id == f"order-{best:03d}" and hits[0].score > hits[1].score
    # the most frequent words are scored as words and rank above those past PREFIX_TERMS, found all the same
    assert hits[1].score > hits[-1].score


def test_words_standing_together_reorder_the_first_ranks_and_the_pages_still_add_up(tmp_path):
    """A query of three words or more reorders its first PROXIMITY_WINDOW ranks (by BM25 and the tie-break) with
    the score of its words standing together; past them the order is BM25's. 150 texts of the same words (equal
    BM25), 30 with the three words together: those among the first 100 ranks come first; the pages of every size,
    a page across rank 100 included, give every match once, the same on two nodes."""
    from readingroom.search.backends import tantivy_backend

    apart = "Cranberry notes. One two three four five six seven eight nine ten harvest figures."
    together = "Notes. One two three four five six seven eight nine ten cranberry harvest figures."
    docs = [record(i, "Ledger", together if i % 5 == 0 else apart, "1961-01-01") for i in range(150)]
    shuffled = docs[:]
    random.Random(3).shuffle(shuffled)
    one, two = node(tmp_path / "one", docs, chunk=500), node(tmp_path / "two", shuffled, chunk=23)
    q = "cranberry harvest figures"
    by_bm25 = [i for page in pages(one, "cranberry harvest", "relevance", 100) for i in page]  # two words: no proximity
    near = {f"order-{i:03d}" for i in range(0, 150, 5)}
    first = [i for i in by_bm25[: tantivy_backend.PROXIMITY_WINDOW] if i in near]
    expected = first + [i for i in by_bm25[: tantivy_backend.PROXIMITY_WINDOW] if i not in near]
    expected += by_bm25[tantivy_backend.PROXIMITY_WINDOW :]
    assert 0 < len(first) < len(near)  # some of the texts with the words together are past the window
    for per_page in (7, 30, 100):
        got = pages(one, q, "relevance", per_page)
        assert [i for page in got for i in page] == expected
        assert got == pages(two, q, "relevance", per_page)


def test_words_standing_together_in_a_title_rank_first(tmp_path):
    """The proximity counts in the title as in the text: two records of the same words, in the title together in one
    and apart in the other, the texts alike; a search of the title's words ranks the first one first, whichever
    order the tie-break would give them."""
    # (order-006 and order-003 have the least tie-break hashes of order-001..019, order-004 and order-019 nearly the
    # largest)
    docs = [
        record(
            4, "Notes one two three four five six seven eight nine cranberry harvest figures", "Ledger.", "1961-01-01"
        ),
        record(
            6, "Cranberry notes one two three four five six seven eight nine harvest figures", "Ledger.", "1961-01-01"
        ),
        record(
            19, "Notes one two three four five six seven eight nine cranberry harvest figures", "Ledger.", "1961-01-01"
        ),
        record(
            3, "Cranberry notes one two three four five six seven eight nine harvest figures", "Ledger.", "1961-01-01"
        ),
    ]
    backend = node(tmp_path / "one", docs, chunk=10)
    [by_bm25] = pages(backend, "cranberry harvest", "relevance", 10)  # two words: no proximity, the tie-break order
    assert by_bm25 == ["order-006", "order-003", "order-004", "order-019"]
    [got] = pages(backend, "cranberry harvest figures", "relevance", 10)
    assert got == ["order-004", "order-019", "order-006", "order-003"]
