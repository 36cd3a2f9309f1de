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

#: A publish tries the broker once and gives up at once when it cannot reach it (the work is
#: recorded in the database, and the sweeper publishes it again): a request never waits on a
#: broker that is down.
NO_RETRY = {"max_retries": 0}


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
        # A connection of its own, so that the no-retry option binds this publish only, not
        # the worker's; and no result to wait for (every task records its outcome itself).
        with current_app.connection_for_write(transport_options=NO_RETRY) as connection:
            current_app.send_task(
                name, kwargs=dict(kwargs), connection=connection, retry=False, ignore_result=True
            )
    except Exception:  # the broker's errors vary by transport; none may fail the caller
        logger.warning("could not publish %s %s; it will be retried", name, dict(kwargs))
        return False
    return True
