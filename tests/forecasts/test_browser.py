"""The forecasts' panels in a real browser: axe-core (WCAG 2.1 A and AA) and no sideways
scroll on the situation page and the watch, at 1366 px and 390 px, with divergences shown.

Playwright's sync API allows one running instance per thread, and the browser suite
(tests/browser) keeps its Chromium open for the whole session: this test drives a Chromium of
its own in a thread of its own, so that it runs alongside that suite in any order.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from accounts.roles import ANALYSTS, REVIEWERS
from tests.assessments.builders import CRISIS, build_assessment, build_situation
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_accessibility import audit, sign_in
from tests.conftest import cannot_run_here, make_user
from tests.forecasts.builders import import_data_file

pytestmark = pytest.mark.browser

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def check_the_panels(base_url: str) -> list[str]:
    """Sign in as the analyst, follow the watch's divergence to the situation page; every
    problem found on the way (axe, overflow, the content security policy, a missing panel)."""
    from playwright.sync_api import expect, sync_playwright

    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(base_url=base_url)
        context.set_default_timeout(15_000)
        page = context.new_page()
        watching = [True]
        page.csp_watching = watching  # read by the browser suite's audit()
        page.on(
            "console",
            lambda message: (
                problems.append(f"{page.url}: {message.text}")
                if watching[0] and "Content Security Policy" in message.text
                else None
            ),
        )
        sign_in(page, "analyst")
        divergences = page.get_by_role("table", name="Situations where a forecast and the analysts")
        expect(divergences.get_by_role("row")).to_have_count(4)  # header, Sudan twice, Norway
        problems += audit(page, "watch")
        divergences.get_by_role("link", name="Low (SD)").first.click()
        panel = page.get_by_role("region", name="External forecasts")
        expect(panel.get_by_role("heading", name="External forecasts", level=2)).to_be_visible()
        expect(panel.get_by_text("Divergence: forecast higher than the analysts")).to_have_count(2)
        problems += audit(page, "situation page")
        context.close()
        browser.close()
    return problems


def test_the_forecast_panels_pass_axe_and_fit_the_width(live_server, framework_data):
    if not os.path.exists(CHROMIUM):
        message = f"browser test needs Chromium at {CHROMIUM} (apt-get install -y chromium)"
        cannot_run_here(message)
    analyst = make_user("analyst", ANALYSTS)
    reviewer = make_user("reviewer", REVIEWERS)
    low = build_situation(by=reviewer, analysts=[analyst], country="SD", name="Low (SD)")
    build_assessment(low, by=analyst, ratings={"1.1": "low"}, status="approved", reviewer=reviewer)
    crisis = build_situation(by=reviewer, analysts=[analyst], country="NO", name="Crisis (NO)")
    build_assessment(crisis, by=analyst, ratings=CRISIS)
    assert import_data_file("ewp_good.csv", "ewp", model="SRA 2025").ok
    assert import_data_file("views_good.csv", "views", model="fatalities003").ok

    with ThreadPoolExecutor(max_workers=1) as thread:
        problems = thread.submit(check_the_panels, live_server.url).result()

    assert not problems, "\n".join(problems)
