"""Passkeys: an extra way to pass the second step once two-step sign-in is on, never a way in alone.

The ceremonies run against the package's real endpoints with a small software authenticator
(the browser test does the same with Chromium's virtual one).
"""

import base64
import hashlib
import json
import os
import struct
from urllib.parse import urlencode

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django_otp_webauthn.models import WebAuthnCredential

from portal.accounts import selectors
from portal.accounts.models import AccountEvent
from portal.accounts.services import two_step
from tests.factories import AdminFactory, MemberFactory
from tests.two_step import VERIFY, app_code

pytestmark = pytest.mark.django_db

PASSKEYS = "/accounts/passkeys/"
ADD_PAGE = "/accounts/two-step/passkeys/add/"
REGISTER_BEGIN = PASSKEYS + "registration/begin/"
REGISTER_COMPLETE = PASSKEYS + "registration/complete/"
AUTH_BEGIN = PASSKEYS + "authentication/begin/"
AUTH_COMPLETE = PASSKEYS + "authentication/complete/"
SETTINGS_PAGE = "/accounts/two-step/"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftAuthenticator:
    """Answers the browser's side of both ceremonies for one passkey, as a phone would."""

    def __init__(self, origin: str = settings.OTP_WEBAUTHN_ALLOWED_ORIGINS[0]):
        self.origin = origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False}).encode()

    def create(self, options: dict) -> dict:
        numbers = self.key.public_key().public_numbers()
        cose_key = cbor2.dumps(
            {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
        )
        rp_hash = hashlib.sha256(options["rp"]["id"].encode()).digest()
        # Flags: user present, user verified, attested credential data included.
        auth_data = (
            rp_hash
            + bytes([0x45])
            + struct.pack(">I", self.sign_count)
            + bytes(16)
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + cose_key
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(self._client_data("webauthn.create", options["challenge"])),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {"credProps": {"rk": True}},
        }

    def get(self, options: dict) -> dict:
        self.sign_count += 1
        rp_hash = hashlib.sha256(options["rpId"].encode()).digest()
        auth_data = rp_hash + bytes([0x05]) + struct.pack(">I", self.sign_count)
        client_data = self._client_data("webauthn.get", options["challenge"])
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": None,
            },
            "clientExtensionResults": {},
        }


