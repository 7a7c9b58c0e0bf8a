"""The first start of an archive: whether to import the demo corpus, and importing it once.

``make run`` runs ``readingroom bootstrap --corpus ../shared/corpus`` before every start. The demo corpus is
imported into an empty archive only, and only once: a marker file in the data directory is written when the
demo import has run to its end, so a first start that was interrupted imports again (re-import is
idempotent: what is there already is left unchanged). An archive a user filled themselves is left alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from django.conf import settings

from readingroom.documents.models import Document
from readingroom.ingest.pipeline import ImportReport, import_paths

#: The demo corpus: what ``make run`` imports from ``../shared/corpus`` on first start.
DEMO_SOURCES = ("seed", "frus/volumes", "un-general-debates")

IMPORTED = ".demo-corpus-imported"  # written when the demo import has run to its end (holds its report)
STARTED = ".demo-corpus-started"  # written when it starts: an archive with this and no IMPORTED is unfinished


class Plan(StrEnum):
    """What :func:`plan` decided."""

    READY = "ready"  # the demo corpus is in, or the archive has documents and no corpus was given
    USERS_OWN = "users own"  # the archive has documents a user imported: no demo corpus into it
    EMPTY = "empty"  # nothing to import: the archive stays empty
    IMPORT = "import"  # import the demo corpus (a first start, or one that was interrupted)


@dataclass
class Decision:
    plan: Plan
    corpus: Path | None
    sources: list[Path] = field(default_factory=list)  # the demo folders found in the corpus
    documents: int = 0  # how many documents the archive holds (counted when it is ready or the user's own)


def demo_sources(corpus: Path | None) -> list[Path]:
    """The folders of the demo corpus that ``corpus`` holds."""
    return [corpus / sub for sub in DEMO_SOURCES if corpus and (corpus / sub).is_dir()]


def plan(corpus: Path | None, data_dir: Path | None = None) -> Decision:
    """Decide whether this archive gets the demo corpus from ``corpus``."""
    data_dir = Path(data_dir or settings.DATA_DIR)
    sources = demo_sources(corpus)
    has_documents = Document.objects.exists()
    if (data_dir / IMPORTED).exists() or (has_documents and not sources):
        return Decision(Plan.READY, corpus, sources, Document.objects.count())
    if has_documents and not (data_dir / STARTED).exists():
        return Decision(Plan.USERS_OWN, corpus, sources, Document.objects.count())
    if not sources:
        return Decision(Plan.EMPTY, corpus, sources)
    return Decision(Plan.IMPORT, corpus, sources)


def import_demo(decision: Decision, progress: Callable | None = None, data_dir: Path | None = None) -> ImportReport:
    """Import the demo corpus a :func:`plan` decided on; the marker is written only once it has finished."""
    data_dir = Path(data_dir or settings.DATA_DIR)
    (data_dir / STARTED).touch()
    report = import_paths(decision.sources, parallel=True, progress=progress)
    (data_dir / IMPORTED).write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    return report
