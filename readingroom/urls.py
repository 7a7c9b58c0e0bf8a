"""URL map. Every page has a JSON twin: the same URL with ``.json``."""

from django.contrib import admin
from django.urls import include, path, re_path

from readingroom.documents import views as documents
from readingroom.documents.models import IDENTIFIER_PATTERN
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
    path("admin/", admin.site.urls),
]
