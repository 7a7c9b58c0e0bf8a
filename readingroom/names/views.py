"""``/persons/<id>`` (with ``/persons/<id>.json``) and ``/api/persons/<id>``: a person's names in every script and
the published documents that name or mention them (read from the search index)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from readingroom.documents.models import Person
from readingroom.names.persons import person_record
from readingroom.web.http import api_view, error


def _person(person_id: str) -> Person:
    try:
        return Person.objects.get(identifier=person_id)
    except Person.DoesNotExist:
        raise Http404(f"no person {person_id}") from None


@require_safe
def person(request: HttpRequest, person_id: str, format: str = "html") -> HttpResponse:
    record = person_record(_person(person_id))
    if format == "json":
        return JsonResponse(record, json_dumps_params={"ensure_ascii": False})
    by_script: dict[str, list[dict]] = {}
    for v in record["variants"]:
        by_script.setdefault(v["script"], []).append(v)
    return render(request, "names/person.html", {"person": record, "by_script": by_script, "scripts": SCRIPT_LABELS})


SCRIPT_LABELS = {"Latn": "Latin", "Cyrl": "Cyrillic", "Hani": "Chinese characters", "Zyyy": "Other"}


@api_view
def api_person(request: HttpRequest, doc_id: str) -> HttpResponse:
    """The API form (the route's group is named ``doc_id`` as every identifier route of the API is)."""
    try:
        p = Person.objects.get(identifier=doc_id)
    except Person.DoesNotExist:
        return error(404, f"no person {doc_id}")
    return JsonResponse(person_record(p), json_dumps_params={"ensure_ascii": False})
