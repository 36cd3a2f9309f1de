"""Benchmark: bulk writes and the exchange format at scale.

Measures, on a scratch database (flushed first):

- the queries of saving the rating form with 1 and with every indicator's note changed;
- importing 1,000 full assessments (every indicator rated, with a note and a source; some
  with their summary and decision): time and queries;
- exporting 10,000 assessments with ``manage.py export_assessments``: time and the peak
  resident memory of the exporting process.

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/exchange.py \\
        [--import-count 1000] [--export-count 10000] [--output benchmarks/results/exchange.json]
    # then, on the same data, the import alone again:
    DATABASE_URL=postgres://... .venv/bin/python benchmarks/exchange.py --import-only again

The assessments are made quickly: a few seeds through the services, exported, then imported
again in bulk under other situations and dates. The import queues the drafting of summaries:
to the filesystem broker under var/bench/ unless CELERY_BROKER_URL says otherwise (no worker
drafts them here).
"""

import argparse
import contextlib
import copy
import json
import os
import platform
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("R2P_DATA_DIR", str(ROOT / "var" / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "r2p_project.settings")

import django  # noqa: E402
import psutil  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.services import ensure_demo_users  # noqa: E402
from assessments import services, workflow  # noqa: E402
from assessments.exchange import (  # noqa: E402
    assessments_for_export,
    export_document,
    import_assessments,
    known_indicator_codes,
    validate_document,
)
from assessments.models import Assessment, EscalationSummary  # noqa: E402
from framework.models import Indicator  # noqa: E402

BENCH_PASSWORD = "bench-only-" + os.urandom(8).hex()
SEVERITIES = ("low", "moderate", "high", "absent")


def prepare() -> dict[str, Any]:
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    call_command("load_framework", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    users = {u.get_username(): u for u, _ in ensure_demo_users(password=BENCH_PASSWORD)}
    return users


def full_ratings(offset: int) -> dict[int, workflow.RatingInput]:
    """Every active indicator rated, with a note and a source."""
    return {
        pk: workflow.RatingInput(
            severity=SEVERITIES[(number + offset) % len(SEVERITIES)],
            note=f"Field reports on {code}: displacement and threats documented.",
            sources=(("B", f"Monitoring report on {code}"),),
        )
        for number, (pk, code) in enumerate(
            Indicator.objects.filter(is_active=True).values_list("pk", "code")
        )
    }


def seeds(users: dict[str, Any]) -> list[Assessment]:
    """Four full assessments: a draft, one in review and two approved with their decision."""
    analyst, reviewer = users["analyst"], users["reviewer"]
    situation = services.create_situation(
        by=reviewer, analysts=[analyst], code="seed", name="Seed situation", country="SD"
    )
    made = []
    for number, status in enumerate(("draft", "in_review", "approved", "approved")):
        as_of = date(2026, 1, 1) + timedelta(days=number)
        assessment = workflow.start_assessment(
            situation, by=analyst, as_of=as_of, posture="unwilling"
        )
        assessment = workflow.save_assessment(
            assessment,
            by=analyst,
            expected_version=assessment.lock_version,
            as_of=as_of,
            posture="unwilling",
            narrative="A synthetic benchmark assessment.",
            ratings=full_ratings(number),
        )
        if status != "draft":
            workflow.submit_assessment(assessment, by=analyst)
            summary = EscalationSummary.objects.get(assessment=assessment)
            workflow.draft_summary(summary.pk)
        if status == "approved":
            summary = EscalationSummary.objects.get(assessment=assessment)
            workflow.decide_escalation(
                summary,
                by=reviewer,
                approve=True,
                level="keep_monitoring",
                reason="Benchmark decision.",
                content_hash=summary.content_hash,
                dissents_read=True,
            )
        made.append(assessment)
    return made


def copies(
    template: dict[str, Any], count: int, *, start: int, prefix: str = "bench"
) -> dict[str, Any]:
    """A document of ``count`` copies of the template's assessments, each under one of 100
    situations and its own date."""
    entries = template["assessments"]
    document = {**template, "assessments": []}
    for number in range(start, start + count):
        entry = copy.deepcopy(entries[number % len(entries)])
        situation = number % 100
        entry["situation"].update(
            code=f"{prefix}-{situation}", name=f"{prefix} situation {situation}"
        )
        entry["as_of"] = (date(2000, 1, 1) + timedelta(days=number // 100)).isoformat()
        document["assessments"].append(entry)
    return document


def timed_import(document: dict[str, Any], by: Any) -> dict[str, Any]:
    started = time.perf_counter()
    records = validate_document(document, indicator_codes=known_indicator_codes())
    validated = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        report = import_assessments(records, by=by, source="benchmark")
    done = time.perf_counter()
    return {
        "assessments": len(report.created),
        "validate_seconds": round(validated - started, 2),
        "import_seconds": round(done - validated, 2),
        "queries": len(captured),
    }


def save_queries(users: dict[str, Any]) -> dict[str, int]:
    """Queries of a save with one note changed and with every note changed."""
    analyst = users["analyst"]
    counts = {}
    for label, changed in (("one_changed_rating", 1), ("every_rating_changed", None)):
        assessment = Assessment.objects.filter(status="draft").order_by("pk").first()
        assert assessment is not None
        assessment = Assessment.objects.get(pk=assessment.pk)
        given = {
            r.indicator_id: workflow.RatingInput(
                severity=r.severity,
                trend=r.trend,
                confidence=r.confidence,
                note=r.note,
                sources=tuple((s.reliability, s.citation) for s in r.sources.all()),
            )
            for r in assessment.ratings.prefetch_related("sources")
        }
        for pk in list(given)[:changed]:
            given[pk] = workflow.RatingInput(
                severity=given[pk].severity,
                note=given[pk].note + f" Updated ({label}).",
                sources=given[pk].sources,
            )
        with CaptureQueriesContext(connection) as captured:
            workflow.save_assessment(
                assessment,
                by=analyst,
                expected_version=assessment.lock_version,
                as_of=assessment.as_of,
                posture=assessment.posture,
                narrative=assessment.narrative,
                ratings=given,
            )
        counts[label] = len(captured)
        counts[f"{label}_ratings"] = len(given) if changed is None else changed
    return counts


def timed_export(path: Path) -> dict[str, Any]:
    """Export everything with the management command in a process of its own; its time and
    peak resident memory."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "export_assessments", "--output", str(path)],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    # Polled rather than read from getrusage(RUSAGE_CHILDREN), which would count the moment
    # between fork and exec, when the child is still a copy of this (large) process.
    watched, peak = psutil.Process(process.pid), 0
    while process.poll() is None:
        with contextlib.suppress(psutil.NoSuchProcess):
            peak = max(peak, watched.memory_info().rss)
        time.sleep(0.05)
    if process.returncode:
        raise SystemExit(f"the export failed ({process.returncode})")
    seconds = time.perf_counter() - started
    peak_kib = peak // 1024
    with path.open(encoding="utf-8") as file:
        count = len(json.load(file)["assessments"])
    return {
        "assessments": count,
        "seconds": round(seconds, 1),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "file_mib": round(path.stat().st_size / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--import-count", type=int, default=1000)
    parser.add_argument("--export-count", type=int, default=10000)
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument(
        "--import-only",
        metavar="PREFIX",
        help="on the data of an earlier run, only time the import (under situations PREFIX-n)",
    )
    args = parser.parse_args()
    if args.import_only:
        admin = get_user_model().objects.get(username="admin")
        template = export_document(assessments_for_export("seed"))
        document = copies(template, args.import_count, start=0, prefix=args.import_only)
        print(json.dumps({"import": timed_import(document, admin)}, indent=2))
        return
    users = prepare()
    seeds(users)
    template = export_document(assessments_for_export("seed"))
    result: dict[str, Any] = {"save": save_queries(users)}
    print("save", result["save"], flush=True)
    result["import"] = timed_import(copies(template, args.import_count, start=0), users["admin"])
    print("import", result["import"], flush=True)
    # Import 2 and 3 assessments too: the queries do not grow with the assessments.
    result["import_queries_by_count"] = {
        str(n): timed_import(copies(template, n, start=0, prefix=f"probe{n}"), users["admin"])[
            "queries"
        ]
        for n in (2, 3)
    }
    made = Assessment.objects.count()
    while made < args.export_count:
        batch = min(1000, args.export_count - made)
        timed_import(copies(template, batch, start=made), users["admin"])
        made = Assessment.objects.count()
    print(f"{made} assessments to export", flush=True)
    out = ROOT / "var" / "bench-export.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    result["export"] = timed_export(out)
    print("export", result["export"], flush=True)
    out.unlink()
    result.update(
        database=connection.vendor,
        python=platform.python_version(),
        cpus=os.cpu_count(),
        load_average=[round(x, 1) for x in os.getloadavg()],
        measured=time.strftime("%Y-%m-%d"),
    )
    text = json.dumps(result, indent=2)
    print(text)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
