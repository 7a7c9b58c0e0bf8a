from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest | None) -> dict[str, Any]:
    """What every page needs: the site's name, the query for the search box (as long as a query may be), and
    the interface languages for the switch (each named in its own language)."""
    q = request.GET.get("q", "") if request is not None else ""
    return {
        "site_name": settings.READINGROOM_SITE_NAME,
        "site_q": q[: settings.READINGROOM_MAX_QUERY_LENGTH],
        "max_query_length": settings.READINGROOM_MAX_QUERY_LENGTH,
        "interface_languages": settings.LANGUAGES,
    }
