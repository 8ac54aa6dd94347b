"""Pages for two-step sign-in: the code asked for after the password, and its settings."""

from functools import wraps

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import time_format
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.timezone import localtime
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp_webauthn.models import WebAuthnCredential

from . import two_step
from .errors import AccountError
from .events import events_recent
from .forms import CodeForm, CurrentCodeForm, PhoneForm, ReplaceAppForm
from .models import PhoneDevice
from .permissions import must_use_two_step
from .reauth import reauthentication_required
from .services import sign_in_complete

WRONG_CODE = two_step.WRONG_CODE


def finish_sign_in(request) -> None:
    """Every step is passed: record the sign-in, and say so if it kept the account."""
    request.session[two_step.SIGN_IN_FINISHED_KEY] = True
    if sign_in_complete(request=request):
        messages.info(request, "You signed in, so your account will not be deleted. Nothing was removed.")


def _next_url(request) -> str:
    """Where the person was going before the second step, if it is on this site."""
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return next_url
    return get_adapter(request).get_login_redirect_url(request)


def _paused_message(user) -> str | None:
    until = two_step.codes_paused_until(user=user)
    if until is None:
        return None
    return (
        "Too many codes that did not work, so codes are paused for a while to keep your account safe. "
        f"Try again after {time_format(localtime(until), 'H:i')}."
    )


def two_step_on_required(view):
    """Pages for changing methods that only make sense once an app is set up."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not two_step.two_step_is_on(user=request.user):
            messages.info(request, "First set up an authenticator app.")
            return redirect("two_step")
        return view(request, *args, **kwargs)

    return wrapped


# --- Signing in ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def two_step_verify(request):
    """The second step of signing in: a code from the app, a text, or a backup code."""
    if two_step.pending_step(request) is not two_step.ENTER_CODE:
        if two_step.session_verified(request) and not request.session.get(two_step.SIGN_IN_FINISHED_KEY):
            # The step was passed on a page that verifies the session itself (a passkey's).
            two_step.session_key_renew(request)
            finish_sign_in(request)
        return redirect(_next_url(request))
    user = request.user
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_step.code_check(user=user, code=form.cleaned_data["code"])
        except two_step.CodesPaused:
            device = None
        if device is not None:
            two_step.session_verify(request=request, device=device)
            finish_sign_in(request)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.info(
                    request,
                    f"You used a backup code; {left} left. Each works once. "
                    "You can make a new set in your account's sign-in settings.",
                )
            return redirect(_next_url(request))
        form.add_error("code", _paused_message(user) or WRONG_CODE)
    phone = PhoneDevice.objects.filter(user=user, confirmed=True).first()
    return render(
        request,
        "two_step/verify.html",
        {
            "section": "Sign in",
            "form": form,
            "phone": phone,
            "has_passkey": WebAuthnCredential.objects.filter(user=user, confirmed=True).exists(),
            "next": request.GET.get("next", ""),
            "paused": _paused_message(user) if request.method == "GET" else None,
        },
    )


@login_required
@require_POST
def two_step_send_text(request):
    """Text a code to the person's phone, if they have one, within the hourly limit."""
    phone = PhoneDevice.objects.filter(user=request.user, confirmed=True).first()
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
        two_step.phone_code_send(device=phone)
    except two_step.TextLimitReached:
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


# --- Settings --------------------------------------------------------------------------


@login_required
def two_step_settings(request):
    user = request.user
    return render(
        request,
        "two_step/settings.html",
        {
            "section": "Account",
            "is_on": two_step.two_step_is_on(user=user),
            "can_turn_off": not must_use_two_step(user),
            **two_step.devices_in_use(user=user),
            "events": events_recent(user=user),
        },
    )


@login_required
def two_step_offer(request):
    """Offered once to a new member, after the first-use page."""
    if two_step.two_step_is_on(user=request.user):
        return redirect("home")
    return render(request, "two_step/offer.html", {"section": "Account"})


