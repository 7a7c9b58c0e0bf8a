"""Django's model backend (PBKDF2/Argon2 hashes as configured) behind a login throttle.

Failed logins are counted twice, separately: per user name (``READINGROOM_LOGIN_FAILURES``, default 5)
and per client address (``READINGROOM_LOGIN_ADDRESS_FAILURES``, default 20; see ``addresses`` for how the
address is found behind a proxy). When either count within the last ``READINGROOM_LOGIN_WINDOW_SECONDS``
reaches its limit, logins for that name (or from that address) are refused, without looking at the
password, until the oldest of those failures is older than the window: a lock lasts at most one window
from the failures that caused it. Attempts refused while locked are not counted (so they never extend
the lock) but are audited (``login.refused``); the failure that starts a lock is audited as
``login.locked``. The login form says "Too many attempts; try again in N minutes".
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.utils import timezone

from readingroom.accounts.addresses import client_address, throttle_key
from readingroom.accounts.models import LoginFailure
from readingroom.history.services import audit

#: set on a request whose login was refused because of a lock: when the lock ends
LOCKED_UNTIL = "_readingroom_login_locked_until"


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=settings.READINGROOM_LOGIN_WINDOW_SECONDS)


def _limits() -> tuple[int, int]:
    account = settings.READINGROOM_LOGIN_FAILURES
    return account, getattr(settings, "READINGROOM_LOGIN_ADDRESS_FAILURES", 4 * account)


def locked_until(username: str, address: str, now: dt.datetime | None = None) -> tuple[dt.datetime, str] | None:
    """When the lock on ``username`` or on the client ``address`` ends, and which it is ("account" or
    "address"); None when neither is locked."""
    now = now or timezone.now()
    window = _window()
    recent = LoginFailure.objects.filter(at__gt=now - window)
    found: tuple[dt.datetime, str] | None = None
    account_limit, address_limit = _limits()
    for scope, queryset, limit in (
        ("account", recent.filter(username=username), account_limit),
        ("address", recent.filter(address=throttle_key(address)), address_limit),
    ):
        if scope == "address" and not address or limit <= 0:
            continue
        times = list(queryset.order_by("-at").values_list("at", flat=True)[:limit])
        if len(times) >= limit:
            # below the limit again once the limit-th most recent failure has left the window
            until = times[-1] + window
            if until > now and (found is None or until > found[0]):
                found = (until, scope)
    return found


def locked(username: str, address: str) -> bool:
    return locked_until(username, address) is not None


def lock_message(until: dt.datetime, now: dt.datetime | None = None) -> str:
    minutes = max(1, math.ceil((until - (now or timezone.now())).total_seconds() / 60))
    return f"Too many attempts; try again in {minutes} minute{'s' if minutes != 1 else ''}."


class RateLimitedModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        name = str(username or kwargs.get("email") or "")[:150]
        address = client_address(request)
        lock = locked_until(name, address)
        if lock is not None:
            if request is not None:
                setattr(request, LOCKED_UNTIL, lock[0])
            audit(
                "login.refused",
                name,
                actor=name or "anonymous",
                source="web",
                address=address,
                details={"reason": "too many failed logins", "locked": lock[1], "until": lock[0].isoformat()},
            )
            raise PermissionDenied("too many failed logins; try again later")
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_login_failed)
def record_failure(sender, credentials, request=None, **kwargs) -> None:
    """Count a failed login, unless it was refused by a lock (Django reports those as failures too)."""
    if request is not None and getattr(request, LOCKED_UNTIL, None) is not None:
        return
    name = str(credentials.get("username", ""))[:150]
    address = client_address(request)

    if request is None and locked(name, address):
        return
    LoginFailure.objects.create(username=name, address=throttle_key(address))
    audit("login.failed", name, actor=name or "anonymous", source="web", address=address)
    lock = locked_until(name, address)
    if lock is not None:
        audit(
            "login.locked",
            name,
            actor=name or "anonymous",
            source="web",
            address=address,
            details={
                "locked": lock[1],
                "until": lock[0].isoformat(),
                "failures": _limits()[0 if lock[1] == "account" else 1],
                "window_seconds": settings.READINGROOM_LOGIN_WINDOW_SECONDS,
            },
        )
