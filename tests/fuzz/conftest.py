"""The fuzz tests' Hypothesis profiles and fixtures.

Two profiles, chosen by the CI variable: ``fuzz-ci`` (1,000 examples a test) and ``fuzz-local``
(100, so that ``make test`` stays quick). ``R2P_FUZZ_EXAMPLES=N`` overrides the count, to time
a CI-sized run on SQLite without the CI services. Both are derandomized and keep no example
database: a run is the same every time, and writes no examples into the repository.

The one chosen is registered as ``fuzz`` and applied by each test
(``@settings.get_profile("fuzz")``), not loaded for the whole session: the property tests
elsewhere (tests/assessments/test_scoring.py) keep their own settings.
"""

import os
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests.conftest import IN_CI

hypothesis_settings.register_profile(
    "fuzz-ci",
    max_examples=1_000,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    # Fixtures (users, the assessment under test) are made once per test, and every example
    # runs in a savepoint that is rolled back (hostile.rolled_back); some examples are large.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
hypothesis_settings.register_profile(
    "fuzz-local", hypothesis_settings.get_profile("fuzz-ci"), max_examples=100
)

PROFILE = "fuzz-ci" if IN_CI else "fuzz-local"
_forced = os.environ.get("R2P_FUZZ_EXAMPLES", "").strip()
hypothesis_settings.register_profile(
    "fuzz",
    hypothesis_settings.get_profile(PROFILE),
    max_examples=int(_forced) if _forced else hypothesis_settings.get_profile(PROFILE).max_examples,
)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def signed_in(db: None) -> Callable[[AbstractBaseUser], Client]:
    """A client signed in as the user, that answers an exception in a view with a 500 (as a
    server does) instead of raising it into the test."""

    def sign_in(user: AbstractBaseUser) -> Client:
        client = Client(raise_request_exception=False)
        client.force_login(user)
        return client

    return sign_in
