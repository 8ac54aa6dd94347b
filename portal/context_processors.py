"""Values every template needs: the neutral site name and the quick exit settings."""

from django.conf import settings

from portal.accounts.session_state import pending_step
from portal.security import idle_seconds_left


def portal(request):
    user = getattr(request, "user", None)
    return {
        # Signed in with every step passed: only then does the page offer the portal's menus.
        "fully_signed_in": bool(user and user.is_authenticated and pending_step(request) is None),
        "SITE_NAME": settings.SITE_NAME,
        "QUICK_EXIT_URL": settings.QUICK_EXIT_URL,
        "SESSION_IDLE_TIMEOUT": settings.SESSION_IDLE_TIMEOUT,
        # Activity is written down at most once a minute: the page counts from that time.
        "SESSION_IDLE_LEFT": idle_seconds_left(request) if user and user.is_authenticated else None,
        "SESSION_IDLE_WARNING": settings.SESSION_IDLE_WARNING,
        # The same limits in words, so that what the pages say follows the settings.
        "SESSION_IDLE_MINUTES": settings.SESSION_IDLE_TIMEOUT // 60,
        "SESSION_IDLE_WARNING_MINUTES": max(settings.SESSION_IDLE_WARNING // 60, 1),
    }
