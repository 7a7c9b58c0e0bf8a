"""Highlighted snippets, the same for every backend: where the words matched, HTML-escaped, matches in <b>.

The text is folded character by character (so offsets stay put: "Mëhilli" -> "mehilli", "Хрущёв" ->
"хрущев", 毛澤東 -> 毛泽东); each query word becomes the start of a word from its stem in each language of
the document ("negotiations" -> ``negoti``, "переговоры" -> ``переговор`` (so "переговоров" is marked),
"takim" -> ``takim`` (so "takimet" is marked)); a Chinese word is marked wherever its characters occur; the
window around the first match is cut at word boundaries. Tens of microseconds for a 5,000-character text, where
tantivy's generator, re-analysing the whole stored field, took about 1 ms.
"""

from __future__ import annotations

import html
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache

from readingroom.search import analysis, lemmas
from readingroom.search.query import ParsedQuery, Phrase, Term


def _fold_table() -> dict[int, str]:
    table = {}
    for code in range(0x00C0, 0x2000):
        ch = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if len(base) == 1 and base.isascii() and base != ch:
            table[code] = base
    table.update(
        {
            ord("ß"): "s",
            ord("ø"): "o",
            ord("Ø"): "O",
            ord("đ"): "d",
            ord("Đ"): "D",
            ord("ł"): "l",
            ord("Ł"): "L",
            ord("ı"): "i",
            ord("’"): "'",
            ord("ё"): "е",
            ord("Ё"): "Е",
        }
    )
    return table


_FOLDED = _fold_table()
# A full table for the Basic Multilingual Plane: translate() then never takes its slow "not in the map" path.
FOLD: list[str] = [chr(i) for i in range(0x10000)]
for _code, _char in _FOLDED.items():
    FOLD[_code] = _char


#: a character that folding changes into another letter or digit (``é``, ``ё``, ``ß``, ``İ``), or a CJK one (made
#: Simplified): a text without any (English with typographic quotes) folds to its lower case, for matching
_FOLDS = re.compile(
    "["
    + "".join(re.escape(chr(code)) for code, to in _FOLDED.items() if chr(code).isalnum() or to.isalnum())
    + analysis.CJK_CHARS
    + "]"
)


def fold(text: str) -> str:
    """Folded and lower case, the same length as ``text`` (so offsets carry over); Chinese in Simplified."""
    folded = (text if text.isascii() else text.translate(FOLD)).lower()
    if len(folded) != len(text):
        folded = "".join(c.lower() if len(c.lower()) == 1 else c for c in text.translate(FOLD))
    if analysis.has_cjk(folded):
        simple = analysis.simplified(folded)
        folded = simple if len(simple) == len(folded) else folded
    return folded


@lru_cache(maxsize=8192)
def _base(word: str, prefix: bool, lang: str) -> str | None:
    """The start every inflected form of ``word`` shares in ``lang``: the folded word cut to its stem."""
    folded = re.sub(r"\W", "", fold(word))
    if not folded:
        return None
    if prefix:
        return folded
    stem = analysis.stem(lang, word) or folded
    common = os.path.commonprefix([folded, stem])
    if common.endswith("i") and len(common) > 4 and lang == "en":  # y is written i: "policies", "policy" -> "polici"
        common = common[:-1]
    return common if len(common) >= 3 else folded


def _bases(word: str, prefix: bool, langs: tuple[str, ...], forms: bool = False) -> set[str]:
    """The starts of the words ``word`` matches in ``langs``; with ``forms``, also those of its other forms in each
    language's dictionary (readingroom.search.lemmas: ``gobiernos`` also highlights ``gobierno``)."""
    out: set[str] = set()
    if analysis.has_cjk(word):
        for run in analysis.CJK_RUN.findall(word):
            out.update(analysis.segment(run) or [analysis.simplified(run)])
        word = analysis.CJK_RUN.sub(" ", word)
    for w in word.split():
        for lang in langs:
            for form in (w, *(lemmas.other_forms(lang, w) if forms and not prefix else ())):
                base = _base(form, prefix, lang)
                if base:
                    out.add(base)
    return out


def pattern(query: ParsedQuery, langs: tuple[str, ...] | list[str] | None = None) -> re.Pattern[str] | None:
    """One regex for the words of the query's positive clauses (field-restricted words too), each cut to
    the stem it has in any of ``langs`` (the document's analysis languages; English when not given)."""
    langs = tuple(sorted({"en", *(langs or ())}))
    bases: set[str] = set()
    for clause in query.positive:
        for alt in clause.alternatives:
            if isinstance(alt, Term):
                words, prefix = alt.text, alt.prefix
            else:
                assert isinstance(alt, Phrase)  # noqa: S101 - narrows the type: an alternative is a Term or a Phrase
                words, prefix = alt.words, False
            bases |= _bases(words, prefix, langs, forms=isinstance(alt, Term) and len(words.split()) == 1)
    if not bases:
        return None
    # Plain lower-case literals: searched in the folded, lower-cased text, this is the fast path of ``re``.
    return re.compile("|".join(re.escape(b) for b in sorted(bases, key=len, reverse=True)))


