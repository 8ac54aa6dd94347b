"""Links in emails lead back to the address the portal is served on (settings.PORTAL_BASE_URL,
which `make run` sets from its PORT), and in development passkeys belong to that address too."""

import json
import os
import re
import stat
import subprocess

import pytest
from django.core import mail
from django.test import Client

from portal.accounts.services.email import email_change_request
from tests.portal.support import BASE_DIR, run_python

pytestmark = pytest.mark.django_db

SERVED_ON = "http://localhost:8080"


def _links(message) -> list[str]:
    return re.findall(r"https?://\S+", message.body)


def test_the_sign_in_notice_links_to_the_address_the_portal_is_served_on(settings, member, sign_in):
    settings.PORTAL_BASE_URL = SERVED_ON

    assert sign_in(Client(), member.email).status_code == 302

    [notice] = [message for message in mail.outbox if message.subject == "Daybook: New sign-in to your account"]
    assert _links(notice) and all(link.startswith(f"{SERVED_ON}/") for link in _links(notice))


def test_the_portals_own_account_emails_follow_the_setting_too(settings, member):
    settings.PORTAL_BASE_URL = "https://portal.example"

    email_change_request(user=member, new_email="new.address@example.net")

    [link] = _links(mail.outbox[-1])
    assert link.startswith("https://portal.example/accounts/email/confirm/")


def test_allauths_own_emails_link_to_the_host_the_request_came_to(settings, member):
    # A reset is asked for from a page, so its link uses that page's own address.
    settings.PORTAL_BASE_URL = "https://elsewhere.example"

    Client().post("/accounts/password/reset/", {"email": member.email}, HTTP_HOST="localhost:8080")

    [link] = _links(mail.outbox[-1])
    assert link.startswith(f"{SERVED_ON}/accounts/password/reset/key/")


# --- Settings, read in a fresh process as a server would ------------------------------------

SHOW = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.PORTAL_BASE_URL, s.WAGTAILADMIN_BASE_URL, "
    "s.OTP_WEBAUTHN_RP_ID, s.OTP_WEBAUTHN_ALLOWED_ORIGINS]))"
)


def _settings_with(tmp_path, **env) -> list:
    result = run_python(
        SHOW, env={"DJANGO_SETTINGS_MODULE": "portal.settings", "PORTAL_VAR_DIR": str(tmp_path / "var"), **env}
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_in_development_passkeys_follow_the_address_served(tmp_path):
    base, wagtail_base, rp_id, origins = _settings_with(tmp_path, PORTAL_BASE_URL=f"{SERVED_ON}/")

    assert base == wagtail_base == SERVED_ON
    assert rp_id == "localhost"
    assert origins == [SERVED_ON]


def test_in_development_the_address_defaults_to_localhost_on_port_8000(tmp_path):
    assert _settings_with(tmp_path) == [
        "http://localhost:8000",
        "http://localhost:8000",
        "localhost",
        ["http://localhost:8000"],
    ]


def test_the_older_name_of_the_setting_still_works(tmp_path):
    base, wagtail_base, _rp_id, _origins = _settings_with(tmp_path, WAGTAILADMIN_BASE_URL="https://portal.example")

    assert base == wagtail_base == "https://portal.example"


def test_make_run_serves_and_links_on_the_same_port(tmp_path):
    """`PORT=8080 make run` hands PORTAL_BASE_URL=http://localhost:8080 to the server it starts."""
    log = tmp_path / "calls.log"
    fake_python = tmp_path / "python"
    fake_python.write_text(f'#!/bin/sh\necho "$PORTAL_BASE_URL $*" >> {log}\n')
    fake_python.chmod(fake_python.stat().st_mode | stat.S_IEXEC)
    env = {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}

    # Run in an empty folder with a stand-in for Python, so nothing is installed, migrated or served.
    result = subprocess.run(
        ["make", "-s", "-f", str(BASE_DIR / "Makefile"), "-o", "install", "run", "PORT=8080", f"PY={fake_python}"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert f"Serving on {SERVED_ON}" in result.stdout
    runserver = [line for line in log.read_text().splitlines() if "runserver" in line]
    assert runserver == [f"{SERVED_ON} manage.py runserver 127.0.0.1:8080"]
