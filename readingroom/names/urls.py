"""Routes of the names app, included by readingroom/urls.py (pages) and readingroom/api/urls.py (API)."""

from django.urls import re_path

from readingroom.documents.models import IDENTIFIER_PATTERN
from readingroom.names import views

urlpatterns = [
    re_path(
        rf"^persons/(?P<person_id>{IDENTIFIER_PATTERN})\.json$", views.person, {"format": "json"}, name="person-json"
    ),
    re_path(rf"^persons/(?P<person_id>{IDENTIFIER_PATTERN})$", views.person, name="person"),
]

api_urlpatterns = [
    re_path(rf"^persons/(?P<doc_id>{IDENTIFIER_PATTERN})$", views.api_person, name="api-person"),
]
