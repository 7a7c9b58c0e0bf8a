from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "readingroom.web"
    label = "web"
