"""The home page: what the archive holds, and where to start."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from readingroom.documents import services


def home(request: HttpRequest, format: str | None = None) -> HttpResponse:
    overview = services.archive_overview()
    recent = services.recent_documents(10)
    if format == "json":
        return JsonResponse({**overview, "recent": recent}, json_dumps_params={"ensure_ascii": False})
    response = render(request, "web/home.html", {"overview": overview, "recent": recent})
    response["Link"] = '</.json>; rel="alternate"; type="application/json"'
    return response


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """404: JSON under ``/api/`` (what scripts expect), the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"status": 404, "message": f"nothing at {request.path}"}}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"status": 500, "message": "internal error; it has been logged"}}, status=500)
    from django.views.defaults import server_error as default

    return default(request)
