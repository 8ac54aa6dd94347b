"""Production settings: refuse to start without secrets, and pass Django's deployment checks.

Each test runs Django in a fresh process with only the environment it gives, as a server would.
"""

import pytest

from portal import crypto
from tests.portal import support
from tests.portal.support import BASE_DIR, run_python

# What the refusal names for each requirement, and the variables any one of which meets it.
REQUIRED = {
    "SECRET_KEY": ("SECRET_KEY",),
    "DATABASE_URL": ("DATABASE_URL",),
    "ALLOWED_HOSTS": ("ALLOWED_HOSTS",),
    "PORTAL_MASTER_KEYS or PORTAL_MASTER_KEYS_FILE": ("PORTAL_MASTER_KEYS", "PORTAL_MASTER_KEYS_FILE"),
    "PORTAL_SIGNING_KEY": ("PORTAL_SIGNING_KEY",),
    "WAGTAILADMIN_BASE_URL": ("WAGTAILADMIN_BASE_URL",),
}
LOAD_SETTINGS = "import django; django.setup()"
MASTER_KEYS = crypto.new_master_key_line("mk-test")


def production_env(tmp_path, **overrides):
    """A complete production environment, master key included."""
    return support.production_env(tmp_path, **{"PORTAL_MASTER_KEYS": MASTER_KEYS, **overrides})


def _without(*requirements: str) -> dict[str, None]:
    return {variable: None for requirement in requirements for variable in REQUIRED[requirement]}


def _refusal(result) -> str:
    """The one line of the error that tells the operator what to do."""
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured: "), result.stderr
    return last_line


def test_production_without_any_secret_names_all_of_them_at_once(tmp_path):
    env = production_env(tmp_path, **_without(*REQUIRED))

    result = run_python(LOAD_SETTINGS, env=env)

    assert result.returncode != 0
    message = _refusal(result)
    for name in REQUIRED:
        assert name in message


@pytest.mark.parametrize("missing", REQUIRED)
def test_production_names_exactly_the_missing_secret(tmp_path, missing):
    result = run_python(LOAD_SETTINGS, env=production_env(tmp_path, **_without(missing)))

    assert result.returncode != 0
    message = _refusal(result)
    assert missing in message
    assert [name for name in REQUIRED if name in message] == [missing]


def test_production_with_empty_secrets_is_refused_too(tmp_path):
    result = run_python(LOAD_SETTINGS, env=production_env(tmp_path, SECRET_KEY="", ALLOWED_HOSTS=""))

    assert result.returncode != 0
    message = _refusal(result)
    assert "SECRET_KEY" in message and "ALLOWED_HOSTS" in message


def test_production_passes_the_deployment_checks(tmp_path):
    result = run_python("", env=production_env(tmp_path), args=[str(BASE_DIR / "manage.py"), "check", "--deploy"])

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert "WARNINGS" not in result.stdout + result.stderr


def test_deployment_checks_would_catch_debug_left_on(tmp_path):
    # The check above is meaningful only if a real misconfiguration makes it complain.
    env = production_env(tmp_path, DEBUG="true")

    result = run_python("", env=env, args=[str(BASE_DIR / "manage.py"), "check", "--deploy"])

    assert "security.W018" in result.stdout + result.stderr


def test_production_switches_on_https_only_behaviour(tmp_path):
    code = (
        f"{LOAD_SETTINGS}; from django.conf import settings as s; "
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER)"
    )

    result = run_python(code, env=production_env(tmp_path))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False True True True True ('HTTP_X_FORWARDED_PROTO', 'https')"


def test_production_uses_the_given_hosts_and_database(tmp_path):
    code = (
        f"{LOAD_SETTINGS}; from django.conf import settings as s; "
        "print(s.ALLOWED_HOSTS, s.DATABASES['default']['ENGINE'], s.SECRET_KEY.startswith('test-only-'))"
    )

    result = run_python(code, env=production_env(tmp_path, ALLOWED_HOSTS="a.example, b.example"))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['a.example', 'b.example'] django.db.backends.sqlite3 True"


