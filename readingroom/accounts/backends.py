"""Django's model backend (PBKDF2/Argon2 hashes as configured), refusing logins for a user name or an
address that failed too often recently. Every failure is recorded; a success does not erase them."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.utils import timezone

from readingroom.accounts.models import LoginFailure


def _address(request) -> str:
    return (request.META.get("REMOTE_ADDR", "") if request is not None else "")[:100]


def locked(username: str, address: str) -> bool:
    since = timezone.now() - dt.timedelta(seconds=settings.READINGROOM_LOGIN_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(at__gte=since)
    limit = settings.READINGROOM_LOGIN_FAILURES
    return (recent.filter(username=username).count() >= limit
            or (address and recent.filter(address=address).count() >= limit * 4))


class RateLimitedModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        name = username or kwargs.get("email") or ""
        if locked(str(name)[:150], _address(request)):
            from readingroom.history.services import audit

            audit("login.refused", str(name)[:150], actor=str(name)[:150] or "anonymous", source="web",
                  address=_address(request), details={"reason": "too many failed logins"})
            raise PermissionDenied("too many failed logins; try again later")
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_login_failed)
def record_failure(sender, credentials, request=None, **kwargs) -> None:
    name = str(credentials.get("username", ""))[:150]
    LoginFailure.objects.create(username=name, address=_address(request))
    from readingroom.history.services import audit

    audit("login.failed", name, actor=name or "anonymous", source="web", address=_address(request))
