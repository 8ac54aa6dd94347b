"""Helpers for tests that sign in through the real pages of an account with two-step sign-in."""

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

VERIFY = "/accounts/two-step/verify/"


def app_code(user, steps_ahead: int = 0) -> str:
    """The code the person's authenticator app shows now (or a step later, for a second use
    within the same 30 seconds: each code is accepted once)."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead):06d}"


def pass_second_step(client, user, url: str = VERIFY, **extra):
    """Enter the app's code on the page the password step led to (``url``, which may carry
    where the person was going); returns the response."""
    return client.post(url, {"code": app_code(user)}, **extra)
