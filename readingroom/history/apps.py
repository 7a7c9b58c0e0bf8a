from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "readingroom.history"
    label = "history"
    verbose_name = "History: versions and audit log"

    def ready(self) -> None:
        # deferred: AppConfig.ready: the app registry is ready only now, and Django imports apps.py before it is
        from readingroom.history import signals  # noqa: F401  (admin writes -> audit events)
