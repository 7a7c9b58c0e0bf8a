from django.apps import AppConfig


class PreservationConfig(AppConfig):
    name = "readingroom.preservation"
    label = "preservation"
    verbose_name = "Preservation"
