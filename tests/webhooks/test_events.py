"""Which events the workflow queues, for which endpoints, when, and what their bodies hold."""

import json
from datetime import timedelta

import pytest
from django.db import transaction

from assessments.workflow import RatingInput
from tests.assessments.builders import (
    AS_OF,
    CRISIS,
    SERIOUS_CONCERN,
    build_assessment,
    decide_on,
    draft_summary_now,
    second_reviewer,
    summary_of,
)
from tests.webhooks.builders import approved, build_endpoint, deliveries_of, published_deliveries
from tests.webhooks.conftest import SITE_URL
from webhooks import services
from webhooks.models import Delivery

NOTE = "NOTE-MARKER a witness saw the militia at the market"
SOURCE = "SOURCE-MARKER confidential field report 17"
NARRATIVE = "NARRATIVE-MARKER the analyst's full reading of the situation"
REASON = "REASON-MARKER the reviewer doubts the single source"
MARKED_RATINGS = {
    "1.1": RatingInput(severity="moderate", note=NOTE, sources=(("B", SOURCE),)),
    "7.5": RatingInput(severity="high", note=NOTE, sources=(("C", SOURCE),)),
    "8.1": RatingInput(severity="high", note=NOTE, sources=(("A", SOURCE),)),
}


def sent_bodies(receiver) -> dict[str, dict]:
    return {
        request.headers["x-r2p-event"]: json.loads(request.body) for request in receiver.requests
    }


def deliver_published(jobs) -> None:
    for delivery_id in published_deliveries(jobs):
        services.deliver(delivery_id)


# When -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_nothing_is_published_or_sent_before_the_decision_commits(
    receiver, situation, analyst, reviewer, jobs, django_capture_on_commit_callbacks
):
    build_endpoint(receiver.url, events=["escalation.approved"])
    assessment = build_assessment(situation, by=analyst, status="in_review")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        decide_on(summary_of(assessment), by=reviewer, approve=True, second_by=second_reviewer())
        [delivery] = deliveries_of("escalation.approved")  # written with the decision
        assert published_deliveries(jobs) == []

    assert receiver.requests == []
    assert published_deliveries(jobs) == []
    for callback in callbacks:  # the commit
        callback()
    assert published_deliveries(jobs) == [delivery.pk]


@pytest.mark.django_db
def test_a_decision_rolled_back_queues_and_sends_nothing(
    receiver, situation, analyst, reviewer, jobs, django_capture_on_commit_callbacks
):
    build_endpoint(receiver.url, events=["escalation.approved", "situation.level_changed"])
    assessment = build_assessment(situation, by=analyst, status="in_review")

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        decide_on(summary_of(assessment), by=reviewer, approve=True, second_by=second_reviewer())
        assert Delivery.objects.count() == 2
        raise RuntimeError("the request failed after the decision")

    assert Delivery.objects.count() == 0
    assert published_deliveries(jobs) == []
    assert receiver.requests == []


# For whom ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("confidentiality", "clearance", "sent"),
    [
        ("confidential", "internal", False),
        ("strictly_confidential", "confidential", False),
        ("internal", "public", False),
        ("confidential", "confidential", True),
        ("confidential", "strictly_confidential", True),
        ("public", "public", True),
    ],
)
def test_a_situation_is_sent_only_to_endpoints_cleared_for_its_confidentiality(
    receiver,
    situation,
    analyst,
    reviewer,
    jobs,
    django_capture_on_commit_callbacks,
    confidentiality,
    clearance,
    sent,
):
    situation.confidentiality = confidentiality
    situation.save(update_fields=["confidentiality"])
    build_endpoint(receiver.url, clearance=clearance)

    approved(
        situation, analyst=analyst, reviewer=reviewer, capture=django_capture_on_commit_callbacks
    )
    deliver_published(jobs)

    if sent:
        assert Delivery.objects.filter(event="escalation.approved").count() == 1
        assert "escalation.approved" in sent_bodies(receiver)
    else:
        assert Delivery.objects.count() == 0
        assert published_deliveries(jobs) == []
        assert receiver.requests == []


@pytest.mark.django_db
def test_an_endpoint_gets_only_the_events_it_subscribed_to(
    receiver, situation, analyst, reviewer, jobs, django_capture_on_commit_callbacks
):
    wants_returns = build_endpoint(receiver.url, events=["assessment.returned"])
    wants_approvals = build_endpoint(receiver.url, events=["escalation.approved"])

    approved(
        situation, analyst=analyst, reviewer=reviewer, capture=django_capture_on_commit_callbacks
    )
    deliver_published(jobs)

    assert list(Delivery.objects.values_list("event", "endpoint")) == [
        ("escalation.approved", wants_approvals.pk)
    ]
    assert not wants_returns.deliveries.exists()
    assert [r.headers["x-r2p-event"] for r in receiver.requests] == ["escalation.approved"]


