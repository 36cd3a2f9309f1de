"""Background work. Each task takes ids, calls one function, and is safe to run twice.

Drafting a summary and every email are tasks of their own: an email that fails is retried
on its own, and can never change the status of a summary or an assessment.
"""

import logging
from typing import TypedDict

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from assessments import notifications, services, summary_pdfs, workflow

logger = logging.getLogger(__name__)

# Errors worth retrying: the database or the broker is briefly unreachable.
TRANSIENT = (OperationalError, InterfaceError, BrokerError, ConnectionError)


class EmailTaskOptions(TypedDict):
    """The ``shared_task`` options that every email task shares."""

    acks_late: bool
    reject_on_worker_lost: bool
    autoretry_for: tuple[type[Exception], ...]
    retry_backoff: int
    retry_backoff_max: int
    retry_jitter: bool
    max_retries: int


#: Emails: retried with exponential backoff (capped), then given up and logged.
EMAIL_TASK_OPTIONS: EmailTaskOptions = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (Exception,),
    "retry_backoff": 30,
    "retry_backoff_max": 3600,
    "retry_jitter": True,
    "max_retries": settings.EMAIL_MAX_RETRIES,
}


@shared_task(
    bind=True,
    name=workflow.DRAFT_SUMMARY_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=settings.SUMMARY_MAX_RETRIES,
    soft_time_limit=settings.SUMMARY_SOFT_TIME_LIMIT,
    time_limit=settings.SUMMARY_TIME_LIMIT,
)
def draft_summary_task(self: "Task[[int], str]", summary_id: int) -> str:
    try:
        return workflow.draft_summary(summary_id)
    except TRANSIENT as exc:
        if self.max_retries is not None and self.request.retries >= self.max_retries:
            workflow.mark_summary_failed(summary_id, f"gave up after retries: {exc}")
            return "failed"
        countdown = min(2 ** (self.request.retries + 1), 60)
        raise self.retry(exc=exc, countdown=countdown) from exc
    except SoftTimeLimitExceeded:
        workflow.mark_summary_failed(summary_id, "drafting took longer than its time limit")
        return "failed"
    except DatabaseError as exc:
        workflow.mark_summary_failed(summary_id, f"database error: {exc}")
        return "failed"
    except Exception as exc:
        logger.exception("drafting summary %s failed", summary_id)
        workflow.mark_summary_failed(summary_id, f"{type(exc).__name__}: {exc}")
        return "failed"


@shared_task(
    name=workflow.STORE_SUMMARY_PDFS_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=5,
)
def store_summary_pdfs_task(summary_id: int) -> int:
    """Render and store the summary's PDFs (a download renders any that is missing)."""
    return summary_pdfs.store_summary_pdfs(summary_id)


@shared_task(name="assessments.sweep_stuck_summaries")
def sweep_stuck_summaries_task() -> int:
    return workflow.sweep_stuck_summaries()


@shared_task(name=workflow.NOTIFY_SUMMARY_READY_TASK, **EMAIL_TASK_OPTIONS)
def notify_summary_ready_task(summary_id: int) -> int:
    return notifications.notify_summary_ready(summary_id)


@shared_task(name=notifications.SEND_SUMMARY_READY_EMAIL_TASK, **EMAIL_TASK_OPTIONS)
def send_summary_ready_email_task(summary_id: int, recipient_id: int) -> bool:
    return notifications.send_summary_ready_email(summary_id, recipient_id)


@shared_task(name=workflow.NOTIFY_SECOND_REVIEW_TASK, **EMAIL_TASK_OPTIONS)
def notify_second_review_task(first_review_id: int) -> int:
    return notifications.notify_second_review(first_review_id)


@shared_task(name=notifications.SEND_SECOND_REVIEW_EMAIL_TASK, **EMAIL_TASK_OPTIONS)
def send_second_review_email_task(first_review_id: int, recipient_id: int) -> bool:
    return notifications.send_second_review_email(first_review_id, recipient_id)


@shared_task(name=workflow.NOTIFY_DECISION_TASK, **EMAIL_TASK_OPTIONS)
def notify_decision_task(decision_id: int) -> int:
    return notifications.notify_decision(decision_id)


@shared_task(name=notifications.SEND_DECISION_EMAIL_TASK, **EMAIL_TASK_OPTIONS)
def send_decision_email_task(decision_id: int, recipient_id: int) -> bool:
    return notifications.send_decision_email(decision_id, recipient_id)


@shared_task(name=services.NOTIFY_COMMENT_TASK, **EMAIL_TASK_OPTIONS)
def notify_comment_task(comment_id: int) -> int:
    return notifications.notify_comment(comment_id)


@shared_task(name=notifications.SEND_COMMENT_EMAIL_TASK, **EMAIL_TASK_OPTIONS)
def send_comment_email_task(comment_id: int, recipient_id: int) -> bool:
    return notifications.send_comment_email(comment_id, recipient_id)


@shared_task(name="assessments.send_overdue_reminders", **EMAIL_TASK_OPTIONS)
def send_overdue_reminders_task() -> int:
    return notifications.send_overdue_reminders()


@shared_task(name=notifications.SEND_OVERDUE_REMINDER_TASK, **EMAIL_TASK_OPTIONS)
def send_overdue_reminder_task(situation_id: int, recipient_id: int, day: str) -> bool:
    return notifications.send_overdue_reminder(situation_id, recipient_id, day)


@shared_task(name="assessments.send_action_reminders", **EMAIL_TASK_OPTIONS)
def send_action_reminders_task() -> int:
    return notifications.send_action_reminders()


@shared_task(name=notifications.SEND_ACTION_REMINDER_TASK, **EMAIL_TASK_OPTIONS)
def send_action_reminder_task(recipient_id: int, day: str) -> bool:
    return notifications.send_action_reminder(recipient_id, day)


@shared_task(name="assessments.send_review_digest", **EMAIL_TASK_OPTIONS)
def send_review_digest_task() -> int:
    return notifications.send_review_digest()


@shared_task(name=notifications.SEND_REVIEW_DIGEST_EMAIL_TASK, **EMAIL_TASK_OPTIONS)
def send_review_digest_email_task(recipient_id: int, day: str) -> bool:
    return notifications.send_review_digest_email(recipient_id, day)