@login_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def two_step_app(request):
    """Step 1 of 2: scan the QR code (or type the key) and enter the first code from the app.

    Moving to a new app also asks for a code from the old one, or a backup code."""
    device = two_step.app_setup_start(user=request.user)
    replacing = two_step.two_step_is_on(user=request.user)
    form = (ReplaceAppForm if replacing else CodeForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        was_signing_in = two_step.pending_step(request) is not None
        try:
            codes = two_step.app_setup_confirm(
                request=request,
                device=device,
                code=form.cleaned_data["code"],
                current_code=form.cleaned_data.get("current_code", ""),
            )
        except two_step.CodesPaused:
            form.add_error(None, _paused_message(request.user))
        except two_step.WrongCode as wrong:
            form.add_error(wrong.which, NEW_APP_CODE_WRONG if wrong.which == "code" else WRONG_CODE)
        else:
            if was_signing_in:
                finish_sign_in(request)
            if codes:
                return _show_backup_codes(request, codes, first_time=True)
            messages.success(
                request,
                "Your new authenticator app is set up. Codes from the old one no longer work, "
                "and every other device was signed out.",
            )
            return redirect("two_step")
    return render(
        request,
        "two_step/app.html",
        {
            "section": "Account",
            "form": form,
            "qr_code": two_step.app_qr_code(device),
            "secret": two_step.app_secret_text(device),
            "replacing": replacing,
            "must_use": must_use_two_step(request.user),
        },
    )


NEW_APP_CODE_WRONG = (
    "That code did not match. Enter the newest code the app shows; if it still does not work, "
    "check that your phone sets its clock automatically."
)


def _show_backup_codes(request, codes: list[str], *, first_time: bool):
    # Rendered straight from the POST, never stored to show again: the page is no-store,
    # so Back or a reload cannot bring the codes up.
    return render(
        request, "two_step/backup_codes.html", {"section": "Account", "codes": codes, "first_time": first_time}
    )


@login_required
@two_step_on_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def two_step_backup_codes(request):
    """A new set of backup codes, given a code from the app or a current backup code; the old set stops working."""
    form = CurrentCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_step.backup_codes_replace(request=request, current_code=form.cleaned_data["current_code"])
        except two_step.CodesPaused:
            form.add_error(None, _paused_message(request.user))
        except two_step.WrongCode:
            form.add_error("current_code", WRONG_CODE)
        else:
            return _show_backup_codes(request, codes, first_time=False)
    return render(request, "two_step/backup_codes_new.html", {"section": "Account", "form": form})


def _members_may_turn_off(view):
    """Staff must keep two-step sign-in: the page does not exist for them."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if must_use_two_step(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@login_required
@_members_may_turn_off
@two_step_on_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def two_step_off(request):
    """Turning it off needs the password and a current code, so a borrowed signed-in phone is not enough."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_step.code_check(user=request.user, code=form.cleaned_data["code"])
        except two_step.CodesPaused:
            device = None
        if device is not None:
            two_step.two_step_turn_off(request=request)
            messages.success(request, "Two-step sign-in is off. Your password alone now signs you in.")
            return redirect("two_step")
        form.add_error("code", _paused_message(request.user) or WRONG_CODE)
    return render(request, "two_step/off.html", {"section": "Account", "form": form})


@login_required
@two_step_on_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def two_step_phone(request):
    """Add a phone for text codes: the number, then the code texted to it."""
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            phone = two_step.phone_setup_start(user=request.user, number=form.cleaned_data["number"])
        except two_step.TextLimitReached:
            form.add_error(None, "You have asked for several texts in the last hour. Please try again later.")
        except AccountError as error:  # two-step sign-in was turned off in another tab meanwhile
            form.add_error(None, str(error))
        else:
            phone.refresh_from_db(fields=["delivery_failed_at"])
            if phone.delivery_failed_at is not None:
                form.add_error(
                    None, "We could not send a text just now. Check the number, or try again in a few minutes."
                )
            else:
                return redirect("two_step_phone_confirm")
    return render(request, "two_step/phone.html", {"section": "Account", "form": form})


@login_required
@two_step_on_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def two_step_phone_confirm(request):
    phone = PhoneDevice.objects.filter(user=request.user, confirmed=False).first()
    if phone is None:
        return redirect("two_step_phone")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_step.phone_setup_confirm(user=request.user, code=form.cleaned_data["code"]):
            messages.success(request, "Your phone is added. You can now ask for a code by text when you sign in.")
            return redirect("two_step")
        form.add_error("code", "That code did not work. Check the text and try again, or ask for a new code.")
    return render(request, "two_step/phone_confirm.html", {"section": "Account", "form": form, "phone": phone})


@login_required
@reauthentication_required
@require_POST
def two_step_phone_remove(request):
    two_step.phone_remove(user=request.user)
    messages.success(request, "Your phone is removed. No more codes will be sent to it.")
    return redirect("two_step")
