"""An analyst signs in, browses the framework with a real browser, and signs out."""

import re

import pytest
from playwright.sync_api import expect

from accounts.roles import ANALYSTS
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_analyst_browses_pillars_factors_and_matrix_then_signs_out(page, framework_data):
    make_user("analyst", ANALYSTS)

    page.goto("/")
    expect(page).to_have_title(re.compile("Sign in"))
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Watch", exact=True)).to_be_visible()

    page.get_by_role("link", name="Framework", exact=True).click()
    expect(page.get_by_role("heading", name="The R2P framework")).to_be_visible()

    page.get_by_role("link", name="Pillars and tools").first.click()
    expect(page).to_have_title(re.compile("Pillars and tools"))
    expect(page.get_by_role("heading", name="Preventive Diplomacy")).to_have_count(2)

    page.get_by_role("link", name="Risk factors").first.click()
    factor_ten = page.get_by_role("region", name=re.compile("^Risk factor 10:"))
    expect(factor_ten.get_by_text("Incomplete indicator list.")).to_be_visible()

    page.get_by_role("link", name="Mapping matrix").first.click()
    cell = page.get_by_role("link", name=re.compile(r"^RF8 and Preventive Diplomacy"))
    expect(cell.first).to_be_visible()
    cell.first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Rationale")).to_be_visible()
    expect(page.locator("dd", has_text="/ 3")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_title(re.compile("Sign in"))
    page.goto("/framework/matrix/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
