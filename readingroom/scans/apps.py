from django.apps import AppConfig


class ScansConfig(AppConfig):
    name = "readingroom.scans"
    label = "scans"
    verbose_name = "Scans, OCR and IIIF"
