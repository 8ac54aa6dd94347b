"""Adding and removing a passkey. Using one, and the ceremony itself, go through
django-otp-webauthn's own addresses (checked again in adapters.PasskeyHelper)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ..decorators import reauthentication_required, two_step_on_required
from ..services import passkeys


@login_required
@two_step_on_required
@reauthentication_required
@require_GET
def passkey_add(request):
    return render(request, "two_step/passkey_add.html", {"section": "Account"})


@login_required
@reauthentication_required
@require_POST
def passkey_remove(request, pk: int):
    # Only the person's own passkeys are found: any other id is a 404, never another's.
    if not passkeys.passkey_remove(user=request.user, passkey_id=pk):
        raise Http404
    messages.success(
        request,
        "The passkey is removed and no longer signs you in. "
        "You may also want to delete it from your phone or password manager.",
    )
    return redirect("two_step")
