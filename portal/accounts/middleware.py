"""The gates in front of signed-in pages: the second step, and the staff areas (the Wagtail
admin and Django's admin)."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from portal.security import activity_recorded

from .permissions import DJANGO_ADMIN_PREFIX, WAGTAIL_ADMIN_PREFIX, staff_area_check
from .services.sessions import session_rekey, session_touch
from .session_state import pending_step

# The admins' own sign-in and sign-out addresses only redirect to the portal's pages.
OPEN_PATHS = (f"{WAGTAIL_ADMIN_PREFIX}login/", f"{WAGTAIL_ADMIN_PREFIX}logout/", f"{DJANGO_ADMIN_PREFIX}login/")
# Not served to anyone, administrators included: each would let an insider into an account.
# Wagtail's user management sets passwords and addresses, and its bulk actions on users close
# or delete accounts unrecorded; Django's admin changes its user's own password without the
# reauthentication and the notice every change of password has (docs/administrators.md).
CLOSED_PREFIXES = (
    f"{WAGTAIL_ADMIN_PREFIX}users/",
    f"{WAGTAIL_ADMIN_PREFIX}bulk/accounts/user/",
    f"{DJANGO_ADMIN_PREFIX}password_change/",
)


class StaffAreaMiddleware:
    """Anonymous visitors are sent to the portal's sign-in; wrong roles get a 403; the closed
    addresses are not found, for everybody."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(CLOSED_PREFIXES):
            raise Http404
        check = None if request.path in OPEN_PATHS else staff_area_check(request.path)
        if check is not None:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if not check(request.user):
                raise PermissionDenied
        return self.get_response(request)


class TwoStepMiddleware:
    """Until a session passes the second step, it reaches nothing but the second step.

    After the password, someone with two-step sign-in turned on is sent to enter a code, and
    staff who have not set it up yet are sent to set it up: before any signed-in page, the
    Wagtail admin and Django's admin included. Only the pages needed to finish (or abandon)
    signing in stay open.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified():
            step = pending_step(request)
            if step is not None and request.path not in {reverse(name) for name in step.open_url_names}:
                return redirect_to_login(request.get_full_path(), reverse(step.url_name))
        return self.get_response(request)


class SignedInSessionMiddleware:
    """Keeps each signed-in session's row current: when it was last used (in the request that
    writes the session's activity down, at most once a minute), and under which key.

    Comes after TwoStepMiddleware: a session that still owes the second step is not signed in
    yet, so it gets no row.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session_key = None
        touched = False
        if request.user.is_authenticated and pending_step(request) is None:
            session_key = request.session.session_key
            # Before the view, so that the page listing sessions shows this one's row.
            touched = self._touch_if_active(request, session_key)
        response = self.get_response(request)
        if not (session_key and request.user.is_authenticated):
            return response
        # A view may give the session a new key (a password change, a step up in trust): the
        # row follows it, or the session would drop out of its owner's list.
        new_key = request.session.session_key
        if new_key and new_key != session_key:
            session_rekey(old_session_key=session_key, new_session_key=new_key)
        if not touched:
            self._touch_if_active(request, new_key)  # the keep-alive writes activity in its view
        return response

    @staticmethod
    def _touch_if_active(request, session_key: str | None) -> bool:
        if not activity_recorded(request):
            return False
        session_touch(user=request.user, session_key=session_key, user_agent=request.META.get("HTTP_USER_AGENT", ""))
        return True
