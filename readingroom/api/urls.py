from django.urls import path, re_path

from readingroom.api import views
from readingroom.documents.models import IDENTIFIER_PATTERN
from readingroom.publish import views as publish

# the sub-resources come first: identifiers may contain "/" (a document id never ends in /cite or /export)
urlpatterns = [
    path("documents", views.documents, name="api-documents"),
    re_path(rf"^documents/(?P<doc_id>{IDENTIFIER_PATTERN})/cite$", publish.cite, name="api-document-cite"),
    re_path(rf"^documents/(?P<doc_id>{IDENTIFIER_PATTERN})/export$", publish.export_document, name="api-document-export"),
    re_path(rf"^documents/(?P<doc_id>{IDENTIFIER_PATTERN})$", views.document, name="api-document"),
    path("search/export", publish.export_search, name="api-search-export"),
    path("openapi.json", views.openapi_json, name="api-openapi"),
    path("docs", views.docs, name="api-docs"),
]
