"""The rating form in a real browser: one factor at a time, counts, the filter, the previous
assessment's values, saving in place (button, shortcut, autosave) and the version check."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import ANALYSTS, REVIEWERS
from assessments.models import Assessment, IndicatorRating
from tests.assessments.builders import build_assessment, build_situation, edit_assessment
from tests.browser.test_assessment_flow import open_factor
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def draft(framework_data):
    """A draft started from an approved assessment that rated 1.1 and 7.5."""
    analyst = make_user("analyst", ANALYSTS)
    reviewer = make_user("reviewer", REVIEWERS)
    situation = build_situation(by=reviewer, analysts=[analyst], name="Lakeside Province (test)")
    earlier = build_assessment(
        situation,
        by=analyst,
        ratings={"1.1": ("moderate", "worsening", "high"), "7.5": "low"},
        status="approved",
        reviewer=reviewer,
    )
    return build_assessment(
        situation, by=analyst, as_of=earlier.as_of.replace(day=28), copy_from=earlier
    )


def signed_in_at_form(page: Page, assessment: Assessment) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Watch", exact=True)).to_be_visible()
    page.goto(f"/assessments/{assessment.pk}/edit/")
    expect(page.get_by_role("heading", name="Assess Lakeside Province (test)")).to_be_visible()


def tab_to(page: Page, selector: str, *, backwards: bool = False, limit: int = 400) -> None:
    """Press Tab (or Shift+Tab) until the element matching ``selector`` has the focus."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{selector} was not reached with {key}")


def rating(assessment: Assessment, code: str) -> IndicatorRating | None:
    return IndicatorRating.objects.filter(assessment=assessment, indicator__code=code).first()


def test_analyst_rates_two_indicators_in_two_factors_and_saves_with_the_keyboard_only(page, draft):
    signed_in_at_form(page, draft)
    total = page.locator("[data-progress-total]")
    expect(total).to_have_text(re.compile(r"^2 of \d+ indicators rated$"))

    # From the factor navigation, one key reaches the factor's first field.
    tab_to(page, "[data-step='factor-2']")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Severity of 2.1", exact=True)).to_be_focused()
    expect(page.locator("#factor-1")).to_be_hidden()
    page.keyboard.type("high")  # a closed select takes the option typed
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Evidence note for 2.1", exact=True)).to_be_focused()
    page.keyboard.type("Emergency laws suspend the courts.")
    expect(page.locator("[data-progress-for='factor-2']")).to_have_text(re.compile(r"^1/\d+$"))
    expect(total).to_have_text(re.compile(r"^3 of \d+ indicators rated$"))

    # Back to the navigation and on to a second factor.
    tab_to(page, "[data-step='factor-8']", backwards=True)
    page.keyboard.press("Enter")
    expect(page.get_by_label("Severity of 8.1", exact=True)).to_be_focused()
    page.keyboard.type("low")
    page.keyboard.press("Control+s")
    expect(page.locator("[data-save-status]")).to_have_text(re.compile(r"^Saved at "))

    # Saved in place: still on the same factor, nothing reloaded, both ratings stored.
    expect(page.get_by_label("Severity of 8.1", exact=True)).to_be_visible()
    first = rating(draft, "2.1")
    assert first is not None
    assert (first.severity, first.note) == ("high", "Emergency laws suspend the courts.")
    second = rating(draft, "8.1")
    assert second is not None and second.severity == "low"
    # Two saves: leaving factor 2 saved the draft, then Ctrl+S.
    assert Assessment.objects.get(pk=draft.pk).lock_version == draft.lock_version + 2

    # The focus is visible: an outline of at least 3:1 against the page.
    outline = page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor]; }"""
    )
    assert outline[0] == "solid" and outline[1] >= 2
    assert contrast(outline[2], "rgb(255, 255, 255)") >= 3


def contrast(one: str, other: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(n) / 255 for n in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_previous_values_show_and_the_filter_picks_rated_unrated_and_changed(page, draft):
    signed_in_at_form(page, draft)
    open_factor(page, "1.1")
    first_row = page.get_by_role("group", name=re.compile(r"^1\.1 "))
    expect(first_row).to_contain_text("Previously: moderate, worsening, high confidence.")
    second_row = page.get_by_role("group", name=re.compile(r"^1\.2 "))
    expect(second_row).to_contain_text("Previously: not assessed.")

    page.get_by_label("changed since the previous assessment").check()
    expect(first_row).to_be_hidden()
    expect(
        page.locator("#factor-1").get_by_text("No indicator of this factor matches the filter.")
    ).to_be_visible()
    page.get_by_label("all", exact=True).check()
    page.get_by_label("Severity of 1.1", exact=True).select_option("high")
    page.get_by_label("changed since the previous assessment").check()
    expect(first_row).to_be_visible()
    expect(first_row.get_by_text("changed", exact=True)).to_be_visible()
    expect(second_row).to_be_hidden()

    page.get_by_label("rated only", exact=True).check()
    expect(first_row).to_be_visible()
    expect(second_row).to_be_hidden()
    page.get_by_label("unrated only").check()
    expect(first_row).to_be_hidden()
    expect(second_row).to_be_visible()


def test_moving_to_another_factor_saves_the_draft(page, draft):
    signed_in_at_form(page, draft)
    open_factor(page, "3.1")
    page.get_by_label("Severity of 3.1", exact=True).select_option("absent")
    open_factor(page, "4.1")
    expect(page.locator("[data-save-status]")).to_have_text(re.compile(r"^Saved at "))
    stored = rating(draft, "3.1")
    assert stored is not None and stored.severity == "absent"


def test_autosave_never_overwrites_a_newer_version_saved_by_someone_else(page, draft):
    signed_in_at_form(page, draft)
    open_factor(page, "3.1")
    page.get_by_label("Severity of 3.1", exact=True).select_option("high")
    page.get_by_label("Evidence note for 3.1", exact=True).fill("Mine.")
    # Meanwhile the same analyst, in another window, saves a different rating.
    edit_assessment(draft, by=draft.author, ratings={"3.1": "low"})
    open_factor(page, "4.1")
    expect(page.get_by_role("alert")).to_contain_text(
        "Someone else saved this assessment while you were editing it."
    )
    stored = rating(draft, "3.1")
    assert stored is not None and stored.severity == "low"
    # What the user typed is still in the form.
    open_factor(page, "3.1")
    expect(page.get_by_label("Evidence note for 3.1", exact=True)).to_have_value("Mine.")


@pytest.mark.parametrize("width", [1366, 390])
def test_the_save_bar_stays_in_view_at_the_bottom_of_a_long_factor(page, draft, width):
    page.set_viewport_size({"width": width, "height": 800})
    signed_in_at_form(page, draft)
    open_factor(page, "7.1")
    page.get_by_label(re.compile(r"^Sources for 7\.\d+$")).last.scroll_into_view_if_needed()
    save = page.get_by_role("button", name="Save draft")
    box = save.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 800
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_refused_save_opens_the_factor_of_the_error_and_keeps_the_input(page, draft):
    signed_in_at_form(page, draft)
    open_factor(page, "5.1")
    page.get_by_label("Severity of 5.1", exact=True).select_option("moderate")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Nothing was saved. Please correct:")).to_be_visible()
    expect(page.get_by_label("Severity of 5.1", exact=True)).to_be_visible()
    expect(page.get_by_label("Severity of 5.1", exact=True)).to_have_value("moderate")
    expect(page.locator("[data-step='factor-5']")).to_contain_text("needs correcting")
    assert rating(draft, "5.1") is None
