"""``/feed.atom``: the newest published documents, through Django's syndication framework."""

from __future__ import annotations

import re
from typing import overload

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed

from readingroom.documents import models as m
from readingroom.publish.services import base_url
from readingroom.records.queries import published, related, with_relations

FEED_SIZE = 50
#: Characters XML 1.0 cannot carry (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF). Imports refuse
#: them now, but records stored before may hold them; the feed drops them rather than answer 500.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@overload
def xml_safe(text: str) -> str: ...
@overload
def xml_safe(text: None) -> None: ...
@overload
def xml_safe(text: str | None) -> str | None: ...
def xml_safe(text: str | None) -> str | None:
    """``text`` without the characters XML 1.0 cannot carry."""
    return _XML_ILLEGAL.sub("", text) if text else text


class NewDocumentsFeed(Feed):
    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        self.base = base_url(request)
        return super().__call__(request, *args, **kwargs)

    def title(self) -> str:
        return xml_safe(f"{settings.READINGROOM_SITE_NAME}: newly published documents")

    def subtitle(self) -> str:
        return "The documents most recently published in the archive."

    def link(self) -> str:
        return self.base + "/documents"

    def feed_url(self) -> str:
        return self.base + "/feed.atom"

    def items(self):
        qs = published().filter(published_at__isnull=False).order_by("-published_at", "-pk")
        return with_relations(qs)[:FEED_SIZE]

    def item_title(self, doc: m.Document) -> str:
        return xml_safe(doc.title)

    def item_description(self, doc: m.Document) -> str:
        parts = [doc.date_display, doc.summary]
        return xml_safe(" — ".join(p for p in parts if p))

    def item_link(self, doc: m.Document) -> str:
        return self.base + doc.get_absolute_url()

    def item_guid(self, doc: m.Document) -> str:
        return self.base + doc.get_absolute_url()

    def item_pubdate(self, doc: m.Document):
        return doc.published_at

    def item_updateddate(self, doc: m.Document):
        return doc.updated_at

    def item_author_name(self, doc: m.Document) -> str | None:
        names = [c.name for c in related(doc, "contributors")]
        return xml_safe(", ".join(names) or doc.archive) or None

    def item_categories(self, doc: m.Document) -> list[str]:
        return [xml_safe(ds.subject.name) for ds in related(doc, "documentsubject_set")]
