"""The heatmap and the map in a real browser: readable at 200 situations and on a phone."""

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import REVIEWERS
from assessments import derived
from assessments.models import Assessment, Situation
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
COUNTRIES = ("SD", "MM", "CD", "ET", "SS")
LEVELS = ("low", "serious_concern", "imminent_risk", "current_crisis")
SEVERITIES = (None, "absent", "low", "moderate", "high")


def levels(n: int) -> dict[str, str]:
    """The factors' levels of the n-th situation's assessment."""
    return {str(f): SEVERITIES[(n + f) % 5] for f in range(1, 15)}


@pytest.fixture
def reviewer(framework_data):
    """A reviewer, who sees all of 200 situations, each with a draft assessment."""
    user = make_user("reviewer", REVIEWERS)
    situations = Situation.objects.bulk_create(
        Situation(
            code=f"watched-{n}",
            name=f"Watched situation {n:03d}",
            country=COUNTRIES[n % 5],
            created_by=user,
        )
        for n in range(200)
    )
    Assessment.objects.bulk_create(
        Assessment(
            situation=s,
            author=user,
            as_of=date(2026, 5, 1),
            posture="unwilling",
            overall_level=LEVELS[n % 4],
            result={"factor_levels": levels(n)},
            factor_levels=levels(n),  # as workflow.store_result keeps them beside the result
        )
        for n, s in enumerate(situations)
    )
    derived.refresh_situation_summary([s.pk for s in situations])
    return user


def sign_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Situations")).to_be_visible()


def page_scrolls_sideways(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_heatmap_keeps_its_headers_in_view_and_the_page_never_scrolls_sideways(
    page, live_server, reviewer
):
    page.set_viewport_size(PHONE)
    sign_in(page, "reviewer")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))

    page.goto("/watch/heatmap/")

    region = page.get_by_role("region", name=re.compile("Risk factor levels of 200 situations"))
    expect(region).to_be_visible()
    assert not page_scrolls_sideways(page)
    assert region.evaluate("e => e.scrollWidth > e.clientWidth")
    region.focus()
    # Measured at one moment: the page may still be scrolling the focused region into view.
    box = region.evaluate(
        """e => {
            e.scrollTop = 4000;
            e.scrollLeft = 600;
            const rect = el => el.getBoundingClientRect();
            return {
                top: rect(e).top,
                start: rect(e).left,
                header: rect(e.querySelectorAll("thead th")[5]).top,
                first_column: rect([...e.querySelectorAll("tbody th")].at(-1)).left,
            };
        }"""
    )
    assert abs(box["header"] - box["top"]) < 2
    assert abs(box["first_column"] - box["start"]) < 2
    assert [url for url in asked if not url.startswith(live_server.url)] == []


def test_heatmap_sorts_by_a_factor_from_its_column_heading(page, live_server, reviewer):
    sign_in(page, "reviewer")
    page.goto("/watch/heatmap/")

    page.get_by_role("link", name=re.compile("^RF10 ")).click()

    expect(page).to_have_url(re.compile(r"\?sort=-RF10$"))
    expect(page.locator("tbody tr").first.locator("td").nth(9)).to_have_text(re.compile("high$"))
    expect(page.get_by_role("columnheader", name=re.compile("^RF10 "))).to_have_attribute(
        "aria-sort", "descending"
    )


def test_a_keyboard_user_reaches_a_country_on_the_map_reads_it_and_follows_it(
    page, live_server, reviewer
):
    page.set_viewport_size(PHONE)
    sign_in(page, "reviewer")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))

    page.goto("/watch/map/")

    assert not page_scrolls_sideways(page)
    sudan = page.locator('a.map-link[data-country="SD"]')
    sudan.focus()
    tooltip = page.locator("[data-map-tooltip]")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_have_text(
        "Sudan: current crisis. 40 situations: 10 current crisis (10 unapproved); "
        "10 imminent risk (10 unapproved); 10 serious concern (10 unapproved); "
        "10 low (10 unapproved)."
    )
    page.keyboard.press("Escape")
    expect(tooltip).to_be_hidden()
    expect(page.get_by_role("link", name=re.compile("^Myanmar: current crisis"))).to_have_count(1)
    assert [url for url in asked if not url.startswith(live_server.url)] == []

    sudan.focus()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/situations/\?country=SD$"))
