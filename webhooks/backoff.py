"""When a failed delivery is tried again, and when it is given up. Pure functions.

After the n-th failed try the next one waits 1 minute doubled n - 1 times, at most an hour
(1, 2, 4, 8, 16, 32, 60, 60, ... minutes); a try that would fall more than 24 hours after the
delivery was created is not made, and the delivery is marked failed.
"""

from datetime import datetime, timedelta

FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)
RETRY_WINDOW = timedelta(hours=24)


def retry_delay(failed_tries: int) -> timedelta:
    """How long to wait after ``failed_tries`` tries (1 or more) have failed."""
    if failed_tries < 1:
        raise ValueError("a delay follows at least one failed try")
    # Doubling past the cap is pointless (and 2**n grows without bound): stop at the cap.
    if failed_tries > 12:
        return MAX_DELAY
    return min(FIRST_DELAY * 2 ** (failed_tries - 1), MAX_DELAY)


def next_attempt_at(
    *, failed_tries: int, created_at: datetime, failed_at: datetime
) -> datetime | None:
    """When to try again after the ``failed_tries``-th failure at ``failed_at``, or None: the
    retry window (24 h from ``created_at``) is over, give up."""
    at = failed_at + retry_delay(failed_tries)
    if at > created_at + RETRY_WINDOW:
        return None
    return at
