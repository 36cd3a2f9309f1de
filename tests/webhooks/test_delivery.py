"""Sending a delivery to a real HTTP receiver: signed, retried, never twice, never where it
must not go."""

import hashlib
import hmac
import json
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.webhooks.builders import approved, build_endpoint, deliveries_of, published_deliveries
from webhooks import services
from webhooks.models import Delivery
from webhooks.tasks import deliver_task, sweep_deliveries_task


def queued_approval(situation, analyst, reviewer, capture, receiver_url, **endpoint_options):
    """One ``escalation.approved`` delivery queued for an endpoint at ``receiver_url``."""
    endpoint = build_endpoint(receiver_url, events=["escalation.approved"], **endpoint_options)
    approved(situation, analyst=analyst, reviewer=reviewer, capture=capture)
    [delivery] = deliveries_of("escalation.approved")
    return endpoint, delivery


def attempt_log(delivery):
    return list(delivery.attempt_log.values_list("number", "status_code", "error"))


@pytest.mark.django_db
def test_the_receiver_verifies_the_signature_with_the_endpoint_secret(
    receiver, situation, analyst, reviewer, jobs, django_capture_on_commit_callbacks
):
    endpoint, delivery = queued_approval(
        situation, analyst, reviewer, django_capture_on_commit_callbacks, receiver.url
    )
    assert published_deliveries(jobs) == [delivery.pk]

    result = deliver_task(delivery_id=delivery.pk)

    assert result == "delivered"
    [request] = receiver.requests
    headers = request.headers
    assert request.path == "/hooks/r2p"
    assert headers["content-type"] == "application/json"
    assert headers["x-r2p-event"] == "escalation.approved"
    assert headers["x-r2p-delivery"] == str(delivery.uuid)
    timestamp = headers["x-r2p-timestamp"]
    assert abs(time.time() - int(timestamp)) < 60
    # What a receiver does: HMAC-SHA256 of "<timestamp>.<raw body>" with the shared secret.
    expected = hmac.new(
        endpoint.secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(headers["x-r2p-signature"], f"sha256={expected}")
    tampered = hmac.new(
        endpoint.secret.encode(), timestamp.encode() + b"." + request.body + b" ", hashlib.sha256
    ).hexdigest()
    assert headers["x-r2p-signature"] != f"sha256={tampered}"
    body = json.loads(request.body)
    assert body["event"] == "escalation.approved"
    assert body["delivery"] == str(delivery.uuid)
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert delivery.delivered_at is not None
    assert delivery.attempts == 1
    assert attempt_log(delivery) == [(1, 200, "")]
    assert delivery.attempt_log.get().response_excerpt == "thanks"


@pytest.mark.django_db
def test_a_500_is_retried_after_a_minute_and_delivered_with_every_attempt_recorded(
    receiver, situation, analyst, reviewer, django_capture_on_commit_callbacks
):
    receiver.answers = [500, 200]
    _endpoint, delivery = queued_approval(
        situation, analyst, reviewer, django_capture_on_commit_callbacks, receiver.url
    )

    first = services.deliver(delivery.pk)

    assert first.result == "retry"
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert delivery.attempts == 1
    assert delivery.next_attempt_at == first.attempt.at + timedelta(minutes=1)
    assert first.retry_at == delivery.next_attempt_at
    assert attempt_log(delivery) == [(1, 500, "")]
    assert delivery.attempt_log.get().response_excerpt == "not now"

    retry_at = delivery.next_attempt_at
    early = services.deliver(delivery.pk)  # a message early or duplicated: not due yet
    second = services.deliver(delivery.pk, now=retry_at)

    assert early.result == "skipped"
    assert second.result == "delivered"
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert delivery.delivered_at == retry_at
    assert delivery.next_attempt_at is None
    assert delivery.attempts == 2
    assert attempt_log(delivery) == [(1, 500, ""), (2, 200, "")]
    assert len(receiver.requests) == 2
    first_request, second_request = receiver.requests
    assert first_request.body == second_request.body
    assert (
        first_request.headers["x-r2p-delivery"]
        == second_request.headers["x-r2p-delivery"]
        == str(delivery.uuid)
    )


@pytest.mark.django_db
def test_the_task_asks_celery_to_try_again_when_the_schedule_says(
    receiver, situation, analyst, reviewer, django_capture_on_commit_callbacks, monkeypatch
):
    receiver.answers = [503]
    _endpoint, delivery = queued_approval(
        situation, analyst, reviewer, django_capture_on_commit_callbacks, receiver.url
    )
    asked = []

    class Retrying(Exception):
        pass

    def retry(**options):
        asked.append(options)
        return Retrying()

    monkeypatch.setattr(deliver_task, "retry", retry)

    with pytest.raises(Retrying):
        deliver_task(delivery_id=delivery.pk)

    [options] = asked
    assert 55 <= options["countdown"] <= 60
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert attempt_log(delivery) == [(1, 503, "")]


@pytest.mark.django_db
def test_a_task_run_twice_for_the_same_delivery_posts_it_once(
    receiver, situation, analyst, reviewer, django_capture_on_commit_callbacks
):
    _endpoint, delivery = queued_approval(
        situation, analyst, reviewer, django_capture_on_commit_callbacks, receiver.url
    )

    first = deliver_task(delivery_id=delivery.pk)
    second = deliver_task(delivery_id=delivery.pk)

    assert (first, second) == ("delivered", "skipped")
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert attempt_log(delivery) == [(1, 200, "")]


@pytest.mark.django_db
def test_a_delivery_claimed_by_another_run_is_not_posted_until_its_lease_runs_out(
    receiver, situation, analyst, reviewer, django_capture_on_commit_callbacks
):
    _endpoint, delivery = queued_approval(
        situation, analyst, reviewer, django_capture_on_commit_callbacks, receiver.url
    )
    now = timezone.now()
    assert services.claim(delivery.pk, now=now) is not None  # another worker holds it

    meanwhile = services.deliver(delivery.pk, now=now + timedelta(seconds=5))
    after_the_lease = services.deliver(delivery.pk, now=now + services.LEASE + timedelta(seconds=1))

    assert meanwhile.result == "skipped"
    assert after_the_lease.result == "delivered"
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    receiver, situation, analyst, reviewer, django_capture_on_commit_callbacks
):
    receiver.answers = [(302, {"Location": "/elsewhere"})]
    _endpoint, delivery = queued_approval(
        situation, analyst, reviewer, django_capture_on_commit_callbacks, receiver.url
    )

    outcome = services.deliver(delivery.pk)

    assert outcome.result == "retry"
    assert [request.path for request in receiver.requests] == ["/hooks/r2p"]
    assert attempt_log(delivery) == [(1, 302, "")]


