"""The API against its own OpenAPI schema, over HTTP on the live test server: schemathesis
generates requests from the schema for every operation (valid and invalid inputs alike) and
checks every answer: no server error, and no status code, content type, header or body that
the schema does not describe.

Examples per operation: ``R2P_SCHEMA_EXAMPLES`` (10 in CI, 8 by default).
"""

import os

import pytest
import requests
import schemathesis
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts import tokens
from tests.assessments.builders import build_assessment, build_situation

EXAMPLES = int(os.environ.get("R2P_SCHEMA_EXAMPLES", "10" if os.environ.get("CI") else "8"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Rendering a PDF takes a second: a few examples of it say what many would.
FEW = {"GET /api/v1/assessments/{id}/summary/pdf/"}


@pytest.fixture
def reviewer_token(live_server, framework_data, reviewer, analyst, settings) -> str:
    settings.API_THROTTLE_RATES = {"token": "100000/hour", "user": "100000/hour"}
    situation = build_situation(by=reviewer, analysts=[analyst], code="sd-darfur", name="Darfur")
    build_assessment(situation, by=analyst, ratings={"7.5": "high"}, status="in_review")
    build_assessment(situation, by=analyst, ratings={"8.1": "high", "1.1": "moderate"})
    _, raw = tokens.create_token(reviewer, name="schema", scope="write")
    return raw


@pytest.mark.django_db(transaction=True)
def test_every_answer_of_every_operation_conforms_to_the_schema(live_server, reviewer_token):
    headers = {"Authorization": f"Bearer {reviewer_token}"}
    raw = requests.get(
        f"{live_server.url}{reverse('api:schema')}?format=json", headers=headers, timeout=30
    )
    raw.raise_for_status()
    schema = schemathesis.openapi.from_dict(raw.json())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30, "every operation of the API is exercised"
    session = requests.Session()
    tried: dict[str, set[int]] = {}

    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        examples = 3 if label in FEW else EXAMPLES
        exercise(operation, label, examples, live_server.url, session, headers, tried)()

    assert set(tried) == {f"{o.method.upper()} {o.path}" for o in operations}
    # The run reached past the refusals: every read without a parameter in its path (the lists,
    # the watch, who one is) answered with its data at least once.
    lists = {label for label in tried if label.startswith("GET ") and "{" not in label}
    assert len(lists) >= 12
    assert {label for label in lists if 200 not in tried[label]} == set(), tried


def exercise(operation, label, examples, base_url, session, headers, tried):
    """A hypothesis test of one operation: ``examples`` requests generated from its schema,
    each answer checked against it; the status codes met are added to ``tried``."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        response = case.call_and_validate(
            base_url=base_url, session=session, headers=headers, checks=CHECKS
        )
        tried.setdefault(label, set()).add(response.status_code)

    return run
