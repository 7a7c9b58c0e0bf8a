"""Pages and JSON for archives, the hierarchy and the chronology (each page has a ``.json`` twin), and the
API routes (``/api/archives``, ``/api/archives/<id>``, ``/api/archives/<id>/levels/<n>``, ``/api/chronology``,
``/api/documents/<id>/context``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from readingroom.archives import services
from readingroom.archives.models import Node
from readingroom.documents.pagecache import cached_archive_page
from readingroom.records.params import InvalidQuery
from readingroom.records.queries import DocumentNotFound, get_document
from readingroom.web.http import api_view


def _json(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _error(status: int, message: str) -> JsonResponse:
    return _json({"error": {"status": status, "message": message}}, status)


def _page(request, template: str, context: dict, json_url: str, status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    response["Link"] = f'<{json_url}>; rel="alternate"; type="application/json"'
    return response


def _run(request, format, template, json_url, call, name="data"):
    try:
        data = call()
    except services.ArchiveNotFound as exc:
        if format == "json":
            return _error(404, str(exc))
        return render(request, "archives/error.html", {"error": str(exc)}, status=404)
    except InvalidQuery as exc:
        if format == "json":
            return _error(400, str(exc))
        return render(request, "archives/error.html", {"error": str(exc)}, status=400)
    if format == "json":
        return _json(data)
    return _page(request, template, {name: data, "query": request.GET.urlencode()}, json_url)


@cached_archive_page
def archives(request: HttpRequest, format: str | None = None) -> HttpResponse:
    return _run(request, format, "archives/list.html", "/archives.json", services.list_archives)


@cached_archive_page
def archive(request: HttpRequest, archive_id: str, format: str | None = None) -> HttpResponse:
    return _run(
        request,
        format,
        "archives/archive.html",
        f"/archives/{archive_id}.json",
        lambda: services.archive_detail(archive_id, request.GET.get("page"), request.GET.get("per_page")),
    )


@cached_archive_page
def node(request: HttpRequest, archive_id: str, node_id: str, format: str | None = None) -> HttpResponse:
    return _run(
        request,
        format,
        "archives/node.html",
        f"/archives/{archive_id}/n/{node_id}.json",
        lambda: services.node_detail(archive_id, node_id, request.GET.get("page"), request.GET.get("per_page")),
    )


def chronology(request: HttpRequest, format: str | None = None) -> HttpResponse:
    json_url = "/chronology.json" + (f"?{request.GET.urlencode()}" if request.GET else "")
    return _run(request, format, "archives/chronology.html", json_url, lambda: services.chronology(request.GET))


# ---------------------------------------------------------------- API
@api_view
def api_archives(request: HttpRequest) -> HttpResponse:
    return archives(request, "json")


@api_view
def api_archive(request: HttpRequest, doc_id: str) -> HttpResponse:
    return archive(request, doc_id, "json")


@api_view
def api_node(request: HttpRequest, doc_id: str) -> HttpResponse:
    """A level by its id alone (``levels[].id``; ids are unique across archives)."""
    identifier = Node.objects.filter(pk=int(doc_id[:10])).values_list("archive__identifier", flat=True).first()
    if identifier is None:
        return _error(404, f"no level {doc_id}")
    return node(request, identifier, doc_id, "json")


@api_view
def api_chronology(request: HttpRequest) -> HttpResponse:
    return chronology(request, "json")


@api_view
def api_document_context(request: HttpRequest, doc_id: str) -> HttpResponse:
    """Where a published document sits, its neighbours, the documents of its days, its typed links."""
    try:
        doc = get_document(doc_id)
    except DocumentNotFound as exc:
        status = 410 if exc.__class__.__name__ == "DocumentWithdrawn" else 404
        return _error(status, str(exc))
    return _json({"id": doc.identifier, **services.archival_context(doc)})
