"""Signing out, and what the browser is told to forget when a session ends (sign-out, quick exit)."""

from allauth.account.views import LogoutView as AllauthLogoutView
from django.http import HttpResponse

# Everything this site left in the browser: cached pages (so Back shows nothing), cookies and
# storage. A browser that does not know the header ignores it; the session ends on the server anyway.
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'


def forget_site_data(response: HttpResponse) -> HttpResponse:
    """Ask the browser to drop all it holds for this site."""
    response["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


class LogoutView(AllauthLogoutView):
    """allauth's sign-out (AccountAdapter.logout takes the session off its owner's list),
    and the browser then forgets the site as after a quick exit."""

    def post(self, *args, **kwargs) -> HttpResponse:
        return forget_site_data(super().post(*args, **kwargs))


logout = LogoutView.as_view()
