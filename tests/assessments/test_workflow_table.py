"""The workflow's table: who may take which step from which status, asked by every page."""

import pytest

from accounts.roles import ANALYSTS, REVIEWERS
from assessments import workflow
from assessments.models import Assessment
from tests.assessments.builders import build_assessment, build_situation
from tests.conftest import make_user

STATUSES = ("draft", "submitted", "in_review", "approved", "returned")
# action -> statuses from which the assigned analyst (a), a reviewer who did not write it (r)
# and the system (s) may take it.
EXPECTED = {
    "edit": {"a": {"draft", "returned", "approved"}, "r": set(), "s": set()},
    "respond": {"a": {"draft", "returned"}, "r": set(), "s": set()},
    "submit": {"a": {"draft", "returned"}, "r": set(), "s": set()},
    "draft_summary": {"a": set(), "r": set(), "s": {"submitted", "in_review"}},
    "approve": {"a": set(), "r": {"in_review"}, "s": set()},
    "return": {"a": set(), "r": {"in_review"}, "s": set()},
    "decide": {"a": set(), "r": {"in_review"}, "s": set()},
    "retry_summary": {"a": {"submitted", "in_review"}, "r": {"submitted", "in_review"}, "s": set()},
}


@pytest.fixture
def by_status(reviewer, analyst):
    situation = build_situation(by=reviewer, analysts=[analyst])
    return {
        status: build_assessment(situation, by=analyst, status=status, reviewer=reviewer)
        for status in STATUSES
    }


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_each_step_is_allowed_only_to_its_actor_from_its_statuses(
    action, by_status, analyst, other_analyst, reviewer, outsider
):
    actors = {"a": analyst, "r": reviewer, "s": None}

    allowed = {
        key: {status for status, a in by_status.items() if workflow.allowed(a, action, user)}
        for key, user in actors.items()
    }

    assert allowed == EXPECTED[action]
    for nobody in (other_analyst, outsider):  # unassigned analyst, no role
        assert not any(workflow.allowed(a, action, nobody) for a in by_status.values())


@pytest.mark.django_db
def test_a_reviewer_who_wrote_the_assessment_may_not_decide_on_it(reviewer):
    writer = make_user("dual", ANALYSTS, REVIEWERS)  # holds both roles
    situation = build_situation(by=reviewer, analysts=[writer])
    assessment = build_assessment(situation, by=writer, status="in_review", reviewer=reviewer)

    assert workflow.allowed(assessment, "decide", reviewer) is True
    assert workflow.allowed(assessment, "decide", writer) is False
    assert workflow.allowed(assessment, "retry_summary", writer) is True


def test_every_step_leads_to_a_status_and_no_status_is_a_dead_end():
    statuses = set(Assessment.Status.values)
    reachable_from = {step.from_status for step in workflow.STEPS}

    assert {step.to_status for step in workflow.STEPS} <= statuses
    assert reachable_from == statuses  # every status has a way on
    assert len({(s.action, s.from_status) for s in workflow.STEPS}) == len(workflow.STEPS)
