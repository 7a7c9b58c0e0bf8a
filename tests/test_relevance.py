"""Known-item relevance on the real FRUS corpus: mean reciprocal rank over 300 queries, floor 0.9."""

from __future__ import annotations

import pytest

from readingroom.documents.services import iter_records
from readingroom.ingest.pipeline import import_paths
from readingroom.search import services
from readingroom.search.backends import get_backend
from tests.conftest import CORPUS, need
from tests.known_items import build, reciprocal_rank

pytestmark = pytest.mark.django_db


def test_known_item_mrr_on_frus():
    volumes = CORPUS / "frus" / "volumes"
    need(volumes.exists(), f"the FRUS corpus is not at {volumes}")
    get_backend().reset()
    report = import_paths([volumes], parallel=True)
    assert report.imported == 2922
    queries = build(list(iter_records()))
    ranks: dict[str, list[float]] = {}
    for kind, params, expected in queries:
        page = services.search({**params, "per_page": 20}, facets=False, snippets=False)
        ranks.setdefault(kind, []).append(reciprocal_rank([d["id"] for d in page.documents], expected))
    overall = [r for rs in ranks.values() for r in rs]
    mrr = sum(overall) / len(overall)
    summary = ", ".join(f"{kind} {sum(rs) / len(rs):.3f} (n={len(rs)})" for kind, rs in ranks.items())
    print(f"\nknown-item MRR on FRUS: {mrr:.3f} over {len(overall)} queries; {summary}")
    assert len(overall) == 300
    assert mrr >= 0.9, summary
