"""The query language researchers type, parsed into a small tree every backend compiles.

``word word`` (all must match), ``"exact phrase"``, ``a OR b``, ``-exclude``, ``prefix*``, and fields
``title:``, ``person:``, ``place:``, ``archive:`` (with a word or a phrase). Parsing never fails: an
unbalanced quote, a lone operator or an overlong query gives a best-effort query and a notice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FIELDS = {
    "title": "title",
    "person": "people",
    "people": "people",
    "place": "places",
    "archive": "archive",
    "repository": "archive",
    "text": "body",
}
MAX_LENGTH = 1000
MAX_CLAUSES = 32


@dataclass(frozen=True)
class Term:
    """A word (several words separated by spaces: each must match, as separate words would)."""

    text: str
    field: str | None = None  # None: every text field
    prefix: bool = False
    boost: float = 1.0
    #: a prefix guessed from a transliteration (``readingroom.names``): as ``Variant.guess``
    guess: bool = False


@dataclass(frozen=True)
class Phrase:
    """Words in a row, exact (folded) forms only."""

    words: str
    field: str | None = None
    boost: float = 1.0


@dataclass(frozen=True)
class Variant(Phrase):
    """Another form of a name the query holds (``readingroom.names``): its words in a row, each analysed in every
    language like a word (so ``Мао Цзэдун`` finds ``Мао Цзэдуна``); Chinese characters as a phrase. A ``guess``
    (a word transliterated, not a known name's form) is searched only where the index has a word that begins as it
    does (a backend may skip it otherwise: most such guesses match nothing)."""

    guess: bool = False


@dataclass
class Clause:
    """Alternatives joined by OR; the clause must match (or, if ``negated``, must not)."""

    alternatives: list[Term | Phrase]
    negated: bool = False


@dataclass
class ParsedQuery:
    clauses: list[Clause] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.clauses

    @property
    def positive(self) -> list[Clause]:
        return [c for c in self.clauses if not c.negated]

    @property
    def negative(self) -> list[Clause]:
        return [c for c in self.clauses if c.negated]


_TOKEN = re.compile(
    r'(?P<neg>-)?(?:(?P<field>[A-Za-z]+):)?(?:"(?P<phrase>[^"]*)"|(?P<word>[^\s"]+))|(?P<quote>")',
)


def parse(q: str) -> ParsedQuery:
    """Parse what the user typed."""
    out = ParsedQuery()
    q = q or ""
    if len(q) > MAX_LENGTH:
        q = q[:MAX_LENGTH]
        out.notices.append(f"The query was longer than {MAX_LENGTH} characters; only the start was used.")
    if q.count('"') % 2:
        q += '"'
        out.notices.append("A quotation mark was not closed; the phrase was closed at the end of the query.")
    q = q.replace("\x00", " ")
    pending_or = False
    for m in _TOKEN.finditer(q):
        if m["quote"]:
            continue
        fname = (m["field"] or "").lower()
        target = FIELDS.get(fname) if fname else None
        word, phrase = m["word"], m["phrase"]
        if fname and fname not in FIELDS:  # "foo:bar" with an unknown field: search the text as written
            word = f"{m['field']}:{word}" if word is not None else None
            phrase = phrase if phrase is not None else None
        if word is not None and word.upper() == "OR" and not m["neg"] and not fname:
            if out.clauses and not out.clauses[-1].negated:
                pending_or = True
            else:
                out.notices.append("OR needs a word on each side; it was ignored.")
            continue
        if word is not None and word in {"AND", "&&", "+"}:
            continue
        if phrase is not None:
            words = " ".join(phrase.split())
            if not words:
                continue
            alt: Term | Phrase = Phrase(words, target)
        else:
            w = word.strip("()[]{}")
            prefix = w.endswith("*") and len(w.rstrip("*")) >= 2
            w = w.rstrip("*")
            if not re.search(r"\w", w):
                if word not in {"-"}:
                    out.notices.append(f"{word!r} has no letters or digits; it was ignored.")
                continue
            alt = Term(w, target, prefix)
        if pending_or and not m["neg"]:
            out.clauses[-1].alternatives.append(alt)
        else:
            if len(out.clauses) >= MAX_CLAUSES:
                out.notices.append(f"Only the first {MAX_CLAUSES} words were used.")
                break
            out.clauses.append(Clause([alt], negated=bool(m["neg"])))
        pending_or = False
    if pending_or:
        out.notices.append("OR needs a word on each side; it was ignored.")
    return out


def prefix_stems(folded: str) -> list[str]:
    """Shorter exact terms a prefix also stands for, because stemming may cut a word below its prefix:
    "negotiat*" must find "negotiation", indexed as the stem "negoti". Down to four letters shorter."""
    return [folded[:n] for n in range(len(folded) - 1, max(3, len(folded) - 5), -1)]
