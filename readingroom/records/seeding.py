"""Rows an archive always starts with (the seeded authorities, the curated names): stored by a data migration and
again after every ``migrate`` and ``flush``, as ``django.contrib.sites`` keeps its default site, so an archive
emptied by ``flush`` (and a test database after a transactional test) has them again."""

from __future__ import annotations

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, router
from django.db.models.signals import post_migrate
from django.utils.module_loading import import_string


def seed_after_migrate(app_config: AppConfig, model: str, seed: str) -> None:
    """After ``app_config``'s ``migrate`` and every ``flush``: call ``seed(apps, using)`` (a dotted path, imported
    then: a seed module reads the models, which an app's ``apps.py`` is imported before) when the migrated
    state has ``model`` ("Model" of this app) and the database router lets it be written there."""

    def receiver(sender, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs) -> None:
        try:
            found = apps.get_model(app_config.label, model)
        except LookupError:  # the app's tables are not made (yet)
            return
        if router.allow_migrate_model(using, found):
            import_string(seed)(apps, using)

    post_migrate.connect(receiver, sender=app_config, weak=False, dispatch_uid=f"seed:{app_config.label}")
