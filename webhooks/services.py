"""Webhooks: queuing an event's deliveries, sending them, and the admins' changes.

An event is queued in the transaction of the change that causes it (:func:`emit`): one
:class:`~webhooks.models.Delivery` row per active endpoint that wants the event and is cleared
for the situation's confidentiality, and one task per row, published once the change commits.
A change rolled back queues nothing.

Sending is safe to run twice (Celery acknowledges late, so a task can run twice): a delivery is
claimed with a conditional update that must change exactly one row, and only the holder of the
claim POSTs it and records the outcome. A delivered one is never claimed again. A worker that
dies holding a claim loses it when its lease runs out, and the sweeper publishes the delivery
again: a receiver may then get the same delivery twice, under the same X-R2P-Delivery id.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from assessments import jobs
from assessments.models import Situation
from audit import log as audit
from webhooks import backoff, payloads, signing, transport
from webhooks.models import Attempt, Delivery, Endpoint, Event, generate_secret, http_allowed

logger = logging.getLogger(__name__)

DELIVER_TASK = "webhooks.deliver"

#: How long a claim holds: well above the transport's timeouts (connect, then read).
LEASE = timedelta(seconds=60)
#: A pending delivery this late past its time has lost its message: the sweeper sends it again.
STUCK_AFTER = timedelta(minutes=5)

Status = Delivery.Status
StopReason = Delivery.StopReason


# Queuing -----------------------------------------------------------------------------------


def subscribers(event: str, *, confidentiality: str | None) -> list[Endpoint]:
    """The active endpoints that want ``event`` and are cleared for ``confidentiality`` (None:
    the event is about no situation)."""
    return [
        endpoint
        for endpoint in Endpoint.objects.filter(is_active=True)
        if endpoint.wants(event)
        and (confidentiality is None or endpoint.is_cleared_for(confidentiality))
    ]


def _queue(
    endpoint: Endpoint,
    event: str,
    *,
    situation: Situation | None,
    data: payloads.Payload,
    occurred_at: datetime,
) -> Delivery:
    delivery_id = uuid.uuid4()
    delivery = Delivery.objects.create(
        uuid=delivery_id,
        endpoint=endpoint,
        event=event,
        situation=situation,
        payload=payloads.envelope(
            event, delivery_id=str(delivery_id), occurred_at=occurred_at, data=data
        ),
        next_attempt_at=timezone.now(),
    )
    jobs.enqueue(DELIVER_TASK, delivery_id=delivery.pk)
    return delivery


def emit(
    event: str,
    *,
    situation: Situation,
    build: Callable[[], payloads.Payload | None],
    occurred_at: datetime | None = None,
) -> list[Delivery]:
    """Queue ``event`` about ``situation`` for every endpoint that wants it and is cleared for
    the situation. Call inside the transaction of the change; the tasks are published when it
    commits. ``build`` makes the body (None: nothing happened after all); it is called only when
    an endpoint will receive it."""
    endpoints = subscribers(event, confidentiality=situation.confidentiality)
    if not endpoints:
        return []
    data = build()
    if data is None:
        return []
    at = occurred_at or timezone.now()
    return [
        _queue(endpoint, event, situation=situation, data=data, occurred_at=at)
        for endpoint in endpoints
    ]


# Sending -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one run of :func:`deliver` did: ``delivered``, ``retry`` (at ``retry_at``),
    ``failed``, ``cancelled`` or ``skipped`` (not due, already done, or someone else's)."""

    result: str
    retry_at: datetime | None = None
    attempt: Attempt | None = None


def _due(now: datetime) -> Q:
    """Deliveries that may be claimed at ``now``: pending and due, or held by a claim whose
    lease ran out (its worker died)."""
    return Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Status.SENDING, claimed_until__lt=now
    )


def claim(delivery_id: int, *, now: datetime) -> uuid.UUID | None:
    """Claim a due delivery for one try: one row changes, or none and it is not ours."""
    token = uuid.uuid4()
    changed = Delivery.objects.filter(_due(now), pk=delivery_id).update(
        status=Status.SENDING,
        claim_token=token,
        claimed_until=now + LEASE,
        attempts=F("attempts") + 1,
    )
    return token if changed == 1 else None


def _refusal(delivery: Delivery) -> str:
    """Why the delivery must not be sent (any more), or "". Checked at every try: an endpoint
    switched off, or no longer cleared for the situation as it is now, gets nothing more."""
    endpoint = delivery.endpoint
    if delivery.event != Event.PING and not endpoint.is_active:
        return StopReason.ENDPOINT_OFF
    if delivery.situation is not None and not endpoint.is_cleared_for(
        delivery.situation.confidentiality
    ):
        return StopReason.NOT_CLEARED
    return ""


def _release(delivery: Delivery, token: uuid.UUID, **values: object) -> bool:
    """Store the outcome of the try made under ``token``, if the claim is still ours."""
    return (
        Delivery.objects.filter(pk=delivery.pk, claim_token=token, status=Status.SENDING).update(
            claim_token=None, claimed_until=None, **values
        )
        == 1
    )


