"""Sessions read from Redis (REDIS_URL set): ending one must end the cached copy too, or a
phone signed out "everywhere" would stay signed in from the cache. Runs against the Redis on
127.0.0.1:6379, in a database of its own."""

import uuid

import pytest
from django.core.cache import cache
from django.test import Client

from tests.portal.support import production_env, run_python

REDIS_FOR_TESTS = "redis://127.0.0.1:6379/3"
END_OTHERS_URL = "/accounts/sessions/end-others/"


def signed_in(user, sign_in) -> Client:
    client = Client()
    assert sign_in(client, user.email).status_code == 302
    return client


def is_signed_in(client) -> bool:
    return client.get("/home/").status_code == 200


@pytest.fixture
def sessions_in_redis(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.RedisCache",
            "LOCATION": REDIS_FOR_TESTS,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    yield
    cache.clear()


def test_with_redis_sessions_are_read_from_it_and_kept_in_the_database(tmp_path):
    code = "import django; django.setup(); from django.conf import settings as s; print(s.SESSION_ENGINE)"

    with_redis = run_python(code, env={**production_env(tmp_path), "REDIS_URL": REDIS_FOR_TESTS})
    without = run_python(code, env=production_env(tmp_path))

    assert with_redis.stdout.split() == ["django.contrib.sessions.backends.cached_db"], with_redis.stderr
    assert without.stdout.split() == ["django.contrib.sessions.backends.db"], without.stderr


def test_signing_out_other_sessions_ends_their_cached_copies(sessions_in_redis, member, sign_in):
    phone = signed_in(member, sign_in)
    laptop = signed_in(member, sign_in)
    assert is_signed_in(laptop)
    assert cache.get(f"django.contrib.sessions.cached_db{laptop.session.session_key}") is not None

    phone.post(END_OTHERS_URL)

    assert not is_signed_in(laptop)
    assert is_signed_in(phone)
