"""Sessions end after the idle timeout and after the absolute one; each user lists their own
and ends them, here or everywhere."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import UserSession
from accounts.sessions import LAST_SEEN, SIGNED_IN_AT
from audit.models import AuditEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def signed_in_client(username: str, agent: str = "Test browser") -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR="10.1.0.1")
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def test_the_session_lasts_the_idle_timeout_renewed_while_it_is_used(analyst):
    client = signed_in_client("analyst")
    assert client.cookies["sessionid"]["max-age"] == 30 * 60
    assert "sessionid" not in client.get(reverse("home")).cookies  # used a moment ago
    session = client.session
    session[LAST_SEEN] = (timezone.now() - timedelta(minutes=2)).isoformat()
    session.save()
    before = Session.objects.get().expire_date

    renewed = client.get(reverse("home"))

    assert renewed.cookies["sessionid"]["max-age"] == 30 * 60
    assert Session.objects.get().expire_date > before
    row = UserSession.objects.get(user=analyst)
    assert timezone.now() - row.last_seen < timedelta(seconds=5)


def test_an_idle_session_has_ended(analyst):
    client = signed_in_client("analyst")
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get(reverse("home"))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_session_ends_eight_hours_after_sign_in_however_active(analyst):
    client = signed_in_client("analyst")
    session = client.session
    session[SIGNED_IN_AT] = (timezone.now() - timedelta(hours=8, minutes=1)).isoformat()
    session.save()

    response = client.get(reverse("assessments:situations"))

    assert response.status_code == 302
    assert response.url == reverse("login") + "?next=/situations/"
    page = client.get(response.url).content.decode()
    assert "You were signed in for 8.0 hours: please sign in again." in page
    assert client.get(reverse("home")).status_code == 302  # signed out


def test_a_user_sees_their_own_sessions_and_no_one_elses(analyst, reviewer):
    laptop = signed_in_client("analyst", "Laptop browser")
    signed_in_client("analyst", "Phone browser")
    signed_in_client("reviewer", "Reviewer's browser")

    page = laptop.get(reverse("sessions")).content.decode()

    assert "Laptop browser" in page and "Phone browser" in page
    assert "Reviewer&#x27;s browser" not in page and "Reviewer's browser" not in page
    assert page.count("this session</span>") == 1
    assert "10.1.0.1" in page


def test_signing_out_the_other_sessions_keeps_this_one(analyst):
    laptop = signed_in_client("analyst", "Laptop browser")
    phone = signed_in_client("analyst", "Phone browser")

    response = laptop.post(reverse("sign_out_everywhere"), {"keep_this": "1"}, follow=True)

    assert "1 other session is signed out." in response.content.decode()
    assert laptop.get(reverse("home")).status_code == 200
    assert phone.get(reverse("home")).status_code == 302  # ended
    assert UserSession.objects.filter(user=analyst).count() == 1
    entry = AuditEntry.objects.filter(action="signed_out_everywhere").get()
    assert entry.data == {"ended": 1, "kept": True}


def test_signing_out_everywhere_ends_every_session_of_the_user_only(analyst, reviewer):
    laptop = signed_in_client("analyst", "Laptop browser")
    phone = signed_in_client("analyst", "Phone browser")
    other = signed_in_client("reviewer")

    response = laptop.post(reverse("sign_out_everywhere"), follow=True)

    assert "You are signed out everywhere." in response.content.decode()
    assert laptop.get(reverse("home")).status_code == 302
    assert phone.get(reverse("home")).status_code == 302
    assert other.get(reverse("home")).status_code == 200
    assert not UserSession.objects.filter(user=analyst).exists()


def test_signing_out_removes_the_session_from_the_list(analyst):
    client = signed_in_client("analyst")
    assert UserSession.objects.filter(user=analyst).count() == 1
    client.post(reverse("logout"))
    assert not UserSession.objects.filter(user=analyst).exists()
