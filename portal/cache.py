"""Django's Redis cache, keeping one Redis client per connection pool.

Django's client makes a new ``redis.Redis`` for every cache call, and redis-py builds its table of
about 170 reply handlers in each one's constructor: a third of a millisecond of CPU on every
signed-in request, whose session is read from this cache. A client is a thin, thread-safe
front to its pool (each command borrows a connection and gives it back), so one per pool does
the same work. The pools are Django's own, made on first use in each process and thread.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        # Django's pool, kept for the life of this client (django-stubs omit these private names).
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
