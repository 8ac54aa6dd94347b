"""Removing a passkey. Adding and using one go through django-otp-webauthn's own addresses."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from . import passkeys


@login_required
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
