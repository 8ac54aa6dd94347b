"""URLs. None of a signed-in page's addresses names what the portal is about."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from portal import views

urlpatterns = [
    path("", views.index, name="index"),
    path("home/", views.home, name="home"),
    path("start/", views.before_you_start, name="before_you_start"),
    path("help/using-this-site/", views.using_this_site, name="using_this_site"),
    # The advice library's search, robots.txt and sitemap.xml; its pages are Wagtail's, at the end.
    path("", include("content.urls")),
    path("", include("diary.public_urls")),
    path("exit/", views.quick_exit, name="quick_exit"),
    path("session/keep-alive/", views.keep_alive, name="keep_alive"),
    path("", include("casework.team_urls")),
    # Not "diary/": an address in the browser history must not say what the site is for.
    path("notes/", include("diary.urls")),
    path("steps/", include("safety_plans.urls")),
    path("", include("casework.urls")),
    # Every account address (some replace allauth's, and the admins' sign-in pages lead to the
    # portal's): before allauth's own and both admins'.
    path("", include("portal.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # Wagtail's own front-end login form would skip email verification, the sign-in notice
    # and the second factor; whoever asks for it gets the portal's sign-in instead.
    path("_util/login/", RedirectView.as_view(pattern_name="account_login", query_string=True)),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]

handler400 = "portal.views.error_400"
handler403 = "portal.views.error_403"
handler404 = "portal.views.error_404"
handler500 = "portal.views.error_500"
