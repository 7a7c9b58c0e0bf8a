"""Pages: ``/archives``, ``/archives/<id>``, ``/archives/<id>/n/<level>``, ``/chronology`` (each with ``.json``).
``readingroom/urls.py`` includes these; the API routes are in ``api/urls.py``."""

from django.urls import path, re_path

from readingroom.archives import views

ARCHIVE_ID = r"(?P<archive_id>[a-z0-9][a-z0-9-]*)"

urlpatterns = [
    path("archives", views.archives, name="archives"),
    path("archives.json", views.archives, {"format": "json"}, name="archives-json"),
    re_path(rf"^archives/{ARCHIVE_ID}\.json$", views.archive, {"format": "json"}, name="archive-json"),
    re_path(rf"^archives/{ARCHIVE_ID}$", views.archive, name="archive"),
    re_path(
        rf"^archives/{ARCHIVE_ID}/n/(?P<node_id>[0-9]+)\.json$",
        views.node,
        {"format": "json"},
        name="archive-node-json",
    ),
    re_path(rf"^archives/{ARCHIVE_ID}/n/(?P<node_id>[0-9]+)$", views.node, name="archive-node"),
    path("chronology", views.chronology, name="chronology"),
    path("chronology.json", views.chronology, {"format": "json"}, name="chronology-json"),
]
