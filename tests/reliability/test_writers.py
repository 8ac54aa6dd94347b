"""The fast subset of `make reliability`'s concurrent writers: a few browsers for a few seconds,
four of them on one member's diary, against gunicorn on PostgreSQL."""

from reliability import writers
from tests.reliability.support import explained, needs_postgresql

pytestmark = needs_postgresql()


def test_every_acknowledged_save_is_stored_once_and_every_chain_verifies():
    result = writers.run(seconds=6, spread=6, members=3, on_one=4)

    assert result.passed, explained(result)
    # The run did write, on every member's diary.
    acknowledged, stored = result.numbers["acknowledged"], result.numbers["stored"]
    assert isinstance(acknowledged, int) and acknowledged == stored and acknowledged > 20
    assert result.numbers["errors"] == 0
