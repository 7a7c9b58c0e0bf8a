"""The folded form archive names are compared by (``ArchiveName.key``, the resolver, the hierarchy)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_PREFIX = re.compile(r"^\s*(?:sources?|original|courtesy of)\s*[;:,.]\s*", re.I)


def clean(name: str) -> str:
    """The name as a reader would write it: NFC, single spaces, no "Source;" prefix or trailing punctuation."""
    text = " ".join(unicodedata.normalize("NFC", name or "").split())
    text = _PREFIX.sub("", text)
    return text.strip(" .,;:")


@lru_cache(maxsize=65536)  # (an import folds the same archive, series and file names again and again)
def name_key(name: str) -> str:
    """The folded form names are compared by: lower case, no diacritics, dashes and punctuation as spaces."""
    text = unicodedata.normalize("NFKD", clean(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"[\W_]+", " ", text)
    return " ".join(text.split())
