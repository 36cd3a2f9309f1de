"""Emails are side effects of their own: a failing email never changes a summary or an
assessment, and a retried email is sent once."""

import pytest
from django.core import mail

from assessments import tasks
from assessments.models import Assessment, EscalationSummary, Notification
from tests.assessments.builders import CRISIS, build_assessment, build_situation
from tests.support.email import MailServerDown

FAILING_EMAIL = "tests.support.email.FailingBackend"


@pytest.mark.django_db(transaction=True)
def test_a_failing_summary_ready_email_leaves_the_drafted_summary_ready(
    framework_data, analyst, reviewer, settings, jobs
):
    # No test transaction around the task: on-commit work runs when the drafting commits,
    # as it does in a worker. What it queues is kept (``jobs``), then run here.
    situation = build_situation(by=reviewer, analysts=[analyst])
    assessment = build_assessment(situation, by=analyst, ratings=CRISIS, status="submitted")
    summary = EscalationSummary.objects.get(assessment=assessment)
    settings.EMAIL_BACKEND = FAILING_EMAIL
    jobs.published.clear()  # the submit's own drafting job: the task is called below

    outcome = tasks.draft_summary_task(summary.pk)
    assert jobs.names() == ["assessments.notify_summary_ready"]
    # The notification queues the reviewer's email, whose sending fails: its task raises
    # (a worker would retry it), and only that task.
    with pytest.raises(MailServerDown):
        jobs.run()

    summary.refresh_from_db()
    assessment.refresh_from_db()
    assert outcome == "drafted"
    assert (summary.status, summary.error, summary.claim_token) == ("ready", "", None)
    assert summary.content_hash
    assert summary.notified_at is None
    assert assessment.status == Assessment.Status.IN_REVIEW
    assert not Notification.objects.exists()
    assert mail.outbox == []
