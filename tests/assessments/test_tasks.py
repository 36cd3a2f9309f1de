"""The Celery tasks called in this process (``apply``), without a worker: every branch of the
drafting task, and the retry of an email task.

A failure is raised where a real one would come from, inside the drafting of the content:
the task claims the summary, the step fails, the claim is given back, and the task decides
what becomes of the summary. ``apply(..., throw=True)`` stops at the first retry and raises
its ``Retry``; plain ``apply(...)`` runs every retry in turn, as a worker would, without the
countdowns.
"""

import logging

import pytest
from celery.exceptions import Retry, SoftTimeLimitExceeded
from django.core import mail
from django.db import DataError, OperationalError

from assessments import notifications, workflow
from assessments.models import Assessment, Notification
from assessments.tasks import draft_summary_task, send_summary_ready_email_task
from tests.assessments.builders import build_crisis, build_situation, summary_of
from tests.support.email import MailServerDown

FAILING_EMAIL = "tests.support.email.FailingBackend"


@pytest.fixture
def situation(reviewer, analyst):
    return build_situation(by=reviewer, analysts=[analyst], name="Lake District (test)")


@pytest.fixture
def pending(situation, analyst, jobs):
    """The pending summary of a submitted assessment; what the tasks queue is kept."""
    return summary_of(build_crisis(situation, by=analyst, status="submitted"))


@pytest.fixture
def ready(situation, analyst, jobs):
    """The ready summary of an assessment in review; its reviewers not emailed yet."""
    summary = summary_of(build_crisis(situation, by=analyst, status="in_review"))
    assert (summary.status, summary.notified_at) == ("ready", None)
    return summary


def drafting_fails(monkeypatch, *errors):
    """Make the drafting step raise ``errors`` in turn, then draft for real; count the tries."""
    tries = []
    finish_summary = workflow.finish_summary

    def finish(summary_id, token):
        tries.append(summary_id)
        if len(tries) <= len(errors):
            raise errors[len(tries) - 1]
        return finish_summary(summary_id, token)

    monkeypatch.setattr(workflow, "finish_summary", finish)
    return tries


def stored(summary):
    summary.refresh_from_db()
    return summary.status, summary.error, summary.claim_token, summary.attempts


def status_of(summary):
    return Assessment.objects.get(pk=summary.assessment_id).status


# Drafting: transient errors are retried -----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("retries", "countdown"), [(0, 2), (1, 4), (2, 8), (3, 16), (4, 32)])
def test_a_transient_database_error_is_retried_with_a_countdown_that_doubles(
    pending, monkeypatch, retries, countdown
):
    drafting_fails(monkeypatch, OperationalError("server closed the connection unexpectedly"))

    with pytest.raises(Retry) as retried:
        draft_summary_task.apply(args=[pending.pk], retries=retries, throw=True)

    assert retried.value.when == countdown
    assert isinstance(retried.value.exc, OperationalError)
    # The claim was given back: the next try may claim the summary again.
    assert stored(pending) == ("pending", "", None, 1)
    assert status_of(pending) == "submitted"


@pytest.mark.django_db
def test_the_retry_countdown_stops_growing_at_a_minute(pending, monkeypatch):
    monkeypatch.setattr(draft_summary_task, "max_retries", 10)
    drafting_fails(monkeypatch, OperationalError("the database is restarting"))

    with pytest.raises(Retry) as retried:
        draft_summary_task.apply(args=[pending.pk], retries=5, throw=True)

    assert retried.value.when == 60  # not 2 ** 6
    assert stored(pending) == ("pending", "", None, 1)


@pytest.mark.django_db
def test_a_summary_drafted_on_the_retry_after_a_transient_error_is_ready(
    pending, monkeypatch, jobs
):
    tries = drafting_fails(monkeypatch, OperationalError("server closed the connection"))

    result = draft_summary_task.apply(args=[pending.pk])

    assert result.get() == "drafted"
    assert len(tries) == 2
    assert stored(pending) == ("ready", "", None, 2)
    assert status_of(pending) == "in_review"


@pytest.mark.django_db
def test_the_task_gives_up_after_max_retries_and_marks_the_summary_failed(pending, monkeypatch):
    drafting_fails(monkeypatch, OperationalError("could not connect to server"))

    result = draft_summary_task.apply(
        args=[pending.pk], retries=draft_summary_task.max_retries, throw=True
    )

    assert result.get() == "failed"
    assert stored(pending) == (
        "failed",
        "gave up after retries: could not connect to server",
        None,
        1,
    )
    assert status_of(pending) == "submitted"  # waits for someone to try again


@pytest.mark.django_db
def test_a_transient_error_that_persists_is_retried_up_to_max_retries_then_failed(
    pending, monkeypatch, settings
):
    max_retries = draft_summary_task.max_retries
    assert max_retries == settings.SUMMARY_MAX_RETRIES
    errors = [OperationalError(f"could not connect to server ({n})") for n in range(20)]
    tries = drafting_fails(monkeypatch, *errors)

    result = draft_summary_task.apply(args=[pending.pk])

    assert result.get() == "failed"
    assert len(tries) == max_retries + 1
    assert stored(pending) == (
        "failed",
        f"gave up after retries: could not connect to server ({max_retries})",
        None,
        max_retries + 1,
    )
    assert status_of(pending) == "submitted"


