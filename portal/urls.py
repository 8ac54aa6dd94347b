"""URLs. None of a signed-in page's addresses names what the portal is about."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, reverse_lazy
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from evidence_log import export_views
from portal import views
from portal.accounts import logout as account_logout
from portal.accounts import password as account_password
from portal.accounts import session_views
from portal.accounts import views as account_views

urlpatterns = [
    path("", views.index, name="index"),
    path("home/", views.home, name="home"),
    path("start/", views.before_you_start, name="before_you_start"),
    path("help/using-this-site/", views.using_this_site, name="using_this_site"),
    path("signing-key/", export_views.signing_key, name="signing_key"),
    path("exit/", views.quick_exit, name="quick_exit"),
    path("session/keep-alive/", views.keep_alive, name="keep_alive"),
    # Not "diary/": an address in the browser history must not say what the site is for.
    path("notes/", include("evidence_log.urls")),
    path("accounts/settings/", account_views.account_settings, name="account_settings"),
    path("accounts/delete/", account_views.account_delete, name="account_delete"),
    # Before allauth's own: the password and, when two-step sign-in is on, a code (accounts/reauth.py).
    path("accounts/reauthenticate/", account_views.reauthenticate, name="account_reauthenticate"),
    # Before allauth's own: one address per account, changed only through the new address.
    path("accounts/email/", account_views.email, name="account_email"),
    path("accounts/email/confirm/<str:token>/", account_views.email_confirm, name="account_email_confirm"),
    path("accounts/email/undo/<str:token>/", account_views.email_undo, name="account_email_undo"),
    path("accounts/sessions/", session_views.sessions_list, name="account_sessions"),
    path("accounts/sessions/end-others/", session_views.sessions_end_others, name="account_sessions_end_others"),
    # Before allauth's own: this one offers to sign out of every other session as well.
    path("accounts/password/change/", account_password.password_change, name="account_change_password"),
    # Before allauth's own: signing out also tells the browser to forget the site.
    path("accounts/logout/", account_logout.logout, name="account_logout"),
    path("accounts/two-step/", include("portal.accounts.urls")),
    path("accounts/passkeys/", include("django_otp_webauthn.urls", namespace="otp_webauthn")),
    path("accounts/", include("allauth.urls")),
    # Both admins sign in through the portal's own sign-in page, never their own.
    path("admin/login/", account_views.staff_login_redirect, name="wagtail_login_redirect"),
    path("admin/logout/", RedirectView.as_view(url=reverse_lazy("account_logout"))),
    path("django-admin/login/", account_views.staff_login_redirect),
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
