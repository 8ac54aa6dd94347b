"""Values every template needs: the neutral site name and the quick exit settings."""

from django.conf import settings


def portal(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "QUICK_EXIT_URL": settings.QUICK_EXIT_URL,
        "SESSION_IDLE_TIMEOUT": settings.SESSION_IDLE_TIMEOUT,
        "SESSION_IDLE_WARNING": settings.SESSION_IDLE_WARNING,
    }
