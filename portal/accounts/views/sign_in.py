"""Signing in and out: the code asked for after the password, a text carrying one, and
signing out (after which the browser is told to forget the site)."""

from allauth.account.adapter import get_adapter
from allauth.account.views import LogoutView as AllauthLogoutView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from portal.security import forget_site_data

from .. import selectors, sign_in
from ..errors import CodesPaused, TextLimitReached
from ..forms import WRONG_CODE, CodeForm, codes_paused_message
from ..models import PhoneDevice
from ..services.two_step import code_check, phone_code_send
from ..session_state import ENTER_CODE, pending_step


class LogoutView(AllauthLogoutView):
    """allauth's sign-out (AccountAdapter.logout takes the session off its owner's list),
    and the browser then forgets the site as after a quick exit."""

    def post(self, *args, **kwargs) -> HttpResponse:
        return forget_site_data(super().post(*args, **kwargs))


logout = LogoutView.as_view()


def _next_url(request) -> str:
    """Where the person was going before the second step, if it is on this site."""
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return next_url
    return get_adapter(request).get_login_redirect_url(request)


@login_required
@require_http_methods(["GET", "POST"])
def two_step_verify(request):
    """The second step of signing in: a code from the app, a text, or a backup code."""
    if pending_step(request) is not ENTER_CODE:
        sign_in.finish_if_verified_elsewhere(request)
        return redirect(_next_url(request))
    user = request.user
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = code_check(user=user, code=form.cleaned_data["code"])
        except CodesPaused:
            device = None
        if device is not None:
            sign_in.code_accepted(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.info(
                    request,
                    f"You used a backup code; {left} left. Each works once. "
                    "You can make a new set in your account's sign-in settings.",
                )
            return redirect(_next_url(request))
        form.add_error("code", codes_paused_message(user) or WRONG_CODE)
    phone = selectors.phone_confirmed(user=user)
    return render(
        request,
        "two_step/verify.html",
        {
            "section": "Sign in",
            "form": form,
            "phone": phone,
            "has_passkey": selectors.has_passkey(user=user),
            "next": request.GET.get("next", ""),
            "paused": codes_paused_message(user) if request.method == "GET" else None,
        },
    )


@login_required
@require_POST
def two_step_send_text(request):
    """Text a code to the person's phone, if they have one, within the hourly limit."""
    phone = selectors.phone_confirmed(user=request.user)
    if phone is None:
        raise Http404
    _text_code(request, phone)
    verify_url = reverse("two_step_verify")
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        verify_url += "?" + urlencode({"next": next_url})
    return redirect(verify_url)


def _text_code(request, phone: PhoneDevice) -> None:
    try:
        phone_code_send(device=phone)
    except TextLimitReached:
        messages.error(
            request,
            "You have asked for several texts in the last hour, so no more can be sent for now. "
            "Use your authenticator app or a backup code, or try again later.",
        )
        return
    phone.refresh_from_db(fields=["delivery_failed_at"])
    # A text that could not be sent is shown by the code page itself, for as long as it is true.
    if phone.delivery_failed_at is None:
        messages.success(
            request, f"We are sending a code to your phone ending {phone.number_ending}. It works for 5 minutes."
        )
