"""Where the account is signed in, and signing out of everywhere else."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ..selectors import sessions_active
from ..services.sessions import sessions_end_others as end_others


@login_required
@require_GET
def sessions_list(request):
    return render(
        request,
        "accounts/sessions.html",
        {
            "section": "Account",
            "signed_in_sessions": sessions_active(user=request.user),
            "this_session_key": request.session.session_key,
        },
    )


@login_required
@require_POST
def sessions_end_others(request):
    ended = end_others(user=request.user, keep_session_key=request.session.session_key)
    if ended:
        messages.success(
            request,
            f"You were signed out of {ended} other session{'s' if ended != 1 else ''}. "
            "Only this device is signed in now.",
        )
    else:
        messages.info(request, "There were no other sessions to sign out of. Only this device is signed in.")
    return redirect("account_sessions")
