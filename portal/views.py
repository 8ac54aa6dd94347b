"""The portal's own pages: home, the quick exit, first-use guidance and error pages."""

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from wagtail.views import serve as wagtail_serve

from portal.accounts.selectors import two_step_is_on
from portal.accounts.services.sessions import session_forget
from portal.accounts.services.sign_in import user_mark_before_you_start_seen
from portal.security import activity_record, forget_site_data


@require_GET
def index(request):
    """The public front page, the advice library's home page that editors keep in Wagtail.
    Signed-in people go straight to their own home, as they always have: it is where their
    notes and settings are, and the advice is a link away."""
    if request.user.is_authenticated:
        return redirect("home")
    try:
        return wagtail_serve(request, "")
    except Http404:
        # No site or home page in Wagtail (a database emptied by hand or by a test): the plain
        # front page still offers sign-in, so nobody lands on an error.
        return render(request, "portal/index.html")


@login_required
@require_GET
def home(request):
    if request.user.is_member and request.user.before_you_start_seen_at is None:
        return redirect("before_you_start")
    return render(request, "portal/home.html", {"section": "Home"})


@login_required
@require_http_methods(["GET", "POST"])
def before_you_start(request):
    """Shown once before first use: how to leave quickly and what the browser keeps."""
    if request.method == "POST":
        user_mark_before_you_start_seen(user=request.user)
        if request.user.is_member and not two_step_is_on(user=request.user):
            return redirect("two_step_offer")
        return redirect("home")
    return render(request, "portal/before_you_start.html", {"section": "Welcome"})


@require_GET
def using_this_site(request):
    return render(request, "portal/using_this_site.html", {"section": "Help"})


# No CSRF token on either form, on purpose. The script's POST is a beacon sent as the page
# leaves, which cannot carry one; the GET is the plain link that has to work before the script
# has loaded or with scripts off. The worst a forged request (a link or image on another site)
# can do is sign someone out, which is what this address is for, and it reveals nothing.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def quick_exit(request):
    """End the session and tell the browser to forget this site's data.

    POST (from the page's script) answers 204; GET (the exit links themselves) then goes on to
    the neutral site, so the exit signs out whether or not the script runs. Anonymous visitors
    are simply sent on.
    """
    session_forget(session_key=request.session.session_key)
    logout(request)
    return _quick_exit_response(request)


def _quick_exit_response(request) -> HttpResponse:
    """The exit's answer, never kept by the browser: the site's data forgotten, and for the
    plain link, on to the neutral site."""
    if request.method == "POST":
        response = HttpResponse(status=204)
    else:
        # The links carry rel="noreferrer" and the site's Referrer-Policy covers this redirect,
        # so the neutral site is not told where the visitor came from.
        response = HttpResponseRedirect(settings.QUICK_EXIT_URL)
    # A cached redirect would let a later tap skip the server, and so skip the sign-out.
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    return forget_site_data(response)


@require_POST
def keep_alive(request):
    """Counts as activity for the idle timeout, every time: the page then starts its whole
    limit again (it sends one at most once a minute while the person types).

    Without a session there is nothing to keep alive: saying so (403) rather than 204 lets
    the page's script tell that the person has already been signed out.
    """
    if not request.user.is_authenticated:
        return HttpResponse(status=403)
    activity_record(request)
    return HttpResponse(status=204)


def error_400(request, exception=None):
    """A request that could not be used. A form Django would not read at all (too many files or
    fields, or too much text) gets a page saying what happened and that nothing was saved: the
    form's own page cannot say it, since the form was never read."""
    problem = _unread_form_problem(exception)
    response = TemplateResponse(request, "400.html", {"section": "Error", "problem": problem}, status=400)
    return response.render()


def _unread_form_problem(exception) -> dict[str, str] | None:
    if isinstance(exception, TooManyFilesSent):
        return {
            "heading": "Too many files at once",
            "detail": (
                f"A form can send up to {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files at a time, and this one "
                "had more, so nothing in it was saved (not the words either). Go back, choose fewer files and "
                "save again; you can add more files to the same entry afterwards."
            ),
        }
    if isinstance(exception, TooManyFieldsSent | RequestDataTooBig):
        return {
            "heading": "That form was too large to read",
            "detail": (
                "Nothing in it was saved. Go back and try again with less in it: shorter words, or fewer "
                "things ticked or added at once."
            ),
        }
    return None


def error_403(request, exception=None):
    return _error(request, 403)


def error_404(request, exception=None):
    return _error(request, 404)


def csrf_failure(request, reason=""):
    """A form sent from an expired or stale page: plain words, and the quick exit kept."""
    response = TemplateResponse(request, "403_csrf.html", {"section": "Error"}, status=403)
    return response.render()


def error_500(request):
    # The exit must still leave when the fault is the database or the session store (a restart):
    # the session cannot be ended on the server then, but the browser forgets it all the same.
    if request.path == reverse("quick_exit"):
        return _quick_exit_response(request)
    # Rendered without context processors: the fault may be the database or the session.
    context = {"SITE_NAME": settings.SITE_NAME, "QUICK_EXIT_URL": settings.QUICK_EXIT_URL}
    return HttpResponse(render_to_string("500.html", context), status=500)


def _error(request, status: int):
    response = TemplateResponse(request, f"{status}.html", {"section": "Error"}, status=status)
    return response.render()
