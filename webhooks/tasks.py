"""Webhook deliveries in the background. Each task takes ids, calls one service, and is safe
to run twice (the delivery is claimed: a second run sends nothing)."""

from celery import Task, shared_task
from django.utils import timezone

from webhooks import services


@shared_task(
    bind=True,
    name=services.DELIVER_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # the service's schedule decides when to give up (24 hours)
    ignore_result=True,
)
def deliver_task(self: "Task[[int], str]", delivery_id: int) -> str:
    outcome = services.deliver(delivery_id)
    if outcome.retry_at is not None:
        countdown = max((outcome.retry_at - timezone.now()).total_seconds(), 0.0)
        # A retry message lost (the broker down) is published again by the sweeper.
        raise self.retry(countdown=countdown)
    return outcome.result


@shared_task(name="webhooks.sweep_deliveries", ignore_result=True)
def sweep_deliveries_task() -> int:
    return services.sweep()
