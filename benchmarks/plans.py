"""The query plans of every list: each list page is requested as a reviewer (the admin for the
framework's history), its queries are captured and each is run again under ``EXPLAIN ANALYZE``;
the key lines of the slowest one's plan (the scans, sorts and joins with the index they use,
and the execution time) go to ``benchmarks/results/plans_<tier>.md``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/r2p_bench \\
        .venv/bin/python benchmarks/plans.py --tier M

It reads only; run it on the data set ``make bench`` leaves (PostgreSQL).
"""

import argparse
import os
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("R2P_DATA_DIR", str(ROOT / "var" / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "r2p_project.settings")
os.environ["MFA_REQUIRED"] = "none"  # a read-only look with a test client, no sign-in form

import logging  # noqa: E402

import django  # noqa: E402

django.setup()
logging.getLogger("axes").setLevel(logging.WARNING)  # a line per sign-in otherwise

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from accounts.roles import FRAMEWORK_ADMINS, REVIEWERS  # noqa: E402

PAGES = (
    ("situation list, by name", REVIEWERS, "/situations/"),
    ("situation list, by level", REVIEWERS, "/situations/?sort=-level"),
    ("situation list, overdue", REVIEWERS, "/situations/?overdue=yes&sort=last_assessed"),
    ("review queue", REVIEWERS, "/reviews/"),
    ("watch", REVIEWERS, "/"),
    ("heatmap", REVIEWERS, "/watch/heatmap/"),
    ("map", REVIEWERS, "/watch/map/"),
    ("framework history", FRAMEWORK_ADMINS, "/framework/history/"),
    ("API situations", REVIEWERS, "/api/v1/situations/"),
    ("API assessments", REVIEWERS, "/api/v1/assessments/"),
    ("API decisions", REVIEWERS, "/api/v1/decisions/"),
)
KEY = re.compile(r"Scan|Sort|Join|Nested Loop|Aggregate|Limit|Execution Time|Planning Time")


def key_lines(plan: list[str]) -> list[str]:
    return [line.rstrip() for line in plan if KEY.search(line)][:14]


EXECUTION = re.compile(r"Execution Time: ([0-9.]+) ms")


def explain(sql: str) -> tuple[float, list[str]]:
    """The query's execution time in milliseconds, under ``EXPLAIN ANALYZE``, and its plan."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ANALYZE {sql}")  # nosec B608: a query the page ran
        plan = [row[0] for row in cursor.fetchall()]
    found = next((EXECUTION.search(line) for line in plan if EXECUTION.search(line)), None)
    return (float(found.group(1)) if found else 0.0), plan


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tier", default="M")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("plans.py reads PostgreSQL's plans: set DATABASE_URL=postgres://...")
        return 2
    setup_test_environment()
    users = get_user_model().objects
    out = [
        f"# Query plans, tier {args.tier}",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `benchmarks/plans.py` on "
        f"{connection.settings_dict['NAME']}: {users.count()} users. For each list, the "
        "slowest query of the page under `EXPLAIN ANALYZE`, and the page's query count.",
        "",
    ]
    for title, group, path in PAGES:
        user = users.filter(groups__name=group, is_active=True).order_by("pk").first()
        if user is None:
            print(f"no active user in {group}: skipped {title}")
            continue
        client = Client()
        client.force_login(user)
        client.get(path, HTTP_ACCEPT="text/html,application/json")  # warm: templates, caches
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            answer = client.get(path, HTTP_ACCEPT="text/html,application/json")
            elapsed = (time.perf_counter() - started) * 1000
        selects = [
            q["sql"]
            for q in captured.captured_queries
            if q["sql"].lstrip().upper().startswith("SELECT")
        ]
        # Each query timed again under EXPLAIN ANALYZE (the captured times are rounded to
        # the millisecond): the slowest one's plan is kept.
        plans = sorted((explain(sql) for sql in selects), key=lambda p: p[0], reverse=True)
        slowest_time, plan = plans[0] if plans else (0.0, [])
        out += [
            f"## {title}: `{path}`",
            "",
            f"HTTP {answer.status_code}, {len(captured)} queries, {elapsed:.0f} ms in all, warm "
            f"(signed in as a member of {group}); the queries' execution times add up to "
            f"{sum(t for t, _plan in plans):.1f} ms; the slowest took {slowest_time:.1f} ms:",
            "",
            "```",
            *key_lines(plan),
        ]
        out += ["```", ""]
        print(f"{title}: {answer.status_code}, {len(captured)} queries, {elapsed:.0f} ms")
    target = ROOT / "benchmarks" / "results" / f"plans_{args.tier}.md"
    target.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"written to {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
