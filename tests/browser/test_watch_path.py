"""The head of office's daily path through the watch, in a real browser, on the demo data:
from a count on the watch to the filtered list, the heatmap sorted by a factor, a situation
over time and its two latest assessments compared."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import ANALYSTS, REVIEWERS
from assessments.demo import seed_demo_situations
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_reviewer_follows_the_watch_to_an_indicator_that_changed(page: Page, framework_data, jobs):
    analyst = make_user("analyst", ANALYSTS)
    reviewer = make_user("reviewer", REVIEWERS)
    seed_demo_situations(
        analysts=[analyst], reviewer=reviewer, second_reviewer=make_user("reviewer2", REVIEWERS)
    )

    page.goto("/")
    page.get_by_label("Username").fill("reviewer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title(re.compile("^Watch"))

    # A count on the watch opens the list filtered to that level.
    counts = page.get_by_role("region", name="Situations by level")
    counts.get_by_role("link", name="1 current crisis situation").click()
    expect(page).to_have_url(re.compile(r"/situations/\?level=current_crisis$"))
    listed = page.get_by_role("table", name=re.compile("^Situations you may see"))
    expect(listed.get_by_role("row")).to_have_count(2)  # the header and one situation
    expect(listed).to_contain_text("River Province (demo)")
    expect(page.get_by_label("Level", exact=True)).to_have_value("current_crisis")

    # The heatmap, sorted by RF10, highest first: the one situation with RF10 rated high.
    page.get_by_role("link", name="Heatmap", exact=True).click()
    heatmap = page.get_by_role("table", name=re.compile("^Risk factor levels of"))
    heatmap.get_by_role("link", name=re.compile("^RF10 ")).click()
    expect(page).to_have_url(re.compile(r"sort=-RF10"))
    rf10 = page.get_by_role("columnheader", name=re.compile("^RF10 "))
    expect(rf10).to_have_attribute("aria-sort", "descending")
    first = heatmap.locator("tbody tr").first
    expect(first.get_by_role("rowheader")).to_contain_text("River Province (demo)")
    expect(first.get_by_role("link", name="River Province (demo), RF10: high")).to_be_visible()

    # The situation over time.
    first.get_by_role("link", name="River Province (demo)", exact=True).click()
    expect(page.get_by_role("heading", name="River Province (demo)", level=1)).to_be_visible()
    expect(
        page.get_by_role("img", name="Risk levels of River Province (demo) over time")
    ).to_be_visible()
    levels = page.get_by_role(
        "table", name="Risk level of each assessment by as-of date, oldest first"
    )
    expect(levels.get_by_role("row")).to_have_count(6)  # the header and five assessments

    # Its two latest assessments compared: the latest against the previous approved one.
    page.get_by_role("link", name="Compare two assessments").click()
    expect(page).to_have_title(re.compile("compare two assessments"))
    changes = page.get_by_role("table", name=re.compile("^Every indicator whose severity"))
    expect(changes.locator("#change-1\\.1")).to_contain_text("moderate → high")
    expect(changes.locator("#change-10\\.8")).to_contain_text("not assessed → high")
    expect(
        page.get_by_role("table", name=re.compile("^The level of each crime and overall"))
    ).to_contain_text("current crisis")
