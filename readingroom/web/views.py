"""The home page: what the archive holds, and where to start."""

from __future__ import annotations

from typing import Literal, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.defaults import page_not_found
from django.views.defaults import server_error as default

from readingroom.documents import services
from readingroom.web.charts import year_bars
from readingroom.web.http import error, link_json_twin


def home(request: HttpRequest, format: str | None = None) -> HttpResponse:
    overview = services.archive_overview()
    recent = services.recent_documents(10)
    if format == "json":
        return JsonResponse({**overview, "recent": recent}, json_dumps_params={"ensure_ascii": False})

    chart = year_bars(
        ((y["year"], y["count"]) for y in overview.get("years") or []),
        lambda first, last: f"/search?date_from={first}&date_to={last}",
    )
    response = render(request, "web/home.html", {"overview": overview, "recent": recent, "holdings_chart": chart})
    return link_json_twin(response, "/.json")


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """404: JSON under ``/api/`` (what scripts expect), the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return error(404, f"nothing at {request.path}")

    return page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return error(500, "internal error; it has been logged")

    return default(request)


def set_language(request: HttpRequest) -> HttpResponse:
    """``/language?language=sq&next=/documents/x``: remember the reader's interface language (the only view that
    sets the language cookie) and go back. A language the site does not speak falls back to English."""
    code = (request.GET.get("language") or request.POST.get("language") or "").strip().lower()
    known = {c for c, _ in settings.LANGUAGES}
    if code not in known:
        code = settings.LANGUAGE_CODE
    next_url = request.GET.get("next") or request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) or not next_url.startswith("/"):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path="/",
        # django-stubs types the setting as str; it holds "Lax" (settings.py), and set_cookie checks the value
        samesite=cast(Literal["Lax", "Strict", "None"], settings.LANGUAGE_COOKIE_SAMESITE),
        secure=request.is_secure(),
    )
    response["Cache-Control"] = "no-store"
    return response
