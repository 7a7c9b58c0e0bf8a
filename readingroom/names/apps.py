from django.apps import AppConfig


class NamesConfig(AppConfig):
    name = "readingroom.names"
    label = "names"
    verbose_name = "Names across scripts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from readingroom.names import signals  # noqa: F401  (variants follow the persons the imports store)
