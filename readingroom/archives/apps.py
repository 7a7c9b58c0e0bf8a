from django.apps import AppConfig


class ArchivesConfig(AppConfig):
    name = "readingroom.archives"
    label = "archives"
    verbose_name = "Archives, hierarchy and links"
    default_auto_field = "django.db.models.AutoField"
