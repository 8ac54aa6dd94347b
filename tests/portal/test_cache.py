"""The Redis cache keeps one client per connection pool (portal/cache.py), against the Redis on
127.0.0.1:6379, in a database of its own."""

import uuid

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from portal.cache import RedisCache

REDIS_FOR_TESTS = "redis://127.0.0.1:6379/4"


def make_cache() -> RedisCache:
    return RedisCache(REDIS_FOR_TESTS, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})


def test_calls_share_one_client_and_one_pool():
    cache = make_cache()
    cache.set("key", "value")

    assert cache.get("key") == "value"
    assert cache._cache.get_client(write=True) is cache._cache.get_client()
    assert cache._cache.get_client().connection_pool is cache._cache._get_connection_pool(write=False)
    cache.delete("key")


def test_reads_and_writes_as_django_s_own_backend_does():
    cache = make_cache()
    theirs = DjangoRedisCache(REDIS_FOR_TESTS, {"KEY_PREFIX": cache.key_prefix})

    cache.set("counter", 1)
    cache.incr("counter")
    cache.set_many({"a": [1, 2], "b": {"c": 3}})

    assert theirs.get("counter") == 2
    assert theirs.get_many(["a", "b"]) == {"a": [1, 2], "b": {"c": 3}}
    assert cache.add("counter", 5) is False
    cache.delete_many(["counter", "a", "b"])
    assert theirs.get("counter") is None
