"""``/sitemap.xml``: Django's sitemap index over sections split into pages of 10,000 URLs."""

from __future__ import annotations

from urllib.parse import urlparse

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator

from readingroom.documents import models as m
from readingroom.records.queries import published


class BaseURLSitemap(Sitemap):
    """URLs on ``READINGROOM_BASE_URL`` when it is set, else on the host the request came to."""

    def get_urls(self, page=1, site=None, protocol=None):
        if settings.READINGROOM_BASE_URL:
            parsed = urlparse(settings.READINGROOM_BASE_URL)
            site = type("BaseSite", (), {"domain": parsed.netloc + parsed.path.rstrip("/"), "name": parsed.netloc})()
            protocol = parsed.scheme
        return super().get_urls(page=page, site=site, protocol=protocol)


class DocumentSitemap(BaseURLSitemap):
    limit = 10_000
    changefreq = "monthly"

    def items(self):
        # a page walks the primary key and tests each row's state (see records.queries.in_states_by_row)
        return published(by_row=True).order_by("pk").only("identifier", "updated_at")

    @property
    def paginator(self):
        pages = Paginator(self.items(), self.limit)
        pages.count = published().count()  # counted on the state index, not by testing every row
        return pages

    def location(self, doc: m.Document) -> str:
        return doc.get_absolute_url()

    def lastmod(self, doc: m.Document):
        return doc.updated_at

    def get_latest_lastmod(self):
        # Django's default calls lastmod() on every item; one aggregate does it at any size
        # the newest change first along doc_by_updated, stopping at the first published document
        return published(by_row=True).order_by("-updated_at").values_list("updated_at", flat=True).first()


class PageSitemap(BaseURLSitemap):
    changefreq = "daily"

    def items(self):
        return ["/", "/documents"]

    def location(self, item: str) -> str:
        return item


SITEMAPS = {"pages": PageSitemap, "documents": DocumentSitemap}
