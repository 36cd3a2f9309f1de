"""The watch in a real browser: an analyst lands on it and follows what moved."""

import re

import pytest
from playwright.sync_api import expect

from accounts.roles import ANALYSTS, REVIEWERS
from assessments.demo import seed_demo_situations
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_analyst_lands_on_the_watch_prints_it_and_follows_a_rising_situation(
    page, framework_data, jobs
):
    analyst = make_user("analyst", ANALYSTS)
    reviewer = make_user("reviewer", REVIEWERS)
    seed_demo_situations(
        analysts=[analyst], reviewer=reviewer, second_reviewer=make_user("reviewer2", REVIEWERS)
    )

    page.goto("/")
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_title(re.compile("^Watch"))
    expect(page.get_by_role("link", name="Watch")).to_have_attribute("aria-current", "page")
    counts = page.get_by_role("region", name="Situations by level")
    expect(counts.get_by_role("link", name="1 current crisis situation")).to_have_attribute(
        "href", "/situations/?level=current_crisis"
    )
    movers = page.get_by_role("table", name=re.compile("^Situations whose level moved"))
    expect(movers.get_by_role("row")).to_have_count(5)  # the header and four movers
    returned = page.get_by_role("table", name="Returned to you, with the reviewer's reason")
    expect(returned.get_by_text("the arming rests on a single unverified report")).to_be_visible()

    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main navigation")).to_be_hidden()
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    expect(movers).to_be_visible()
    page.emulate_media(media="screen")

    link = movers.get_by_role("link", name="River Province (demo)")
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="River Province (demo)", level=1)).to_be_visible()
