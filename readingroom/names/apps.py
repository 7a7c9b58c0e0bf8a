from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, router
from django.db.models.signals import post_migrate


def ensure_seed_names(sender, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs) -> None:
    """After ``migrate`` and ``flush``: the curated names the database lacks (readingroom/names/seeddata.py)."""
    # deferred: the seed module reads the models, which apps.py is imported before
    from readingroom.names.seeddata import seed

    try:
        model = apps.get_model("names", "SeedName")
    except LookupError:  # the app's tables are not made (yet)
        return
    if router.allow_migrate_model(using, model):
        seed(apps, using)


class NamesConfig(AppConfig):
    name = "readingroom.names"
    label = "names"
    verbose_name = "Names across scripts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # deferred: AppConfig.ready: the app registry is ready only now, and Django imports apps.py before it is
        from readingroom.names import signals  # noqa: F401  (variants follow the persons the imports store)

        post_migrate.connect(ensure_seed_names, sender=self)
