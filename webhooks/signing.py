"""What a delivery puts on the wire: its exact body and its headers, signed. Pure functions.

The signature is ``sha256=`` and the hex HMAC-SHA256, keyed with the endpoint's secret (its
UTF-8 text), of ``"<timestamp>.<body>"``: the unix time in seconds sent as X-R2P-Timestamp, a
dot, and the raw body bytes. Binding the timestamp lets a receiver refuse an old request
replayed (docs/webhooks.md).
"""

import hashlib
import hmac
import json
from collections.abc import Mapping

SIGNATURE_PREFIX = "sha256="
USER_AGENT = "R2P-Webhooks/1"


def body_of(payload: Mapping[str, object]) -> bytes:
    """The payload as sent: compact JSON, keys sorted, UTF-8. The same payload gives the same
    bytes at every try."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`` with ``secret`` as the key."""
    message = str(timestamp).encode() + b"." + body
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def headers(
    *, event: str, delivery_id: str, timestamp: int, secret: str, body: bytes
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-R2P-Event": event,
        "X-R2P-Delivery": delivery_id,
        "X-R2P-Timestamp": str(timestamp),
        "X-R2P-Signature": signature(secret, timestamp, body),
    }
