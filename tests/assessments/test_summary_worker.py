"""Summaries drafted by a real worker process, and what happens when workers or Redis fail.

The fault tests run against the real PostgreSQL and Redis (CI); they shorten the broker's
visibility timeout, the drafting limits and the sweeper so that each takes seconds.
"""

import logging
import shutil
import socket
import subprocess
from collections.abc import Iterator

import psycopg
import pytest
from django.db import connection

from assessments.models import Assessment, EscalationSummary, Notification
from tests.assessments.builders import build_crisis, build_situation, summary_of
from tests.conftest import WorkerProcess, broker_at, cannot_run_here, wait_for

DRAFT = "assessments.draft_summary"
SWEEP = "assessments.sweep_stuck_summaries"
NOTIFY = "assessments.notify_summary_ready"
EMAIL = "assessments.send_summary_ready_email"
FAST = {
    "CELERY_VISIBILITY_TIMEOUT": "6",
    "CELERY_UNACKED_RESTORE_INTERVAL": "1",
    "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    "SUMMARY_TIME_LIMIT": "5",
    "SUMMARY_SOFT_TIME_LIMIT": "4",
    "SUMMARY_LEASE_SECONDS": "3",
    "SUMMARY_STUCK_AFTER_SECONDS": "1",
    "SUMMARY_SWEEP_INTERVAL_SECONDS": "1",
}


def submit_one(analyst, reviewer, name="Delta Region (test)"):
    situation = build_situation(by=reviewer, analysts=[analyst], name=name)
    return build_crisis(situation, by=analyst, status="submitted")


def assert_emailed_once(summary, worker: WorkerProcess):
    """Reviewers are emailed just after the drafting commits, by a task of its own: wait
    until the worker has sent the email and has nothing left to run, then make sure that
    one email went out, from one notification."""
    wait_for(
        lambda: worker.runs(EMAIL) and worker.idle(),
        30,
        f"the worker did not email the reviewer; its log:\n{worker.log()[-3000:]}",
    )
    assert worker.runs(NOTIFY) == ["1"]  # one reviewer to tell
    assert worker.runs(EMAIL) == ["True"]
    notified = Notification.objects.filter(key__startswith=f"summary-ready:{summary.pk}:")
    assert notified.count() == 1


def is_ready(assessment):
    return lambda: summary_of(assessment).status == "ready"


@pytest.mark.worker
def test_a_worker_drafts_the_summary_once_the_analyst_submits(
    framework_data, analyst, reviewer, celery_worker_process
):
    assessment = submit_one(analyst, reviewer)

    wait_for(is_ready(assessment), 60, "the worker did not draft the summary")

    summary = summary_of(assessment)
    assert summary.content["levels"]["overall"] == "current_crisis"
    assert Assessment.objects.get(pk=assessment.pk).status == "in_review"
    # Reviewers are emailed just after the drafting commits.
    assert_emailed_once(summary, celery_worker_process)
    assert celery_worker_process.runs(DRAFT) == ["'drafted'"]


@pytest.mark.worker
@pytest.mark.redis
def test_a_task_delivered_twice_yields_one_summary_and_one_email(
    framework_data, analyst, reviewer, worker_factory, jobs
):
    from assessments.tasks import draft_summary_task

    # The submit's own message is kept back (``jobs``): the one message that drafts this
    # summary is the one below, delivered twice.
    assessment = submit_one(analyst, reviewer)
    assert jobs.names() == [DRAFT]
    summary = summary_of(assessment)
    task_id = f"duplicate-{summary.pk}"
    draft_summary_task.apply_async(args=[summary.pk], task_id=task_id)
    draft_summary_task.apply_async(args=[summary.pk], task_id=task_id)
    worker = worker_factory(env=FAST, pool="prefork")

    wait_for(is_ready(assessment), 60, "the summary was not drafted")
    wait_for(
        lambda: len(worker.runs(DRAFT, task_id)) == 2,
        30,
        f"the second delivery did not run; the worker's log:\n{worker.log()[-3000:]}",
    )

    # Both deliveries ran: the first drafted the summary, the second found it drafted.
    assert worker.runs(DRAFT, task_id) == ["'drafted'", "'skipped'"]
    assert worker.runs(DRAFT) == ["'drafted'", "'skipped'"]
    assert EscalationSummary.objects.filter(assessment=assessment).count() == 1
    summary.refresh_from_db()
    assert (summary.status, summary.attempts) == ("ready", 1)
    assert_emailed_once(summary, worker)
    assert (
        Assessment.objects.get(pk=assessment.pk).transitions.filter(to_status="in_review").count()
        == 1
    )


