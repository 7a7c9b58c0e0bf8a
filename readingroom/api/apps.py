from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "readingroom.api"
    label = "api"
    verbose_name = "JSON API"
