"""Benchmark: draft escalation summaries for N submitted assessments through a real worker.

Reports the throughput (overall, and per worker process: the goal is 50 summaries a second
per process), the per-summary drafting time (median and p95, from each summary's claim to
its completion), the worker's processor time per summary (steadier than the times on a
machine shared with other work; the database's own time is not in it) and the peak resident
memory of the worker: all its processes together, and the largest single process (the goal
is under 250 MiB).

    .venv/bin/python benchmarks/summary_throughput.py --count 1000 [--concurrency 2] [--again]
        [--pool prefork|solo]

``--pool solo`` drafts in the worker's main process (one at a time, no hand-over to a child
process): compared with the default prefork pool, it tells how much of each summary's time
is the worker's own handling of the message rather than drafting.

By default it runs on its own SQLite database and filesystem broker under var/bench/; set
DATABASE_URL and CELERY_BROKER_URL to measure PostgreSQL and Redis (use a scratch database:
it is flushed first).
"""

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("R2P_DATA_DIR", str(ROOT / "var" / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "r2p_project.settings")

import django  # noqa: E402

django.setup()

import psutil  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.services import ensure_demo_users  # noqa: E402
from assessments import jobs, services, workflow  # noqa: E402
from assessments.models import Assessment, EscalationSummary  # noqa: E402
from framework.models import Indicator  # noqa: E402

BENCH_PASSWORD = "bench-only-" + os.urandom(8).hex()

PATTERNS = (
    {"1.1": "moderate", "2.1": "moderate", "3.1": "moderate"},
    {
        "1.1": "moderate",
        "2.1": "high",
        "4.1": "moderate",
        "5.1": "moderate",
        "7.1": "moderate",
        "8.4": "moderate",
    },
    {"10.1": "high", "1.1": "high", "8.4": "moderate", "13.2": "moderate"},
    {"1.5": "low", "4.3": "low"},
)


def prepare(count: int) -> None:
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    call_command("load_framework", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    users = {u.get_username(): u for u, _ in ensure_demo_users(password=BENCH_PASSWORD)}
    analyst, reviewer = users["analyst"], users["reviewer"]
    codes = dict(Indicator.objects.values_list("code", "pk"))
    started = time.perf_counter()
    for number in range(count):
        situation = services.create_situation(
            by=reviewer,
            analysts=[analyst],
            code=f"bench-{number}",
            name=f"Benchmark situation {number}",
            country="SD",
        )
        as_of = date(2026, 1, 1) + timedelta(days=number % 300)
        assessment = workflow.start_assessment(
            situation, by=analyst, as_of=as_of, posture="unwilling"
        )
        pattern = PATTERNS[number % len(PATTERNS)]
        ratings = {
            codes[code]: workflow.RatingInput(
                severity=severity, note="Benchmark evidence.", sources=(("C", "Bench report"),)
            )
            for code, severity in pattern.items()
        }
        assessment = workflow.save_assessment(
            assessment,
            by=analyst,
            expected_version=assessment.lock_version,
            as_of=as_of,
            posture="unwilling",
            narrative="",
            ratings=ratings,
        )
        workflow.submit_assessment(assessment, by=analyst)
    print(f"prepared {count} submitted assessments in {time.perf_counter() - started:.1f}s")


def prepare_again() -> int:
    """Make the summaries of an earlier run pending again and queue them anew (the same
    assessments, back in ``submitted``): a second measurement without preparing again."""
    summaries = EscalationSummary.objects.all()
    Assessment.objects.filter(summaries__in=summaries).update(status="submitted")
    summaries.update(
        status="pending", claim_token=None, claimed_at=None, ready_at=None, content={}, error=""
    )
    ids = list(summaries.values_list("pk", flat=True))
    for pk in ids:
        jobs.publish(workflow.DRAFT_SUMMARY_TASK, {"summary_id": pk})
    print(f"queued {len(ids)} summaries again")
    return len(ids)


def tree_rss(process: psutil.Process) -> tuple[int, int]:
    """The resident memory of the worker's processes together, and of the largest one."""
    total = largest = 0
    for proc in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            rss = proc.memory_info().rss
            total += rss
            largest = max(largest, rss)
    return total, largest


def tree_cpu_seconds(process: psutil.Process) -> float:
    """The processor time (user and system) the worker's processes have used so far."""
    total = 0.0
    for proc in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = proc.cpu_times()
            total += times.user + times.system
    return total


def run_worker(count: int, concurrency: int, timeout: float, pool: str) -> dict[str, object]:
    env = {**os.environ}
    log = open(ROOT / "var" / "bench-worker.log", "wb")  # noqa: SIM115
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "r2p_project",
            "worker",
            f"--pool={pool}",
            f"--concurrency={concurrency}",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process = psutil.Process(worker.pid)
    peak = peak_process = 0
    started = time.perf_counter()
    done = 0
    # The worker's processor time between the first summaries done and the last: what a
    # summary costs the worker whatever else the machine runs at the time.
    first_cpu: tuple[int, float] | None = None
    last_cpu: tuple[int, float] | None = None
    try:
        while time.perf_counter() - started < timeout:
            total, largest = tree_rss(process)
            peak, peak_process = max(peak, total), max(peak_process, largest)
            done = EscalationSummary.objects.filter(status__in=["ready", "failed"]).count()
            if done:
                last_cpu = (done, tree_cpu_seconds(process))
                first_cpu = first_cpu or last_cpu
            if done >= count:
                break
            time.sleep(0.25)
        wall = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(30)
    # A summary the worker drafted has both times; the columns are nullable for the others.
    rows = [
        (claimed, ready)
        for claimed, ready in EscalationSummary.objects.filter(status="ready").values_list(
            "claimed_at", "ready_at"
        )
        if claimed is not None and ready is not None
    ]
    durations = sorted((ready - claimed).total_seconds() * 1000 for claimed, ready in rows)
    failed = EscalationSummary.objects.filter(status="failed").count()
    first = min(c for c, _ in rows)
    last = max(r for _, r in rows)
    busy = (last - first).total_seconds()
    return {
        "summaries": count,
        "ready": len(rows),
        "failed": failed,
        "worker_pool": pool,
        "worker_concurrency": concurrency,
        "wall_seconds_including_worker_start": round(wall, 2),
        "drafting_window_seconds": round(busy, 2),
        "throughput_per_second": round(len(rows) / busy, 1) if busy else None,
        "throughput_per_second_per_process": (
            round(len(rows) / busy / concurrency, 1) if busy else None
        ),
        "per_summary_ms_median": round(statistics.median(durations), 1),
        "per_summary_ms_p95": round(durations[int(0.95 * (len(durations) - 1))], 1),
        "worker_cpu_ms_per_summary": (
            round((last_cpu[1] - first_cpu[1]) * 1000 / (last_cpu[0] - first_cpu[0]), 1)
            if first_cpu and last_cpu and last_cpu[0] > first_cpu[0]
            else None
        ),
        "peak_worker_rss_mib": round(peak / 2**20, 1),
        "peak_worker_process_rss_mib": round(peak_process / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--pool", choices=["prefork", "solo"], default="prefork")
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument(
        "--again",
        action="store_true",
        help="draft the summaries of the previous run again instead of preparing new ones",
    )
    args = parser.parse_args()
    if args.again:
        args.count = prepare_again()
    else:
        prepare(args.count)
    if args.pool == "solo":
        args.concurrency = 1
    result = run_worker(args.count, args.concurrency, args.timeout, args.pool)
    result.update(
        database=connection.vendor,
        broker=settings.CELERY_BROKER_URL.split("://", 1)[0],
        python=platform.python_version(),
        cpus=os.cpu_count(),
        # A machine shared with other work drafts slower: say how busy it was.
        load_average=[round(x, 1) for x in os.getloadavg()],
        measured=time.strftime("%Y-%m-%d"),
    )
    text = json.dumps(result, indent=2)
    print(text)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
