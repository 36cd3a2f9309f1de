"""The response loop in a real browser: an approval opens its actions, an analyst records one
done with its effect, and the next assessment of the situation shows it."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import ANALYSTS, REVIEWERS
from assessments import workflow
from assessments.workflow import Answer
from tests.assessments.builders import (
    CRISIS,
    bring_to,
    build_assessment,
    build_situation,
    decide_on,
    summary_of,
)
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


def sign_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Watch", exact=True)).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_title(re.compile("Sign in"))


@pytest.fixture
def awaiting_decision(framework_data):
    """A crisis in review whose analyst accepted two recommended tools (its summary drafted
    in this process: the worker's part has tests of its own)."""
    analyst = make_user("analyst", ANALYSTS)
    reviewer = make_user("reviewer", REVIEWERS)
    situation = build_situation(
        by=reviewer, analysts=[analyst], name="Lakeside Province (test)", country="SD"
    )
    assessment = build_assessment(situation, by=analyst, ratings=CRISIS)
    codes = [rec["entry"] for rec in assessment.result["recommendations"]][:2]
    workflow.respond_to_recommendations(
        assessment, by=analyst, answers={code: Answer(accepted=True) for code in codes}
    )
    assessment = bring_to(assessment, "in_review")
    # A Security Council briefing needs two reviewers: another gave the first review.
    decide_on(summary_of(assessment), by=make_user("reviewer2", REVIEWERS), approve=True)
    return assessment


def test_approve_then_record_an_action_done_and_see_it_in_the_next_assessment(
    page, awaiting_decision
):
    sign_in(page, "reviewer")
    page.get_by_role("link", name="Review queue").click()
    page.get_by_role("link", name="Lakeside Province (test)").click()
    page.get_by_label("Approve the escalation").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Escalation approved.", exact=True)).to_be_visible()
    # The approval opened its actions: the rung of the ladder and the two accepted tools.
    opened = page.locator("#opened-actions tbody tr")
    expect(opened).to_have_count(3)
    expect(opened.first).to_contain_text("Request a Security Council briefing")
    sign_out(page)

    sign_in(page, "analyst")
    page.get_by_role("link", name="Situations", exact=True).click()
    page.get_by_role("link", name="Lakeside Province (test)").click()
    actions = page.locator("#actions-table tbody tr")
    expect(actions).to_have_count(3)
    tool = actions.nth(1)
    tool_name = tool.get_by_role("rowheader").inner_text().split(" (Pillar")[0]
    tool.get_by_role("link", name=re.compile("^Update")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tool_name)

    # Done without its effect is refused, and what was typed is kept.
    page.get_by_label(re.compile("Status")).select_option("done")
    page.get_by_label("Note on the effect").fill("Observers deployed to the two camps.")
    page.get_by_role("button", name="Save the action").click()
    expect(page.get_by_text("The action was not saved.")).to_be_visible()
    expect(page.get_by_label("Note on the effect")).to_have_value(
        "Observers deployed to the two camps."
    )
    page.get_by_label("Done on").fill("2026-05-20")
    page.get_by_label("Observed effect").select_option("some")
    page.get_by_label("Sources for the effect").fill("B Mission weekly report")
    page.get_by_role("button", name="Save the action").click()
    expect(page.get_by_text("Action saved.")).to_be_visible()
    done = page.locator("#actions-table tbody tr").filter(has_text=tool_name)
    expect(done).to_contain_text("done")
    expect(done).to_contain_text("Observers deployed to the two camps.")

    # The next assessment of the situation shows what was done since the last approval.
    page.get_by_label("As of").fill("2026-06-01")
    page.get_by_label("unwilling to protect").check()
    page.get_by_role("button", name="Start assessment").click()
    expect(page.get_by_role("heading", name="Assess Lakeside Province (test)")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    since = page.locator("#since-last-approval")
    expect(since.get_by_role("heading")).to_have_text("The response since the last approval")
    expect(since.locator("#completed-actions")).to_contain_text(tool_name)
    expect(since.locator("#completed-actions")).to_contain_text("B: Mission weekly report")
    expect(since.locator("#open-actions tbody tr")).to_have_count(2)
