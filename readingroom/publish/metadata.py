"""Machine-readable metadata in the document page's ``<head>``: Highwire Press ``citation_*`` tags and
Dublin Core ``DC.*`` tags (what Zotero, Mendeley and Google Scholar read), and schema.org JSON-LD."""

from __future__ import annotations

import json

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from readingroom.publish.citations import AUTHOR_ROLES, cited_reference
from readingroom.publish.formats import authors, dc_elements

_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def highwire(record: dict, url: str, pdf_url: str | None = None) -> list[tuple[str, str]]:
    tags = [("citation_title", record["title"])]
    tags += [("citation_author", name) for name in authors(record)]
    date = record["date"]
    if date.get("start"):
        tags.append(
            (
                "citation_date",
                date["start"].replace("-", "/") if date["start"] == date.get("end") else date["start"][:4],
            )
        )
    if record.get("archive"):
        tags.append(("citation_publisher", record["archive"]))
    if ref := cited_reference(record):
        tags.append(("citation_archive_location", ref))
    tags += [("citation_language", lang["code"]) for lang in record["original_languages"]]
    tags += [("citation_keywords", s) for s in record["subjects"]]
    tags.append(("citation_public_url", url))
    tags.append(("citation_abstract_html_url", url))
    if pdf_url:
        tags.append(("citation_pdf_url", pdf_url))
    return tags


def dublin_core(record: dict, url: str) -> list[tuple[str, str]]:
    return [(f"DC.{name}", value) for name, value in dc_elements(record, url) if value]


def meta_tags(record: dict, url: str, pdf_url: str | None = None) -> SafeString:
    """The ``<meta>`` elements (and the ``schema.DC`` link) for a document page, escaped."""
    lines = ['<link rel="schema.DC" href="http://purl.org/dc/elements/1.1/">']
    for name, content in [*highwire(record, url, pdf_url), *dublin_core(record, url)]:
        lines.append(f'<meta name="{escape(name)}" content="{escape(" ".join(str(content).split()))}">')
    return mark_safe("\n".join(lines))  # noqa: S308 - every name and value escaped above


def _person(name: str) -> dict:
    return {"@type": "Person", "name": name}


def json_ld(record: dict, url: str) -> dict:
    """schema.org ``ArchiveComponent`` for the document (the original), its translations as
    ``workTranslation``s and the holding archive as an ``ArchiveOrganization``."""
    data: dict = {
        "@context": "https://schema.org",
        "@type": "ArchiveComponent",
        "@id": url,
        "url": url,
        "identifier": record["id"],
        "name": record["title"],
    }
    if record.get("summary"):
        data["description"] = record["summary"]
    date = record["date"]
    if date.get("start"):
        data["dateCreated"] = date["start"] if date["start"] == date.get("end") else f"{date['start']}/{date['end']}"
    if record["original_languages"]:
        data["inLanguage"] = [lang["code"] for lang in record["original_languages"]]
    if names := authors(record):
        data["author"] = [_person(n) for n in names]
    others = [c["name"] for c in record["contributors"] if not set(c["roles"]) & set(AUTHOR_ROLES)]
    if others:
        data["contributor"] = [_person(n) for n in others]
    written = record["archival_reference"].get("repository") or record.get("archive")
    authority = record.get("holding_archive")
    if authority:  # the archive's authority record; the name as the source writes it is kept beside it
        site = url.split("/documents/", 1)[0]
        data["holdingArchive"] = {
            "@type": "ArchiveOrganization",
            "name": authority["name"],
            "url": site + authority["url"] if authority["url"].startswith("/") else authority["url"],
        }
        if written and written != authority["name"]:
            data["holdingArchive"]["alternateName"] = written
    elif written:
        data["holdingArchive"] = {"@type": "ArchiveOrganization", "name": written}
    if record["archival_reference"].get("text"):
        data["itemLocation"] = record["archival_reference"]["text"]
    if record.get("archive"):
        data["publisher"] = {"@type": "Organization", "name": record["archive"]}
    if record["subjects"]:
        data["about"] = record["subjects"]
    if record["places"]:
        data["spatialCoverage"] = [{"@type": "Place", "name": p["name"]} for p in record["places"]]
    if record["collections"]:
        data["isPartOf"] = [{"@type": "Collection", "name": c["title"]} for c in record["collections"]]
    translators = [c["name"] for c in record["contributors"] if "translator" in c["roles"]]
    translations = []
    for t in record["translations"]:
        work: dict = {
            "@type": "CreativeWork",
            "name": t.get("title") or record["title"],
            "inLanguage": t["language"],
            "translationOfWork": {"@id": url},
        }
        if translators:
            work["translator"] = [_person(n) for n in translators]
        translations.append(work)
    if translations:
        data["workTranslation"] = translations
    if record.get("rights"):
        data["license"] = record["rights"]
    return data


def json_ld_script(record: dict, url: str) -> SafeString:
    """The JSON-LD as a ``<script type="application/ld+json">`` element, safe against ``</script>``."""
    text = json.dumps(json_ld(record, url), ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308 - <, >, & escaped as JSON
