"""Signing in is throttled per username and per address, says nothing of whether an account
exists, and a framework admin unlocks it; every user changes their own password."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD

LOCKED = "Signing in is paused"
LIMIT = 5


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_in(client, username, password, *, address="10.0.0.1", url=None):
    return client.post(
        url or reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_after_five_wrong_passwords_the_right_one_is_refused_too(client, analyst):
    for _attempt in range(LIMIT - 1):
        response = sign_in(client, "analyst", "wrong")
        assert response.status_code == 200  # the form again, with its error
        assert LOCKED not in response.content.decode()

    fifth = sign_in(client, "analyst", "wrong")
    right = sign_in(client, "analyst", PASSWORD)

    assert fifth.status_code == right.status_code == 429
    page = right.content.decode()
    assert LOCKED in page
    assert "There were 5 failed sign-ins in a row for this username or from this address." in page
    assert "Try again in 15 minutes" in page
    assert "analyst" not in page.split("<main", 1)[1]  # the page names nobody
    assert not signed_in(client)


@pytest.mark.django_db
def test_an_account_that_does_not_exist_is_paused_in_the_same_words(client, analyst):
    pages = {}
    for username in ("analyst", "nobody-by-this-name"):
        for _attempt in range(LIMIT):
            last = sign_in(client, username, "wrong", address=f"10.0.1.{len(pages)}")
        pages[username] = (last.status_code, last.content.decode().split("<main", 1)[1])

    assert pages["analyst"] == pages["nobody-by-this-name"]


@pytest.mark.django_db
def test_one_address_trying_many_usernames_is_paused(client, analyst):
    for number in range(LIMIT):
        sign_in(client, f"guess-{number}", "wrong", address="10.0.2.9")

    from_there = sign_in(client, "analyst", PASSWORD, address="10.0.2.9")
    elsewhere = sign_in(client, "analyst", PASSWORD, address="10.0.2.10")

    assert from_there.status_code == 429
    assert elsewhere.status_code == 302
    assert signed_in(client)


@pytest.mark.django_db
def test_a_success_starts_the_count_again(client, analyst):
    for _attempt in range(LIMIT - 1):
        sign_in(client, "analyst", "wrong")
    assert sign_in(client, "analyst", PASSWORD).status_code == 302
    client.post(reverse("logout"))

    for _attempt in range(LIMIT - 1):
        assert sign_in(client, "analyst", "wrong").status_code == 200
    assert sign_in(client, "analyst", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_pause_ends_after_the_cool_off(client, analyst):
    for _attempt in range(LIMIT):
        sign_in(client, "analyst", "wrong")
    assert sign_in(client, "analyst", PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert sign_in(client, "analyst", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_admins_sign_in_is_throttled_as_well(client, admin):
    url = reverse("admin:login")
    for _attempt in range(LIMIT):
        sign_in(client, "admin", "wrong", url=url)

    assert sign_in(client, "admin", PASSWORD, url=url).status_code == 429
    assert not signed_in(client)


@pytest.mark.django_db
def test_a_framework_admin_unlocks_a_paused_account(client, analyst, admin):
    for _attempt in range(LIMIT):
        sign_in(client, "analyst", "wrong", address="10.0.3.1")
    attempt = AccessAttempt.objects.get(username="analyst")
    client.force_login(admin)

    listed = client.get(reverse("admin:axes_accessattempt_changelist"))
    unlocked = client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )

    assert listed.status_code == 200
    assert "analyst" in listed.content.decode()
    assert unlocked.status_code == 302
    client.logout()
    assert sign_in(client, "analyst", PASSWORD, address="10.0.3.1").status_code == 302


# Passwords -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short-pw-1", "This password is too short. It must contain at least 12 characters."),
        ("password1234", "This password is too common."),
        ("analyst12345", "The password is too similar to the username."),
    ],
)
def test_a_weak_new_password_is_refused_beside_its_field(client, analyst, new, message):
    client.force_login(analyst)

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "The password was not changed:" in page
    assert message in page
    assert get_user_model().objects.get(pk=analyst.pk).check_password(PASSWORD)


@pytest.mark.django_db
def test_every_user_changes_their_own_password_and_stays_signed_in(client, analyst):
    client.force_login(analyst)
    new = "a-longer-passphrase-for-the-desk"

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        follow=True,
    )

    assert "Your password is changed." in response.content.decode()
    assert signed_in(client)
    assert get_user_model().objects.get(pk=analyst.pk).check_password(new)
