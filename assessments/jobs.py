"""Background jobs, queued by task name once the current transaction commits.

The services that change state queue their side effects here (drafting a summary, each email)
without importing the task module: a task is sent by its registered name, so that
``tasks.py`` sits above every module it calls and the import graph has no circle.

Each process keeps one broker connection for its publishes (opening one per publish cost a
summary about as much as drafting its content): it is made lazily, dropped when a publish on
it fails, and made anew by a process forked from the one that made it, or when the broker's
address or options change.
"""

import logging
import os
import threading
from collections.abc import Mapping
from functools import partial
from typing import Any

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


class _KeptProducer:
    """This process's producer on a connection of its own: the no-retry option binds these
    publishes only, not the worker's. One publish at a time uses it (``lock``)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.key: tuple[object, ...] | None = None
        self.connection: Any = None
        self.producer: Any = None

    @staticmethod
    def current_key() -> tuple[object, ...]:
        conf = current_app.conf
        return (
            os.getpid(),
            conf.broker_write_url,
            repr(sorted((conf.broker_transport_options or {}).items())),
        )

    def get(self) -> tuple[Any, bool]:
        """The producer, and whether its connection was used before (it may have gone stale:
        a broker that restarted)."""
        key = self.current_key()
        if self.producer is not None and self.key == key:
            return self.producer, True
        self.drop(close=self.key is not None and self.key[0] == os.getpid())
        self.connection = current_app.connection_for_write(transport_options=NO_RETRY)
        self.producer = current_app.amqp.Producer(self.connection, auto_declare=False)
        self.key = key
        return self.producer, False

    def drop(self, *, close: bool = True) -> None:
        """Forget the connection, closing it unless it belongs to the parent process."""
        connection, self.connection, self.producer, self.key = self.connection, None, None, None
        if connection is not None and close:
            try:
                connection.release()
            except Exception:  # a broken connection may fail to close; it is dropped anyway
                logger.debug("could not close a dropped broker connection", exc_info=True)


_kept = _KeptProducer()


def _send(producer: Any, name: str, kwargs: Mapping[str, object]) -> None:
    # No result to wait for: every task records its outcome itself.
    current_app.send_task(
        name, kwargs=dict(kwargs), producer=producer, retry=False, ignore_result=True
    )


def publish(name: str, kwargs: Mapping[str, object]) -> bool:
    """Publish task ``name`` now. A broker that is down is logged, not raised: the work stays
    recorded in the database and is published again by whoever sweeps it."""
    with _kept.lock:
        try:
            producer, reused = _kept.get()
            try:
                _send(producer, name, kwargs)
            except Exception:
                _kept.drop()
                if not reused:
                    raise
                # The kept connection may have outlived its broker: one fresh connection.
                producer, _ = _kept.get()
                _send(producer, name, kwargs)
        except Exception:  # the broker's errors vary by transport; none may fail the caller
            _kept.drop()
            logger.warning("could not publish %s %s; it will be retried", name, dict(kwargs))
            return False
    return True
