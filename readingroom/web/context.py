from django.conf import settings


def site(request):
    return {"site_name": settings.READINGROOM_SITE_NAME}
