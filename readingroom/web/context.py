from django.conf import settings


def site(request):
    """What every page needs: the site's name, and the query for the search box (as long as a query may be)."""
    q = request.GET.get("q", "") if request is not None else ""
    return {"site_name": settings.READINGROOM_SITE_NAME,
            "site_q": q[:settings.READINGROOM_MAX_QUERY_LENGTH],
            "max_query_length": settings.READINGROOM_MAX_QUERY_LENGTH}
