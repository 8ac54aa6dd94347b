"""Response headers, no-store for signed-in pages, session timeouts, the admin's CSP, and the
Clear-Site-Data a browser is sent when a session ends."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.csp import CSP

from portal import crypto
from portal.accounts.permissions import WAGTAIL_ADMIN_PREFIX, can_use_wagtail_admin

# Everything this site left in the browser: cached pages (so Back shows nothing), cookies and
# storage. A browser that does not know the header ignores it; the session ends on the server anyway.
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'

# In Wagtail's preview addresses (pages and snippets, on adding and editing) and no others.
ADMIN_PREVIEW = "/preview/"

SESSION_STARTED_KEY = "portal_started_at"
SESSION_LAST_SEEN_KEY = "portal_last_seen_at"

# Activity is written down at most once a minute, so that reading a page writes nothing most of
# the time. The idle limit runs from the time written down, so a session can end up to a minute
# before the limit after its very last page; every page says how long it has left
# (idle_seconds_left), so its warning and its reload keep to the server's clock.
ACTIVITY_RESOLUTION = 60  # seconds
_ACTIVITY_RECORDED = "portal_activity_recorded"


def activity_record(request, now: float | None = None) -> None:
    """Write down that the session is in use now (the keep-alive does so every time; pages at
    most once a minute, through SessionTimeoutMiddleware)."""
    request.session[SESSION_LAST_SEEN_KEY] = time.time() if now is None else now
    setattr(request, _ACTIVITY_RECORDED, True)


def activity_recorded(request) -> bool:
    """Whether this request wrote down the session's activity, so that what else is kept per
    session (its row in the list of signed-in sessions) can follow in the same request."""
    return getattr(request, _ACTIVITY_RECORDED, False)


def idle_seconds_left(request) -> int:
    """How long this session has before the idle limit ends it, by the time written down."""
    last_seen = request.session.get(SESSION_LAST_SEEN_KEY, time.time())
    return max(int(settings.SESSION_IDLE_TIMEOUT - (time.time() - last_seen)), 0)


def location_allowed(response: HttpResponse) -> HttpResponse:
    """Let this one page ask for the device's location (from this site only, and only when the
    person taps the button that asks); every other page keeps ``geolocation=()``."""
    response["Permissions-Policy"] = settings.PERMISSIONS_POLICY.replace("geolocation=()", "geolocation=(self)")
    return response


def forget_site_data(response: HttpResponse) -> HttpResponse:
    """Ask the browser to drop all it holds for this site (on signing out and the quick exit)."""
    response["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set, and the Wagtail admin's own CSP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if self._in_wagtail_admin(request):
            if not hasattr(response, "_csp_config"):
                response._csp_config = settings.WAGTAIL_ADMIN_CSP
            if ADMIN_PREVIEW in request.path:
                self._framed_by_this_site_only(response)
        return response

    @staticmethod
    def _framed_by_this_site_only(response) -> None:
        # The editor's preview panel shows the page in a frame of the editor itself, so a preview
        # may be framed, by this site and no other. Wagtail serves a previewed page as its public
        # address would be served, its strict policy already in the headers: that policy stays,
        # but for the framing.
        if "Content-Security-Policy" in response:
            del response["Content-Security-Policy"]
            response._csp_config = settings.SECURE_CSP
        response._csp_config = {**response._csp_config, "frame-ancestors": [CSP.SELF]}
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")

    @staticmethod
    def _in_wagtail_admin(request) -> bool:
        # Only the people the admin is for get its looser policy: anyone else who lands on an
        # /admin/ address is shown a portal page (a 403, a redirect) under the strict one.
        user = getattr(request, "user", None)
        return request.path.startswith(WAGTAIL_ADMIN_PREFIX) and user is not None and can_use_wagtail_admin(user)


class NoStoreMiddleware:
    """Nothing shown to a signed-in person may be kept by the browser or a proxy.

    After a quick exit or sign-out, Back and the cache must show nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
            patch_vary_headers(response, ["Cookie"])
        return response


class SessionTimeoutMiddleware:
    """Sign a person out after a spell of inactivity, and after an absolute lifetime.

    The page warns before the idle limit (see static/portal/session.js); any request,
    including the keep-alive that typing in a form sends, counts as activity, written down at
    most once a minute (ACTIVITY_RESOLUTION).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.setdefault(SESSION_STARTED_KEY, now)
            last_seen = session.get(SESSION_LAST_SEEN_KEY, now)
            if now - started > settings.SESSION_COOKIE_AGE:
                hours = max(settings.SESSION_COOKIE_AGE // 3600, 1)
                lifetime = f"{hours} hours" if hours != 1 else "an hour"
                reason = f"For your privacy, everyone is signed out {lifetime} after signing in."
            elif now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                reason = "You were signed out because nothing happened for a while."
            else:
                if SESSION_LAST_SEEN_KEY not in session or now - last_seen >= ACTIVITY_RESOLUTION:
                    activity_record(request, now)
                return self.get_response(request)
            logout(request)
            # A quick exit after a long pause must still go to the neutral site, never to
            # the portal's sign-in page.
            if request.path == reverse("quick_exit"):
                return self.get_response(request)
            messages.info(request, f"{reason} Please sign in again to carry on.")
            return redirect(reverse("account_login"))
        return self.get_response(request)


class KeyScopeMiddleware:
    """Each member's data key is unwrapped at most once per request, and forgotten after it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with crypto.key_scope():
            return self.get_response(request)
