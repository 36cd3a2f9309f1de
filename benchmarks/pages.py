"""Benchmark: how fast each page answers, per role, through gunicorn on PostgreSQL.

Starts ``gunicorn r2p_project.wsgi`` (2 sync workers, DEBUG off, static files by WhiteNoise),
signs in as the analyst, the reviewer and the framework admin (a small threaded client on
``http.client``: the login form with its CSRF token, then the session cookie), and requests
each page at concurrency 1 and 8: p50, p95 and requests per second, each page also as a ratio
of the baseline page's requests per second in the same run.

    DATABASE_URL=postgres://…/scratch .venv/bin/python benchmarks/pages.py --tier M

The database must hold data already (``manage.py generate_dataset`` or ``seed_demo``); use a
scratch database: the benchmark (re)sets the passwords of the demo accounts ``analyst``,
``reviewer`` and ``admin`` and, when the analyst is assigned to no situation, gives them the
assignments of the busiest analyst. Results: ``benchmarks/results/pages_<tier>.json`` and
``.md``.
"""

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# This process only reads and prepares the database; the server runs with DEBUG off.
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("R2P_DATA_DIR", str(ROOT / "var" / "bench-pages"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "r2p_project.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, F  # noqa: E402

from accounts.services import ensure_demo_users  # noqa: E402
from assessments import workflow  # noqa: E402
from assessments.models import (  # noqa: E402
    Assessment,
    EscalationSummary,
    IndicatorRating,
    Situation,
)

ROLES = ("analyst", "reviewer", "admin")
RESULTS = ROOT / "benchmarks" / "results"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    role: str
    path: str
    kind: str  # "baseline", "list", "page", "fragment", "export", "api"


@dataclass
class Measure:
    page: str
    label: str
    role: str
    path: str
    kind: str
    concurrency: int
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    req_per_s: float
    ratio_to_baseline: float | None = None
    statuses: dict[str, int] = field(default_factory=dict)


# Preparing the database ------------------------------------------------------------------------


def prepare(password: str) -> dict[str, Any]:
    """Reset the demo cast's passwords and choose the objects each page shows."""
    if not Situation.objects.exists():
        sys.exit(
            "The database holds no situation: run manage.py generate_dataset (or seed_demo) "
            "on it first."
        )
    users = {u.get_username(): u for u, _created in ensure_demo_users(password=password)}
    analyst = users["analyst"]
    if not Situation.objects.filter(analysts=analyst).exists():
        busiest = (
            get_user_model()
            .objects.exclude(pk=analyst.pk)
            .annotate(n=Count("assigned_situations"))
            .order_by("-n", "pk")
            .first()
        )
        assignment = Situation.analysts.through
        assignment.objects.bulk_create(
            assignment(situation_id=pk, user_id=analyst.pk)
            for pk in Situation.objects.filter(analysts=busiest).values_list("pk", flat=True)
        )
    mine = Situation.objects.filter(analysts=analyst)
    situation = mine.annotate(n=Count("assessments")).order_by("-n", "pk").first()
    if situation is None:
        sys.exit("No situation could be assigned to the analyst.")
    summary = (
        # The current summary of its assessment (a draft has none: the status fragment 404s).
        EscalationSummary.objects.filter(
            status=EscalationSummary.Status.READY,
            assessment__situation__in=mine,
            revision=F("assessment__revision"),
        )
        .exclude(assessment__status="draft")
        .select_related("assessment")
        .order_by("-assessment__as_of", "-pk")
        .first()
    )
    editable = None
    candidates = (
        Assessment.objects.filter(situation__in=mine, status__in=["draft", "returned"])
        .annotate(n=Count("ratings"))
        .order_by("-n", "-pk")[:50]
    )
    for candidate in candidates:
        if workflow.allowed(candidate, workflow.Action.EDIT, analyst):
            editable = candidate
            break
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        database_version = str(cursor.fetchone()[0])
    return {
        "situation": situation.pk,
        "assessment": summary.assessment_id if summary else None,
        "editable": editable.pk if editable else None,
        "counts": {
            "situations": Situation.objects.count(),
            "assessments": Assessment.objects.count(),
            "ratings": IndicatorRating.objects.count(),
            "summaries": EscalationSummary.objects.count(),
            "analyst_situations": mine.count(),
        },
        "database": database_version,
    }


def pages_for(chosen: dict[str, Any], baseline: str) -> list[Page]:
    situation, assessment, editable = chosen["situation"], chosen["assessment"], chosen["editable"]
    pages = [
        Page(
            "baseline",
            f"baseline: {baseline} (reference data, no list)",
            "reviewer",
            baseline,
            "baseline",
        ),
        Page("watch_reviewer", "watch, reviewer", "reviewer", "/", "page"),
        Page("watch_analyst", "watch, analyst", "analyst", "/", "page"),
        Page(
            "situations_reviewer",
            "situation list, reviewer (all situations)",
            "reviewer",
            "/situations/",
            "list",
        ),
        Page(
            "situations_analyst",
            "situation list, analyst (assigned)",
            "analyst",
            "/situations/",
            "list",
        ),
        Page("queue", "review queue, reviewer", "reviewer", "/reviews/", "list"),
        Page("heatmap", "heatmap, reviewer", "reviewer", "/watch/heatmap/", "list"),
        Page("map", "map, reviewer", "reviewer", "/watch/map/", "page"),
        Page("history", "framework history, admin", "admin", "/framework/history/", "list"),
        Page(
            "situation",
            "situation detail, reviewer",
            "reviewer",
            f"/situations/{situation}/",
            "page",
        ),
    ]
    if assessment is not None:
        pages += [
            Page(
                "assessment",
                "assessment detail, reviewer",
                "reviewer",
                f"/assessments/{assessment}/",
                "page",
            ),
            Page(
                "status",
                "summary status fragment, analyst",
                "analyst",
                f"/assessments/{assessment}/summary/status/",
                "fragment",
            ),
            Page(
                "pdf",
                "summary PDF, reviewer",
                "reviewer",
                f"/assessments/{assessment}/summary.pdf",
                "export",
            ),
            Page(
                "json",
                "summary JSON, reviewer",
                "reviewer",
                f"/assessments/{assessment}/summary.json",
                "export",
            ),
        ]
    if editable is not None:
        pages.append(
            Page(
                "edit",
                "assessment edit form (GET), analyst",
                "analyst",
                f"/assessments/{editable}/edit/",
                "page",
            )
        )
    pages += [
        Page(
            "api_situations", "API situations, reviewer", "reviewer", "/api/v1/situations/", "api"
        ),
        Page(
            "api_assessments",
            "API assessments, reviewer",
            "reviewer",
            "/api/v1/assessments/",
            "api",
        ),
        Page("api_queue", "API review queue, reviewer", "reviewer", "/api/v1/review-queue/", "api"),
        Page("api_decisions", "API decisions, reviewer", "reviewer", "/api/v1/decisions/", "api"),
    ]
    return pages


# The server --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_environment(data_dir: Path) -> dict[str, str]:
    """Production settings (DEBUG off), relaxed only where plain http on 127.0.0.1 needs it."""
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "MFA_EXEMPT_USERS": ",".join(ROLES),
        "API_RATE_PER_USER": "1000000/hour",
        "API_RATE_PER_TOKEN": "1000000/hour",
        "R2P_DATA_DIR": str(data_dir),
        "R2P_ENV_FILE": os.devnull,
        "LOG_LEVEL": "WARNING",
    }


@contextlib.contextmanager
def gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> Iterator[None]:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "r2p_project.wsgi",
                f"--workers={workers}",
                "--worker-class=sync",
                f"--bind=127.0.0.1:{port}",
                "--timeout=120",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                sys.exit(f"gunicorn stopped at start; see {log}")
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            if time.monotonic() > deadline:
                sys.exit(f"gunicorn did not listen within 60 s; see {log}")
            time.sleep(0.2)
        yield
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


# The client --------------------------------------------------------------------------------------


class Client:
    """One signed-in user: a cookie jar shared by the threads (each request its own connection,
    as gunicorn's sync workers close every connection)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes, dict[str, str]]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        try:
            all_headers = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
            if self.cookies:
                all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            content = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, content, dict(response.headers.items())
        finally:
            connection.close()

    def sign_in(self, username: str, password: str) -> None:
        status, content, _headers = self.request("GET", "/accounts/login/")
        found = CSRF_FIELD.search(content.decode("utf-8", "replace"))
        if status != 200 or found is None:
            sys.exit(f"The login page answered {status} without a CSRF token.")
        body = urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": found[1]}
        ).encode()
        status, _content, headers = self.request(
            "POST",
            "/accounts/login/",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{self.port}/accounts/login/",
            },
        )
        if status != 302 or "sessionid" not in self.cookies:
            sys.exit(f"Signing in as {username} answered {status}, not a redirect with a session.")
        if "/accounts/mfa/" in headers.get("Location", ""):
            sys.exit(f"{username} is asked for a second factor: MFA_EXEMPT_USERS must name them.")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def measure(client: Client, page: Page, concurrency: int, requests: int, seconds: float) -> Measure:
    for _ in range(2):  # warm up: each worker's caches and connections
        client.request("GET", page.path)
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = started + seconds
    issued = 0

    def run() -> None:
        nonlocal issued
        while True:
            with lock:
                # At least two requests per thread, however slow the page.
                if issued >= requests or (
                    time.perf_counter() > deadline and issued >= 2 * concurrency
                ):
                    return
                issued += 1
            begin = time.perf_counter()
            status, _content, _headers = client.request("GET", page.path)
            elapsed = (time.perf_counter() - begin) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[str(status)] = statuses.get(str(status), 0) + 1

    threads = [threading.Thread(target=run, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return Measure(
        page=page.key,
        label=page.label,
        role=page.role,
        path=page.path,
        kind=page.kind,
        concurrency=concurrency,
        requests=len(latencies),
        errors=sum(n for status, n in statuses.items() if status != "200"),
        p50_ms=round(statistics.median(latencies), 1),
        p95_ms=round(percentile(latencies, 0.95), 1),
        max_ms=round(max(latencies), 1),
        req_per_s=round(len(latencies) / wall, 2),
        statuses=statuses,
    )


# The report --------------------------------------------------------------------------------------


def markdown(run: dict[str, Any]) -> str:
    counts = run["data"]["counts"]
    lines = [
        f"# Pages at tier {run['tier']}",
        "",
        f"{run['date']}, {run['machine']} (load average {run['load_average'][0]} before, "
        f"{run['load_average'][1]} after); {run['server']}; "
        f"{run['data']['database'].split(' on ')[0]}.",
        f"Data: {counts['situations']:,} situations, {counts['assessments']:,} assessments, "
        f"{counts['ratings']:,} ratings, {counts['summaries']:,} summaries; the analyst sees "
        f"{counts['analyst_situations']:,} situations.",
        "",
    ]
    concurrencies = run["concurrency"]
    header = "| page | " + " | ".join(
        f"p50 c{c} | p95 c{c} | req/s c{c} | x baseline c{c}" for c in concurrencies
    )
    lines += [header + " |", "|---" * (1 + 4 * len(concurrencies)) + "|"]
    by_page: dict[str, dict[int, dict[str, Any]]] = {}
    labels: dict[str, str] = {}
    for result in run["results"]:
        by_page.setdefault(result["page"], {})[result["concurrency"]] = result
        labels[result["page"]] = result["label"]
    for key, per in by_page.items():
        cells = []
        for c in concurrencies:
            r = per.get(c)
            if r is None:
                cells += ["-"] * 4
                continue
            ratio = r["ratio_to_baseline"]
            errors = f" ({r['errors']} errors)" if r["errors"] else ""
            cells += [
                f"{r['p50_ms']:,.0f} ms",
                f"{r['p95_ms']:,.0f} ms",
                f"{r['req_per_s']:,.1f}{errors}",
                "-" if ratio is None else f"{ratio:.2f}",
            ]
        lines.append(f"| {labels[key]} | " + " | ".join(cells) + " |")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tier", default="demo", help="the name of the results files")
    parser.add_argument("--concurrency", default="1,8", help="comma-separated (default 1,8)")
    parser.add_argument("--requests", type=int, default=60, help="at most, per page and level")
    parser.add_argument("--seconds", type=float, default=20, help="at most, per page and level")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--only", default="", help="comma-separated page keys (and baseline)")
    parser.add_argument(
        "--baseline",
        default="/framework/crimes/",
        help="the cheap page every other is compared to (default: the three crimes)",
    )
    args = parser.parse_args()
    # Stopped by Ctrl+C or a TERM signal, it still stops the server it started.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(143))
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        print("warning: not PostgreSQL; set DATABASE_URL=postgres://… for real numbers")

    password = "bench-only-" + secrets.token_hex(8)
    chosen = prepare(password)
    pages = pages_for(chosen, args.baseline)
    if args.only:
        wanted = {"baseline", *args.only.split(",")}
        pages = [page for page in pages if page.key in wanted]
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    data_dir = Path(os.environ["R2P_DATA_DIR"]).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    connection.close()

    results: list[Measure] = []
    load_before = os.getloadavg()
    with gunicorn(server_environment(data_dir), port, args.workers, data_dir / "gunicorn.log"):
        clients = {role: Client(port) for role in ROLES}
        for role, client in clients.items():
            client.sign_in(role, password)
        for concurrency in concurrencies:
            baseline_rate = None
            for page in pages:
                result = measure(clients[page.role], page, concurrency, args.requests, args.seconds)
                if page.kind == "baseline":
                    baseline_rate = result.req_per_s
                if baseline_rate:
                    result.ratio_to_baseline = round(result.req_per_s / baseline_rate, 3)
                results.append(result)
                print(
                    f"c{concurrency} {page.label:<55} p50 {result.p50_ms:8.1f} ms  "
                    f"p95 {result.p95_ms:8.1f} ms  {result.req_per_s:7.2f} req/s"
                    + (f"  {result.errors} errors {result.statuses}" if result.errors else ""),
                    flush=True,
                )

    run = {
        "benchmark": "pages",
        "tier": args.tier,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
        # What else ran on the machine: the 1-minute load average before and after the run.
        "load_average": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "server": f"gunicorn, {args.workers} sync workers, DEBUG off, WhiteNoise",
        "concurrency": concurrencies,
        "max_requests": args.requests,
        "max_seconds": args.seconds,
        "data": chosen,
        "results": [asdict(result) for result in results],
    }
    stem = RESULTS / f"pages_{args.tier}"
    stem.with_suffix(".json").write_text(json.dumps(run, indent=2) + "\n", encoding="utf-8")
    stem.with_suffix(".md").write_text(markdown(run), encoding="utf-8")
    print(f"wrote {stem}.json and {stem}.md")
    if any(result.errors for result in results):
        sys.exit("Some requests did not answer 200: see the errors above.")


if __name__ == "__main__":
    main()
