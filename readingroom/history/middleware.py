"""Keeps the request at hand for audit events written while it is served; adds the security headers
Django does not (Content-Security-Policy, Permissions-Policy)."""

from __future__ import annotations

from django.conf import settings

from readingroom.accounts.acting import current_request


class HistoryMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)


class SecurityHeadersMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.csp = settings.READINGROOM_CSP

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.csp)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
