"""Name variants: made when a person is stored, edited by editors (audited), and looked up by search.

* :func:`refresh_person` gives a person its source name and automatic variants (imports call it through the
  ``post_save`` signal of ``documents.Person``; ``readingroom manage name_variants`` for an existing archive).
* :func:`add_variant`, :func:`remove_variant`, :func:`merge_persons`: what the admin does, each audited.
* :func:`expand` rewrites a parsed query: a run of 1-4 words (or a phrase) whose key is a known variant becomes
  an OR of the typed form (boosted: exact forms rank first) and every other variant of that person.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Max

from readingroom.documents.models import DocumentPerson, Person
from readingroom.names import translit
from readingroom.names.models import NameVariant, SeedName
from readingroom.names.variants import automatic_variants, fill, script_of, stem_key
from readingroom.records.unitofwork import UnitOfWork
from readingroom.search import analysis
from readingroom.search.query import Clause, ParsedQuery, Phrase, Term, Variant

#: the typed form weighs this much more than the other variants, so exact forms rank first
TYPED_BOOST = 3.0
#: the other forms weigh less than a word (a document with the typed form ranks above one with another form)
VARIANT_BOOST = 0.4
#: at most this many other forms per expanded name (the query stays small)
MAX_VARIANTS = 24
MAX_RUN = 4
#: the variant table is re-checked at most this often per process (a cheap count/max query)
CHECK_SECONDS = 2.0


# -- writing ----------------------------------------------------------------------------------------------


def refresh_person(person: Person, *, replace: bool = False) -> int:
    """Give ``person`` its source variant (its name as stored) and the automatic ones. Editors' and curated
    variants are kept; with ``replace`` the automatic ones are made anew. Returns how many were added."""
    if replace:
        NameVariant.objects.filter(person=person, kind=NameVariant.Kind.AUTOMATIC).delete()
    return refresh_persons([person])


def refresh_persons(persons: list[Person]) -> int:
    """:func:`refresh_person` for many persons at once (an import's new persons: three queries and one insert
    for a batch, where one person at a time took about ten). Returns how many variants were added."""
    persons = [p for p in persons if p.pk is not None]
    if not persons:
        return 0
    existing = set(NameVariant.objects.filter(person__in=persons).values_list("person_id", "name"))
    wanted: dict[int, list[tuple[str, str, str]]] = {}
    keys_of: dict[int, set[str]] = {}
    for person in persons:
        forms: list[tuple[str, str, str]] = [(person.name, NameVariant.Kind.SOURCE, "")]
        forms += [
            (form, NameVariant.Kind.AUTOMATIC, how) for form, how in automatic_variants(person.name, person.description)
        ]
        wanted[person.pk] = forms
        keys_of[person.pk] = {translit.key(n) for n, _, _ in forms} - {""}
    groups_of_key: dict[str, set[str]] = {}
    for key, group in SeedName.objects.filter(key__in=set().union(*keys_of.values())).values_list("key", "group"):
        groups_of_key.setdefault(key, set()).add(group)
    if groups_of_key:
        names_of_group: dict[str, list[str]] = {}
        groups = set().union(*groups_of_key.values())
        for group, name in SeedName.objects.filter(group__in=groups).values_list("group", "name"):
            names_of_group.setdefault(group, []).append(name)
        for pk, keys in keys_of.items():
            for group in sorted({g for k in keys for g in groups_of_key.get(k, ())}):
                wanted[pk] += [(n, NameVariant.Kind.SEED, "") for n in names_of_group.get(group, [])]
    new: list[NameVariant] = []
    for pk, forms in wanted.items():
        for name, kind, scheme in forms:
            name = " ".join(name.split())[:300]
            if not name or (pk, name) in existing:
                continue
            existing.add((pk, name))
            variant = NameVariant(person_id=pk, name=name, kind=kind, scheme=scheme)
            fill(variant)  # (what the pre_save signal does; bulk_create sends none)
            new.append(variant)
    # a variant another writer has just added for the same person is left as it is
    NameVariant.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def add_variant(person: Person, name: str, *, kind: str = NameVariant.Kind.EDITOR, actor: str = "") -> NameVariant:
    """An editor's variant (and its automatic transliterations into the other scripts), audited."""
    name = " ".join(name.split())
    with UnitOfWork(actor=actor) as uow:
        variant, created = NameVariant.objects.get_or_create(person=person, name=name, defaults={"kind": kind})
        extra = []
        for form, how in automatic_variants(name, person.description):
            _, made = NameVariant.objects.get_or_create(
                person=person, name=form, defaults={"kind": NameVariant.Kind.AUTOMATIC, "scheme": how}
            )
            if made:
                extra.append(form)
        uow.audit(
            "person.variant.add", person.identifier, details={"variant": name, "created": created, "automatic": extra}
        )
    return variant


