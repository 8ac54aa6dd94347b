"""The portal's URLs plus a bare view, so benchmarks can compare against Django alone."""

from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/bare/", bare), path("", include("portal.urls"))]
