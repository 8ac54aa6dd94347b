"""The public page of the key that signs downloads: anyone can read it, without an account, and
use it to check a bundle with the standalone script."""

import re

import pytest
from django.conf import settings

from portal import crypto
from tests.diary.helpers import record, standalone
from tests.portal.support import SENSITIVE_WORDS, parse_page, tab_title

pytestmark = pytest.mark.django_db

PAGE = "/signing-key/"


def _shown(response) -> dict:
    """The key and fingerprint as the page shows them, each in its own <code> element."""
    codes = re.findall(r'<code class="sha256">([^<]*)</code>', response.content.decode())
    return {"key": codes[0], "fingerprint": codes[1]}


def test_anyone_can_read_the_portals_public_key_and_its_fingerprint(client):
    response = client.get(PAGE)

    assert response.status_code == 200
    shown = _shown(response)
    assert shown["key"] == crypto.public_key_b64()
    assert shown["fingerprint"] == crypto.public_key_fingerprint(crypto.public_key_b64())


def test_the_page_shows_the_key_in_use_not_a_copy(client, settings):
    before = _shown(client.get(PAGE))["key"]
    settings.PORTAL_SIGNING_KEY = crypto.new_signing_key()

    after = _shown(client.get(PAGE))["key"]

    assert after == crypto.public_key_b64() != before


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_page_has_a_neutral_title_and_no_inline_code(client, member, signed_in):
    if signed_in:
        client.force_login(member)

    response = client.get(PAGE)

    title = tab_title(response)
    assert title == f"{settings.SITE_NAME} – Signing key"
    assert not SENSITIVE_WORDS.search(title) and not SENSITIVE_WORDS.search(PAGE)
    assert parse_page(response).inline_code == []
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_a_signed_in_person_gets_the_page_unstored(client, member):
    client.force_login(member)

    response = client.get(PAGE)

    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control


def test_a_third_party_checks_a_bundle_with_the_key_from_the_page(client, member, build):
    record(member, "He was outside the house again.", 4)
    bundle = build(member)

    key = _shown(client.get(PAGE))["key"]
    result = standalone(bundle, "--public-key", key)

    assert result.returncode == 0, result.stdout
    assert crypto.public_key_fingerprint(key) in result.stdout
