"""Background work. Each task takes ids, calls one service, and is safe to run twice."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from assessments import escalations

logger = logging.getLogger(__name__)

# Errors worth retrying: the database or the broker is briefly unreachable.
TRANSIENT = (OperationalError, InterfaceError, BrokerError, ConnectionError)


@shared_task(
    bind=True,
    name="assessments.draft_summary",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=settings.SUMMARY_MAX_RETRIES,
    soft_time_limit=settings.SUMMARY_SOFT_TIME_LIMIT,
    time_limit=settings.SUMMARY_TIME_LIMIT,
)
def draft_summary_task(self, summary_id: int) -> str:  # type: ignore[no-untyped-def]
    try:
        return escalations.draft_summary(summary_id)
    except TRANSIENT as exc:
        if self.request.retries >= self.max_retries:
            escalations.mark_summary_failed(summary_id, f"gave up after retries: {exc}")
            return "failed"
        countdown = min(2 ** (self.request.retries + 1), 60)
        raise self.retry(exc=exc, countdown=countdown) from exc
    except SoftTimeLimitExceeded:
        escalations.mark_summary_failed(summary_id, "drafting took longer than its time limit")
        return "failed"
    except DatabaseError as exc:
        escalations.mark_summary_failed(summary_id, f"database error: {exc}")
        return "failed"
    except Exception as exc:
        logger.exception("drafting summary %s failed", summary_id)
        escalations.mark_summary_failed(summary_id, f"{type(exc).__name__}: {exc}")
        return "failed"


@shared_task(name="assessments.sweep_stuck_summaries")
def sweep_stuck_summaries_task() -> int:
    return escalations.sweep_stuck_summaries()


@shared_task(name="assessments.send_overdue_reminders")
def send_overdue_reminders_task() -> int:
    return escalations.send_overdue_reminders()


@shared_task(name="assessments.send_review_digest")
def send_review_digest_task() -> int:
    return escalations.send_review_digest()
