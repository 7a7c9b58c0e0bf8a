"""The login form (the admin's): a refused login because of the throttle says so, with when to retry,
instead of "wrong password"."""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from readingroom.accounts.addresses import client_address
from readingroom.accounts.backends import LOCKED_UNTIL, lock_message, locked_until


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    def clean(self):
        try:
            return super().clean()
        except ValidationError as exc:
            if getattr(exc, "code", None) != "invalid_login":
                raise
            until = getattr(self.request, LOCKED_UNTIL, None) if self.request is not None else None
            if until is None:
                # this failure may be the one that started a lock: say so now
                lock = locked_until(str(self.cleaned_data.get("username") or "")[:150], client_address(self.request))
                until = lock[0] if lock else None
            if until is None:
                raise
            raise ValidationError(lock_message(until), code="locked") from None
