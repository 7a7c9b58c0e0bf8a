from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "readingroom.documents"
    label = "documents"
    verbose_name = "Documents"