def post_json(client, url: str, body: dict | None = None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def add_passkey(client, authenticator: SoftAuthenticator):
    """Register ``authenticator`` for the signed-in person, who has just confirmed it is them;
    returns the completing response."""
    client.confirm_identity()
    begin = post_json(client, REGISTER_BEGIN)
    assert begin.status_code == 200, begin.content
    return post_json(client, REGISTER_COMPLETE, authenticator.create(begin.json()))


def stored_passkey(user, name: str = "Passkey") -> WebAuthnCredential:
    """A passkey row for tests that only list or remove it (no ceremony needed)."""
    return WebAuthnCredential.objects.create(
        user=user, name=name, credential_id=os.urandom(32), public_key=b"key", sign_count=0
    )


@pytest.fixture
def protected_member(db):
    """A member with two-step sign-in on (an app and backup codes)."""
    user = MemberFactory(authenticator=True)
    two_step.backup_codes_make(user=user)
    return user


# --- Adding one -------------------------------------------------------------------------


def test_a_member_with_two_step_on_adds_a_passkey_with_a_neutral_name(
    client, protected_member, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(protected_member)
    client.confirm_identity()

    begin = post_json(client, REGISTER_BEGIN)
    options = begin.json()
    with django_capture_on_commit_callbacks(execute=True):
        complete = post_json(client, REGISTER_COMPLETE, SoftAuthenticator().create(options))

    assert complete.status_code == 200, complete.content
    # What the phone or password manager keeps next to the passkey: no email address.
    assert options["user"]["name"] == options["user"]["displayName"] == "Daybook"
    assert options["rp"] == {"id": "localhost", "name": "Daybook"}
    passkey = WebAuthnCredential.objects.get(user=protected_member)
    assert passkey.name == "Passkey"
    page = client.get(SETTINGS_PAGE)
    assert b"Added on" in page.content
    assert b"not used yet" in page.content
    assert b'id="passkey-register-button"' in client.get(ADD_PAGE).content
    # A passkey someone else adds from a borrowed phone would let them in: the owner hears of it.
    assert AccountEvent.objects.filter(user=protected_member, kind=AccountEvent.Kind.PASSKEY_ADDED).exists()
    [notice] = mailoutbox
    assert notice.to == [protected_member.email] and "Added a passkey" in notice.body


def test_registration_is_refused_while_two_step_is_off(client, member):
    client.force_login(member)
    client.confirm_identity()

    response = post_json(client, REGISTER_BEGIN)

    assert response.status_code == 403
    assert response.json()["detail"].startswith("A passkey can only be added once two-step sign-in is on.")
    assert "otp_webauthn_register_state" not in client.session
    for page in (client.get(SETTINGS_PAGE), client.get(ADD_PAGE, follow=True)):
        assert b"passkey-register" not in page.content, "no button and no script while it is off"
        assert b"otp_webauthn_register.js" not in page.content


def test_registration_is_refused_if_two_step_is_turned_off_during_it(client, protected_member):
    client.force_login(protected_member)
    client.confirm_identity()
    begin = post_json(client, REGISTER_BEGIN)
    two_step._devices_delete(user=protected_member)

    response = post_json(client, REGISTER_COMPLETE, SoftAuthenticator().create(begin.json()))

    assert response.status_code == 403
    assert not WebAuthnCredential.objects.filter(user=protected_member).exists()
    assert not client.get("/home/").wsgi_request.user.is_verified(), "a refused passkey verifies nothing"


# --- Using one for the second step ----------------------------------------------------------


def test_a_passkey_passes_the_second_step_and_finishes_signing_in(client, protected_member, sign_in):
    authenticator = SoftAuthenticator()
    client.force_login(protected_member)
    add_passkey(client, authenticator)
    client.logout()
    sign_in(client, protected_member.email)
    session_before = client.session.session_key

    page = client.get(VERIFY + "?next=/notes/")
    assert b"Use a passkey" in page.content
    options = post_json(client, AUTH_BEGIN).json()
    finish_url = f"{VERIFY}?next=/notes/"
    complete = client.post(
        f"{AUTH_COMPLETE}?{urlencode({'next': finish_url})}",
        json.dumps(authenticator.get(options)),
        content_type="application/json",
    )

    assert complete.status_code == 200, complete.content
    assert complete.json()["redirect_url"] == finish_url
    finish = client.get(finish_url)
    assert finish.status_code == 302
    assert finish["Location"] == "/notes/"
    assert client.get("/home/").status_code == 200
    assert client.session.session_key != session_before, "a new session key once the second step is passed"
    assert AccountEvent.objects.filter(user=protected_member, kind=AccountEvent.Kind.SIGNED_IN).count() == 1
    assert WebAuthnCredential.objects.get(user=protected_member).last_used_at is not None


def test_during_the_second_step_only_the_passkey_sign_in_addresses_open(client, protected_member, sign_in):
    stored_passkey(protected_member)
    sign_in(client, protected_member.email)

    begin = post_json(client, AUTH_BEGIN)
    assert begin.status_code == 200
    assert len(begin.json()["allowCredentials"]) == 1
    assert client.get(PASSKEYS + "jsi18n/").status_code == 200, "the passkey script's texts load too"
    wrong = post_json(client, AUTH_COMPLETE, {"id": "nope"})
    assert wrong.status_code in {400, 404, 422}, "reached, and refused"
    assert not client.get("/home/").wsgi_request.user.is_verified()
    for method, path in [
        ("post", REGISTER_BEGIN),
        ("post", REGISTER_COMPLETE),
        ("get", "/home/"),
        ("get", SETTINGS_PAGE),
        ("post", f"/accounts/two-step/passkeys/{WebAuthnCredential.objects.get().pk}/remove/"),
    ]:
        response = getattr(client, method)(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(VERIFY), path
    assert WebAuthnCredential.objects.filter(user=protected_member).count() == 1


def test_another_members_passkey_does_not_pass_the_second_step(client, protected_member, sign_in):
    other = MemberFactory(authenticator=True)
    authenticator = SoftAuthenticator()
    client.force_login(other)
    add_passkey(client, authenticator)
    client.logout()
    sign_in(client, protected_member.email)

    options = post_json(client, AUTH_BEGIN).json()
    response = post_json(client, AUTH_COMPLETE, authenticator.get(options))

    assert response.status_code == 403
    assert client.get("/home/").status_code == 302


def test_the_verify_page_offers_a_passkey_only_to_someone_with_one(client, protected_member, sign_in):
    sign_in(client, protected_member.email)
    without = client.get(VERIFY)
    stored_passkey(protected_member)
    with_one = client.get(VERIFY)

    assert b"Use a passkey" not in without.content
    assert b"otp_webauthn_auth.js" not in without.content
    assert b"Use a passkey" in with_one.content
    assert b"otp_webauthn_auth.js" in with_one.content


def test_a_passkey_alone_signs_nobody_in(client, protected_member):
    """Passwordless sign-in would skip allauth: its lockout, rate limits and email checks."""
    authenticator = SoftAuthenticator()
    signed_in = type(client)()
    signed_in.force_login(protected_member)
    add_passkey(signed_in, authenticator)

    begin = post_json(client, AUTH_BEGIN)
    complete = post_json(client, AUTH_COMPLETE, authenticator.get({"rpId": "localhost", "challenge": "x"}))
    register = post_json(client, REGISTER_BEGIN)

    assert begin.status_code == 403
    assert begin.json()["code"] == "passwordless_login_disabled"
    assert complete.status_code == 403
    assert register.status_code == 403
    assert not client.get("/home/").wsgi_request.user.is_authenticated


# --- Removing them ----------------------------------------------------------------------


def remove_url(passkey: WebAuthnCredential) -> str:
    return f"/accounts/two-step/passkeys/{passkey.pk}/remove/"


def test_a_member_removes_their_own_passkey(client, protected_member):
    passkey = stored_passkey(protected_member)
    kept = stored_passkey(protected_member)
    client.force_login(protected_member)
    client.confirm_identity()

    response = client.post(remove_url(passkey), follow=True)

    assert response.redirect_chain[-1][0] == SETTINGS_PAGE
    assert b"The passkey is removed" in response.content
    assert list(WebAuthnCredential.objects.filter(user=protected_member)) == [kept]
    assert AccountEvent.objects.filter(user=protected_member, kind=AccountEvent.Kind.PASSKEY_REMOVED).count() == 1


def test_another_members_passkey_cannot_be_removed(client, protected_member):
    others = stored_passkey(MemberFactory(authenticator=True))
    client.force_login(protected_member)
    client.confirm_identity()

    assert client.post(remove_url(others)).status_code == 404
    assert client.get(remove_url(others)).status_code == 405
    assert WebAuthnCredential.objects.filter(pk=others.pk).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, protected_member):
    passkey = stored_passkey(protected_member)

    response = client.post(remove_url(passkey))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert WebAuthnCredential.objects.filter(pk=passkey.pk).exists()


def test_turning_two_step_off_removes_every_passkey(client, protected_member):
    stored_passkey(protected_member)
    client.force_login(protected_member)
    client.confirm_identity()

    client.post("/accounts/two-step/off/", {"code": app_code(protected_member)})

    assert not selectors.two_step_is_on(user=protected_member)
    assert not WebAuthnCredential.objects.filter(user=protected_member).exists()


def test_an_administrators_reset_removes_every_passkey(protected_member):
    stored_passkey(protected_member)

    two_step.two_step_reset(user=protected_member, actor=AdminFactory(), reason="in_person")

    assert not WebAuthnCredential.objects.filter(user=protected_member).exists()


def test_a_borrowed_signed_in_phone_cannot_add_a_passkey(client, protected_member):
    """The package's own addresses are reached by script: they ask for a recent confirmation too."""
    client.force_login(protected_member)

    page = client.get(ADD_PAGE)
    begin = post_json(client, REGISTER_BEGIN)

    assert page.status_code == 302 and page["Location"].startswith("/accounts/reauthenticate/")
    assert begin.status_code == 403
    assert "otp_webauthn_register_state" not in client.session
    client.confirm_identity(seconds_ago=10 * 60)  # confirmed, but too long ago
    assert post_json(client, REGISTER_BEGIN).status_code == 403
    assert not WebAuthnCredential.objects.filter(user=protected_member).exists()
