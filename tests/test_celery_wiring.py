"""The background worker is real: a task goes through the broker to a worker process and back."""

import pytest

from framework.tasks import ping


@pytest.mark.worker
def test_ping_is_answered_by_a_real_worker_process(celery_worker_process):
    result = ping.delay()

    answer = result.get(timeout=60)

    assert answer["pong"] is True
    assert answer["pid"] == celery_worker_process.process.pid
    assert result.successful()
