"""Benchmark: render the rating form of a fully rated assessment (every indicator rated,
with evidence and sources, started from an earlier fully rated one) and count its queries.

    .venv/bin/python benchmarks/edit_form.py [--runs 30]

It runs on its own SQLite database under var/bench-form/ by default; set DATABASE_URL to
measure PostgreSQL (use a scratch database: it is flushed first). The target: under 60 ms
(p50) and a constant number of queries (fewer than 20) per render. Besides the wall-clock
times it reports the CPU time of this process per render: on a machine shared with other
work the wall clock measures the neighbours too. Results go to
benchmarks/results/edit_form_*.json.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("R2P_DATA_DIR", str(ROOT / "var" / "bench-form"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "r2p_project.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.services import ensure_demo_users  # noqa: E402
from assessments import services, workflow  # noqa: E402
from assessments.models import Assessment  # noqa: E402
from framework.models import Indicator  # noqa: E402

SEVERITIES = ("absent", "low", "moderate", "high")


def rate_all(assessment: Assessment, *, by: Any, shift: int) -> None:
    """Rate every indicator, with a note and two sources; ``shift`` varies the severities."""
    ratings = {
        pk: workflow.RatingInput(
            severity=SEVERITIES[(n + shift) % 4],
            trend="worsening",
            confidence="medium",
            note=f"Benchmark evidence for indicator {n}.",
            sources=(("B", "Benchmark report one"), ("C", "Benchmark report two")),
        )
        for n, pk in enumerate(Indicator.objects.order_by("pk").values_list("pk", flat=True))
    }
    workflow.save_assessment(
        assessment,
        by=by,
        expected_version=assessment.lock_version,
        as_of=assessment.as_of,
        posture=assessment.posture,
        narrative="Benchmark.",
        ratings=ratings,
    )


def prepare() -> int:
    """A situation with two fully rated assessments, the second started from the first; the
    second's id."""
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    call_command("load_framework", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    users = {
        u.get_username(): u for u, _ in ensure_demo_users(password="bench-" + os.urandom(8).hex())
    }
    analyst, reviewer = users["analyst"], users["reviewer"]
    situation = services.create_situation(
        by=reviewer, analysts=[analyst], code="bench-form", name="Benchmark", country="SD"
    )
    # An earlier assessment, fully rated; the measured one is started from it (so the form
    # shows the earlier values beside each indicator) and then rated differently.
    earlier = workflow.start_assessment(
        situation, by=analyst, as_of=date(2026, 10, 1), posture="unwilling"
    )
    rate_all(earlier, by=analyst, shift=0)
    as_of = date(2026, 11, 1)
    assessment = workflow.start_assessment(
        situation, by=analyst, as_of=as_of, posture="unwilling", copy_from=earlier
    )
    rate_all(assessment, by=analyst, shift=1)
    return assessment.pk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    pk = prepare()
    # A plain client: no test environment, whose instrumented template rendering would be
    # measured too. The request passes through every middleware, as a browser's does.
    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username="analyst"))
    url = reverse("assessments:edit", kwargs={"pk": pk})
    assert client.get(url).status_code == 200  # warm the caches, as a running server has
    times, cpu, queries = [], [], []
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as captured:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200
        queries.append(len(captured))
    rated = Indicator.objects.count()
    result = {
        "measured": time.strftime("%Y-%m-%d"),
        "database": connection.vendor,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "indicators_rated": rated,
        "runs": args.runs,
        "render_ms_median": round(statistics.median(times), 1),
        "render_ms_p95": round(sorted(times)[int(0.95 * (len(times) - 1))], 1),
        "render_cpu_ms_median": round(statistics.median(cpu), 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "queries": max(queries),
        "page_bytes": len(response.content),
        "shows_previous_values": b"Previously:" in response.content,
        "debug": settings.DEBUG,
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "benchmarks" / "results" / f"edit_form_{connection.vendor}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
