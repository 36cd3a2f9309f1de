"""axe-core (WCAG 2.1 A and AA rules) and the horizontal overflow check on every page each
role reaches from the navigation, on the forms in their error states and on the admin's
pages, at 1366 px and at 390 px.

The pages are found by following links from the watch, as a user would: every same-site link
that answers with an HTML page is visited once per shape (its path with the ids replaced, and
its query's keys), so a list of fifty situations costs one visit, not fifty. In the admin,
whose lists sorted or filtered and whose per-application pages share one template, one of
each is visited.
"""

import re
from collections import deque
from collections.abc import Iterable
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from accounts import tokens
from accounts.roles import ANALYSTS, FRAMEWORK_ADMINS, REVIEWERS
from assessments import workflow
from assessments.models import InboxItem, ResponseAction
from tests.assessments.builders import (
    CRISIS,
    build_assessment,
    build_crisis,
    build_situation,
    summary_of,
)
from tests.browser.conftest import csp_unwatched
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser

WIDTHS = (1366, 390)
AXE = Axe()
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
# Not pages: sign-out and downloads. Everything else a link leads to is visited.
SKIP = re.compile(r"^/(static|media)/|/logout/|\.(csv|xlsx|pdf|json)$|/export|/download")
MAX_PAGES = 150


@pytest.fixture
def office(framework_data):
    """The cast and a situation with an assessment in each state a page shows."""
    analyst = make_user("analyst", ANALYSTS)
    reviewer = make_user("reviewer", REVIEWERS)
    make_user("admin", FRAMEWORK_ADMINS, staff=True)
    situation = build_situation(
        by=reviewer,
        analysts=[analyst],
        name="Lakeside Province (test)",
        groups=[("Displaced communities", "other"), ("Lakeside people", "ethnical")],
    )
    other = build_situation(by=reviewer, analysts=[analyst], name="Hill Country (test)")
    earlier = build_crisis(situation, by=analyst, status="approved", reviewer=reviewer)
    build_assessment(
        situation,
        by=analyst,
        ratings={**CRISIS, "1.1": "high"},
        as_of=earlier.as_of.replace(day=20),
        status="approved",
        reviewer=reviewer,
    )
    draft = build_assessment(
        situation, by=analyst, as_of=earlier.as_of.replace(day=25), copy_from=earlier
    )
    build_assessment(other, by=analyst, status="returned", reviewer=reviewer)
    in_review = build_crisis(
        other, by=analyst, status="in_review", as_of=earlier.as_of.replace(day=22)
    )
    failed = build_assessment(
        situation,
        by=analyst,
        ratings={"1.1": "low"},
        status="submitted",
        as_of=earlier.as_of.replace(day=27),
    )
    assert workflow.mark_summary_failed(summary_of(failed).pk, "the drafter crashed")
    InboxItem.objects.create(
        key="test:notice",
        recipient=analyst,
        kind="returned",
        params={"situation": other.name, "as_of": in_review.as_of.isoformat()},
        path=f"/assessments/{in_review.pk}/",
    )
    # The analyst's API tokens page lists one, and the admin's tokens list and page show it.
    tokens.create_token(analyst, name="Nightly export (test)", scope="read")
    return {"in_review": in_review, "situation": situation, "draft": draft, "approved": earlier}


def sign_in(page: Page, username: str) -> None:
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Watch", exact=True)).to_be_visible()


def audit(page: Page, where: str) -> list[str]:
    """Every axe violation and any horizontal overflow of the page as it is, at each width."""
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            problems.append(f"{where} at {width} px: scrolls sideways by {overflow} px")
        with csp_unwatched(page):
            results = AXE.run(page, options=AXE_OPTIONS)
        for violation in results.response["violations"]:
            targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
            problems.append(
                f"{where} at {width} px: {violation['id']} ({violation['impact']}): "
                f"{violation['help']}; {len(violation['nodes'])} element(s), e.g. {targets}"
            )
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    return problems


