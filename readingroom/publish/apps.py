from django.apps import AppConfig


class PublishConfig(AppConfig):
    name = "readingroom.publish"
    label = "publish"
    verbose_name = "Publishing: citations, exports, harvesting"
