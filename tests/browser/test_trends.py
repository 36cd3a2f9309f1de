"""A situation over time and two assessments compared, in a real browser."""

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import ANALYSTS, REVIEWERS
from tests.assessments.builders import build_assessment, build_situation
from tests.browser.test_assessment_flow import sign_in
from tests.conftest import make_user

pytestmark = [pytest.mark.browser]

SERIOUS = {"1.1": "moderate", "2.1": "moderate", "3.1": "moderate"}


@pytest.fixture
def history(framework_data, jobs):
    analyst = make_user("analyst", ANALYSTS)
    reviewer = make_user("reviewer", REVIEWERS)
    situation = build_situation(by=reviewer, analysts=[analyst], name="Lakeside Province (test)")
    january = build_assessment(
        situation,
        by=analyst,
        ratings=SERIOUS,
        as_of=date(2026, 1, 10),
        status="approved",
        reviewer=reviewer,
    )
    february = build_assessment(
        situation,
        by=analyst,
        ratings={**SERIOUS, "10.1": "high"},
        as_of=date(2026, 2, 1),
        status="approved",
        reviewer=reviewer,
    )
    march = build_assessment(situation, by=analyst, ratings={"1.1": "low"}, as_of=date(2026, 3, 5))
    return january, february, march


def test_analyst_reads_the_situation_over_time_and_compares_two_assessments(page: Page, history):
    sign_in(page, "analyst")
    page.get_by_role("link", name="Lakeside Province (test)").click()

    chart = page.get_by_role("img", name="Risk levels of Lakeside Province (test) over time")
    expect(chart).to_be_visible()
    expect(
        page.get_by_role("img", name="Risk factor levels of Lakeside Province (test) over time")
    ).to_be_visible()
    levels = page.get_by_role(
        "table", name="Risk level of each assessment by as-of date, oldest first"
    )
    expect(levels.get_by_role("row")).to_have_count(4)
    expect(levels.get_by_role("row").nth(3)).to_contain_text("unapproved (draft)")
    region = page.get_by_role("region", name="Risk level of each assessment by as-of date")
    region.focus()
    expect(region).to_be_focused()

    page.get_by_role("link", name="Compare two assessments").click()
    expect(page).to_have_title(
        "Lakeside Province (test): compare two assessments · R2P early warning"
    )
    january, february, march = history
    expect(page.get_by_label("Earlier assessment")).to_have_value(str(february.pk))
    expect(page.get_by_label("Later assessment")).to_have_value(str(march.pk))
    expect(page.get_by_role("heading", name="Indicators that changed")).to_be_visible()
    expect(page.locator("#change-10\\.1")).to_contain_text("high → not assessed")

    page.get_by_label("Earlier assessment").select_option(str(january.pk))
    page.get_by_label("Later assessment").select_option(str(february.pk))
    page.get_by_role("button", name="Compare").click()

    expect(page.locator("#change-10\\.1")).to_contain_text("not assessed → high")
    expect(page.get_by_role("table", name="The level of each crime and overall")).to_contain_text(
        "current crisis"
    )
