"""Two web processes and two workers on one PostgreSQL database and one Redis broker.

What a production installation with more than one web host and more than one worker does: an
analyst submits on one web process, exactly one of the workers drafts the summary once, and a
reviewer signed in on the other web process finds it.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from django.conf import settings

from assessments.models import Assessment, EscalationSummary, Transition
from tests.assessments.builders import build_crisis, build_situation, summary_of
from tests.conftest import PASSWORD, WorkerProcess, wait_for, worker_database_url

DRAFT = "assessments.draft_summary"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]


class WebProcess:
    """``gunicorn r2p_project.wsgi`` (one sync worker) on a free port, sharing the test
    database and broker."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "WebProcess":
        env = {
            **os.environ,
            "DEBUG": "true",
            "R2P_ENV_FILE": os.devnull,
            "DATABASE_URL": worker_database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
            "MFA_REQUIRED": "none",
        }
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "r2p_project.wsgi",
                    "--workers=1",
                    f"--bind=127.0.0.1:{self.port}",
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=settings.BASE_DIR,
                start_new_session=True,
            )
        return self

    def listening(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            pytest.fail(f"the web process stopped:\n{self.log()[-3000:]}", pytrace=False)
        try:
            socket.create_connection(("127.0.0.1", self.port), 1).close()
        except OSError:
            return False
        return True

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def sign_in(self, username: str) -> requests.Session:
        session = requests.Session()
        page = session.get(f"{self.url}/accounts/login/", timeout=30)
        token = CSRF_FIELD.search(page.text)
        assert page.status_code == 200 and token
        answer = session.post(
            f"{self.url}/accounts/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token[1]},
            headers={"Referer": f"{self.url}/accounts/login/"},
            allow_redirects=False,
            timeout=30,
        )
        assert answer.status_code == 302, answer.text[-2000:]
        assert "sessionid" in session.cookies
        return session


@pytest.fixture
def web_factory(tmp_path: Path) -> Iterator[Callable[[], WebProcess]]:
    started: list[WebProcess] = []

    def start() -> WebProcess:
        web = WebProcess(tmp_path / f"web-{len(started)}.log")
        started.append(web)
        return web.start()

    yield start
    for web in started:
        web.stop()


def test_a_submit_on_one_web_process_is_drafted_once_and_shown_on_the_other(
    framework_data, analyst, reviewer, web_factory, worker_factory
):
    started = time.monotonic()
    situation = build_situation(by=reviewer, analysts=[analyst], name="Two Hosts Region (test)")
    assessment = build_crisis(situation, by=analyst)  # a draft, committed
    webs = [web_factory(), web_factory()]
    workers: list[WorkerProcess] = [worker_factory(), worker_factory()]
    for web in webs:
        wait_for(web.listening, 30, f"gunicorn did not listen:\n{web.log()[-3000:]}")
    for worker in workers:
        wait_for(lambda w=worker: " ready." in w.log(), 30, "a worker did not start")

    analyst_on_1 = webs[0].sign_in("analyst")
    form = analyst_on_1.get(f"{webs[0].url}/assessments/{assessment.pk}/", timeout=30)
    assert form.status_code == 200
    submitted = analyst_on_1.post(
        f"{webs[0].url}/assessments/{assessment.pk}/submit/",
        data={"csrfmiddlewaretoken": analyst_on_1.cookies["csrftoken"], "confirm": "undecided"},
        headers={"Referer": f"{webs[0].url}/assessments/{assessment.pk}/"},
        allow_redirects=False,
        timeout=30,
    )
    assert submitted.status_code == 302
    assert submitted.headers["Location"] == f"/assessments/{assessment.pk}/"

    wait_for(
        lambda: EscalationSummary.objects.filter(assessment=assessment, status="ready").exists(),
        30,
        "no worker drafted the summary; their logs:\n"
        + "\n".join(worker.log()[-1500:] for worker in workers),
    )
    wait_for(
        lambda: all(worker.idle() for worker in workers), 30, "a worker is still running a task"
    )

    # Drafted exactly once, by one of the two workers.
    summary = summary_of(assessment)
    assert EscalationSummary.objects.filter(assessment=assessment).count() == 1
    assert (summary.status, summary.attempts, summary.revision) == ("ready", 1, 1)
    assert sorted(run for worker in workers for run in worker.runs(DRAFT)) == ["'drafted'"]
    assert Assessment.objects.get(pk=assessment.pk).status == "in_review"
    assert Transition.objects.filter(assessment=assessment, event="submitted").count() == 1
    assert Transition.objects.filter(assessment=assessment, event="summary_drafted").count() == 1

    # The reviewer, signed in on the other web process, reads the same summary.
    reviewer_on_2 = webs[1].sign_in("reviewer")
    page = reviewer_on_2.get(f"{webs[1].url}/assessments/{assessment.pk}/", timeout=30)
    assert page.status_code == 200
    assert "Two Hosts Region (test)" in page.text
    exported = reviewer_on_2.get(
        f"{webs[1].url}/assessments/{assessment.pk}/summary.json", timeout=30
    )
    assert exported.status_code == 200
    assert exported.json()["content_hash"] == summary.content_hash
    assert time.monotonic() - started < 60
