"""Recent reauthentication: the one guard in front of every change of control.

Someone holding a member's unlocked, signed-in phone for a minute must not be able to change
who controls the account or where its data goes: the email address, the password, two-step
sign-in, destroying records, account deletion, sharing. Each such page first asks again for
the password and, when two-step sign-in is on, a current code. The confirmation lasts a few
minutes (REAUTHENTICATION_MINUTES), for this session only. Signing in does not count: the
phone may be picked up just after its owner signed in. The one exception is staff setting up
two-step sign-in straight after the password, before they can reach anything else.
"""

import time
from functools import wraps

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import resolve_url
from django.urls import reverse

SESSION_KEY = "reauthenticated_at"


def reauth_record(request) -> None:
    """This session has just shown the password (and code, when two-step sign-in is on)."""
    request.session[SESSION_KEY] = time.time()


def recently_reauthenticated(request) -> bool:
    at = request.session.get(SESSION_KEY)
    if not isinstance(at, int | float):
        return False
    return 0 <= time.time() - at <= settings.REAUTHENTICATION_MINUTES * 60


def reauthentication_required(view):
    """Send a session that has not recently confirmed it is its owner to do so first.

    Comes after the view's own role check, so that someone who may not use the page at all is
    told so before being asked for their password. A form posted without a recent confirmation
    changes nothing: the person confirms, then sees the page again.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
        if not recently_reauthenticated(request):
            return redirect_to_login(request.get_full_path(), reverse("account_reauthenticate"), REDIRECT_FIELD_NAME)
        return view(request, *args, **kwargs)

    return wrapped
