"""Publishing services shared by the pages, the JSON API, OAI-PMH and the CLI."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from django.conf import settings
from django.http import HttpRequest

from readingroom.publish import citations as cit
from readingroom.publish import formats
from readingroom.records.queries import get_document
from readingroom.records.serialise import document_record, iter_records_by_ids
from readingroom.search import services as search

DEFAULT_BASE_URL = "http://localhost:8000"


def base_url(request: HttpRequest | None = None) -> str:
    """Scheme and host of permanent URLs: ``READINGROOM_BASE_URL`` when set (what a deployment behind
    a proxy should set), else the host the request came to, else ``http://localhost:8000``."""
    configured = getattr(settings, "READINGROOM_BASE_URL", "")
    if configured:
        return configured.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return DEFAULT_BASE_URL


def permanent_url(record: dict, base: str) -> str:
    return base + record["url"]


def document_citations(record: dict, base: str) -> dict[str, dict]:
    """Every citation style for a record (see :func:`readingroom.publish.citations.citations`)."""
    return cit.citations(record, permanent_url(record, base))


def cite(identifier: str, style: str, base: str) -> dict:
    """:raises DocumentNotFound, citations.UnknownStyle:"""
    if style not in cit.STYLE_LABELS:
        raise cit.UnknownStyle(f"style must be one of {', '.join(cit.STYLE_LABELS)}, not {style!r}")
    record = document_record(get_document(identifier))
    return cit.cite(record, permanent_url(record, base), style)


def export_links(record: dict) -> dict[str, str]:
    api = f"/api/documents/{record['id']}"
    return {name: f"{api}/export?format={name}" for name in formats.FORMATS}


#: what the document JSON adds to the record (absolute links and citations for this site)
PUBLIC_EXTRAS = ("iiif_manifest", "pdf", "permanent_url", "citations", "exports")


def public_document(record: dict, base: str) -> dict:
    """The document JSON of the API and the page's ``.json`` twin: the record plus how to cite and
    download it."""
    extra = {}
    if record.get("pages"):
        extra["iiif_manifest"] = f"{base}/iiif/presentation/{record['id']}/manifest"
    return {
        **record,
        **extra,
        "pdf": f"{base}{record['url']}.pdf",
        "permanent_url": permanent_url(record, base),
        "citations": {style: c["text"] for style, c in document_citations(record, base).items()},
        "exports": export_links(record),
    }


def export_document(identifier: str, format_name: str | None, base: str) -> tuple[formats.Format, str]:
    """One document in an export format.

    :raises DocumentNotFound, formats.UnknownFormat:
    """
    fmt = formats.get_format(format_name)
    record = document_record(get_document(identifier))
    return fmt, formats.render_one(fmt, record, permanent_url(record, base))


def export_search(params: Mapping, format_name: str | None, base: str) -> tuple[formats.Format, Iterator[str]]:
    """Every result of a search (the parameters of ``/api/search``) in an export format, streamed: records
    are read 200 at a time, so memory does not grow with the result set.

    :raises InvalidQuery, formats.UnknownFormat: before anything is produced
    """
    fmt = formats.get_format(format_name)
    ids = search.iter_result_ids(params)
    records = iter_records_by_ids(ids)
    return fmt, formats.stream(fmt, ((r, permanent_url(r, base)) for r in records))