def shape(path: str, query: str) -> str:
    return re.sub(r"\d+", "N", path) + "?" + "&".join(sorted({k for k, _ in parse_qsl(query)}))


# The admin pages whose template is the same for every model of an application (its index,
# an object's history and a version of it): one of each is enough.
ADMIN_ALIKE = (
    (re.compile(r"^/admin/(?!password_change/)[a-z_]+/\?"), "/admin/APP/?"),
    (re.compile(r"^/admin/([a-z_]+)/[a-z_]+/N/history/"), r"/admin/\1/MODEL/N/history/"),
)


def admin_shape(path: str, query: str) -> str:
    key = shape(path, query)
    for pattern, alike in ADMIN_ALIKE:
        key = pattern.sub(alike, key)
    return key


def links(page: Page) -> Iterable[str]:
    return page.eval_on_selector_all("a[href]", "els => els.map(el => el.href)")


def crawl(page: Page, start: str = "/", within: str = "/") -> tuple[list[str], list[str]]:
    """Visit every page under ``within`` reachable from ``start`` (the admin's pages only when
    ``within`` is the admin); the pages visited and the problems found. In the admin, a link
    with a query string (a list sorted or filtered otherwise) is not followed: the page it
    leads to is the one already visited, with other rows."""
    admin = within == "/admin/"
    shape_of = admin_shape if admin else shape
    origin = urlsplit(page.url)
    queue, seen, visited, problems = deque([start]), {shape_of(start, "")}, [], []
    while queue and len(visited) < MAX_PAGES:
        address = queue.popleft()
        answer = page.request.get(address, max_redirects=0)
        if "text/html" not in answer.headers.get("content-type", "") or answer.status >= 300:
            continue
        page.goto(address)
        visited.append(address)
        problems += audit(page, address)
        for href in links(page):
            parts = urlsplit(urljoin(page.url, href))
            if (
                parts.netloc != origin.netloc
                or not parts.path.startswith(within)
                or (parts.path.startswith("/admin/") and not admin)
                or SKIP.search(parts.path)
                or (admin and parts.query)
            ):
                continue
            key = shape_of(parts.path, parts.query)
            if key not in seen:
                seen.add(key)
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return visited, problems


@pytest.mark.parametrize("username", ["analyst", "reviewer", "admin"])
def test_every_page_a_role_reaches_passes_axe_and_fits_the_width(page, office, username):
    sign_in(page, username)

    visited, problems = crawl(page)

    assert len(visited) >= 15, visited
    assert len(visited) < MAX_PAGES, "the crawl stopped at its limit; raise MAX_PAGES"
    assert not problems, "\n".join(problems)


def test_the_admin_pages_pass_axe_and_fit_the_width(page, office):
    sign_in(page, "admin")

    visited, problems = crawl(page, "/admin/", within="/admin/")

    assert any("/change/" in address for address in visited), visited
    assert any(re.search(r"/history/\d+/$", address) for address in visited), visited
    assert any(re.fullmatch(r"/admin/(?!password_change/)[a-z_]+/", a) for a in visited), visited
    assert len(visited) < MAX_PAGES, "the crawl stopped at its limit; raise MAX_PAGES"
    assert not problems, "\n".join(problems)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out")).to_be_visible()


