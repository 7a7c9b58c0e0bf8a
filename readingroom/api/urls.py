from django.urls import path, re_path

from readingroom.api import views
from readingroom.documents.models import IDENTIFIER_PATTERN

urlpatterns = [
    path("documents", views.documents, name="api-documents"),
    re_path(rf"^documents/(?P<doc_id>{IDENTIFIER_PATTERN})$", views.document, name="api-document"),
]
