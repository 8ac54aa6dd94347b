"""View guards for account pages: recent reauthentication before a change of control (see
session_state), and pages that exist only for members or only once two-step sign-in is on."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, resolve_url
from django.urls import reverse

from .permissions import must_use_two_step
from .selectors import two_step_is_on
from .session_state import recently_reauthenticated


def reauthentication_required(view: Callable) -> Callable:
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


def two_step_on_required(view: Callable) -> Callable:
    """Pages for changing methods that only make sense once an app is set up."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not two_step_is_on(user=request.user):
            messages.info(request, "First set up an authenticator app.")
            return redirect("two_step")
        return view(request, *args, **kwargs)

    return wrapped


def members_only(view: Callable) -> Callable:
    """Anyone else gets a 404, before being asked for their password again."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_member:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def members_may_turn_off(view: Callable) -> Callable:
    """Staff must keep two-step sign-in: the page does not exist for them."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if must_use_two_step(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped
