"""Passkeys (django-otp-webauthn): one more way to pass the second step, for accounts that
have two-step sign-in on. Never a way to sign in by themselves (see the settings). The
package's own ceremony is adapted in adapters.PasskeyHelper."""

from django.db import transaction
from django_otp_webauthn.models import WebAuthnCredential

from ..errors import NotAllowed
from ..models import AccountEvent, User
from ..selectors import two_step_is_on
from .events import event_record


def passkey_add_allowed(*, user: User) -> None:
    """A passkey is only an extra to an authenticator app: refused (NotAllowed) while two-step sign-in is off."""
    if not two_step_is_on(user=user):
        raise NotAllowed("A passkey can only be added once two-step sign-in is on.")


def passkey_added(*, user: User) -> None:
    """Record a passkey just registered (in the caller's transaction, with the credential)."""
    event_record(user=user, kind=AccountEvent.Kind.PASSKEY_ADDED)


def passkey_remove(*, user: User, passkey_id: int) -> bool:
    """Remove one of the person's own passkeys; False when they have none by that id."""
    with transaction.atomic():
        deleted, _ = WebAuthnCredential.objects.filter(user=user, pk=passkey_id).delete()
        if deleted:
            event_record(user=user, kind=AccountEvent.Kind.PASSKEY_REMOVED)
    return deleted > 0
