from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "readingroom.history"
    label = "history"
    verbose_name = "History: versions and audit log"

    def ready(self) -> None:
        from readingroom.history import signals  # noqa: F401  (admin writes -> audit events)
