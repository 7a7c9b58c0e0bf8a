"""The interface in the reader's language (issue #16): every interface string is marked for translation, every
catalogue translates every string, the catalogues compile without GNU gettext, and the language is chosen from
the switch (a cookie only /language sets) or Accept-Language, falling back to English."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

from readingroom.web import i18n
from readingroom.web.msgfmt import compile_file, parse_po, write_mo
from tests.conftest import need

LANGS = ["en", "sq", "ru", "zh_Hans", "de", "fr"]
#: words that are the same in every language (names of formats and standards, code shown as code)
UNTRANSLATED_OK = {"PDF", "JSON", "UTC", "IIIF", "BibTeX", "RIS", "CSL-JSON", "Dublin Core"}
_TAG = re.compile(r"<[^>]*>", re.S)
_ATTR = re.compile(r'\b(?:aria-label|title|alt|placeholder)="([^"]*)"')


def _untranslated_text(path: Path) -> list[str]:
    """Text of a template that reaches the reader without passing through {% translate %}/{% blocktranslate %}:
    letters in text nodes (outside <code>, <pre>, <script>, <style>) and in the human-readable attributes
    (aria-label, title, alt, placeholder). Variables and translated strings count as no text."""
    from html.parser import HTMLParser

    flat, depth = [], 0  # the template as HTML, every {{ }} and {% translate %} a neutral mark
    source = path.read_text(encoding="utf-8")
    source = re.sub(r"{% block \w+_class %}.*?{% endblock %}", "", source)  # CSS class names, not text
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = (token.contents.split() or [""])[0]
            if name in ("blocktranslate", "blocktrans", "comment"):
                depth += 1
            elif name in ("endblocktranslate", "endblocktrans", "endcomment"):
                depth -= 1
            elif name in ("translate", "trans") and not depth:
                flat.append("\x00")
        elif token.token_type == TokenType.VAR and not depth:
            flat.append("\x00")
        elif token.token_type == TokenType.TEXT and not depth:
            flat.append(token.contents)
    found: list[str] = []

    def check(text: str, where: str) -> None:
        words = re.sub(r"&\w+;|[\x00→←✕|()\[\]:;,.–—/·]", " ", text).strip()
        if re.search(r"[^\W\d_]", words) and words not in UNTRANSLATED_OK:
            found.append(f"{where}{words}")

    class Scan(HTMLParser):
        skip = 0

        def handle_starttag(self, tag, attrs):
            if tag in ("code", "pre", "script", "style"):
                self.skip += 1
            for name, value in attrs:
                if name in ("aria-label", "title", "alt", "placeholder") and value:
                    check(value, "attribute: ")

        def handle_endtag(self, tag):
            if tag in ("code", "pre", "script", "style"):
                self.skip = max(0, self.skip - 1)

        def handle_data(self, data):
            if not self.skip:
                check(data, "")

    Scan().feed("".join(flat))
    return found


def test_every_template_string_is_marked_for_translation():
    templates = [p for p in i18n.source_files() if p.suffix == ".html"]
    assert len(templates) >= 12
    problems = {str(p.relative_to(i18n.PACKAGE)): bad for p in templates if (bad := _untranslated_text(p))}
    assert not problems, f"interface text outside {{% translate %}}: {problems}"


def test_the_scanner_catches_unmarked_text(tmp_path):
    page = tmp_path / "t.html"
    page.write_text(
        '{% load i18n %}<p>{% translate "Fine" %}</p><p>Forgotten words</p>'
        '<a aria-label="Also forgotten" href="/">x</a><code>readingroom import</code> · PDF'
    )
    assert _untranslated_text(page) == ["Forgotten words", "attribute: Also forgotten", "x"]


def _entries(po: Path) -> dict[str, str]:
    return parse_po(po.read_text(encoding="utf-8"))


def test_every_catalogue_translates_every_interface_string(tmp_path):
    need(shutil.which("xgettext") is not None, "GNU gettext's xgettext is not installed (Debian package gettext)")
    pot = i18n.extract_pot(tmp_path)
    wanted = {k for k in _entries_all(pot)}
    assert len(wanted) > 150
    for lang in LANGS:
        po = i18n.LOCALE / lang / "LC_MESSAGES" / "django.po"
        have = _entries(po)
        missing = sorted(wanted - set(have))
        assert not missing, f"{lang}: {len(missing)} strings not translated, e.g. {missing[:5]}"
        plural_forms = {"ru": 3, "zh_Hans": 1}.get(lang, 2)
        for key, value in have.items():
            if "\0" in key:
                assert len(value.split("\0")) == plural_forms, (lang, key)
            for placeholder in re.findall(r"%\(\w+\)s", key.split("\0")[0]):
                if not ("\0" in key and plural_forms == 1):
                    assert placeholder in value or "\0" in key, (lang, key, placeholder)


def _entries_all(pot: Path) -> set[str]:
    """Every msgid (with its plural) of a template catalogue, translated or not."""
    text = pot.read_text(encoding="utf-8").replace('msgstr ""', 'msgstr "x"').replace('msgstr[0] ""', 'msgstr[0] "x"')
    return {k for k in parse_po(text) if k}


def test_catalogues_compile_in_python_exactly_as_gnu_msgfmt(tmp_path):
    for lang in LANGS:
        po = i18n.LOCALE / lang / "LC_MESSAGES" / "django.po"
        ours = compile_file(po, tmp_path / f"{lang}.mo")
        catalogue = gettext.GNUTranslations(ours.open("rb"))
        assert (
            catalogue.gettext("Cite")
            == {"en": "Cite", "sq": "Citoje", "ru": "Цитировать", "zh_Hans": "引用", "de": "Zitieren", "fr": "Citer"}[
                lang
            ]
        )
        if shutil.which("msgfmt"):
            subprocess.run(["msgfmt", "-c", "-o", str(tmp_path / f"{lang}-gnu.mo"), str(po)], check=True)
            gnu = gettext.GNUTranslations((tmp_path / f"{lang}-gnu.mo").open("rb"))
            assert gnu._catalog == catalogue._catalog
    ru = gettext.GNUTranslations((tmp_path / "ru.mo").open("rb"))
    assert [
        ru.ngettext("%(counter)s document", "%(counter)s documents", n) % {"counter": n} for n in (1, 3, 5, 21)
    ] == ["1 документ", "3 документа", "5 документов", "21 документ"]


def test_po_reader_handles_context_fuzzy_and_continuation_lines():
    po = (
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgctxt "month"\nmsgid "May"\nmsgstr "Mai"\n\n#, fuzzy\nmsgid "Draft"\nmsgstr "Entwurf"\n\n'
        'msgid "Long"\nmsgstr ""\n"Sehr "\n"lang"\n'
    )
    cat = parse_po(po)
    assert cat["month\x04May"] == "Mai" and "Draft" not in cat and cat["Long"] == "Sehr lang"
    assert write_mo(cat)[:4] == b"\xde\x12\x04\x95"


@pytest.fixture
def archive(db):
    from readingroom.ingest.pipeline import import_paths
    from tests.conftest import RECORD

    import_paths([RECORD])
    return "rrtest-900101"


@pytest.mark.parametrize(
    "accept, lang, cite, date",
    [
        ("en-GB,en;q=0.9", "en", "Cite", "March 14, 1962"),
        ("sq", "sq", "Citoje", "14 Mars 1962"),
        ("ru-RU,ru;q=0.9,en;q=0.5", "ru", "Цитировать", "14 марта 1962"),
        ("zh-CN,zh;q=0.9", "zh-hans", "引用", "1962年3月14日"),
        ("de-AT", "de", "Zitieren", "14. März 1962"),
        ("fr-CA,fr;q=0.8", "fr", "Citer", "14 mars 1962"),
        ("pt-BR", "en", "Cite", "March 14, 1962"),
    ],
)
def test_the_interface_follows_accept_language(client, archive, accept, lang, cite, date):
    r = client.get(f"/documents/{archive}", HTTP_ACCEPT_LANGUAGE=accept)
    html = r.content.decode()
    assert r.status_code == 200 and r["Content-Language"] == lang
    assert f'<html lang="{lang}">' in html
    assert f">{cite}</a>" in html and date in html
    assert not r.cookies  # the anonymous page sets no cookie, in any language


def test_the_switch_remembers_a_language_and_an_unknown_one_falls_back_to_english(client, archive):
    r = client.get("/language", {"language": "de", "next": f"/documents/{archive}"})
    assert r.status_code == 302 and r["Location"] == f"/documents/{archive}"
    assert r.cookies["django_language"].value == "de"
    page = client.get(f"/documents/{archive}", HTTP_ACCEPT_LANGUAGE="fr")
    assert page["Content-Language"] == "de" and "Zusammenfassung" in page.content.decode()
    r = client.get("/language", {"language": "klingon", "next": "/"})
    assert r.cookies["django_language"].value == "en"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="de")["Content-Language"] == "en"
    # the switch never sends a reader elsewhere
    for bad in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        assert client.get("/language", {"language": "sq", "next": bad})["Location"] == "/"


def test_numbers_and_language_names_follow_the_locale(client, archive):
    de = client.get("/search", {"q": "shipment"}, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Albanisch" in de and "1 Treffer für" in de
    ru = client.get("/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "1 документ из" in ru and "албанский" in ru.lower()
