"""`make reliability`'s two app servers and a worker, sharing PostgreSQL and Redis: one session
on both, one lockout on both, a download asked for on one and fetched from the other."""

import pytest

from reliability import two_servers
from reliability.stack import redis_available
from tests.reliability.support import explained, needs_postgresql

pytestmark = [
    needs_postgresql(),
    pytest.mark.skipif(not redis_available(), reason="two app servers share Redis on 127.0.0.1:6379"),
]


def test_a_session_a_lockout_and_a_download_hold_across_two_app_servers():
    result = two_servers.run()

    assert result.passed, explained(result)
