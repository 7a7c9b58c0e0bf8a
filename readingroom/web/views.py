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
