"""Shared fixtures: the named cast, the reference data, and the real services.

Service tests (marked ``postgres`` or ``redis``) need the real servers. Outside CI
they are skipped, with the reason, when the suite runs on SQLite or without Redis;
in CI (``CI=true``) a missing service fails the run instead.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import connection
from django.test import TestCase
from django.utils import translation

from accounts.roles import ANALYSTS, FRAMEWORK_ADMINS, REVIEWERS
from accounts.services import ensure_role_groups
from assessments import jobs as assessment_jobs
from framework.dataset import read_dataset
from framework.management.commands.load_framework import DEFAULT_PATH
from framework.services import load_framework
from r2p_project import celery_app

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PASSWORD = "a-test-password-2026"


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    address = (parsed.hostname or "127.0.0.1", parsed.port or default_port)
    try:
        with socket.create_connection(address, 2):
            return True
    except OSError:
        return False


def database_is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def broker_is_redis() -> bool:
    return settings.CELERY_BROKER_URL.startswith("redis://")


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [
        f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}"
        f" ({settings.DATABASES['default']['NAME']})",
        f"celery broker: {settings.CELERY_BROKER_URL.split('://', 1)[0]}",
        f"CI: {IN_CI}",
    ]


def cannot_run_here(message: str) -> NoReturn:
    """Stop a test that lacks a program or a service: it fails in CI, which must run every
    test, and is skipped elsewhere, saying what it needs."""
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def pytest_sessionstart(session: pytest.Session) -> None:
    if not IN_CI:
        return
    problems = []
    if not database_is_postgres():
        problems.append("CI must run on PostgreSQL: set DATABASE_URL=postgres://...")
    elif not _reachable(os.environ.get("DATABASE_URL", ""), 5432):
        problems.append("PostgreSQL is not reachable at DATABASE_URL")
    if not broker_is_redis():
        problems.append("CI must run Celery on Redis: set CELERY_BROKER_URL=redis://...")
    elif not _reachable(settings.CELERY_BROKER_URL, 6379):
        problems.append("Redis is not reachable at CELERY_BROKER_URL")
    if problems:
        pytest.exit("Services missing in CI:\n" + "\n".join(problems), returncode=3)


def pytest_runtest_setup(item: pytest.Item) -> None:
    needs = []
    if item.get_closest_marker("postgres") and not database_is_postgres():
        needs.append("PostgreSQL (set DATABASE_URL=postgres://...)")
    if item.get_closest_marker("redis") and not (
        broker_is_redis() and _reachable(settings.CELERY_BROKER_URL, 6379)
    ):
        needs.append("Redis (set CELERY_BROKER_URL=redis://...)")
    if needs:
        message = "needs " + " and ".join(needs)
        cannot_run_here(f"service test {message}")


@pytest.fixture(autouse=True)
def english_after_each_test() -> Iterator[None]:
    """A request in another language leaves it active in the thread (as each request of a
    server sets its own): every test starts, and leaves, in English."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def second_factor_not_required(settings: Any) -> None:
    """The tests of what each role may do sign in with the password alone; the tests of the
    second factor (tests/accounts/test_mfa.py, tests/browser/test_mfa.py) set the policy."""
    settings.MFA_REQUIRED = "none"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> None:
    """Load the bundled reference data once; tests run in transactions on top of it."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        load_framework(read_dataset(DEFAULT_PATH))


@pytest.fixture
def framework_data(transactional_db: None) -> None:
    """For transactional tests, whose tables are emptied after each test: load again."""
    load_framework(read_dataset(DEFAULT_PATH))


def make_user(username: str, *groups: str, staff: bool = False) -> AbstractUser:
    group_objects = ensure_role_groups()
    user = get_user_model().objects.create_user(
        username=username,
        password=PASSWORD,
        first_name=username.capitalize(),
        email=f"{username}@example.org",
        is_staff=staff,
    )
    for name in groups:
        user.groups.add(group_objects[name])
    return user


@pytest.fixture
def analyst(db: None) -> AbstractUser:
    return make_user("analyst", ANALYSTS)


@pytest.fixture
def other_analyst(db: None) -> AbstractUser:
    return make_user("other_analyst", ANALYSTS)


@pytest.fixture
def reviewer(db: None) -> AbstractUser:
    return make_user("reviewer", REVIEWERS)


@pytest.fixture
def admin(db: None) -> AbstractUser:
    return make_user("admin", FRAMEWORK_ADMINS, staff=True)


@pytest.fixture
def outsider(db: None) -> AbstractUser:
    """Signed in, but holding no role."""
    return make_user("outsider")


class Jobs:
    """Background jobs published during a test, kept instead of sent to the broker.

    ``run()`` runs them in this process, as a worker would, until none is left (the jobs
    they publish included), and returns each one's name with its result. Call it after the
    change that published them has committed (in a test transaction: after the block of
    ``django_capture_on_commit_callbacks(execute=True)``).
    """

    def __init__(self) -> None:
        self.published: list[tuple[str, dict[str, object]]] = []

    def publish(self, name: str, kwargs: Mapping[str, object]) -> bool:
        self.published.append((name, dict(kwargs)))
        return True

    def names(self) -> list[str]:
        return [name for name, _kwargs in self.published]

    def run(self, limit: int | None = None) -> list[tuple[str, object]]:
        """Run the jobs (the first ``limit`` only, if given)."""
        celery_app.loader.import_default_modules()  # registers the tasks, as a worker does
        done: list[tuple[str, object]] = []
        while self.published and (limit is None or len(done) < limit):
            name, kwargs = self.published.pop(0)
            # A task commits what it does: what it queues after commit is published now.
            with TestCase.captureOnCommitCallbacks(execute=True):
                done.append((name, celery_app.tasks[name](**kwargs)))
        return done


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch) -> Jobs:
    """Keep the jobs the code under test publishes; ``jobs.run()`` runs them here."""
    kept = Jobs()
    monkeypatch.setattr(assessment_jobs, "publish", kept.publish)
    return kept


@contextmanager
def broker_at(url: str, transport_options: dict[str, object] | None = None) -> Iterator[None]:
    """Publish from this process to the broker at ``url`` (down, or a test's own) in the block.

    Celery reads the broker from the CELERY_BROKER_URL environment variable before its
    configuration, and keeps its connections and producers in pools: the variable is set too,
    and both pools are dropped on the way in and out, or a publish would still reach the
    broker of the settings.
    """
    saved = (celery_app.conf.broker_url, celery_app.conf.broker_transport_options)
    saved_variable = os.environ.get("CELERY_BROKER_URL")
    celery_app.conf.broker_url = url
    if saved_variable is not None:
        os.environ["CELERY_BROKER_URL"] = url
    if transport_options is not None:
        celery_app.conf.broker_transport_options = transport_options
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        assert celery_app.connection_for_write().as_uri(include_password=True) == url
        yield
    finally:
        celery_app.conf.broker_url, celery_app.conf.broker_transport_options = saved
        if saved_variable is not None:
            os.environ["CELERY_BROKER_URL"] = saved_variable
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


def purge_broker() -> int:
    """Drop the messages that earlier tests or runs left on the configured broker, so that a
    test's worker runs only what the test publishes."""
    return celery_app.control.purge()


def worker_database_url() -> str:
    """The DATABASE_URL of the test database, for a worker process to share it."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


# The worker's log at INFO: a line when a task is received, and one when it has run.
_RECEIVED = re.compile(r"Task (?P<name>[\w.]+)\[(?P<id>[^\]]+)\] received")
_FINISHED = re.compile(
    r"Task (?P<name>[\w.]+)\[(?P<id>[^\]]+)\] "
    r"(?:succeeded in [\d.e-]+s: (?P<result>.*)|raised unexpected: .*|retry: .*)"
)


class WorkerProcess:
    """A real ``celery worker`` process on the configured broker, sharing the test database."""

    def __init__(self, log_path: str) -> None:
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(
        self, *, env: dict[str, str] | None = None, pool: str = "solo", beat: bool = False
    ) -> "WorkerProcess":
        full_env = {
            **os.environ,
            "DATABASE_URL": worker_database_url(),
            "DEBUG": "true",
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
            **(env or {}),
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "r2p_project",
            "worker",
            f"--pool={pool}",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            f"--hostname=test-{os.getpid()}-{time.monotonic_ns()}@%h",
        ]
        if beat:
            command += ["--beat", f"--schedule={Path(self.log_path).with_suffix('.beat')}"]
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            command,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=settings.BASE_DIR,
            start_new_session=True,
        )
        return self

    def kill(self) -> None:
        """kill -9 of the worker and its pool: nothing finishes or acknowledges anything."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def runs(self, name: str, task_id: str | None = None) -> list[str]:
        """What each finished run of task ``name`` (of that id) returned, in the order they
        ran, as the log shows it (``"'drafted'"``, ``"True"``); a run that raised or was
        retried shows as ``"raised"`` or ``"retry"``."""
        outcomes = []
        for found in _FINISHED.finditer(self.log()):
            if found["name"] == name and task_id in (None, found["id"]):
                text = found[0]
                outcomes.append(
                    found["result"]
                    if found["result"] is not None
                    else ("retry" if " retry: " in text else "raised")
                )
        return outcomes

    def idle(self) -> bool:
        """Has every task this worker received finished running?"""
        log = self.log()
        return len(_RECEIVED.findall(log)) == len(_FINISHED.findall(log))


@pytest.fixture
def celery_worker_process(tmp_path: Path) -> Iterator[WorkerProcess]:
    """A started worker (solo pool) on the configured broker, its queue emptied first."""
    purge_broker()
    worker = WorkerProcess(str(tmp_path / "worker.log"))
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


@pytest.fixture
def worker_factory(tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """Start workers with their own options; every one is stopped at the end.

    The queue is emptied when the test starts: what the test publishes before it starts a
    worker is kept for that worker."""
    purge_broker()
    started: list[WorkerProcess] = []

    def start(**options: object) -> WorkerProcess:
        worker = WorkerProcess(str(tmp_path / f"worker-{len(started)}.log"))
        started.append(worker)
        return worker.start(**options)  # type: ignore[arg-type]

    yield start
    for worker in started:
        worker.stop()


def wait_for(predicate: Callable[[], object], timeout: float, message: str) -> None:
    """Poll until ``predicate()`` is true; fail with ``message`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout}s: {message}", pytrace=False)