@pytest.mark.django_db
def test_an_inactive_endpoint_gets_nothing(
    receiver, situation, analyst, reviewer, jobs, django_capture_on_commit_callbacks
):
    build_endpoint(receiver.url, active=False)

    approved(
        situation, analyst=analyst, reviewer=reviewer, capture=django_capture_on_commit_callbacks
    )

    assert Delivery.objects.count() == 0
    assert published_deliveries(jobs) == []
    assert receiver.requests == []


@pytest.mark.django_db
def test_each_endpoint_gets_its_own_delivery_with_its_own_id(
    receiver, situation, analyst, reviewer, jobs, django_capture_on_commit_callbacks
):
    build_endpoint(receiver.url, events=["escalation.approved"], name="One")
    build_endpoint(receiver.url, events=["escalation.approved"], name="Two")

    approved(
        situation, analyst=analyst, reviewer=reviewer, capture=django_capture_on_commit_callbacks
    )
    deliver_published(jobs)

    ids = [request.headers["x-r2p-delivery"] for request in receiver.requests]
    assert len(ids) == len(set(ids)) == 2
    assert {json.loads(r.body)["delivery"] for r in receiver.requests} == set(ids)


# What -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_summary_ready_names_the_summary_its_hash_and_the_links(
    receiver, situation, analyst, jobs, django_capture_on_commit_callbacks
):
    build_endpoint(receiver.url, events=["summary.ready"])
    assessment = build_assessment(situation, by=analyst, status="submitted")

    with django_capture_on_commit_callbacks(execute=True):
        draft_summary_now(assessment)
    deliver_published(jobs)

    summary = summary_of(assessment)
    body = sent_bodies(receiver)["summary.ready"]
    assert set(body) == {"event", "delivery", "occurred_at", "situation", "assessment", "summary"}
    assert body["situation"] == {
        "id": situation.pk,
        "code": "lake-district",
        "name": "Lake District (test)",
        "country": "SD",
        "region": "North",
    }
    assert body["assessment"] == {
        "id": assessment.pk,
        "as_of": AS_OF.isoformat(),
        "revision": 1,
        "status": "in_review",
        "overall_level": assessment.overall_level,
        "url": f"{SITE_URL}/assessments/{assessment.pk}/",
        "api_url": f"{SITE_URL}/api/v1/assessments/{assessment.pk}/",
    }
    assert body["summary"] == {
        "id": summary.pk,
        "revision": 1,
        "content_hash": summary.content_hash,
        "proposed_escalation": summary.proposed_escalation,
    }


@pytest.mark.django_db
def test_an_approval_says_the_decided_level_and_a_return_says_no_reason(
    receiver, situation, analyst, reviewer, jobs, django_capture_on_commit_callbacks
):
    build_endpoint(receiver.url, events=["escalation.approved", "assessment.returned"])
    approving = build_assessment(
        situation, by=analyst, status="in_review", ratings=CRISIS, posture="perpetrator"
    )
    returning = build_assessment(
        situation, by=analyst, status="in_review", as_of=AS_OF - timedelta(days=30)
    )

    with django_capture_on_commit_callbacks(execute=True):
        decide_on(
            summary_of(approving),
            by=reviewer,
            approve=True,
            level="brief_secretary_general",
            reason="Brief first; the Council later.",
            second_by=second_reviewer(),
        )
        decide_on(
            summary_of(returning),
            by=reviewer,
            approve=False,
            reason=REASON,
            second_by=second_reviewer(),
        )
    deliver_published(jobs)

    bodies = sent_bodies(receiver)
    approval, ret = bodies["escalation.approved"], bodies["assessment.returned"]
    assert approval["assessment"]["status"] == "approved"
    assert approval["decision"]["approved"] is True
    assert approval["decision"]["level"] == "brief_secretary_general"
    assert approval["decision"]["proposed_level"] == "request_security_council_briefing"
    assert set(approval["decision"]) == {"approved", "level", "proposed_level", "decided_at"}
    assert ret["assessment"]["status"] == "returned"
    assert set(ret["decision"]) == {"approved", "proposed_level", "decided_at"}
    assert ret["decision"]["approved"] is False
    assert "Brief first" not in json.dumps(bodies)
    assert "REASON-MARKER" not in json.dumps(bodies)