def test_the_forms_in_their_error_states_pass_axe_and_fit_the_width(page, office):
    """Each form refused as a user would get it refused: the errors, their summary and the
    fields marked invalid must be as accessible as the form itself."""
    draft, in_review, situation = office["draft"], office["in_review"], office["situation"]
    problems: list[str] = []

    def check(where: str, error: str) -> None:
        expect(page.get_by_text(error).first).to_be_visible()
        problems.extend(audit(page, where))

    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    check("sign-in refused", "Please enter a correct username and password")

    sign_in(page, "reviewer")
    page.goto("/situations/new/")
    page.get_by_role("button", name=re.compile("^(Create|Save)")).click()
    check("new situation refused", "This field is required.")

    page.goto(f"/assessments/{in_review.pk}/")
    page.get_by_label("Approve the escalation").check()
    escalate = page.get_by_label("Escalate to")
    other = next(
        value
        for value in escalate.locator("option").evaluate_all("els => els.map(e => e.value)")
        if value and value != escalate.input_value()
    )
    escalate.select_option(other)
    page.get_by_role("button", name="Record decision").click()
    check("reviewer decision refused", "Give a reason for changing the proposed escalation.")

    page.get_by_role("button", name="Post the comment").click()
    check("comment refused", "The comment was not posted:")

    page.locator("#dissents summary").click()
    page.get_by_role("button", name="Record the dissent").click()
    check("dissent refused", "The dissent was not recorded:")
    sign_out(page)

    sign_in(page, "analyst")
    page.goto(f"/situations/{situation.pk}/")
    page.get_by_label("As of").fill("")
    page.get_by_role("button", name="Start assessment").click()
    check("new assessment refused", "This field is required.")

    page.goto(f"/situations/{situation.pk}/groups/")
    page.get_by_role("button", name="Add the group").click()
    check("new group at risk refused", "This field is required.")

    action = ResponseAction.objects.filter(situation=situation).first()
    assert action is not None, "the approved crisis opened its rung of the escalation ladder"
    page.goto(f"/actions/{action.pk}/")
    page.get_by_label(re.compile("Status")).select_option("done")
    page.get_by_role("button", name="Save the action").click()
    check("response action refused", "The action was not saved.")

    page.goto(f"/assessments/{draft.pk}/")
    page.locator("#decisions-form li.list-group-item").first.get_by_label(
        "Dismiss", exact=True
    ).check()
    page.get_by_role("button", name="Save the decisions").click()
    check("recommendation decisions refused", "The decisions were not saved:")

    page.get_by_role("button", name="Submit for review").click()
    check("submission awaiting confirmation", "still undecided")

    page.goto("/accounts/tokens/")
    page.get_by_role("textbox", name="Name").fill("")
    page.get_by_role("button", name="Make the token").click()
    check("API token refused", "Give the token a name.")
    page.get_by_role("textbox", name="Name").fill("Accessibility check")
    page.get_by_role("button", name="Make the token").click()
    check("API token made, its text shown once", "it is shown only this once")

    page.goto(f"/assessments/{draft.pk}/edit/")
    page.get_by_role("navigation", name="Risk factors").locator("[data-step='factor-2']").click()
    page.get_by_label("Severity of 2.1", exact=True).select_option("high")
    page.get_by_label("Evidence note for 2.1", exact=True).fill("")
    page.get_by_label("Sources for 2.1", exact=True).fill("")
    page.get_by_role("button", name="Save draft").first.click()
    check("rating form refused", "Nothing was saved")

    assert not problems, "\n".join(problems)


def test_the_release_pages_pass_axe_and_fit_the_width(page, office):
    """The analyst's marks, and the reviewer's releases page: empty, its form refused, and
    with a release listed."""
    approved = office["approved"]
    problems: list[str] = []

    sign_in(page, "analyst")
    page.goto(f"/assessments/{approved.pk}/releasable/")
    problems += audit(page, "releasable evidence")
    page.locator("input[name='notes']").first.check()
    page.get_by_role("button", name="Save the marks").click()
    expect(page.get_by_text("1 mark changed.")).to_be_visible()
    problems += audit(page, "releasable evidence saved")
    sign_out(page)

    sign_in(page, "reviewer")
    page.goto(f"/assessments/{approved.pk}/releases/")
    problems += audit(page, "releases, none made")
    page.get_by_role("button", name="Release", exact=True).click()
    expect(page.get_by_text("Say whom the release is for.").first).to_be_visible()
    problems += audit(page, "release refused")
    page.get_by_label("Released to").fill("Partner Mission (test)")
    page.get_by_label("Confidentiality of the release").select_option("internal")
    page.get_by_role("button", name="Release", exact=True).click()
    expect(page.get_by_text("Released to Partner Mission (test)")).to_be_visible()
    problems += audit(page, "releases, one made")

    assert not problems, "\n".join(problems)
