"""Every advice-library test starts with an empty cache: page ids repeat between tests, and a
body cached by one test must not be served in the next."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()
