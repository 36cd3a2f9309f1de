"""A worker keeps its database connection from one task to the next (PostgreSQL).

Celery would close it after every task: each summary would then pay for a new connection and
a new server process with cold caches.
"""

import pytest
from django.db import connection

from tests.assessments.test_summary_worker import is_ready, submit_one
from tests.conftest import wait_for


def worker_backends() -> set[tuple[int, object]]:
    """The other sessions on the test database: the worker's (pid and start time)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return set(cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.worker
def test_a_worker_drafts_one_summary_after_another_on_the_same_database_connection(
    framework_data, analyst, reviewer, worker_factory
):
    worker = worker_factory(pool="prefork")
    first = submit_one(analyst, reviewer, name="First Region (test)")
    wait_for(is_ready(first), 60, "the worker did not draft the first summary")
    wait_for(worker.idle, 30, "the worker did not finish the first summary's tasks")
    kept = worker_backends()

    second = submit_one(analyst, reviewer, name="Second Region (test)")
    wait_for(is_ready(second), 60, "the worker did not draft the second summary")
    wait_for(worker.idle, 30, "the worker did not finish the second summary's tasks")

    assert kept, "the worker closed its database connection after its tasks"
    assert kept <= worker_backends()
