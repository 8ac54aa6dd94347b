"""/healthz and /readyz: plain answers for load balancers that say nothing of what the portal is
for, nor why it is not ready; readiness fails when the database, its migrations or the cache do.
"""

import json

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from portal import health
from tests.portal.support import production_env, run_python

# A port nothing listens on: connecting to it is refused at once.
CLOSED_PORT = 1


def assert_plain(response, status: int, text: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content == f"{text}\n".encode()
    assert "no-store" in response["Cache-Control"]


def test_healthz_is_ok_without_touching_the_database(client):
    # No database for this test: a query would raise, and the client raises it here.
    response = client.get("/healthz")

    assert_plain(response, 200, "ok")


def test_readyz_is_ok_when_the_database_is_migrated_and_the_cache_answers(client, db):
    assert_plain(client.get("/readyz"), 200, "ok")


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_a_probe_under_an_address_the_site_does_not_serve_is_still_answered(client, db, path):
    # Orchestrators probe an app server by its own IP address, which is no allowed host.
    response = client.get(path, headers={"host": "10.0.0.7:8000"})

    assert_plain(response, 200, "ok")


def test_head_is_answered_without_a_body(client, db):
    response = client.head("/readyz")

    assert response.status_code == 200
    assert response.content == b""


def test_readyz_is_unavailable_while_a_migration_is_not_applied(client, db, caplog):
    # A server started before `migrate` has finished must not be sent traffic.
    latest = MigrationRecorder(connection).migration_qs.filter(app="diary").latest("id")
    latest.delete()

    response = client.get("/readyz")

    assert_plain(response, 503, "unavailable")
    assert response["Retry-After"] == str(health.RETRY_AFTER_SECONDS)
    assert latest.name.encode() not in response.content
    assert "Not ready: the migrations check failed." in caplog.messages


def test_readyz_is_unavailable_when_the_cache_cannot_be_reached(client, db, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{CLOSED_PORT}/0",
        }
    }

    response = client.get("/readyz")

    assert_plain(response, 503, "unavailable")
    assert response["Retry-After"] == str(health.RETRY_AFTER_SECONDS)
    # The log names the check and the kind of error, never the address or the error's text.
    [message] = [m for m in caplog.messages if m.startswith("Not ready")]
    assert message == "Not ready: the cache check failed (ConnectionError)."


def test_health_still_answers_and_readiness_fails_when_the_database_is_unreachable(tmp_path):
    # A real production process whose database refuses connections; the probe comes over plain
    # HTTP under the server's own address, as an orchestrator sends it.
    env = production_env(tmp_path, DATABASE_URL=f"postgres://postgres@127.0.0.1:{CLOSED_PORT}/portal")
    code = """
import json
import django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
answers = {}
for path in ("/healthz", "/readyz"):
    response = client.get(path, headers={"host": "10.0.0.7:8000"})
    answers[path] = [response.status_code, response.content.decode(), dict(response.headers)]
print(json.dumps(answers))
"""
    result = run_python(code, env=env)

    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers["/healthz"][:2] == [200, "ok\n"]
    status, body, headers = answers["/readyz"]
    assert [status, body] == [503, "unavailable\n"]
    assert headers["Retry-After"] == str(health.RETRY_AFTER_SECONDS)
    assert "no-store" in headers["Cache-Control"]
    # What failed is logged by name, and the connection's details (host, port, user) are not.
    assert "Not ready: the database check failed (OperationalError)." in result.stderr
    assert "127.0.0.1" not in result.stderr  # (not ":1": log times hold it)
    assert f"port {CLOSED_PORT} " not in result.stderr
    assert "postgres" not in result.stderr.lower()
