from django.urls import path, re_path

from readingroom.api import views
from readingroom.archives import views as archives
from readingroom.documents.models import IDENTIFIER_PATTERN
from readingroom.documents.pagecache import cached_document_page
from readingroom.names.urls import api_urlpatterns as names_api
from readingroom.publish import views as publish

# the sub-resources come first: identifiers may contain "/" (a document id never ends in /cite or /export)
urlpatterns = [
    path("documents", views.documents, name="api-documents"),
    re_path(rf"^documents/(?P<doc_id>{IDENTIFIER_PATTERN})/cite$", publish.cite, name="api-document-cite"),
    re_path(
        rf"^documents/(?P<doc_id>{IDENTIFIER_PATTERN})/export$", publish.export_document, name="api-document-export"
    ),
    re_path(
        rf"^documents/(?P<doc_id>{IDENTIFIER_PATTERN})/context$",
        archives.api_document_context,
        name="api-document-context",
    ),
    # kept like the document page and its JSON twin, under the same state (never stale: pagecache's doc)
    re_path(
        rf"^documents/(?P<doc_id>{IDENTIFIER_PATTERN})$", cached_document_page(views.document), name="api-document"
    ),
    path("archives", archives.api_archives, name="api-archives"),
    # (groups named doc_id: tests/test_openapi.py reads them as the path's {id})
    re_path(r"^archives/(?P<doc_id>[a-z0-9][a-z0-9-]*)$", archives.api_archive, name="api-archive"),
    re_path(r"^levels/(?P<doc_id>[0-9]+)$", archives.api_node, name="api-archive-level"),
    path("chronology", archives.api_chronology, name="api-chronology"),
    path("search/export", publish.export_search, name="api-search-export"),
    *names_api,  # persons/<id>
    path("openapi.json", views.openapi_json, name="api-openapi"),
    path("docs", views.docs, name="api-docs"),
]