@pytest.mark.django_db
def test_a_network_error_is_recorded_with_its_text_and_retried(
    closed_port_url, situation, analyst, reviewer, django_capture_on_commit_callbacks
):
    _endpoint, delivery = queued_approval(
        situation, analyst, reviewer, django_capture_on_commit_callbacks, closed_port_url
    )

    outcome = services.deliver(delivery.pk)

    assert outcome.result == "retry"
    attempt = delivery.attempt_log.get()
    assert attempt.status_code is None
    assert "Connection refused" in attempt.error or "ConnectionRefusedError" in attempt.error


@pytest.mark.django_db
def test_a_delivery_still_failing_24_hours_after_it_was_queued_is_marked_failed(
    receiver, situation, analyst, reviewer, django_capture_on_commit_callbacks
):
    receiver.answers = [500]
    _endpoint, delivery = queued_approval(
        situation, analyst, reviewer, django_capture_on_commit_callbacks, receiver.url
    )
    Delivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - timedelta(hours=23, minutes=59, seconds=30)
    )

    outcome = services.deliver(delivery.pk)

    assert outcome.result == "failed"
    assert outcome.retry_at is None
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert delivery.stop_reason == "window_over"
    assert delivery.next_attempt_at is None
    assert services.deliver(delivery.pk).result == "skipped"
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_a_situation_made_more_confidential_after_queuing_is_not_sent(
    receiver, situation, analyst, reviewer, django_capture_on_commit_callbacks
):
    _endpoint, delivery = queued_approval(
        situation,
        analyst,
        reviewer,
        django_capture_on_commit_callbacks,
        receiver.url,
        clearance="confidential",
    )
    situation.confidentiality = "strictly_confidential"
    situation.save(update_fields=["confidentiality"])

    outcome = services.deliver(delivery.pk)

    assert outcome.result == "cancelled"
    assert receiver.requests == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.stop_reason, delivery.attempts) == (
        "cancelled",
        "not_cleared",
        0,
    )


@pytest.mark.django_db
def test_an_endpoint_switched_off_after_queuing_gets_nothing_more(
    receiver, situation, analyst, reviewer, django_capture_on_commit_callbacks
):
    endpoint, delivery = queued_approval(
        situation, analyst, reviewer, django_capture_on_commit_callbacks, receiver.url
    )
    endpoint.is_active = False
    endpoint.save(update_fields=["is_active"])

    outcome = deliver_task(delivery_id=delivery.pk)

    assert outcome == "cancelled"
    assert receiver.requests == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.stop_reason) == ("cancelled", "endpoint_off")


@pytest.mark.django_db
def test_an_http_endpoint_is_not_posted_to_once_plain_http_is_switched_off(
    receiver, situation, analyst, reviewer, django_capture_on_commit_callbacks, settings
):
    _endpoint, delivery = queued_approval(
        situation, analyst, reviewer, django_capture_on_commit_callbacks, receiver.url
    )
    settings.WEBHOOK_ALLOW_HTTP = False

    outcome = services.deliver(delivery.pk)

    assert outcome.result == "retry"
    assert receiver.requests == []
    assert attempt_log(delivery) == [(1, None, "refused: the URL is not https://")]


@pytest.mark.django_db
def test_the_sweeper_publishes_again_what_a_lost_message_or_a_dead_worker_left_behind(
    receiver, situation, analyst, reviewer, django_capture_on_commit_callbacks, jobs
):
    build_endpoint(receiver.url, events=["escalation.approved"], name="First")
    build_endpoint(receiver.url, events=["escalation.approved"], name="Second")
    build_endpoint(receiver.url, events=["escalation.approved"], name="Third")
    approved(
        situation, analyst=analyst, reviewer=reviewer, capture=django_capture_on_commit_callbacks
    )
    lost, dead, fresh = deliveries_of("escalation.approved")
    now = timezone.now()
    Delivery.objects.filter(pk=lost.pk).update(next_attempt_at=now - timedelta(minutes=10))
    Delivery.objects.filter(pk=dead.pk).update(  # claimed by a worker that died since
        status="sending", claim_token=uuid.uuid4(), claimed_until=now - timedelta(seconds=1)
    )
    jobs.published.clear()

    published = sweep_deliveries_task()

    assert published == 2
    assert published_deliveries(jobs) == [lost.pk, dead.pk]
    assert services.sweep() == 0  # published once: not again at the next sweep
    jobs.run()
    assert len(receiver.requests) == 2
    assert {d.status for d in Delivery.objects.filter(pk__in=[lost.pk, dead.pk])} == {"delivered"}
    fresh.refresh_from_db()
    assert fresh.status == "pending"