def remove_variant(variant: NameVariant, *, actor: str = "") -> None:
    with UnitOfWork(actor=actor) as uow:
        person = variant.person
        uow.audit(
            "person.variant.remove",
            person.identifier,
            details={"variant": variant.name, "kind": variant.kind, "scheme": variant.scheme},
        )
        variant.delete()


def merge_persons(target: Person, others: list[Person], *, actor: str = "") -> dict:
    """Merge ``others`` into ``target``: their documents, names and variants move to it; they are deleted.
    The documents are queued for reindexing (their person facet changes). Audited."""
    others = [p for p in others if p.pk != target.pk]
    moved_docs: list[str] = []
    with UnitOfWork(actor=actor) as uow:
        names = {v.name for v in NameVariant.objects.filter(person=target)}
        for other in others:
            for v in NameVariant.objects.filter(person=other):
                if v.name not in names:
                    v.person = target
                    v.save()
                    names.add(v.name)
            if other.name not in names:
                NameVariant.objects.create(person=target, name=other.name, kind=NameVariant.Kind.SOURCE)
                names.add(other.name)
            have = set(DocumentPerson.objects.filter(person=target).values_list("document_id", flat=True))
            for dp in DocumentPerson.objects.filter(person=other).select_related("document"):
                moved_docs.append(dp.document.identifier)
                if dp.document_id in have:
                    dp.delete()
                else:
                    dp.person = target
                    dp.save(update_fields=["person"])
            if other.description and not target.description:
                target.description = other.description
                target.save(update_fields=["description"])
        uow.updated(*dict.fromkeys(moved_docs))  # their person facet changes
        details = {
            "into": target.identifier,
            "merged": [{"id": p.identifier, "name": p.name} for p in others],
            "documents": sorted(set(moved_docs)),
        }
        for other in others:
            other.delete()
        uow.audit("person.merge", target.identifier, details=details)
    return details


def refresh_all(*, replace: bool = False) -> int:
    """Every person's variants (an archive imported before this app, or after a change of the tables)."""
    added = 0
    for person in Person.objects.all().iterator(chunk_size=500):
        added += refresh_person(person, replace=replace)
    return added


# -- looking up ---------------------------------------------------------------------------------------------


@dataclass
class Table:
    """Every variant, by key and stem key: person ids; and each person's variants (name, kind)."""

    stamp: tuple = ()
    by_key: dict[str, set[int | str]] = field(default_factory=dict)  # person pk, or "seed:<group>"
    by_stem: dict[str, set[int | str]] = field(default_factory=dict)
    names: dict[int | str, list[str]] = field(default_factory=dict)
    primary: dict[int, tuple[str, str]] = field(default_factory=dict)  # person -> (identifier, name)


_table = Table()
_checked = 0.0
_lock = threading.Lock()


def _stamp() -> tuple:
    agg = NameVariant.objects.aggregate(n=Count("id"), m=Max("id"), u=Max("updated_at"))
    seeds = SeedName.objects.aggregate(n=Count("id"), m=Max("id"))
    return (connection.settings_dict.get("NAME"), agg["n"], agg["m"], str(agg["u"]), seeds["n"], seeds["m"])


def table() -> Table:
    """The variant table of this process, re-read when it changed (checked at most every CHECK_SECONDS)."""
    global _table, _checked
    now = time.monotonic()
    if now - _checked < CHECK_SECONDS and _table.stamp and _table.stamp[0] == connection.settings_dict.get("NAME"):
        return _table
    with _lock:
        stamp = _stamp()
        _checked = time.monotonic()
        if stamp != _table.stamp:
            t = Table(stamp=stamp)
            rows = NameVariant.objects.values_list("person_id", "name", "key", "stem_key").order_by("person_id", "id")
            seeds = [
                (f"seed:{g}", n, k, sk)
                for g, n, k, sk in SeedName.objects.values_list("group", "name", "key", "stem_key").order_by(
                    "group", "id"
                )
            ]
            entries: list[tuple[int | str, str, str, str]] = [*seeds, *rows.iterator(chunk_size=5000)]
            for pid, name, key, skey in entries:
                if key:
                    t.by_key.setdefault(key, set()).add(pid)
                if skey:
                    t.by_stem.setdefault(skey, set()).add(pid)
                t.names.setdefault(pid, []).append(name)
            person_pks = [p for p in t.names if isinstance(p, int)]
            for pid, ident, name in Person.objects.filter(pk__in=person_pks).values_list("pk", "identifier", "name"):
                t.primary[pid] = (ident, name)
            _table = t
    return _table


