"""The second factor in a real browser: a reviewer without one reaches only its setup; setting
up an authenticator app with a code computed here, then signing in again with the next code;
adding a security key (Chromium's virtual authenticator) and signing in with it. Each page
of the way is checked with axe."""

import base64
import re

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import REVIEWERS
from audit.models import AuditEntry
from tests.accounts.test_mfa import code_for
from tests.browser.test_accessibility import audit
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def reviewer(transactional_db, settings, live_server):
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]  # the installation's origin
    settings.MFA_REQUIRED = "roles"
    settings.MFA_EXEMPT_USERS = []
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return make_user("reviewer", REVIEWERS)


def give_password(page: Page) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("reviewer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_title(re.compile("Sign in"))


def keep_recovery_codes(page: Page) -> list[str]:
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name="Watch", exact=True)).to_be_visible()
    return codes


def test_a_reviewer_sets_up_an_app_and_signs_in_with_its_code(page: Page, reviewer):
    give_password(page)
    expect(page.get_by_role("heading", name="Your second factor")).to_be_visible()
    for path in ("/admin/", "/situations/", "/reviews/", "/accounts/password/", "/"):
        page.goto(path)
        expect(page).to_have_url(re.compile(r"/accounts/mfa/setup/\?next="))
    assert audit(page, "second factor setup") == []

    shown = page.locator("#mfa-secret").inner_text().replace(" ", "")
    key = base64.b32decode(shown + "=" * (-len(shown) % 8))
    page.get_by_role("textbox", name="Code").fill("000000")
    page.get_by_role("button", name="Set up the app").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not the one the app shows")
    assert audit(page, "second factor setup, wrong code") == []
    page.wait_for_timeout(1_100)  # django-otp refuses any code for a second after a wrong one
    page.get_by_role("textbox", name="Code").fill(code_for(key))
    page.get_by_role("button", name="Set up the app").click()
    assert audit(page, "recovery codes") == []
    keep_recovery_codes(page)
    sign_out(page)

    give_password(page)
    expect(page.get_by_role("heading", name="Your second factor")).to_be_visible()
    assert audit(page, "second factor at sign-in") == []
    page.get_by_role("textbox", name="Code").fill(code_for(key, steps_ahead=1))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Watch", exact=True)).to_be_visible()
    page.goto("/situations/")
    expect(page.get_by_role("heading", name="Situations", exact=True)).to_be_visible()


def test_a_reviewer_adds_a_security_key_and_signs_in_with_it(page: Page, reviewer):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    give_password(page)
    # The library's script draws the button, then listens to it: let it settle first.
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Add a security key").click()
    expect(page).to_have_url(re.compile(r"/accounts/mfa/recovery/"), timeout=20_000)
    codes = keep_recovery_codes(page)
    sign_out(page)

    give_password(page)
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Use your security key").click()
    expect(page.get_by_role("heading", name="Watch", exact=True)).to_be_visible(timeout=20_000)
    assert AuditEntry.objects.filter(
        action="mfa_verified", actor=reviewer, data__kind="security key"
    ).exists()

    # The key's page lists it; a recovery code still signs in when the key is away.
    page.goto("/accounts/mfa/setup/")
    expect(page.locator("#mfa-factors")).to_contain_text("Security key 1")
    sign_out(page)
    give_password(page)
    page.get_by_role("textbox", name="Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("You used a recovery code: 9 are left.")).to_be_visible()