def test_unknown_environment_name_is_refused(tmp_path):
    result = run_python(LOAD_SETTINGS, env=production_env(tmp_path, PORTAL_ENV="staging"))

    assert result.returncode != 0
    assert "PORTAL_ENV must be 'development' or 'production'" in _refusal(result)


def test_development_starts_without_any_secret_and_keeps_them_out_of_the_checkout(tmp_path):
    var = tmp_path / "var"
    env = {"PORTAL_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "portal.settings"}

    result = run_python(f"{LOAD_SETTINGS}; from django.conf import settings as s; print(s.DEBUG)", env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
    secret = var / "secret_key"
    assert secret.exists()
    assert secret.stat().st_mode & 0o077 == 0  # readable by its owner only


# What the refusal names for each Twilio requirement, and the variables any one of which meets it.
TWILIO_REQUIRED = {
    "TWILIO_ACCOUNT_SID": ("TWILIO_ACCOUNT_SID",),
    "TWILIO_AUTH_TOKEN or TWILIO_API_KEY_SECRET": ("TWILIO_AUTH_TOKEN", "TWILIO_API_KEY_SECRET"),
    "TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID": ("TWILIO_FROM_NUMBER", "TWILIO_MESSAGING_SERVICE_SID"),
}


def _without_twilio(*requirements: str) -> dict[str, None]:
    return {variable: None for requirement in requirements for variable in TWILIO_REQUIRED[requirement]}


def test_production_without_twilio_names_every_missing_variable_at_once(tmp_path):
    result = run_python(LOAD_SETTINGS, env=production_env(tmp_path, **_without_twilio(*TWILIO_REQUIRED)))

    assert result.returncode != 0
    message = _refusal(result)
    assert message.endswith(
        "variables: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN or TWILIO_API_KEY_SECRET, "
        "TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID. See README.md, 'Configuration'."
    )
    assert not any(name in message for name in REQUIRED)


@pytest.mark.parametrize("missing", TWILIO_REQUIRED)
def test_production_names_exactly_the_missing_twilio_variable(tmp_path, missing):
    result = run_python(LOAD_SETTINGS, env=production_env(tmp_path, **_without_twilio(missing)))

    assert result.returncode != 0
    message = _refusal(result)
    assert [name for name in TWILIO_REQUIRED if name in message] == [missing]


def test_production_refuses_an_api_key_secret_without_its_sid(tmp_path):
    env = production_env(tmp_path, TWILIO_AUTH_TOKEN=None, TWILIO_API_KEY_SECRET="test-only-secret")

    result = run_python(LOAD_SETTINGS, env=env)

    assert result.returncode != 0
    assert "variables: TWILIO_API_KEY_SID." in _refusal(result)


def test_production_sends_texts_through_twilio_with_an_api_key_and_a_messaging_service(tmp_path):
    env = production_env(
        tmp_path,
        TWILIO_AUTH_TOKEN=None,
        TWILIO_FROM_NUMBER=None,
        TWILIO_API_KEY_SID="SK" + "1" * 32,
        TWILIO_API_KEY_SECRET="test-only-secret",
        TWILIO_MESSAGING_SERVICE_SID="MG" + "2" * 32,
        SMS_TIMEOUT_SECONDS="4.5",
    )
    code = (
        f"{LOAD_SETTINGS}; from django.conf import settings as s; from portal.sms import TwilioBackend; "
        "backend = TwilioBackend(); "
        "print(s.SMS_BACKEND, s.SMS_TIMEOUT_SECONDS, backend.client.username, backend.client.account_sid, "
        "backend.client.http_client.timeout, backend.sender)"
    )

    result = run_python(code, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"portal.sms.TwilioBackend 4.5 SK{'1' * 32} AC{'0' * 32} 4.5 {{'messaging_service_sid': 'MG{'2' * 32}'}}"
    )


def test_development_prints_texts_to_the_console_and_needs_no_twilio(tmp_path):
    env = {"PORTAL_VAR_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "portal.settings"}
    code = f"{LOAD_SETTINGS}; from portal.sms import sms_send; sms_send(to='+447700900123', body='Your code is 481516')"

    result = run_python(code, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "SMS to +447700900123: Your code is 481516"