@pytest.mark.worker
@pytest.mark.postgres
@pytest.mark.redis
def test_kill_9_of_the_worker_while_drafting_ends_after_restart_in_exactly_one_summary(
    framework_data, analyst, reviewer, worker_factory
):
    assessment = submit_one(analyst, reviewer)  # queued; no worker runs yet
    summary = summary_of(assessment)
    params = connection.get_connection_params()
    blocker = psycopg.connect(
        **{k: v for k, v in params.items() if k in ("dbname", "user", "host", "port", "password")},
        autocommit=False,
    )
    try:
        # Hold the assessment's row: the drafter claims the summary, then waits on this lock.
        blocker.execute(
            "SELECT id FROM assessments_assessment WHERE id = %s FOR UPDATE", [assessment.pk]
        )
        first = worker_factory(env=FAST, pool="prefork")
        wait_for(
            lambda: summary_of(assessment).status == "drafting", 30, "the drafter never claimed"
        )
        first.kill()
    finally:
        blocker.rollback()
        blocker.close()
    assert summary_of(assessment).status == "drafting"

    second = worker_factory(env=FAST, pool="prefork")
    wait_for(is_ready(assessment), 60, "no summary after the worker was killed and restarted")

    summary.refresh_from_db()
    assert summary.attempts >= 2
    assert EscalationSummary.objects.filter(assessment=assessment).count() == 1
    assert_emailed_once(summary, second)
    assert second.runs(DRAFT).count("'drafted'") == 1
    assert Assessment.objects.get(pk=assessment.pk).status == "in_review"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A Redis server of the test's own, that the test may stop and start again."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, 10, "the test's Redis did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), 0.5):
                return True
        except OSError:
            return False


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    if not shutil.which("redis-server"):
        message = "needs the redis-server program to stop and start a broker"
        cannot_run_here(f"service test {message}")
    server = RedisServer(_free_port())
    try:
        with broker_at(server.url, {"visibility_timeout": 6}):
            yield server
    finally:
        server.stop()


@pytest.mark.worker
def test_with_the_broker_down_at_submit_the_sweeper_later_makes_exactly_one_summary(
    framework_data, analyst, reviewer, worker_factory, own_redis, caplog
):
    with caplog.at_level(logging.WARNING, logger="assessments.jobs"):
        assessment = submit_one(analyst, reviewer)  # the broker is not running: nothing queued

    summary = summary_of(assessment)
    assert f"could not publish {DRAFT} {{'summary_id': {summary.pk}}}" in caplog.text
    assert Assessment.objects.get(pk=assessment.pk).status == "submitted"
    assert summary_of(assessment).status == "pending"

    own_redis.start()
    worker = worker_factory(
        env={**FAST, "CELERY_BROKER_URL": own_redis.url, "CELERY_RESULT_BACKEND": own_redis.url},
        pool="prefork",
        beat=True,
    )
    wait_for(is_ready(assessment), 60, "the sweeper did not bring the summary through")
    # More sweeps after the summary is ready: they must not draft it again.
    swept = len(worker.runs(SWEEP))
    wait_for(
        lambda: len(worker.runs(SWEEP)) >= swept + 3,
        30,
        f"the sweeper stopped; the worker's log:\n{worker.log()[-3000:]}",
    )

    summary = summary_of(assessment)
    assert EscalationSummary.objects.filter(assessment=assessment).count() == 1
    assert summary.attempts == 1
    assert worker.runs(SWEEP)[swept:] == ["0"] * (len(worker.runs(SWEEP)) - swept)
    assert worker.runs(DRAFT).count("'drafted'") == 1
    assert_emailed_once(summary, worker)
