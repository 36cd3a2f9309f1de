import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def fresh_rate_counts():
    """Each test counts its requests from zero (the counts live in the cache)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
