"""The second factor: who must set it up, that nothing else opens until they do, setting up
an authenticator app, signing in with its code or a recovery code, and the refusals."""

import base64
import re
import time

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def policy(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MFA_REQUIRED = "roles"
    settings.MFA_EXEMPT_USERS = []
    return settings


def code_for(key: bytes, *, steps_ahead: int = 0) -> str:
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def key_on_page(page: str) -> bytes:
    shown = re.search(r'id="mfa-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    return base64.b32decode(shown + "=" * (-len(shown) % 8))


def sign_in(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def enrol(client: Client) -> tuple[bytes, list[str]]:
    key = key_on_page(client.get(reverse("mfa_setup")).content.decode())
    response = client.post(reverse("mfa_setup"), {"code": code_for(key)}, follow=True)
    return key, codes_on_page(response.content.decode())


def codes_on_page(page: str) -> list[str]:
    if 'id="recovery-codes"' not in page:
        return []
    return re.findall(r"<li>([a-z0-9]+)</li>", page.split('id="recovery-codes"')[1])


PAGES = (
    "/",
    "/situations/",
    "/reviews/",
    "/framework/",
    "/accounts/password/",
    "/admin/",
    "/admin/login/",
    "/accounts/mfa/recovery/",
)


def test_a_reviewer_without_a_second_factor_reaches_only_its_setup(reviewer):
    client = sign_in("reviewer")

    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith(reverse("mfa_setup") + "?next="), path
    assert client.get(reverse("mfa_setup")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302  # signing out stays open


def test_a_framework_admin_must_set_it_up_and_an_analyst_only_when_all_must(policy, admin, analyst):
    assert sign_in("admin").get("/").url.startswith(reverse("mfa_setup"))
    assert sign_in("analyst").get("/").status_code == 200

    policy.MFA_REQUIRED = "all"
    assert sign_in("analyst").get("/").url.startswith(reverse("mfa_setup"))


def test_an_exempt_account_is_never_asked(policy, reviewer):
    policy.MFA_EXEMPT_USERS = ["reviewer"]
    assert sign_in("reviewer").get("/").status_code == 200


def test_setting_up_shows_recovery_codes_once_then_opens_the_app(reviewer):
    client = sign_in("reviewer")

    _key, codes = enrol(client)

    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.get(user=reviewer).confirmed
    assert client.get("/").status_code == 200
    again = client.get(reverse("mfa_recovery")).content.decode()
    assert not any(code in again for code in codes)  # shown once
    assert AuditEntry.objects.filter(action="mfa_enrolled", actor=reviewer).exists()


def test_a_wrong_setup_code_is_refused_beside_its_field(reviewer):
    client = sign_in("reviewer")
    client.get(reverse("mfa_setup"))

    page = client.post(reverse("mfa_setup"), {"code": "000000"}).content.decode()

    assert "The second factor was not set up:" in page
    assert "That code is not the one the app shows now" in page
    assert not TOTPDevice.objects.filter(user=reviewer, confirmed=True).exists()


def test_signing_in_again_asks_for_the_code_and_goes_where_it_was_going(reviewer):
    key, _codes = enrol(sign_in("reviewer"))
    client = sign_in("reviewer")

    asked = client.get("/situations/")
    assert asked.url == reverse("mfa_verify") + "?next=/situations/"
    done = client.post(asked.url, {"code": code_for(key, steps_ahead=1), "next": "/situations/"})

    assert done.status_code == 302 and done.url == "/situations/"
    assert client.get("/situations/").status_code == 200
    assert AuditEntry.objects.filter(action="mfa_verified", actor=reviewer).exists()


def test_a_wrong_code_is_refused_and_the_next_try_must_wait(reviewer):
    key, _codes = enrol(sign_in("reviewer"))
    client = sign_in("reviewer")

    wrong = client.post(reverse("mfa_verify"), {"code": "123456"}).content.decode()
    at_once = client.post(reverse("mfa_verify"), {"code": code_for(key, steps_ahead=1)})

    assert "You are not signed in yet:" in wrong
    assert at_once.status_code == 200  # throttled: refused although right
    assert client.get("/").status_code == 302
    assert AuditEntry.objects.filter(action="mfa_failed", actor=reviewer).count() == 2


def test_a_recovery_code_signs_in_once(reviewer):
    _key, codes = enrol(sign_in("reviewer"))

    first = sign_in("reviewer")
    used = first.post(reverse("mfa_verify"), {"code": codes[0]}, follow=True)
    second = sign_in("reviewer")
    again = second.post(reverse("mfa_verify"), {"code": codes[0]})

    assert "You used a recovery code: 9 are left." in used.content.decode()
    assert first.get("/").status_code == 200
    assert again.status_code == 200 and second.get("/").status_code == 302


def test_new_recovery_codes_replace_the_old(reviewer):
    client = sign_in("reviewer")
    _key, old = enrol(client)

    page = client.post(reverse("mfa_recovery"), follow=True).content.decode()
    new = codes_on_page(page)

    assert len(new) == 10 and not set(new) & set(old)
    assert sign_in("reviewer").post(reverse("mfa_verify"), {"code": old[1]}).status_code == 200


def test_the_deploy_check_warns_when_nobody_must_give_a_second_factor(policy):
    policy.MFA_REQUIRED = "none"
    with pytest.raises(SystemCheckError, match=r"accounts\.W001"):
        call_command("check", "--deploy", "--fail-level", "WARNING", "--tag", "security")
    policy.MFA_REQUIRED = "sometimes"
    with pytest.raises(SystemCheckError, match=r"accounts\.E001"):
        call_command("check", "--deploy", "--tag", "security")


def test_a_key_cannot_be_added_by_whoever_has_a_factor_but_gave_none(reviewer):
    enrol(sign_in("reviewer"))
    client = sign_in("reviewer")

    begin = client.post(reverse("otp_webauthn:credential-registration-begin"))

    assert begin.status_code == 403
    assert begin.json()["code"] == "user_not_verified"


def test_removing_a_factor_keeps_the_last_one_a_role_needs(reviewer):
    client = sign_in("reviewer")
    enrol(client)
    app = TOTPDevice.objects.get(user=reviewer)

    refused = client.post(reverse("mfa_remove", args=["app", app.pk]), follow=True)

    assert "set up another before you remove this one" in refused.content.decode()
    assert TOTPDevice.objects.filter(pk=app.pk, confirmed=True).exists()


def test_removing_the_only_factor_where_none_is_required_ends_the_recovery_codes(policy, analyst):
    policy.MFA_REQUIRED = "all"
    client = sign_in("analyst")
    enrol(client)
    policy.MFA_REQUIRED = "roles"
    app = TOTPDevice.objects.get(user=analyst)

    done = client.post(reverse("mfa_remove", args=["app", app.pk]), follow=True)

    assert "“Authenticator app” is removed." in done.content.decode()
    assert not TOTPDevice.objects.filter(user=analyst, confirmed=True).exists()
    assert sign_in("analyst").get("/").status_code == 200  # no code asked any more
    assert AuditEntry.objects.filter(action="mfa_removed", actor=analyst).exists()


def test_nobody_removes_a_factor_of_someone_else(reviewer, analyst, policy):
    policy.MFA_REQUIRED = "all"
    enrol(sign_in("analyst"))
    theirs = TOTPDevice.objects.get(user=analyst)
    client = sign_in("reviewer")
    enrol(client)

    response = client.post(reverse("mfa_remove", args=["app", theirs.pk]))

    assert response.status_code == 404
    assert TOTPDevice.objects.filter(pk=theirs.pk).exists()


def test_a_new_app_replaces_the_old_one(reviewer):
    client = sign_in("reviewer")
    old_key, _codes = enrol(client)

    new_key, codes = enrol(client)

    assert codes == []  # recovery codes come with the first factor only
    assert TOTPDevice.objects.filter(user=reviewer, confirmed=True).get().bin_key == new_key
    assert new_key != old_key


def test_a_key_answers_the_configured_origins_and_under_debug_the_request_s_own(settings):
    from django.test import RequestFactory

    from accounts.webauthn import Helper, relying_party_id

    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = ["https://r2p.example.org"]
    request = RequestFactory().get("/", HTTP_HOST="localhost:8000")

    assert relying_party_id(request) == "localhost"
    settings.DEBUG = False
    assert Helper(request).get_allowed_origins() == ["https://r2p.example.org"]
    settings.DEBUG = True
    assert Helper(request).get_allowed_origins() == [
        "https://r2p.example.org",
        "http://localhost:8000",
    ]
