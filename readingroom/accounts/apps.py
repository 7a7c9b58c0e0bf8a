from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "readingroom.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from readingroom.accounts.roles import ensure_roles

        post_migrate.connect(ensure_roles, sender=self)