@pytest.mark.django_db
def test_no_body_carries_a_note_a_source_a_narrative_or_a_reason(
    receiver, situation, analyst, reviewer, jobs, django_capture_on_commit_callbacks
):
    build_endpoint(receiver.url)  # every event
    submitted = [
        build_assessment(
            situation,
            by=analyst,
            status="submitted",
            ratings=MARKED_RATINGS,
            narrative=NARRATIVE,
            as_of=AS_OF - timedelta(days=days),
        )
        for days in (0, 10)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        for assessment in submitted:
            draft_summary_now(assessment)
        decide_on(summary_of(submitted[0]), by=reviewer, approve=True, second_by=second_reviewer())
        decide_on(
            summary_of(submitted[1]),
            by=reviewer,
            approve=False,
            reason=REASON,
            second_by=second_reviewer(),
        )
    deliver_published(jobs)

    assert sorted(r.headers["x-r2p-event"] for r in receiver.requests) == [
        "assessment.returned",
        "escalation.approved",
        "situation.level_changed",
        "summary.ready",
        "summary.ready",
    ]
    for request in receiver.requests:
        text = request.body.decode()
        for marker in ("NOTE-MARKER", "SOURCE-MARKER", "NARRATIVE-MARKER", "REASON-MARKER"):
            assert marker not in text, (request.headers["x-r2p-event"], marker)
    # The same holds for what is stored to be sent again.
    stored = json.dumps(list(Delivery.objects.values_list("payload", flat=True)))
    assert "MARKER" not in stored


# The situation's level --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_first_approval_of_a_situation_sets_its_level(
    receiver, situation, analyst, reviewer, jobs, django_capture_on_commit_callbacks
):
    build_endpoint(receiver.url, events=["situation.level_changed"])

    assessment = approved(
        situation,
        analyst=analyst,
        reviewer=reviewer,
        capture=django_capture_on_commit_callbacks,
        ratings=SERIOUS_CONCERN,
    )
    deliver_published(jobs)

    body = sent_bodies(receiver)["situation.level_changed"]
    assert assessment.overall_level == "serious_concern"
    assert body["level"] == {"previous": None, "current": "serious_concern"}
    assert body["situation"]["id"] == situation.pk
    assert body["assessment"]["id"] == assessment.pk


@pytest.mark.django_db
def test_an_approval_that_moves_the_level_says_from_what_to_what(
    receiver, situation, analyst, reviewer, jobs, django_capture_on_commit_callbacks
):
    approved(
        situation,
        analyst=analyst,
        reviewer=reviewer,
        capture=django_capture_on_commit_callbacks,
        ratings=SERIOUS_CONCERN,
    )
    build_endpoint(receiver.url, events=["situation.level_changed"])

    later = approved(
        situation,
        analyst=analyst,
        reviewer=reviewer,
        capture=django_capture_on_commit_callbacks,
        ratings=CRISIS,
        posture="perpetrator",
        as_of=AS_OF + timedelta(days=30),
    )
    deliver_published(jobs)

    assert later.overall_level == "current_crisis"
    body = sent_bodies(receiver)["situation.level_changed"]
    assert body["level"] == {"previous": "serious_concern", "current": "current_crisis"}


@pytest.mark.django_db
def test_an_approval_at_the_same_level_or_of_an_older_assessment_changes_no_level(
    receiver, situation, analyst, reviewer, jobs, django_capture_on_commit_callbacks
):
    approved(
        situation,
        analyst=analyst,
        reviewer=reviewer,
        capture=django_capture_on_commit_callbacks,
        ratings=SERIOUS_CONCERN,
    )
    build_endpoint(receiver.url, events=["situation.level_changed", "escalation.approved"])

    approved(  # the same level, a month later
        situation,
        analyst=analyst,
        reviewer=reviewer,
        capture=django_capture_on_commit_callbacks,
        ratings=SERIOUS_CONCERN,
        as_of=AS_OF + timedelta(days=30),
    )
    approved(  # a crisis, but older than the latest approved: the current level stays
        situation,
        analyst=analyst,
        reviewer=reviewer,
        capture=django_capture_on_commit_callbacks,
        ratings=CRISIS,
        posture="perpetrator",
        as_of=AS_OF - timedelta(days=30),
    )
    deliver_published(jobs)

    events = [r.headers["x-r2p-event"] for r in receiver.requests]
    assert events == ["escalation.approved", "escalation.approved"]
    assert deliveries_of("situation.level_changed") == []