def forget() -> None:
    """Drop this process's table (tests, after writing variants)."""
    global _table, _checked
    _table, _checked = Table(), 0.0


def persons_for(text: str) -> set[int | str]:
    """The persons one of whose variants ``text`` is (as written, or with Russian words inflected): person pks,
    and ``"seed:<group>"`` for a group of seed names."""
    t = table()
    words = text.replace("'s ", " ").removesuffix("'s").removesuffix("’s")
    found = t.by_key.get(translit.key(words))
    if found:
        return found
    if translit.has_cyrillic(words):
        # an inflected form: its stems against the variants' keys (Хрущёва -> khrushchev) and stem keys
        skey = stem_key(words)
        return t.by_key.get(skey) or t.by_stem.get(skey, set())
    return set()


def _words(text: str) -> list[str]:
    return [w for w in analysis.fold(translit.romanised(text)).replace("-", " ").split() if w]


def _redundant(typed: list[str], variant: str) -> bool:
    """A variant that has every typed word: whatever matches it matches the typed words already."""
    words = set(_words(variant))
    return all(w in words for w in typed)


@dataclass
class Expansion:
    typed: str
    persons: list[tuple[str, str]]  # (identifier, name)
    variants: list[str]
    #: a transliteration of a word no name has: searched, not announced (most are not names)
    quiet: bool = False


#: a word not known as a name is also searched in the other script when it has at least this many letters
TRANSLITERATE_MIN = 4
#: Latin letters, with the diacritics of romanisations (Zhuravlëv)
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]+")


def transliterations(word: str, cyrillic_texts: bool) -> list[str]:
    """A word no person's name has, in the other script, as a name would be written there: a Cyrillic word in the
    Latin letters of the scholars and of BGN/PCGN (``Микоян`` -> ``Mikoyan``), and, when the archive has Russian
    texts (``cyrillic_texts``), a Latin word typed with a capital in Cyrillic (``Mikoyan`` -> ``Микоян``; a word
    typed in lower case, or in capitals as an abbreviation, is taken for a word). Names in free text that no
    persons list or seed has are found across the two scripts so."""
    letters = word.replace("'", "").replace("’", "")  # BGN/PCGN writes the soft sign so: Kol'tsov
    if len(letters) < TRANSLITERATE_MIN or not letters.isalpha():
        return []
    if translit.has_cyrillic(word):
        forms = [translit.russian_to_latin(word, "scholarly"), translit.russian_to_latin(word, "bgn-pcgn")]
        return [f for f in dict.fromkeys(forms) if f != word and not translit.has_cyrillic(f)]
    if cyrillic_texts and _LATIN.fullmatch(letters) and word[0].isupper() and not word.isupper():
        return [translit.latin_to_russian(analysis.fold(word))]  # ë as e (ё is е in the index)
    return []


def _transliterated(
    text: str, field_: str | None, cyrillic_texts: bool
) -> tuple[list[Term | Phrase], Expansion] | None:
    forms = transliterations(text, cyrillic_texts) if " " not in text else []
    if not forms:
        return None
    others: list[Term | Phrase] = [Variant(f, field_, boost=VARIANT_BOOST, guess=True) for f in forms]
    # a Russian surname's case forms as a prefix, as for a known person's (below); a Cyrillic word in another case
    # by its stem's letters (Микояна -> mikoyan*, Хрущёвым -> khrushchev*)
    others += [Term(f, field_, prefix=True, boost=VARIANT_BOOST, guess=True) for f in forms if translit.has_cyrillic(f)]
    stem = analysis.stem("ru", text) if translit.has_cyrillic(text) else None
    if stem and len(stem) >= 5 and stem != analysis.fold(text):
        latin = dict.fromkeys(translit.russian_to_latin(stem, scheme) for scheme in ("scholarly", "bgn-pcgn"))
        others += [
            Term(f, field_, prefix=True, boost=VARIANT_BOOST, guess=True) for f in latin if f.isascii() and f.isalpha()
        ]
    return [Term(text, field_, boost=TYPED_BOOST), *others], Expansion(text, [], forms, quiet=True)


