"""Benchmark: download the escalation summary's PDF as the worker stored it, against
rendering it (what every download did before the PDF was stored), and count the queries.

    .venv/bin/python benchmarks/summary_pdf.py [--runs 30] [--renders 5]

It runs on its own SQLite database under var/bench-pdf/ by default; set DATABASE_URL to
measure PostgreSQL (use a scratch database: it is flushed first). The target: the stored PDF
served in under 100 ms (p50). Results go to benchmarks/results/summary_pdf_*.json.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("R2P_DATA_DIR", str(ROOT / "var" / "bench-pdf"))
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
from assessments import services, summary_pdfs, workflow  # noqa: E402
from assessments.models import EscalationSummary, SummaryPdf  # noqa: E402
from assessments.pdf import render_summary_pdf  # noqa: E402
from framework.models import Indicator  # noqa: E402

SEVERITIES = ("absent", "low", "moderate", "high")


def prepare() -> EscalationSummary:
    """A situation with a fully rated assessment in review, its summary drafted and its PDF
    stored as the worker does."""
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    call_command("load_framework", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    users = {
        u.get_username(): u for u, _ in ensure_demo_users(password="bench-" + os.urandom(8).hex())
    }
    analyst, reviewer = users["analyst"], users["reviewer"]
    situation = services.create_situation(
        by=reviewer, analysts=[analyst], code="bench-pdf", name="Benchmark", country="SD"
    )
    assessment = workflow.start_assessment(
        situation, by=analyst, as_of=date(2026, 11, 1), posture="unwilling"
    )
    ratings = {
        pk: workflow.RatingInput(
            severity=SEVERITIES[n % 4],
            trend="worsening",
            confidence="medium",
            note=f"Benchmark evidence for indicator {n}.",
            sources=(("B", "Benchmark report one"),),
        )
        for n, pk in enumerate(Indicator.objects.order_by("pk").values_list("pk", flat=True))
    }
    assessment = workflow.save_assessment(
        assessment,
        by=analyst,
        expected_version=assessment.lock_version,
        as_of=assessment.as_of,
        posture=assessment.posture,
        narrative="Benchmark.",
        ratings=ratings,
    )
    workflow.submit_assessment(assessment, by=analyst)
    summary = EscalationSummary.objects.get(assessment=assessment)
    assert workflow.draft_summary(summary.pk) == "drafted"
    summary.refresh_from_db()
    assert summary_pdfs.store_summary_pdfs(summary.pk) == 1  # what the worker does
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--renders", type=int, default=5)
    args = parser.parse_args()
    summary = prepare()
    # A plain client, through every middleware, as a browser's request passes.
    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username="analyst"))
    url = reverse("assessments:summary_pdf", args=[summary.assessment_id])
    assert client.get(url).status_code == 200  # warm the caches, as a running server has
    served, queries = [], []
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            served.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
        queries.append(len(captured))
    stored = SummaryPdf.objects.get(summary=summary, language=settings.LANGUAGE_CODE)
    assert response.content == bytes(stored.pdf)
    assert stored.content_hash == summary.content_hash
    rendered = []
    for _ in range(args.renders):
        started = time.perf_counter()
        render_summary_pdf(summary)
        rendered.append((time.perf_counter() - started) * 1000)
    result = {
        "measured": time.strftime("%Y-%m-%d"),
        "database": connection.vendor,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "runs": args.runs,
        "served_ms_median": round(statistics.median(served), 1),
        "served_ms_p95": round(sorted(served)[int(0.95 * (len(served) - 1))], 1),
        "queries": max(queries),
        "pdf_bytes": len(response.content),
        "renders": args.renders,
        "render_ms_median": round(statistics.median(rendered), 1),
        "debug": settings.DEBUG,
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "benchmarks" / "results" / f"summary_pdf_{connection.vendor}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
