"""The pure parts: the retry schedule, the body on the wire and its signature."""

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings

from webhooks import backoff, signing

CREATED = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
SECRET = "s3cret"


@pytest.mark.parametrize(
    ("failed_tries", "minutes"),
    [(1, 1), (2, 2), (3, 4), (4, 8), (5, 16), (6, 32), (7, 60), (8, 60), (40, 60), (10**6, 60)],
)
def test_the_wait_doubles_from_one_minute_and_is_capped_at_an_hour(failed_tries, minutes):
    assert backoff.retry_delay(failed_tries) == timedelta(minutes=minutes)


def test_there_is_no_wait_before_any_try_has_failed():
    with pytest.raises(ValueError):
        backoff.retry_delay(0)


def test_the_next_try_follows_the_failure_by_the_wait():
    failed_at = CREATED + timedelta(minutes=3)

    assert backoff.next_attempt_at(
        failed_tries=3, created_at=CREATED, failed_at=failed_at
    ) == failed_at + timedelta(minutes=4)


def test_no_try_is_scheduled_past_24_hours_after_the_delivery_was_created():
    failed_at = CREATED + timedelta(hours=23)

    assert backoff.next_attempt_at(
        failed_tries=20, created_at=CREATED, failed_at=failed_at
    ) == CREATED + timedelta(hours=24)
    assert (
        backoff.next_attempt_at(
            failed_tries=20, created_at=CREATED, failed_at=failed_at + timedelta(seconds=1)
        )
        is None
    )


def test_a_receiver_that_never_answers_is_tried_for_24_hours_then_given_up():
    tries, at = [CREATED], CREATED
    while (
        following := backoff.next_attempt_at(
            failed_tries=len(tries), created_at=CREATED, failed_at=at
        )
    ) is not None:
        tries.append(following)
        at = following

    minutes = [round((t - CREATED).total_seconds() / 60) for t in tries]
    assert minutes[:8] == [0, 1, 3, 7, 15, 31, 63, 123]
    assert minutes[-1] <= 24 * 60 < minutes[-1] + 60
    assert len(tries) == 29  # 7 doubling waits, then 22 hourly ones


def test_the_body_is_compact_json_with_sorted_keys_and_the_same_at_every_try():
    payload = {"event": "ping", "delivery": "d-1", "endpoint": {"name": "Ünï", "id": 3}}

    body = signing.body_of(payload)

    assert body == '{"delivery":"d-1","endpoint":{"id":3,"name":"Ünï"},"event":"ping"}'.encode()
    assert signing.body_of(dict(reversed(payload.items()))) == body


def test_the_signature_is_the_hmac_sha256_of_timestamp_dot_body_with_the_secret():
    # Computed independently:
    # printf '1700000000.{"event":"ping"}' | openssl dgst -sha256 -hmac s3cret
    expected = "6846770b4cb3a67aa55cb7edb85678c8c36b8caf1022a60693ee1a47db73c48d"

    assert signing.signature("s3cret", 1700000000, b'{"event":"ping"}') == f"sha256={expected}"
    assert signing.signature("s3cret", 1700000001, b'{"event":"ping"}') != f"sha256={expected}"
    assert signing.signature("other", 1700000000, b'{"event":"ping"}') != f"sha256={expected}"


def test_the_headers_name_the_event_the_delivery_and_the_time_and_carry_the_signature():
    body = b'{"event":"ping"}'

    headers = signing.headers(
        event="ping", delivery_id="d-1", timestamp=1700000000, secret="s3cret", body=body
    )

    assert headers["Content-Type"] == "application/json"
    assert headers["X-R2P-Event"] == "ping"
    assert headers["X-R2P-Delivery"] == "d-1"
    assert headers["X-R2P-Timestamp"] == "1700000000"
    assert headers["X-R2P-Signature"] == signing.signature("s3cret", 1700000000, body)


def docs_verify(document: str):
    """The ``verify`` function of a document's Python snippet, as a receiver copies it."""
    text = (Path(settings.BASE_DIR) / document).read_text(encoding="utf-8")
    [snippet] = [
        block
        for block in re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
        if "def verify(" in block
    ]
    namespace: dict = {}
    exec(compile(snippet, document, "exec"), namespace)  # noqa: S102 - our own docs
    return namespace["verify"]


@pytest.mark.parametrize("document", ["docs/webhooks.md", "README.md"])
def test_the_verification_snippet_of_the_docs_accepts_what_is_signed_and_nothing_else(document):
    verify = docs_verify(document)
    body = signing.body_of({"event": "ping", "delivery": "d-1"})
    now = int(time.time())

    def signed(timestamp, key=SECRET):
        return signing.headers(
            event="ping", delivery_id="d-1", timestamp=timestamp, secret=key, body=body
        )

    assert verify("s3cret", signed(now), body)
    assert not verify("s3cret", signed(now), body + b" ")  # body changed
    assert not verify("s3cret", signed(now, key="other"), body)  # another secret
    assert not verify("s3cret", signed(now - 301), body)  # older than 5 minutes
    assert not verify("s3cret", {**signed(now), "X-R2P-Timestamp": str(now - 1)}, body)
