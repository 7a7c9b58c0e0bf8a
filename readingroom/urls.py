"""URL map. Every page has a JSON twin: the same URL with ``.json``."""

from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path, re_path

from readingroom.documents import views as documents
from readingroom.documents.models import IDENTIFIER_PATTERN
from readingroom.documents.pagecache import cached_document_page
from readingroom.history import views as history
from readingroom.publish import views as publish
from readingroom.publish.feeds import NewDocumentsFeed
from readingroom.publish.sitemaps import SITEMAPS
from readingroom.scans import views as scans
from readingroom.scans.images import IDENTIFIER as IIIF_ID
from readingroom.search import views as search
from readingroom.web import views as web

urlpatterns = [
    path("", web.home, name="home"),
    path(".json", web.home, {"format": "json"}, name="home-json"),
    path("documents", documents.browse, name="browse"),
    path("documents.json", documents.browse, {"format": "json"}, name="browse-json"),
    re_path(
        rf"^documents/(?P<doc_id>{IDENTIFIER_PATTERN})\.json$",
        cached_document_page(documents.detail),
        {"format": "json"},
        name="document-json",
    ),
    re_path(rf"^documents/(?P<doc_id>{IDENTIFIER_PATTERN})\.pdf$", scans.pdf, name="document-pdf"),
    # a document id never ends in /history, /compare or /versions/<n>
    re_path(
        rf"^documents/(?P<doc_id>{IDENTIFIER_PATTERN})/text/(?P<number>[0-9]+)\.txt$",
        documents.text_plain,
        name="document-text",
    ),
    re_path(
        rf"^documents/(?P<doc_id>{IDENTIFIER_PATTERN})/compare$",
        cached_document_page(documents.compare),
        name="document-compare",
    ),
    re_path(rf"^documents/(?P<doc_id>{IDENTIFIER_PATTERN})/history$", history.history, name="document-history"),
    re_path(
        rf"^documents/(?P<doc_id>{IDENTIFIER_PATTERN})/versions/(?P<number>[0-9]+)$",
        history.version,
        name="document-version",
    ),
    re_path(rf"^documents/(?P<doc_id>{IDENTIFIER_PATTERN})$", cached_document_page(documents.detail), name="document"),
    path("language", web.set_language, name="set-language"),
    path("search", search.search_page, name="search"),
    path("search.json", search.search_page, {"format": "json"}, name="search-json"),
    path("api/search", search.api_search, name="api-search"),
    path("api/", include("readingroom.api.urls")),
    path("", include("readingroom.names.urls")),  # /persons/<id> and /persons/<id>.json
    path("oai", publish.oai, name="oai"),
    path("", include("readingroom.archives.urls")),
    re_path(rf"^iiif/image/(?P<iiif_id>{IIIF_ID})$", scans.image_base, name="iiif-image-base"),
    re_path(rf"^iiif/image/(?P<iiif_id>{IIIF_ID})/info\.json$", scans.image_info, name="iiif-info"),
    re_path(
        rf"^iiif/image/(?P<iiif_id>{IIIF_ID})/(?P<region>[^/]+)/(?P<size>[^/]+)/(?P<rotation>[^/]+)/"
        r"(?P<quality>[^/.]+)\.(?P<fmt>[^/.]+)$",
        scans.image,
        name="iiif-image",
    ),
    re_path(
        rf"^iiif/presentation/(?P<doc_id>{IDENTIFIER_PATTERN})/manifest$", scans.presentation, name="iiif-manifest"
    ),
    re_path(rf"^iiif/search/(?P<doc_id>{IDENTIFIER_PATTERN})$", scans.content_search, name="iiif-search"),
    re_path(rf"^iiif/ocr/(?P<doc_id>{IDENTIFIER_PATTERN})/p(?P<position>[0-9]+)\.hocr$", scans.hocr, name="iiif-hocr"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path("sitemap-<section>.xml", sitemap_views.sitemap, {"sitemaps": SITEMAPS}, name="sitemap-section"),
    path("feed.atom", NewDocumentsFeed(), name="feed"),
    path("robots.txt", publish.robots, name="robots"),
    path("admin/", admin.site.urls),
]

handler404 = "readingroom.web.views.not_found"
handler500 = "readingroom.web.views.server_error"
