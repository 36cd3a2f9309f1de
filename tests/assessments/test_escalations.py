"""Escalation summaries through the services: drafting, idempotence, decisions, reminders."""

import io
import logging
import time
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.roles import REVIEWERS
from assessments import notifications, workflow
from assessments.models import (
    Assessment,
    EscalationDecision,
    EscalationSummary,
    Notification,
)
from assessments.summaries import content_hash
from tests.assessments.builders import (
    AS_OF,
    build_assessment,
    build_crisis,
    build_situation,
    decide_on,
    draft_summary_now,
    edit_assessment,
    second_reviewer,
    summary_of,
)
from tests.conftest import broker_at
from tests.database import violates

SERIOUS = {"1.1": "moderate", "2.1": "moderate", "3.1": "moderate"}
FOUR_EYES_MESSAGE = "You wrote or edited this assessment, so you cannot review it."
ALREADY_DECIDED_MESSAGE = "This summary has already been decided on."
RETRY_REFUSED_MESSAGE = r"Only the situation's analysts or a reviewer can retry a summary\."


@pytest.fixture
def situation(reviewer, analyst):
    return build_situation(by=reviewer, analysts=[analyst], name="Lake District (test)")


def failed_summary(situation, analyst, error="the drafter crashed"):
    """The summary of a submitted crisis assessment whose drafting failed for good."""
    summary = summary_of(build_crisis(situation, by=analyst, status="submitted"))
    assert workflow.mark_summary_failed(summary.pk, error)
    return summary