# Drafting: other failures are final --------------------------------------------------------


@pytest.mark.django_db
def test_drafting_past_the_soft_time_limit_marks_the_summary_failed(pending, monkeypatch):
    tries = drafting_fails(monkeypatch, SoftTimeLimitExceeded())

    result = draft_summary_task.apply(args=[pending.pk], throw=True)

    assert result.get() == "failed"
    assert len(tries) == 1  # not retried
    assert stored(pending) == ("failed", "drafting took longer than its time limit", None, 1)
    assert status_of(pending) == "submitted"


@pytest.mark.django_db
def test_a_database_error_that_is_not_transient_marks_the_summary_failed(pending, monkeypatch):
    tries = drafting_fails(monkeypatch, DataError("value too long for type character(64)"))

    result = draft_summary_task.apply(args=[pending.pk], throw=True)

    assert result.get() == "failed"
    assert len(tries) == 1
    assert stored(pending) == (
        "failed",
        "database error: value too long for type character(64)",
        None,
        1,
    )
    assert status_of(pending) == "submitted"


@pytest.mark.django_db
def test_any_other_error_marks_the_summary_failed_with_its_type_and_is_logged(
    pending, monkeypatch, caplog
):
    tries = drafting_fails(monkeypatch, KeyError("escalation"))

    with caplog.at_level(logging.ERROR, logger="assessments.tasks"):
        result = draft_summary_task.apply(args=[pending.pk], throw=True)

    assert result.get() == "failed"
    assert len(tries) == 1
    assert stored(pending) == ("failed", "KeyError: 'escalation'", None, 1)
    assert status_of(pending) == "submitted"
    [logged] = [r for r in caplog.records if r.name == "assessments.tasks"]
    assert logged.getMessage() == f"drafting summary {pending.pk} failed"
    assert logged.exc_info[0] is KeyError


@pytest.mark.django_db
def test_a_failed_summary_can_be_drafted_by_the_task_once_tried_again(
    pending, reviewer, monkeypatch, jobs
):
    drafting_fails(monkeypatch, KeyError("escalation"))
    assert draft_summary_task.apply(args=[pending.pk], throw=True).get() == "failed"

    workflow.retry_summary(pending, by=reviewer)
    result = draft_summary_task.apply(args=[pending.pk], throw=True)

    assert result.get() == "drafted"
    assert stored(pending) == ("ready", "", None, 2)
    assert status_of(pending) == "in_review"


# Emails: retried on their own, never changing a status ---------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("retries", "longest"), [(0, 30), (3, 240), (8, 3600)])
def test_an_email_that_cannot_be_sent_is_retried_and_changes_no_status(
    ready, reviewer, settings, retries, longest
):
    settings.EMAIL_BACKEND = FAILING_EMAIL

    with pytest.raises(Retry) as retried:
        send_summary_ready_email_task.apply(
            args=[ready.pk, reviewer.pk], retries=retries, throw=True
        )

    assert isinstance(retried.value.exc, MailServerDown)
    assert 0 <= retried.value.when <= longest  # exponential backoff with jitter, capped
    ready.refresh_from_db()
    assert (ready.status, ready.notified_at) == ("ready", None)
    assert status_of(ready) == "in_review"
    assert not Notification.objects.exists()  # no record: the retry will send it
    assert mail.outbox == []


@pytest.mark.django_db
def test_an_email_that_never_goes_out_fails_its_task_alone_after_its_retries(
    ready, reviewer, monkeypatch, settings
):
    sent = []

    def mail_server_down(*args, **kwargs):
        sent.append(args)
        raise MailServerDown("the mail server refused the connection")

    monkeypatch.setattr(notifications, "send_mail", mail_server_down)

    result = send_summary_ready_email_task.apply(args=[ready.pk, reviewer.pk])

    assert result.state == "FAILURE"
    assert isinstance(result.result, MailServerDown)
    assert len(sent) == send_summary_ready_email_task.max_retries + 1
    assert send_summary_ready_email_task.max_retries == settings.EMAIL_MAX_RETRIES
    ready.refresh_from_db()
    assert (ready.status, ready.notified_at) == ("ready", None)
    assert status_of(ready) == "in_review"
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_an_email_retried_after_a_failure_is_sent_once(ready, reviewer, monkeypatch):
    tries = []
    send_mail = notifications.send_mail

    def fails_once(*args, **kwargs):
        tries.append(args)
        if len(tries) == 1:
            raise MailServerDown("the mail server refused the connection")
        return send_mail(*args, **kwargs)

    monkeypatch.setattr(notifications, "send_mail", fails_once)

    result = send_summary_ready_email_task.apply(args=[ready.pk, reviewer.pk])
    again = send_summary_ready_email_task.apply(args=[ready.pk, reviewer.pk])

    assert (result.get(), again.get()) == (True, False)
    assert len(tries) == 2
    assert [message.to for message in mail.outbox] == [[reviewer.email]]
    assert Notification.objects.filter(recipient=reviewer).count() == 1
    ready.refresh_from_db()
    assert ready.status == "ready"
    assert ready.notified_at is not None
