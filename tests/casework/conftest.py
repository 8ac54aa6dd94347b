import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Counts of wrong referral codes live in the cache, which outlives a test."""
    cache.clear()
