"""Health and readiness answers for load balancers and orchestrators: plain "ok" or
"unavailable", saying nothing of what the portal is for or why it is not ready.

They are answered by a middleware at the top of the stack, ahead of the host check and the
HTTPS redirect: a probe comes straight to the app server over plain HTTP, addressed to
whatever name or IP address the orchestrator uses, and carries no cookie.
"""

import logging
import secrets
from collections.abc import Callable

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
# How long a load balancer should wait before asking a server that was not ready again.
RETRY_AFTER_SECONDS = 5


def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up and answering. Touches neither the database nor the cache, so a
    database outage does not make an orchestrator restart every app server at once."""
    return _plain(200, "ok")


def readyz(request: HttpRequest) -> HttpResponse:
    """Ready for traffic: the database answers, every migration is applied, the cache answers.

    The reason for a 503 goes to the log (by name only), never into the answer.
    """
    for name, check in (("database", _database_ready), ("migrations", _migrations_applied), ("cache", _cache_ready)):
        try:
            ready = check()
        except Exception as error:  # any failure at all means "not ready"
            logger.warning("Not ready: the %s check failed (%s).", name, type(error).__name__)
            ready = False
        else:
            if not ready:
                logger.warning("Not ready: the %s check failed.", name)
        if not ready:
            response = _plain(503, "unavailable")
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
    return _plain(200, "ok")


def _database_ready() -> bool:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _migrations_applied() -> bool:
    """True when no migration is waiting: a server started before `migrate` finished waits."""
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


def _cache_ready() -> bool:
    """A round trip through the shared cache (Redis in production), under a fresh key each time:
    neither an answer left by an earlier probe nor another server's probe can pass for this one."""
    token = secrets.token_hex(8)
    key = f"portal:readiness-probe:{token}"
    cache.set(key, token, timeout=30)
    answered = cache.get(key) == token
    cache.delete(key)
    return answered


def _plain(status: int, text: str) -> HttpResponse:
    response = HttpResponse(f"{text}\n", status=status, content_type="text/plain; charset=utf-8")
    add_never_cache_headers(response)
    response["X-Content-Type-Options"] = "nosniff"
    return response


PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {HEALTH_PATH: healthz, READY_PATH: readyz}


class HealthMiddleware:
    """Answers the two probe addresses before any other middleware sees the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is not None and request.method in {"GET", "HEAD"}:
            response = probe(request)
            if request.method == "HEAD":
                response.content = b""
            return response
        return self.get_response(request)
