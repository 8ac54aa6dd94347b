"""`make reliability`'s two app servers and a worker, sharing PostgreSQL and Redis: one session
on both, one lockout on both, one pause of codes on both, one hourly limit on texts asked for
on both (each code texted once), a download asked for on one and fetched from the other."""

import pytest

from reliability import two_servers
from reliability.stack import redis_available
from tests.reliability.support import explained, needs_postgresql

pytestmark = [
    needs_postgresql(),
    pytest.mark.skipif(not redis_available(), reason="two app servers share Redis on 127.0.0.1:6379"),
]


def test_a_session_lockouts_code_pauses_text_limits_and_a_download_hold_across_two_app_servers():
    result = two_servers.run()

    assert result.passed, explained(result)
    texts = result.numbers["texts delivered"]
    assert isinstance(texts, int) and 0 < texts <= 5, "the worker texted the codes asked for, within the limit"
