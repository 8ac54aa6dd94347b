"""The advice library's own addresses (its pages themselves are routed by Wagtail)."""

from django.urls import path
from wagtail.contrib.sitemaps.views import sitemap

from content import views

app_name = "content"

urlpatterns = [
    # Under /advice/: a page with the slug "search" there would be hidden by it.
    path("advice/search/", views.search, name="search"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap, name="sitemap"),
]
