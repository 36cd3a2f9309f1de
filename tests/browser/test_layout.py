"""The layout at the office's common screen width: the main navigation on one line."""

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import ANALYSTS, FRAMEWORK_ADMINS, REVIEWERS
from tests.browser.test_assessment_flow import sign_out
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


def on_one_line(page: Page) -> bool:
    """Whether the brand, every item of the main navigation and the sign-out button share one
    horizontal band (each one's top above every one's bottom), each on one line of text."""
    boxes = page.evaluate(
        """() => [...document.querySelectorAll(
            '.navbar-brand, #main-nav .nav-link, #main-nav .navbar-text, #main-nav button')]
            .filter(el => el.checkVisibility())  // not the closed language menu's items
            .map(el => {
                const box = el.getBoundingClientRect();
                const line = parseFloat(getComputedStyle(el).lineHeight);
                return {top: box.top, bottom: box.bottom,
                        tall: box.height > 2.2 * line};
            })"""
    )
    return max(b["top"] for b in boxes) < min(b["bottom"] for b in boxes) and not any(
        b["tall"] for b in boxes
    )


def test_the_main_navigation_stays_on_one_line_at_1366_px_for_every_role(page: Page, db):
    make_user("analyst", ANALYSTS)
    make_user("reviewer", REVIEWERS)
    make_user("admin", FRAMEWORK_ADMINS)
    page.set_viewport_size({"width": 1366, "height": 800})

    for username in ("analyst", "reviewer", "admin"):
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Watch", exact=True)).to_be_visible()

        assert on_one_line(page), username
        page.get_by_role("link", name="Framework", exact=True).click()
        framework = page.get_by_role("navigation", name="Framework pages")
        expect(framework.get_by_role("link", name="Overview")).to_have_attribute(
            "aria-current", "page"
        )
        expect(framework.get_by_role("link", name="Change history")).to_have_count(
            1 if username == "admin" else 0
        )
        sign_out(page)
        expect(page.get_by_text("You are signed out.")).to_be_visible()
