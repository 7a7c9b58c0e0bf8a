from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "readingroom.ingest"
    label = "ingest"
    verbose_name = "Import"
