from django.apps import AppConfig

from readingroom.records.seeding import seed_after_migrate


class NamesConfig(AppConfig):
    name = "readingroom.names"
    label = "names"
    verbose_name = "Names across scripts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # deferred: AppConfig.ready: the app registry is ready only now, and Django imports apps.py before it is
        from readingroom.names import signals  # noqa: F401  (variants follow the persons the imports store)

        # the curated names the database lacks (readingroom/names/seeddata.py)
        seed_after_migrate(self, "SeedName", "readingroom.names.seeddata.seed")