class Patterns:
    """The query's regex per set of document languages (built once per set within a search)."""

    def __init__(self, query: ParsedQuery) -> None:
        self.query = query
        self._cache: dict[tuple[str, ...], re.Pattern[str] | None] = {}

    def get(self, langs: Iterable[str] | None) -> re.Pattern[str] | None:
        key = tuple(sorted(set(langs or ())))
        if key not in self._cache:
            self._cache[key] = pattern(self.query, key)
        return self._cache[key]


_WORD_END = re.compile(r"\w*")


def _matches(
    text: str, folded: str, regex: re.Pattern[str], start: int = 0, end: int | None = None
) -> Iterator[tuple[int, int]]:
    """(start, end) of each word in ``text`` that begins with one of the patterns."""
    end = len(text) if end is None else end
    pos = start
    while True:
        m = regex.search(folded, pos, end)
        if m is None:
            return
        if analysis.CJK_RUN.match(folded, m.start()):  # Chinese: a word is wherever its characters are
            yield m.start(), m.end()
            pos = m.end()
            continue
        if m.start() > 0 and folded[m.start() - 1].isalnum():
            pos = m.start() + 1
            continue
        word = _WORD_END.match(folded, m.end())  # \w* matches everywhere, if only the empty string
        word_end = word.end() if word is not None else m.end()
        yield m.start(), min(word_end, end)
        pos = word_end


def _first_match(text: str, regex: re.Pattern[str]) -> tuple[int, int] | None:
    """Where the first match is: in the lower-cased text (most matches), else in the folded text (a folded
    stem, ``kuldott``, in a text that writes ``küldött``). Each is made from the text's start in growing pieces
    (512, 1,024, 2,048... characters) until one holds a match, since the first match is usually near the
    start: lower-casing and folding whole long texts cost more than all the rest of a snippet (folding a
    Hungarian text, where nearly every word has a diacritic, 60-80 µs; lower-casing any, 20 µs). The folded
    text is made only when folding can change a letter of it: a document found by its title or a name and
    not by its text is read to its end, and folding 4,500 characters costs 85 µs, looking for such a letter
    15."""
    first = _grown(text, regex, str.lower)
    if first is None and not text.isascii() and _FOLDS.search(text):
        first = _grown(text, regex, fold)
    return first


#: how far before a cut the next look begins (a query word is cut at 60 characters: analysis, remove_long)
_OVERLAP = 128


def _grown(text: str, regex: re.Pattern[str], transform: Callable[[str], str]) -> tuple[int, int] | None:
    """The first match of ``regex`` in ``transform(text)`` (which keeps offsets), made piece by piece."""
    made, done, size, look_from = "", 0, 512, 0
    while done < len(text):
        end = min(len(text), done + size)
        piece = transform(text[done:end])
        if len(piece) != end - done:  # a character whose lower case is longer: offsets would move
            whole = transform(text)
            return next(_matches(text, whole, regex), None) if len(whole) == len(text) else None
        made += piece
        done, size = end, size * 2
        cut = next(_matches(text, made, regex, look_from, done), None)
        if cut is not None and (done == len(text) or cut[1] < done):
            return cut
        # next, look again from the word this end cut, or from where a word cut by it could begin
        look_from = cut[0] if cut is not None else max(0, done - _OVERLAP)
    return None


def snippet(text: str, regex: re.Pattern[str] | None, size: int = 260) -> str:
    """An HTML snippet of ``text`` around the first match of ``regex`` (or its start, when nothing matches)."""
    if not text:
        return ""
    first = _first_match(text, regex) if regex is not None else None
    if first is None:
        start = 0
    else:
        start = max(0, first[0] - size // 4)
        if start:
            space = text.rfind(" ", 0, start)
            start = space + 1 if space >= 0 and start - space < 40 else start
    end = min(len(text), start + size)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + size // 2 else end
    window = text[start:end]
    out, pos = [], 0
    if regex is not None and first is not None:
        for m_start, m_end in _matches(window, fold(window), regex):
            out.append(html.escape(window[pos:m_start]))
            out.append("<b>" + html.escape(window[m_start:m_end]) + "</b>")
            pos = m_end
    out.append(html.escape(window[pos:]))
    return " ".join("".join(out).split())
