"""The API's decisions list reads only what it shows: no summary content, no assessment
result; its first reviews come whole in one more query, whatever the number of rows, and an
analyst still sees only the decisions on their situations."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import EscalationDecision
from tests.assessments.builders import (
    build_crisis,
    build_situation,
    many_actions,
    second_reviewer,
    summary_of,
)

pytestmark = pytest.mark.django_db

LARGE_COLUMNS = ('"content"', '"original_content"', '"result"', '"crime_levels"', '"narrative"')


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def crisis(reviewer, analyst):
    """An approved crisis assessment: its rung needs two reviewers, so its decision names a
    first review."""
    situation = build_situation(by=reviewer, analysts=[analyst], name="Darfur")
    return build_crisis(situation, by=analyst, status="approved", reviewer=reviewer)


def listed(client, params: dict[str, str] | None = None) -> tuple[list[str], dict]:
    client.get(reverse("api:decision-list"), params or {})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("api:decision-list"), params or {})
    assert response.status_code == 200, response.content[:300]
    return [q["sql"] for q in captured.captured_queries], response.json()


def test_a_decision_lists_with_its_first_review_in_full(client, reviewer, analyst, crisis):
    client.force_login(reviewer)
    decision = EscalationDecision.objects.get(summary=summary_of(crisis))
    first = decision.first_review
    assert first is not None

    _, data = listed(client)

    assert data["count"] == 1
    row = data["results"][0]
    assert row["id"] == decision.pk
    assert row["assessment"] == crisis.pk
    assert row["situation"] == crisis.situation_id
    assert row["summary_revision"] == crisis.revision
    assert row["reviewer"] == reviewer.username
    assert row["author"] == analyst.username
    assert row["content_hash"] == summary_of(crisis).content_hash
    assert row["first_review"] == {
        "id": first.pk,
        "assessment": crisis.pk,
        "situation": crisis.situation_id,
        "summary_revision": crisis.revision,
        "approved": True,
        "proposed_level": first.proposed_level,
        "level": first.level,
        "reason": "",
        "content_hash": first.content_hash,
        "reviewer": second_reviewer().get_username(),
        "author": analyst.username,
        "decided_at": row["first_review"]["decided_at"],
    }


def test_the_decisions_list_reads_no_summary_content_and_no_result(client, reviewer, crisis):
    client.force_login(reviewer)

    queries, data = listed(client)

    assert data["results"][0]["first_review"] is not None
    decision_queries = [sql for sql in queries if "escalation" in sql or "firstreview" in sql]
    assert decision_queries
    for sql in decision_queries:
        assert not any(column in sql for column in LARGE_COLUMNS), sql


def test_an_analyst_lists_only_the_decisions_on_their_situations(
    client, reviewer, analyst, other_analyst, crisis
):
    hidden = build_situation(by=reviewer, analysts=[other_analyst], name="Rakhine")
    many_actions(3, situation=hidden, analyst=other_analyst, reviewer=reviewer, due_on=date.max)

    client.force_login(analyst)
    _, theirs = listed(client)
    client.force_login(reviewer)
    _, everyone = listed(client)
    _, filtered = listed(client, {"situation": str(hidden.pk)})

    assert [d["situation"] for d in theirs["results"]] == [crisis.situation_id]
    assert everyone["count"] == 4
    assert {d["situation"] for d in filtered["results"]} == {hidden.pk}
    assert filtered["count"] == 3


def test_an_analysts_decisions_run_as_many_queries_at_500_rows_as_at_10(client, reviewer, analyst):
    client.force_login(analyst)
    counted = []
    for size in (10, 500):
        situation = build_situation(by=reviewer, analysts=[analyst])
        many_actions(
            size - 1,
            situation=situation,
            analyst=analyst,
            reviewer=reviewer,
            due_on=date(2026, 1, 1),
        )
        # The newest decision, first on the page, names a first review.
        build_crisis(situation, by=analyst, status="approved", reviewer=reviewer)
        queries, data = listed(client)
        assert len(data["results"]) == min(data["count"], 50)
        assert data["results"][0]["first_review"] is not None
        counted.append(len(queries))

    assert counted[0] == counted[1]
