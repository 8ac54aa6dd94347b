"""The portal's own pages: home, the quick exit, first-use guidance and error pages."""

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts.services import user_mark_before_you_start_seen
from portal.accounts.sessions import session_forget
from portal.accounts.two_step import two_step_is_on


@require_GET
def index(request):
    """The public front page. Signed-in people go straight to their own home."""
    if request.user.is_authenticated:
        return redirect("home")
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


# The exit is triggered by a beacon as the page is leaving, so it cannot carry a CSRF
# token; the worst a forged request can do is sign someone out, which is what it is for.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def quick_exit(request):
    """End the session and tell the browser to forget this site's data.

    POST (from the page's script) answers 204; GET (a plain link) goes to the neutral site.
    """
    session_forget(session_key=request.session.session_key)
    logout(request)
    if request.method == "POST":
        response = HttpResponse(status=204)
    else:
        response = HttpResponseRedirect(settings.QUICK_EXIT_URL)
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@require_POST
def keep_alive(request):
    """Counts as activity for the idle timeout (SessionTimeoutMiddleware does the work).

    Without a session there is nothing to keep alive: saying so (403) rather than 204 lets
    the page's script tell that the person has already been signed out.
    """
    if not request.user.is_authenticated:
        return HttpResponse(status=403)
    return HttpResponse(status=204)


def error_400(request, exception=None):
    return _error(request, 400)


def error_403(request, exception=None):
    return _error(request, 403)


def error_404(request, exception=None):
    return _error(request, 404)


def csrf_failure(request, reason=""):
    """A form sent from an expired or stale page: plain words, and the quick exit kept."""
    response = TemplateResponse(request, "403_csrf.html", {"section": "Error"}, status=403)
    return response.render()


def error_500(request):
    # Rendered without context processors: the fault may be the database or the session.
    context = {"SITE_NAME": settings.SITE_NAME, "QUICK_EXIT_URL": settings.QUICK_EXIT_URL}
    return HttpResponse(render_to_string("500.html", context), status=500)


def _error(request, status: int):
    response = TemplateResponse(request, f"{status}.html", {"section": "Error"}, status=status)
    return response.render()
