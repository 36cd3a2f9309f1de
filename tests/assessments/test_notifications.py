"""Emails are side effects of their own: a failing email never changes a summary or an
assessment, and a retried email is sent once."""

import pytest
from django.core import mail
from django.utils import translation

from assessments import scales, tasks
from assessments.models import Assessment, EscalationSummary, Notification
from tests.assessments.builders import CRISIS, build_assessment, build_situation, decide
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
    assert jobs.names() == ["assessments.notify_summary_ready", "assessments.store_summary_pdfs"]
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


# The analysts are told of the reviewer's decision ------------------------------------------


SECOND_REVIEW_SUBJECT = "Second review needed:"


def decision_emails(jobs):
    """Run the jobs queued so far; the decision emails sent, as (recipient, subject, body)
    (the call for a second reviewer, at the rungs that need two, is not one of them)."""
    jobs.run()
    return sorted(
        (m.to[0], m.subject, m.body)
        for m in mail.outbox
        if not m.subject.startswith(SECOND_REVIEW_SUBJECT)
    )


@pytest.mark.django_db
def test_the_analysts_are_told_the_rung_an_assessment_was_approved_at(
    django_capture_on_commit_callbacks, in_review, reviewer, settings, jobs
):
    settings.SITE_URL = "http://r2p.example.org:8123"
    jobs.published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decide(
            in_review,
            by=reviewer,
            approve=True,
            level="alert_special_adviser",
            reason="The Adviser first.",
        )

    sent = decision_emails(jobs)

    url = f"http://r2p.example.org:8123/assessments/{in_review.pk}/"
    subject = f"Approved: Lakeside Province (as of {in_review.as_of.isoformat()})"
    assert [(to, s) for to, s, _body in sent] == [
        ("analyst@example.org", subject),
        ("other_analyst@example.org", subject),
    ]
    body = sent[0][2]
    assert "Reviewer approved the assessment of Lakeside Province" in body
    assert "Escalation: alert the Special Adviser." in body
    assert "Reason: The Adviser first." in body
    assert url in body
    assert "reviewer@example.org" not in [to for to, _s, _b in sent]


@pytest.mark.django_db
def test_each_analyst_is_told_in_the_language_of_their_profile(
    django_capture_on_commit_callbacks, in_review, reviewer, jobs
):
    from accounts.models import Profile

    other = in_review.situation.analysts.get(username="other_analyst")
    Profile.objects.create(user=other, language="fr")
    jobs.published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decide(in_review, by=reviewer, approve=True, level="alert_special_adviser", reason="First.")

    sent = dict((to, (subject, body)) for to, subject, body in decision_emails(jobs))

    as_of = in_review.as_of.isoformat()
    assert sent["analyst@example.org"][0] == f"Approved: Lakeside Province (as of {as_of})"
    french = f"Approuvée\u00a0: Lakeside Province (au {as_of})"
    assert sent["other_analyst@example.org"][0] == french
    with translation.override("fr"):
        rung = str(scales.escalation_label("alert_special_adviser"))
    assert rung != "alert the Special Adviser"
    assert rung in sent["other_analyst@example.org"][1]
    assert "alert the Special Adviser" in sent["analyst@example.org"][1]


@pytest.mark.django_db
def test_the_analysts_are_told_an_assessment_was_returned_and_why_once(
    django_capture_on_commit_callbacks, in_review, reviewer, jobs
):
    jobs.published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decide(in_review, by=reviewer, approve=False, reason="Corroborate 10.1 first.")
    queued = list(jobs.published)

    sent = decision_emails(jobs)
    jobs.published.extend(queued)  # the same jobs delivered again
    again = decision_emails(jobs)

    assert [to for to, _s, _b in sent] == ["analyst@example.org", "other_analyst@example.org"]
    assert sent[0][1] == f"Returned to you: Lakeside Province (as of {in_review.as_of.isoformat()})"
    assert "Reason: Corroborate 10.1 first." in sent[0][2]
    assert again == sent  # nothing sent twice
    assert Notification.objects.filter(key__startswith="decision:").count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_failing_decision_email_is_retried_without_touching_the_decision(
    framework_data, analyst, reviewer, settings, jobs
):
    situation = build_situation(by=reviewer, analysts=[analyst])
    assessment = build_assessment(
        situation, by=analyst, ratings=CRISIS, status="in_review", reviewer=reviewer
    )
    jobs.published.clear()
    settings.EMAIL_BACKEND = FAILING_EMAIL
    decide(assessment, by=reviewer, approve=False, reason="Corroborate 10.1 first.")
    # A Security Council briefing needs two reviewers: the second is called, then told.
    assert jobs.names() == [
        "assessments.notify_second_review",
        "assessments.notify_decision",
        "assessments.store_summary_pdfs",  # the PDF shows the decision
    ]
    jobs.published.pop(0)

    # The fan-out queues the analyst's email, whose sending fails: its task raises (a worker
    # would retry it), and only that task.
    with pytest.raises(MailServerDown):
        jobs.run()

    assessment.refresh_from_db()
    decision = assessment.summaries.get().decision
    assert (assessment.status, decision.approved) == (Assessment.Status.RETURNED, False)
    assert not Notification.objects.exists()
    assert mail.outbox == []
    # The mail server is back: the worker's retry of that email sends it.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    jobs.published.append(
        (
            "assessments.send_decision_email",
            {"decision_id": decision.pk, "recipient_id": analyst.pk},
        )
    )
    jobs.run()
    assert [m.to for m in mail.outbox] == [["analyst@example.org"]]
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.RETURNED
