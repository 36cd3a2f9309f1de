"""The assessment and escalation loop in a real browser, with a real worker drafting summaries."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import ANALYSTS, REVIEWERS
from tests.assessments.builders import build_crisis, build_situation
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.worker]


def sign_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Watch", exact=True)).to_be_visible()
    page.get_by_role("link", name="Situations", exact=True).click()
    expect(page.get_by_role("heading", name="Situations", exact=True)).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_title(re.compile("Sign in"))


def open_factor(page: Page, code: str) -> None:
    """The rating form shows one risk factor at a time: open the one of indicator ``code``."""
    number = code.split(".")[0]
    page.get_by_role("navigation", name="Risk factors").locator(
        f"[data-step='factor-{number}']"
    ).click()


def rate(page: Page, code: str, severity: str, note: str = "", sources: str = "") -> None:
    open_factor(page, code)
    page.get_by_label(f"Severity of {code}", exact=True).select_option(severity)
    if note:
        page.get_by_label(f"Evidence note for {code}", exact=True).fill(note)
    if sources:
        page.get_by_label(f"Sources for {code}", exact=True).fill(sources)


@pytest.fixture
def cast(framework_data):
    analyst = make_user("analyst", ANALYSTS)
    reviewer = make_user("reviewer", REVIEWERS)
    make_user("reviewer2", REVIEWERS)  # the second reviewer of the ladder's top rungs
    situation = build_situation(
        by=reviewer,
        analysts=[analyst],
        code="lakeside",
        name="Lakeside Province (test)",
        country="SD",
    )
    return analyst, reviewer, situation


def start_and_rate(page: Page) -> None:
    page.get_by_role("link", name="Lakeside Province (test)").click()
    page.get_by_label("As of").fill("2026-11-20")
    page.get_by_label("unwilling to protect").check()
    page.get_by_label("Narrative").fill("Militia build-up before the vote.")
    page.get_by_role("button", name="Start assessment").click()
    expect(page.get_by_role("heading", name="Assess Lakeside Province (test)")).to_be_visible()


def test_analyst_assesses_and_submits_and_the_reviewer_returns_it_with_a_reason(
    page, cast, celery_worker_process
):
    sign_in(page, "analyst")
    start_and_rate(page)
    # A moderate rating without evidence is refused, and what was typed is kept.
    rate(page, "1.1", "moderate")
    page.get_by_role("button", name="Save draft").first.click()
    expect(page.get_by_text("Nothing was saved")).to_be_visible()
    expect(page.get_by_label("Severity of 1.1", exact=True)).to_have_value("moderate")
    for code in ("1.1", "2.1", "4.1", "5.1", "6.1"):
        rate(page, code, "moderate", note=f"Reports on {code}.", sources="B OHCHR update")
    rate(page, "7.5", "moderate", note="Militias armed.", sources="C Local radio")
    page.get_by_role("button", name="Save and see the levels").click()

    expect(page.get_by_role("heading", name=re.compile("as of 2026-11-20"))).to_be_visible()
    genocide = page.get_by_role("row", name=re.compile("^Genocide"))
    expect(genocide).to_contain_text("imminent risk")
    expect(genocide).to_contain_text("6 common factors at moderate or higher")
    expect(page.get_by_role("heading", name="Pillar II", exact=True)).to_be_visible()
    expect(page.get_by_text("Driven by:").first).to_be_visible()

    # Two recommendations decided in the one form; a dismissal without a reason is refused
    # beside its field and keeps the other answer.
    tools = page.locator("#decisions-form li.list-group-item")
    total = tools.count()
    first, second = tools.nth(0), tools.nth(1)
    first.get_by_label("Accept", exact=True).check()
    second.get_by_label("Dismiss", exact=True).check()
    page.get_by_role("button", name="Save the decisions").click()
    expect(page.get_by_text("The decisions were not saved:")).to_be_visible()
    expect(second.get_by_text(re.compile("^Give a reason for dismissing"))).to_be_visible()
    expect(first.get_by_label("Accept", exact=True)).to_be_checked()
    second.get_by_role("textbox").fill("Already under way through the mission.")
    page.get_by_role("button", name="Save the decisions").click()
    expect(page.get_by_text("Your decisions on 2 recommendations are recorded.")).to_be_visible()
    expect(second.get_by_label("Dismiss", exact=True)).to_be_checked()

    # Submitting with the others undecided asks first, and says how many.
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text(f"{total - 2} recommended tools are still undecided")).to_be_visible()
    page.get_by_role("button", name="Submit anyway").click()
    expect(page.locator("#summary-status")).to_contain_text("ready", timeout=60_000)
    # Once submitted, the decisions stay visible, read-only.
    expect(page.locator("#decisions-form")).to_have_count(0)
    expect(page.get_by_text("Dismissed: Already under way through the mission.")).to_be_visible()
    sign_out(page)

    sign_in(page, "reviewer")
    page.get_by_role("link", name="Review queue").click()
    page.get_by_role("link", name="Lakeside Province (test)").click()
    page.get_by_label("Reject it and return the assessment to the analyst").check()
    page.get_by_label("Reason").fill("Corroborate 7.5 with a second source.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Escalation rejected; the assessment was returned")).to_be_visible()
    sign_out(page)

    sign_in(page, "analyst")
    # The worker told the analyst: the bell counts it, and the notification leads to it.
    expect(page.locator("#unread-count")).to_contain_text("1", timeout=30_000)
    page.get_by_role("link", name=re.compile("^Notifications")).click()
    notice = page.get_by_role("listitem").filter(
        has_text="Returned to you: Lakeside Province (test) (as of 2026-11-20)"
    )
    notice.get_by_role("button", name=re.compile("^Open")).click()
    expect(page.get_by_role("alert")).to_contain_text("Corroborate 7.5 with a second source.")
    expect(page.locator("#unread-count")).to_have_count(0)


def test_summary_turns_ready_without_reload_and_the_reviewer_approves_a_changed_level(
    page, cast, celery_worker_process
):
    sign_in(page, "analyst")
    start_and_rate(page)
    rate(page, "10.1", "high", note="Broadcast calls to destroy the group.", sources="A Recording")
    page.get_by_role("button", name="Save and see the levels").click()
    expect(page.get_by_role("row", name=re.compile("^Genocide"))).to_contain_text("current crisis")
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_role("button", name="Submit anyway").click()
    page.evaluate("window.__same_page = true")
    expect(page.locator("#summary-status")).to_contain_text("ready", timeout=60_000)
    # The status badge and the notice at the top followed, without a reload.
    expect(page.locator("#status")).to_have_text("in review")
    expect(page.locator('[data-live-notice="summary"]')).to_have_text(
        "Assessment submitted. Its escalation summary is ready for review."
    )
    expect(page.get_by_role("heading", name="Escalation summary")).to_be_visible()
    # The page updated itself: a marker set before the summary was ready is still there,
    # which a reload would have dropped.
    assert page.evaluate("window.__same_page") is True
    sign_out(page)

    sign_in(page, "reviewer")
    page.get_by_role("link", name="Review queue").click()
    page.get_by_role("link", name="Lakeside Province (test)").click()
    expect(page.locator("section.summary")).to_contain_text("request a Security Council briefing")
    # The summary comes first, the decision after it.
    summary_top = page.locator("section.summary").bounding_box()
    form_top = page.locator("#decision-form").bounding_box()
    assert summary_top is not None and form_top is not None
    assert summary_top["y"] < form_top["y"]
    # A changed rung without a reason is refused: the rung chosen stays, the error beside it.
    page.get_by_label("Approve the escalation").check()
    page.get_by_label("Escalate to").select_option("brief_secretary_general")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("The decision was not recorded:")).to_be_visible()
    reason = page.get_by_label("Reason")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#decision-form")).to_contain_text(
        "Give a reason for changing the proposed escalation."
    )
    expect(page.get_by_label("Escalate to")).to_have_value("brief_secretary_general")
    expect(page.get_by_label("Approve the escalation")).to_be_checked()
    reason.fill("Brief the Secretary-General before the Council.")
    page.get_by_role("button", name="Record decision").click()
    # The Secretary-General's rung needs two reviewers: this was the first review.
    expect(
        page.get_by_text("Your first review is recorded; a second reviewer will decide.")
    ).to_be_visible()
    expect(page.locator("#status")).to_have_text("awaiting second review")
    expect(page.locator("#first-review")).to_contain_text("First review: approve")
    expect(
        page.get_by_text("You gave the first review; another reviewer must give the second.")
    ).to_be_visible()
    expect(page.locator("#decision-form")).to_have_count(0)
    sign_out(page)

    sign_in(page, "reviewer2")
    page.get_by_role("link", name="Review queue").click()
    page.get_by_role("link", name="Lakeside Province (test)").click()
    expect(page.locator("#first-review")).to_contain_text(
        "Brief the Secretary-General before the Council."
    )
    expect(page.get_by_role("heading", name="Your decision, as second reviewer")).to_be_visible()
    expect(page.get_by_label("Escalate to")).to_have_value("brief_secretary_general")
    page.get_by_label("Approve the escalation").check()
    page.get_by_label("Reason").fill("Agreed: the Secretary-General first.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Escalation approved: brief the Secretary-General.")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the summary as PDF").click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    sign_out(page)

    sign_in(page, "analyst")
    page.get_by_role("link", name="Lakeside Province (test)").click()
    page.get_by_role("link", name="2026-11-20").first.click()  # the list, then the chart table
    decision = page.locator("#escalation [role=status].alert-success")
    expect(decision).to_contain_text("Escalation approved: brief the Secretary-General.")
    expect(decision).to_contain_text("Agreed: the Secretary-General first.")
    expect(page.locator("#first-review")).to_contain_text(
        "Brief the Secretary-General before the Council."
    )


def test_a_reviewers_comment_reaches_the_analyst_who_answers_it(page, cast, celery_worker_process):
    analyst, _reviewer, situation = cast
    assessment = build_crisis(situation, by=analyst, status="in_review")
    sign_in(page, "reviewer")
    page.goto(f"/assessments/{assessment.pk}/")
    box = page.locator("#comment-form").get_by_role("textbox")
    # An empty comment is refused beside its field.
    page.get_by_role("button", name="Post the comment").click()
    expect(page.get_by_text("The comment was not posted:")).to_be_visible()
    expect(box).to_have_attribute("aria-invalid", "true")
    box.fill("Is 7.5 from one source only?")
    page.get_by_role("button", name="Post the comment").click()
    expect(page.get_by_text("Your comment is posted")).to_be_visible()
    sign_out(page)

    sign_in(page, "analyst")
    expect(page.locator("#unread-count")).to_contain_text("1", timeout=30_000)
    page.get_by_role("link", name=re.compile("^Notifications")).click()
    notice = page.get_by_role("listitem").filter(
        has_text=f"Reviewer commented on Lakeside Province (test) (as of {assessment.as_of})"
    )
    notice.get_by_role("button", name=re.compile("^Open")).click()
    expect(page).to_have_url(re.compile(r"#comment-\d+$"))
    expect(page.locator("#comments")).to_contain_text("Is 7.5 from one source only?")
    box.fill("Two: OHCHR and local radio.")
    page.get_by_role("button", name="Post the comment").click()
    expect(page.locator("#comments li").last).to_contain_text("Two: OHCHR and local radio.")
    # The assessment waits for its decision as before: a comment moves nothing.
    expect(page.locator("#status")).to_have_text("in review")
