"""URL map. Every page has a JSON twin: the same URL with ``.json``."""

from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path, re_path

from readingroom.documents import views as documents
from readingroom.documents.models import IDENTIFIER_PATTERN
from readingroom.publish import views as publish
from readingroom.publish.feeds import NewDocumentsFeed
from readingroom.publish.sitemaps import SITEMAPS
from readingroom.search import views as search
from readingroom.web import views as web

urlpatterns = [
    path("", web.home, name="home"),
    path(".json", web.home, {"format": "json"}, name="home-json"),
    path("documents", documents.browse, name="browse"),
    path("documents.json", documents.browse, {"format": "json"}, name="browse-json"),
    re_path(rf"^documents/(?P<doc_id>{IDENTIFIER_PATTERN})\.json$", documents.detail, {"format": "json"}, name="document-json"),
    re_path(rf"^documents/(?P<doc_id>{IDENTIFIER_PATTERN})$", documents.detail, name="document"),
    path("search", search.search_page, name="search"),
    path("search.json", search.search_page, {"format": "json"}, name="search-json"),
    path("api/search", search.api_search, name="api-search"),
    path("api/", include("readingroom.api.urls")),
    path("oai", publish.oai, name="oai"),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"}, name="sitemap"),
    path("sitemap-<section>.xml", sitemap_views.sitemap, {"sitemaps": SITEMAPS}, name="sitemap-section"),
    path("feed.atom", NewDocumentsFeed(), name="feed"),
    path("robots.txt", publish.robots, name="robots"),
    path("admin/", admin.site.urls),
]

handler404 = "readingroom.web.views.not_found"
handler500 = "readingroom.web.views.server_error"
