"""Two-step sign-in's settings: setting up the app, backup codes, a phone for texts, turning it off."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .. import selectors, session_state, sign_in
from ..decorators import members_may_turn_off, reauthentication_required, two_step_on_required
from ..errors import AccountError, CodesPaused, TextLimitReached, WrongCode
from ..forms import CODES_PAUSED, WRONG_CODE, CodeForm, CurrentCodeForm, PhoneForm, ReplaceAppForm, codes_paused_message
from ..permissions import must_use_two_step
from ..services import two_step

# --- Settings --------------------------------------------------------------------------


@login_required
def two_step_settings(request):
    user = request.user
    return render(
        request,
        "two_step/settings.html",
        {
            "section": "Account",
            "is_on": selectors.two_step_is_on(user=user),
            "can_turn_off": not must_use_two_step(user),
            **selectors.devices_in_use(user=user),
            "events": selectors.events_recent(user=user),
        },
    )


@login_required
def two_step_offer(request):
    """Offered once to a new member, after the first-use page."""
    if selectors.two_step_is_on(user=request.user):
        return redirect("home")
    return render(request, "two_step/offer.html", {"section": "Account"})


@login_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def two_step_app(request):
    """Step 1 of 2: scan the QR code (or type the key) and enter the first code from the app.

    Moving to a new app also asks for a code from the old one, or a backup code."""
    device = two_step.app_setup_start(user=request.user)
    replacing = selectors.two_step_is_on(user=request.user)
    form = (ReplaceAppForm if replacing else CodeForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        was_signing_in = sign_in.still_signing_in(request)
        try:
            codes = two_step.app_setup_confirm(
                user=request.user,
                device=device,
                code=form.cleaned_data["code"],
                current_code=form.cleaned_data.get("current_code", ""),
                keep_session_key=request.session.session_key,
            )
        except CodesPaused:
            form.add_error(None, codes_paused_message(request.user) or CODES_PAUSED)
        except WrongCode as wrong:
            form.add_error(wrong.which, NEW_APP_CODE_WRONG if wrong.which == "code" else WRONG_CODE)
        else:
            session_state.session_verify(request, device)
            if was_signing_in:
                sign_in.finish(request)
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
            codes = two_step.backup_codes_replace(
                user=request.user,
                current_code=form.cleaned_data["current_code"],
                keep_session_key=request.session.session_key,
            )
        except CodesPaused:
            form.add_error(None, codes_paused_message(request.user) or CODES_PAUSED)
        except WrongCode:
            form.add_error("current_code", WRONG_CODE)
        else:
            return _show_backup_codes(request, codes, first_time=False)
    return render(request, "two_step/backup_codes_new.html", {"section": "Account", "form": form})


@login_required
@members_may_turn_off
@two_step_on_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def two_step_off(request):
    """Turning it off needs the password and a current code, so a borrowed signed-in phone is not enough."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_step.code_check(user=request.user, code=form.cleaned_data["code"])
        except CodesPaused:
            device = None
        if device is not None:
            two_step.two_step_turn_off(user=request.user)
            session_state.two_step_turned_off(request)
            messages.success(request, "Two-step sign-in is off. Your password alone now signs you in.")
            return redirect("two_step")
        form.add_error("code", codes_paused_message(request.user) or WRONG_CODE)
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
        except TextLimitReached:
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
    phone = selectors.phone_waiting(user=request.user)
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