@pytest.mark.django_db
def test_submitting_creates_one_pending_summary_of_that_version(
    situation, analyst, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assessment = build_crisis(situation, by=analyst, status="submitted")

    summary = EscalationSummary.objects.get(assessment=assessment)
    assert summary.revision == assessment.revision == 1
    assert summary.status == "pending"
    assert len(callbacks) == 1  # the task is enqueued only once the submit commits


@pytest.mark.django_db
def test_drafting_stores_a_snapshot_with_its_hash_and_moves_the_assessment_into_review(
    situation, analyst, reviewer
):
    assessment = build_crisis(situation, by=analyst, status="submitted")

    summary = summary_of(draft_summary_now(assessment))

    assessment.refresh_from_db()
    assert assessment.status == "in_review"
    assert summary.status == "ready"
    assert summary.content_hash == content_hash(summary.content)
    content = summary.content
    assert content["situation"]["name"] == "Lake District (test)"
    assert content["assessment"]["as_of"] == "2026-05-01"
    assert content["levels"]["genocide"] == "current_crisis"
    assert content["levels"]["overall"] == "current_crisis"
    assert content["changes"]["first_assessment"] is True
    assert content["escalation"]["level"] == "request_security_council_briefing"
    assert summary.proposed_escalation == "request_security_council_briefing"
    assert content["drivers"][0]["factor"] == 10
    assert content["drivers"][0]["indicators"][0]["sources"][0]["reliability"] == "B"
    assert set(content["recommendations"]) == {"1", "2", "3"}
    assert any(r["symbol"].startswith("A/66/874") for r in content["reports"]["3"])
    last = assessment.transitions.last()
    assert (last.actor, last.from_status, last.to_status) == (None, "submitted", "in_review")


@pytest.mark.django_db
def test_a_second_delivery_makes_no_second_summary_and_no_second_email(
    situation, analyst, reviewer, django_capture_on_commit_callbacks, jobs
):
    assessment = build_crisis(situation, by=analyst, status="submitted")
    summary = EscalationSummary.objects.get(assessment=assessment)

    with django_capture_on_commit_callbacks(execute=True):
        first = workflow.draft_summary(summary.pk)
    with django_capture_on_commit_callbacks(execute=True):
        second = workflow.draft_summary(summary.pk)
    jobs.run()

    assert (first, second) == ("drafted", "skipped")
    assert EscalationSummary.objects.filter(assessment=assessment).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [reviewer.email]
    assert "Lake District (test)" in mail.outbox[0].subject
    # The email task delivered again sends nothing.
    assert notifications.send_summary_ready_email(summary.pk, reviewer.pk) is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_database_allows_one_summary_per_assessment_version(situation, analyst):
    assessment = build_crisis(situation, by=analyst, status="submitted")
    pending = summary_of(assessment)

    with (
        pytest.raises(
            IntegrityError,
            match=violates(
                "summary_one_per_version",
                "assessments_escalationsummary.assessment_id",
                "assessments_escalationsummary.revision",
            ),
        ),
        transaction.atomic(),
    ):
        EscalationSummary.objects.create(assessment=assessment, revision=assessment.revision)

    assert list(EscalationSummary.objects.filter(assessment=assessment)) == [pending]


@pytest.mark.django_db
def test_a_claim_held_by_a_live_drafter_is_not_taken_but_a_dead_drafters_is(
    situation, analyst, settings
):
    assessment = build_crisis(situation, by=analyst, status="submitted")
    summary = EscalationSummary.objects.get(assessment=assessment)
    assert workflow.claim_summary(summary.pk) is not None

    assert workflow.draft_summary(summary.pk) == "skipped"

    old = timezone.now() - timedelta(seconds=settings.SUMMARY_LEASE_SECONDS + 1)
    EscalationSummary.objects.filter(pk=summary.pk).update(claimed_at=old)
    assert workflow.draft_summary(summary.pk) == "drafted"
    summary.refresh_from_db()
    assert summary.status == "ready"
    assert summary.attempts == 2


@pytest.mark.django_db
def test_sweeper_enqueues_again_what_is_stuck_and_leaves_the_rest(
    situation, analyst, settings, jobs
):
    stuck = build_crisis(situation, by=analyst, status="submitted")
    fresh_situation = build_situation(by=stuck.situation.created_by, analysts=[analyst])
    fresh = build_assessment(
        fresh_situation, by=analyst, ratings=SERIOUS, posture="perpetrator", status="submitted"
    )
    long_ago = timezone.now() - timedelta(seconds=settings.SUMMARY_STUCK_AFTER_SECONDS + 5)
    EscalationSummary.objects.filter(assessment=stuck).update(updated_at=long_ago)

    assert workflow.sweep_stuck_summaries() == 1
    assert jobs.published == [("assessments.draft_summary", {"summary_id": summary_of(stuck).pk})]

    dead = timezone.now() - timedelta(seconds=settings.SUMMARY_LEASE_SECONDS + 5)
    EscalationSummary.objects.filter(assessment=fresh).update(
        status="drafting", claimed_at=dead, updated_at=long_ago
    )
    assert workflow.sweep_stuck_summaries() == 1
    assert EscalationSummary.objects.get(assessment=fresh).status == "pending"
    assert jobs.published[1:] == [
        ("assessments.draft_summary", {"summary_id": summary_of(fresh).pk})
    ]


@pytest.mark.django_db
def test_submit_succeeds_when_the_broker_is_down_and_the_summary_stays_pending(
    situation, analyst, django_capture_on_commit_callbacks, caplog
):
    # Nothing listens on the discard port.
    started = time.monotonic()
    with (
        broker_at("redis://127.0.0.1:9/0"),
        caplog.at_level(logging.WARNING, logger="assessments.jobs"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assessment = build_crisis(situation, by=analyst, status="submitted")
    # The publish gave up at once instead of retrying the broker (it took 19 s): a request
    # never waits on a broker that is down. The bound is wide; it tells a hang from a try.
    assert time.monotonic() - started < 3

    summary = EscalationSummary.objects.get(assessment=assessment)
    assert f"could not publish assessments.draft_summary {{'summary_id': {summary.pk}}}" in (
        caplog.text
    )
    assert assessment.status == "submitted"
    assert summary.status == "pending"


@pytest.mark.django_db
def test_a_permanent_failure_is_visible_and_can_be_tried_again(situation, analyst, reviewer):
    assessment = build_crisis(situation, by=analyst, status="submitted")
    summary = EscalationSummary.objects.get(assessment=assessment)

    assert workflow.mark_summary_failed(summary.pk, "the drafter crashed")
    summary.refresh_from_db()
    assert (summary.status, summary.error) == ("failed", "the drafter crashed")

    workflow.retry_summary(summary, by=reviewer)
    summary.refresh_from_db()
    assert (summary.status, summary.error) == ("pending", "")
    assert workflow.draft_summary(summary.pk) == "drafted"


@pytest.mark.django_db
def test_an_unassigned_analyst_cannot_retry_a_failed_summary(
    situation, analyst, other_analyst, jobs, django_capture_on_commit_callbacks
):
    summary = failed_summary(situation, analyst, "boom")

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(workflow.WorkflowError, match=RETRY_REFUSED_MESSAGE),
    ):
        workflow.retry_summary(summary, by=other_analyst)

    summary.refresh_from_db()
    assert (summary.status, summary.error, summary.attempts) == ("failed", "boom", 0)
    assert Assessment.objects.get(pk=summary.assessment_id).status == "submitted"
    assert jobs.names() == []  # nothing queued to draft it again


@pytest.mark.django_db
def test_an_outsider_cannot_retry_a_failed_summary(
    situation, analyst, outsider, jobs, django_capture_on_commit_callbacks
):
    summary = failed_summary(situation, analyst, "boom")

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(workflow.WorkflowError, match=RETRY_REFUSED_MESSAGE),
    ):
        workflow.retry_summary(summary, by=outsider)

    summary.refresh_from_db()
    assert (summary.status, summary.error, summary.attempts) == ("failed", "boom", 0)
    assert Assessment.objects.get(pk=summary.assessment_id).status == "submitted"
    assert jobs.names() == []


@pytest.mark.django_db
def test_reviewer_approves_at_the_proposed_level_and_the_decision_binds_to_the_hash(
    situation, analyst, reviewer
):
    summary = summary_of(build_crisis(situation, by=analyst, status="in_review"))

    decision = decide_on(summary, by=reviewer, approve=True, second_by=second_reviewer())

    assert decision.approved is True
    assert decision.level == summary.proposed_escalation
    assert decision.content_hash == summary.content_hash
    assessment = Assessment.objects.get(pk=summary.assessment_id)
    assert assessment.status == "approved"
    assert assessment.reviewer == reviewer


@pytest.mark.django_db
def test_changing_the_level_or_rejecting_needs_a_reason(situation, analyst, reviewer):
    summary = summary_of(build_crisis(situation, by=analyst, status="in_review"))

    with pytest.raises(workflow.WorkflowError, match="reason for changing"):
        decide_on(summary, by=reviewer, approve=True, level="brief_secretary_general")
    with pytest.raises(workflow.WorkflowError, match="reason for rejecting"):
        workflow.decide_escalation(
            summary,
            by=reviewer,
            approve=False,
            level=summary.proposed_escalation,
            reason=" ",
            content_hash=summary.content_hash,
        )
    assert not EscalationDecision.objects.exists()

    decision = decide_on(
        summary, by=reviewer, approve=True, level="brief_secretary_general", reason="SG first."
    )
    assert (decision.level, decision.proposed_level) == (
        "brief_secretary_general",
        "request_security_council_briefing",
    )


@pytest.mark.django_db
def test_rejecting_returns_the_assessment_to_the_analyst_with_the_reason(
    situation, analyst, reviewer
):
    summary = summary_of(build_crisis(situation, by=analyst, status="in_review"))

    decide_on(
        summary,
        by=reviewer,
        approve=False,
        reason="Corroborate 10.1 first.",
        second_by=second_reviewer(),
    )

    assessment = Assessment.objects.get(pk=summary.assessment_id)
    assert assessment.status == "returned"
    assert assessment.transitions.last().reason == "Corroborate 10.1 first."


@pytest.mark.django_db
def test_a_decision_on_content_the_reviewer_did_not_read_is_refused(situation, analyst, reviewer):
    summary = summary_of(build_crisis(situation, by=analyst, status="in_review"))

    with pytest.raises(workflow.WorkflowError, match="not the one stored"):
        workflow.decide_escalation(
            summary,
            by=reviewer,
            approve=True,
            level=summary.proposed_escalation,
            reason="",
            content_hash="0" * 64,
        )

    assert Assessment.objects.get(pk=summary.assessment_id).status == "in_review"
    assert not EscalationDecision.objects.exists()


@pytest.mark.django_db
def test_the_author_can_never_decide_on_their_own_summary(situation, analyst, reviewer):
    analyst.groups.add(Group.objects.get(name=REVIEWERS))
    summary = summary_of(build_crisis(situation, by=analyst, status="in_review"))

    with pytest.raises(workflow.WorkflowError, match=FOUR_EYES_MESSAGE):
        decide_on(summary, by=analyst, approve=True)
    with (
        pytest.raises(IntegrityError, match=violates("decision_reviewer_is_not_author")),
        transaction.atomic(),
    ):
        EscalationDecision.objects.create(
            summary=summary,
            reviewer=analyst,
            author=analyst,
            approved=True,
            proposed_level=summary.proposed_escalation,
            level=summary.proposed_escalation,
            content_hash=summary.content_hash,
        )

    assessment = Assessment.objects.get(pk=summary.assessment_id)
    assert (assessment.status, assessment.reviewer) == ("in_review", None)
    assert not EscalationDecision.objects.exists()
    assert not assessment.participations.filter(role="reviewer").exists()


@pytest.mark.django_db
def test_an_edit_after_approval_makes_a_new_version_that_needs_a_new_decision(
    situation, analyst, reviewer
):
    summary = summary_of(build_crisis(situation, by=analyst, status="in_review"))
    first_decision = decide_on(summary, by=reviewer, approve=True, second_by=second_reviewer())
    assessment = Assessment.objects.get(pk=summary.assessment_id)

    assessment = edit_assessment(
        assessment,
        by=analyst,
        narrative="Corrected after a new report.",
        ratings={"10.1": "moderate"},
    )
    assert assessment.status == "draft"
    assessment = workflow.submit_assessment(assessment, by=analyst)
    second = summary_of(draft_summary_now(assessment))

    assert (summary.revision, second.revision) == (1, 2)
    assert second.content_hash != summary.content_hash
    assert not hasattr(second, "decision")
    # The old decision's summary cannot be decided again.
    with pytest.raises(workflow.WorkflowError, match=ALREADY_DECIDED_MESSAGE):
        decide_on(summary, by=reviewer, approve=True)
    assessment = Assessment.objects.get(pk=assessment.pk)
    assert (assessment.status, assessment.revision, assessment.reviewer) == ("in_review", 2, None)
    assert list(EscalationDecision.objects.all()) == [first_decision]


@pytest.mark.django_db
def test_summary_lists_what_changed_since_the_last_approved_assessment(
    situation, analyst, reviewer
):
    build_assessment(situation, by=analyst, ratings=SERIOUS, status="approved", reviewer=reviewer)

    later = build_assessment(
        situation,
        by=analyst,
        ratings={**SERIOUS, "10.1": "moderate", "8.1": "low", "2.1": "low"},
        as_of=date(2026, 6, 1),
        posture="unwilling",
        status="in_review",
    )
    content = summary_of(later).content

    changes = content["changes"]
    assert changes["first_assessment"] is False
    assert content["previous"]["as_of"] == "2026-05-01"
    overall = next(c for c in changes["level_changes"] if c["key"] == "overall")
    assert (overall["from"], overall["to"], overall["direction"]) == (
        "serious_concern",
        "imminent_risk",
        "up",
    )
    moved = {c["code"]: (c["from"], c["to"]) for c in changes["indicator_changes"]}
    assert moved["2.1"] == ("moderate", "low")
    assert moved["10.1"] == ("not_assessed", "moderate")
    assert changes["new_triggers"] == ["8.1"]
    assert content["escalation"]["level"] == "alert_special_adviser"


@pytest.mark.django_db
def test_overdue_reminders_go_to_the_analysts_once_a_day(
    situation, analyst, django_capture_on_commit_callbacks, jobs
):
    last = build_assessment(situation, by=analyst, as_of=AS_OF)
    due = last.as_of + timedelta(days=situation.review_cadence_days)
    today = due + timedelta(days=1)

    def remind(day, analysts=1):
        with django_capture_on_commit_callbacks(execute=True):
            assert notifications.send_overdue_reminders(day) == analysts  # whom to remind
        return [sent for _name, sent in jobs.run()]

    assert remind(due, analysts=0) == []  # the cadence counts from the last assessment
    assert mail.outbox == []
    assert remind(today) == [True]
    assert remind(today) == [False]  # the same day again: nothing sent twice
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [analyst.email]
    assert "overdue" in mail.outbox[0].subject
    assert remind(today + timedelta(days=1)) == [True]
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_reviewers_get_one_digest_a_day_of_summaries_awaiting_decision(
    situation, analyst, reviewer, django_capture_on_commit_callbacks, jobs
):
    build_crisis(situation, by=analyst, status="in_review")
    jobs.published.clear()  # the summary-ready emails: not what this test is about

    def digest(day):
        with django_capture_on_commit_callbacks(execute=True):
            assert notifications.send_review_digest(day) == 1  # one reviewer to tell
        return [sent for _name, sent in jobs.run()]

    assert digest(date(2026, 11, 27)) == [True]
    assert digest(date(2026, 11, 27)) == [False]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [reviewer.email]
    assert "Lake District (test)" in mail.outbox[0].body
    assert Notification.objects.filter(key__startswith="digest:").count() == 1


@pytest.mark.django_db
def test_summary_pdf_is_a_real_pdf_marked_on_every_page(client, situation, analyst, reviewer):
    summary = summary_of(build_crisis(situation, by=analyst, status="in_review"))
    client.force_login(reviewer)

    response = client.get(reverse("assessments:summary_pdf", args=[summary.assessment_id]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]
    assert len(pages) >= 2
    text = " ".join(" ".join(pages).split())
    assert "Escalation summary: Lake District (test)" in text
    assert "current crisis" in text
    assert "request a Security Council briefing" in text
    for page in pages:
        assert "Lake District (test), as of 2026-05-01: current crisis" in page
        assert "CONFIDENTIAL" in page


@pytest.mark.django_db
def test_summary_json_is_the_stored_snapshot_with_its_hash_and_decision(
    client, situation, analyst, reviewer
):
    summary = summary_of(build_crisis(situation, by=analyst, status="in_review"))
    decide_on(
        summary,
        by=reviewer,
        approve=True,
        level="brief_secretary_general",
        reason="SG first.",
        second_by=second_reviewer(),
    )
    client.force_login(analyst)

    response = client.get(reverse("assessments:summary_json", args=[summary.assessment_id]))

    assert response.status_code == 200
    data = response.json()
    summary.refresh_from_db()
    assert data["content"] == summary.content
    assert data["content_hash"] == summary.content_hash == content_hash(data["content"])
    assert data["decision"]["level"] == "brief_secretary_general"
    assert data["decision"]["content_hash"] == summary.content_hash
    assert data["decision"]["reviewer"] == "reviewer"


@pytest.mark.django_db
def test_an_unassigned_analyst_gets_404_on_the_pdf_and_the_json(
    client, situation, analyst, other_analyst
):
    summary = summary_of(build_crisis(situation, by=analyst, status="in_review"))
    client.force_login(other_analyst)

    for name in ("assessments:summary_pdf", "assessments:summary_json"):
        response = client.get(reverse(name, args=[summary.assessment_id]))
        assert response.status_code == 404
        assert b"Lake District" not in response.content