def deliver(delivery_id: int, *, now: datetime | None = None) -> Outcome:
    """Make one try of a delivery if it is due and this caller can claim it; record it, and
    say whether and when to try again. Never POSTs a delivery that was delivered."""
    now = now or timezone.now()
    delivery = (
        Delivery.objects.select_related("endpoint", "situation").filter(pk=delivery_id).first()
    )
    if delivery is None:
        return Outcome("skipped")
    refusal = _refusal(delivery)
    if refusal:
        cancelled = Delivery.objects.filter(_due(now), pk=delivery_id).update(
            status=Status.CANCELLED,
            stop_reason=refusal,
            next_attempt_at=None,
            claim_token=None,
            claimed_until=None,
        )
        return Outcome("cancelled" if cancelled else "skipped")
    token = claim(delivery_id, now=now)
    if token is None:
        return Outcome("skipped")
    number = Delivery.objects.values_list("attempts", flat=True).get(pk=delivery_id)
    answer = _post(delivery, now=now)
    with transaction.atomic():
        attempt = Attempt.objects.create(
            delivery=delivery,
            number=number,
            at=now,
            status_code=answer.status_code,
            error=answer.error,
            duration_ms=answer.duration_ms,
            response_excerpt=answer.excerpt,
        )
        if answer.ok:
            done = _release(
                delivery, token, status=Status.DELIVERED, delivered_at=now, next_attempt_at=None
            )
            return Outcome("delivered" if done else "skipped", attempt=attempt)
        retry_at = None
        if delivery.event != Event.PING:
            retry_at = backoff.next_attempt_at(
                failed_tries=number, created_at=delivery.created_at, failed_at=now
            )
        if retry_at is None:
            ping = delivery.event == Event.PING
            reason = StopReason.TEST_FAILED if ping else StopReason.WINDOW_OVER
            done = _release(
                delivery, token, status=Status.FAILED, stop_reason=reason, next_attempt_at=None
            )
            return Outcome("failed" if done else "skipped", attempt=attempt)
        done = _release(delivery, token, status=Status.PENDING, next_attempt_at=retry_at)
        if not done:
            return Outcome("skipped", attempt=attempt)
        return Outcome("retry", retry_at=retry_at, attempt=attempt)


def _post(delivery: Delivery, *, now: datetime) -> transport.Answer:
    endpoint = delivery.endpoint
    if urlsplit(endpoint.url).scheme.lower() != "https" and not http_allowed():
        return transport.Answer(
            status_code=None, duration_ms=0, error="refused: the URL is not https://"
        )
    body = signing.body_of(delivery.payload)
    headers = signing.headers(
        event=delivery.event,
        delivery_id=str(delivery.uuid),
        timestamp=int(now.timestamp()),
        secret=endpoint.secret,
        body=body,
    )
    return transport.post(endpoint.url, body, headers)


def send_test(endpoint: Endpoint) -> Outcome:
    """Send a ``ping`` to ``endpoint`` now, through the same path as every event (its
    delivery is logged); it is not retried. Sent even to an endpoint switched off, so that
    an admin can check it before switching it on."""
    now = timezone.now()
    delivery_id = uuid.uuid4()
    delivery = Delivery.objects.create(
        uuid=delivery_id,
        endpoint=endpoint,
        event=Event.PING,
        payload=payloads.envelope(
            Event.PING,
            delivery_id=str(delivery_id),
            occurred_at=now,
            data=payloads.ping(endpoint),
        ),
        next_attempt_at=now,
    )
    return deliver(delivery.pk, now=now)


def sweep(*, now: datetime | None = None) -> int:
    """Publish again the deliveries whose message was lost: pending well past their time, or
    claimed by a worker that died (its lease ran out). Returns how many were published."""
    now = now or timezone.now()
    stuck = Q(status=Status.PENDING, next_attempt_at__lt=now - STUCK_AFTER) | Q(
        status=Status.SENDING, claimed_until__lt=now
    )
    published = 0
    for delivery_id in Delivery.objects.filter(stuck).order_by("pk").values_list("pk", flat=True):
        # Only what is still stuck at this instant is made due now and published again.
        again = Delivery.objects.filter(stuck, pk=delivery_id).update(
            status=Status.PENDING, next_attempt_at=now, claim_token=None, claimed_until=None
        )
        if again and jobs.publish(DELIVER_TASK, {"delivery_id": delivery_id}):
            published += 1
    if published:
        logger.info("sweeper published %d webhook deliveries again", published)
    return published


# The admins' changes -----------------------------------------------------------------------


def _described(endpoint: Endpoint) -> dict[str, object]:
    """What the audit log keeps of an endpoint: never its secret."""
    return {
        "name": endpoint.name,
        "url": endpoint.url,
        "events": list(endpoint.events or []),
        "clearance": endpoint.clearance,
        "active": endpoint.is_active,
    }


@transaction.atomic
def save_endpoint(endpoint: Endpoint, *, by: User, changed: list[str]) -> Endpoint:
    """Store an endpoint a framework admin registered or changed, in the audit log too."""
    created = endpoint.pk is None
    endpoint.save()
    audit.record(
        "webhook_endpoint_created" if created else "webhook_endpoint_changed",
        obj=endpoint,
        actor=by,
        data={**_described(endpoint), "changed": sorted(changed)},
    )
    return endpoint


@transaction.atomic
def delete_endpoint(endpoint: Endpoint, *, by: User) -> None:
    """Delete an endpoint and its delivery log, in the audit log."""
    audit.record("webhook_endpoint_deleted", obj=endpoint, actor=by, data=_described(endpoint))
    endpoint.delete()


@transaction.atomic
def rotate_secret(endpoint: Endpoint, *, by: User) -> Endpoint:
    """Give the endpoint a new secret: requests are signed with it from now on (a try
    already under way keeps the old one)."""
    endpoint.secret = generate_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    audit.record("webhook_secret_rotated", obj=endpoint, actor=by, data={"name": endpoint.name})
    return endpoint
