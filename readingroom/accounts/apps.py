from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.db.models.signals import post_migrate

from readingroom.accounts.addresses import _trusted


class AccountsConfig(AppConfig):
    name = "readingroom.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        # deferred: AppConfig.ready: the app registry is ready only now, and Django imports apps.py before it is
        from django.contrib import admin

        from readingroom.accounts import backends  # noqa: F401  (connects the failed-login receiver)
        from readingroom.accounts.forms import ThrottledAdminAuthenticationForm
        from readingroom.accounts.roles import ensure_roles

        post_migrate.connect(ensure_roles, sender=self)
        try:
            _trusted()
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"READINGROOM_TRUSTED_PROXIES: {exc} (a number, or IP addresses/networks separated by commas)"
            ) from None
        # the admin's login page says when a login is refused because of too many attempts
        admin.site.login_form = ThrottledAdminAuthenticationForm
