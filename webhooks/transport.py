"""One HTTP POST to a receiver, and what came of it. No redirect is followed (a 3xx answer is
not a success), no proxy is used, and the time it may take is bounded."""

import http.client
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

#: Seconds to connect, and to wait for each read of the answer.
TIMEOUT_SECONDS = 10.0
#: How much of the answer is read and kept (the receiver's reply is not ours to store).
EXCERPT_BYTES = 1024
EXCERPT_CHARS = 200
ERROR_CHARS = 300


@dataclass(frozen=True)
class Answer:
    """The receiver's status code (None when no answer came), or the error; how long it took,
    and the start of the answer's body."""

    status_code: int | None
    duration_ms: int
    error: str = ""
    excerpt: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "https":
        return (
            http.client.HTTPSConnection(
                parts.hostname,
                parts.port,
                timeout=timeout,
                context=ssl.create_default_context(),
            ),
            target,
        )
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout), target


def post(
    url: str, body: bytes, headers: Mapping[str, str], *, timeout: float = TIMEOUT_SECONDS
) -> Answer:
    """POST ``body`` to ``url``; never raises for what the network or the receiver does."""
    started = time.monotonic()

    def elapsed() -> int:
        return round((time.monotonic() - started) * 1000)

    try:
        connection, target = _connection(url, timeout)
    except ValueError as exc:
        return Answer(status_code=None, duration_ms=0, error=str(exc)[:ERROR_CHARS])
    try:
        connection.request("POST", target, body=body, headers=dict(headers))
        response = connection.getresponse()
        status = response.status
        raw = response.read(EXCERPT_BYTES)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:ERROR_CHARS]
        return Answer(status_code=None, duration_ms=elapsed(), error=error)
    finally:
        connection.close()
    excerpt = raw.decode("utf-8", errors="replace").strip()[:EXCERPT_CHARS]
    return Answer(status_code=status, duration_ms=elapsed(), excerpt=excerpt)
