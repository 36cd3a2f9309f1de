"""Publishing a task: one broker connection kept per process, made again when it fails.

Each test publishes to the configured broker (the filesystem, or Redis in CI) and counts what
reached it by purging it; the restart test runs a Redis server of its own.
"""

import logging
import shutil

import pytest
from celery import current_app

from assessments import jobs
from tests.assessments.test_summary_worker import RedisServer, _free_port
from tests.conftest import broker_at, cannot_run_here, purge_broker

PING = "framework.ping"


@pytest.fixture
def connections_made(monkeypatch):
    """Count the broker connections that publishing opens (Celery opens others of its own,
    without the no-retry option)."""
    made = []
    opened = current_app.connection_for_write

    def counting(*args, **kwargs):
        if kwargs.get("transport_options") == jobs.NO_RETRY:
            made.append(kwargs)
        return opened(*args, **kwargs)

    jobs._kept.drop()
    monkeypatch.setattr(current_app, "connection_for_write", counting)
    yield made
    jobs._kept.drop()


def test_publishes_share_one_broker_connection(connections_made):
    purge_broker()

    sent = [jobs.publish(PING, {}) for _ in range(3)]

    assert sent == [True, True, True]
    assert len(connections_made) == 1
    assert purge_broker() == 3


def test_with_the_broker_down_a_publish_is_logged_and_the_next_one_reaches_the_broker(
    connections_made, caplog
):
    purge_broker()
    down = f"redis://127.0.0.1:{_free_port()}/0"

    with caplog.at_level(logging.WARNING, logger="assessments.jobs"), broker_at(down):
        assert jobs.publish(PING, {"n": 1}) is False
    sent = jobs.publish(PING, {"n": 2})

    assert f"could not publish {PING} {{'n': 1}}" in caplog.text
    assert sent is True
    assert purge_broker() == 1


@pytest.fixture
def restartable_redis():
    if not shutil.which("redis-server"):
        message = "needs the redis-server program to stop and start a broker"
        cannot_run_here(f"service test {message}")
    server = RedisServer(_free_port())
    server.start()
    try:
        with broker_at(server.url):
            yield server
    finally:
        server.stop()


def test_a_publish_after_the_broker_restarted_reaches_it(
    restartable_redis, connections_made, caplog
):
    assert jobs.publish(PING, {"n": 1}) is True
    restartable_redis.stop()
    restartable_redis.start()  # an empty broker: nothing is kept across a restart here

    with caplog.at_level(logging.WARNING, logger="assessments.jobs"):
        sent = jobs.publish(PING, {"n": 2})

    assert sent is True
    assert "could not publish" not in caplog.text
    assert purge_broker() == 1
