"""Background jobs, queued by task name once the current transaction commits.

The services that change state queue their side effects here (drafting a summary, each email)
without importing the task module: a task is sent by its registered name, so that
``tasks.py`` sits above every module it calls and the import graph has no circle.
"""

import logging
from collections.abc import Mapping
from functools import partial

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)

#: Publishing waits for the broker this long at most, then gives up (the sweeper catches up).
RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}


def enqueue(name: str, **kwargs: object) -> None:
    """Publish task ``name`` with ``kwargs`` once the current transaction commits.

    Nothing is published for a transaction that rolls back, and a worker never sees a row
    that is not committed yet.
    """
    transaction.on_commit(partial(publish, name, kwargs))


def publish(name: str, kwargs: Mapping[str, object]) -> bool:
    """Publish task ``name`` now. A broker that is down is logged, not raised: the work stays
    recorded in the database and is published again by whoever sweeps it."""
    try:
        current_app.send_task(name, kwargs=dict(kwargs), retry=True, retry_policy=RETRY_POLICY)
    except Exception:  # the broker's errors vary by transport; none may fail the caller
        logger.warning("could not publish %s %s; it will be retried", name, dict(kwargs))
        return False
    return True
