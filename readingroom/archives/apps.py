from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, router
from django.db.models.signals import post_migrate


def ensure_authorities(sender, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs) -> None:
    """After ``migrate`` and ``flush``: the seed authorities the database lacks (readingroom/archives/seeddata.py)."""
    # deferred: the seed module reads the models, which apps.py is imported before
    from readingroom.archives.seeddata import seed

    try:
        model = apps.get_model("archives", "Archive")
    except LookupError:  # the app's tables are not made (yet)
        return
    if router.allow_migrate_model(using, model):
        seed(apps, using)


class ArchivesConfig(AppConfig):
    name = "readingroom.archives"
    label = "archives"
    verbose_name = "Archives, hierarchy and links"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        post_migrate.connect(ensure_authorities, sender=self)
