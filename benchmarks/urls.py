"""The portal's URLs plus a bare view, so benchmarks can compare against Django alone."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import include, path


def bare(request):
    return HttpResponse("ok")


def layout(request):
    """A page of nothing but the site's layout (base.html, as every page draws it): the floor
    under every page a member reads, below which no page's own work can take it."""
    return render(request, "base.html")


urlpatterns = [path("bench/bare/", bare), path("bench/layout/", layout), path("", include("portal.urls"))]