def _alternatives(
    text: str, field_: str | None, phrase: bool, cyrillic_texts: bool = False
) -> tuple[list[Term | Phrase], Expansion] | None:
    if len(text) > 200:
        return None
    pids = persons_for(text)
    if not pids:
        return None if phrase else _transliterated(text, field_, cyrillic_texts)
    t = table()
    typed = _words(text)
    folded_typed = translit.key(text)
    seen = {folded_typed}
    variants: list[str] = []
    for pid in sorted(pids, key=str):
        for name in t.names.get(pid, []):
            k = translit.key(name) + "|" + script_of(name)
            if k in seen or name.casefold() == text.casefold():
                continue
            seen.add(k)
            if not phrase and script_of(name) == script_of(text) and _redundant(typed, name):
                continue
            variants.append(name)
    variants = variants[:MAX_VARIANTS]
    if not variants:
        return None
    first = Phrase(text, field_, boost=TYPED_BOOST) if phrase else Term(text, field_, boost=TYPED_BOOST)
    others: list[Term | Phrase] = [
        Phrase(v, field_, boost=VARIANT_BOOST) if phrase else Variant(v, field_, boost=VARIANT_BOOST) for v in variants
    ]
    if not phrase:
        # A Russian surname on its own also as a prefix: Snowball stems "Хрущёв" to "хрущ" but "Хрущёвым" to
        # "хрущев", so the stems miss; the folded form is the start of every case form (-а, -у, -ым, -е).
        for form in [text, *variants]:
            if " " not in form and translit.has_cyrillic(form) and len(form) >= 5:
                others.append(Term(form, field_, prefix=True, boost=VARIANT_BOOST))
    return [first, *others], Expansion(text, [t.primary[p] for p in sorted(pids, key=str) if p in t.primary], variants)


def _candidate(clause: Clause) -> Term | Phrase | None:
    if clause.negated or len(clause.alternatives) != 1:
        return None
    alt = clause.alternatives[0]
    if isinstance(alt, Variant) or alt.field not in (None, "people"):
        return None
    if isinstance(alt, Term) and alt.prefix:
        return None
    return alt


def expand(parsed: ParsedQuery, cyrillic_texts: bool = False) -> tuple[ParsedQuery, list[Expansion]]:
    """``parsed`` with every name in it expanded to all the forms of that person (a new query; ``parsed`` is left
    as it was). A run is the longest of 4, 3, 2, 1 consecutive words with one field (or a quoted phrase). A word
    no name has is also searched in the other script (:func:`transliterations`; ``cyrillic_texts``: the archive
    has Russian texts)."""
    clauses = parsed.clauses
    if not clauses:
        return parsed, []
    out: list[Clause] = []
    expansions: list[Expansion] = []
    i = 0
    while i < len(clauses):
        alt = _candidate(clauses[i])
        if alt is None:
            out.append(clauses[i])
            i += 1
            continue
        if isinstance(alt, Phrase):
            made = _alternatives(alt.words, alt.field, phrase=True)
            if made:
                out.append(Clause(made[0]))
                expansions.append(made[1])
            else:
                out.append(clauses[i])
            i += 1
            continue
        done = False
        for n in range(min(MAX_RUN, len(clauses) - i), 0, -1):
            run = [_candidate(c) for c in clauses[i : i + n]]
            terms = [a for a in run if isinstance(a, Term) and a.field == alt.field]
            if len(terms) < len(run):  # a run is of words (not phrases) with one field
                continue
            text = " ".join(a.text for a in terms)
            made = _alternatives(text, alt.field, phrase=False, cyrillic_texts=cyrillic_texts)
            if made:
                out.append(Clause(made[0]))
                expansions.append(made[1])
                i += n
                done = True
                break
        if not done:
            out.append(clauses[i])
            i += 1
    if not expansions:
        return parsed, []
    return ParsedQuery(out, list(parsed.notices)), expansions


def notice(expansions: list[Expansion]) -> list[str]:
    out = []
    for e in expansions:
        if e.quiet:
            continue
        shown = ", ".join(e.variants[:6]) + (f" and {len(e.variants) - 6} more" if len(e.variants) > 6 else "")
        out.append(f"“{e.typed}” is a name: other forms of it were searched too ({shown}); exact forms rank first.")
    return out
