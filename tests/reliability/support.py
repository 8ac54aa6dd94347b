"""When the reliability scenarios can run inside the test suite: they start their own servers
on a PostgreSQL database of their own, so they need the suite itself on PostgreSQL."""

import os

import pytest

from reliability.stack import postgres_available


def needs_postgresql():
    """Skip unless the suite runs on PostgreSQL (DATABASE_URL) and the local server answers."""
    on_postgresql = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    return pytest.mark.skipif(
        not (on_postgresql and postgres_available()),
        reason="the reliability scenarios run against PostgreSQL on 127.0.0.1:5432: set DATABASE_URL to run them",
    )


def explained(result) -> str:
    return "\n".join(result.lines())
