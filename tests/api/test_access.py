"""How a client gets in and how much it may ask: tokens and the browser's session (with CSRF),
and the rates per token and per user."""

import json

import pytest
import redis
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import tokens
from assessments.models import Situation
from framework.management.commands.load_framework import DEFAULT_PATH
from framework.models import Crime

pytestmark = pytest.mark.django_db


def token_client(user, scope: str = "write") -> APIClient:
    _, raw = tokens.create_token(user, name=scope, scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_without_a_token_or_session_the_api_answers_401_never_a_redirect():
    response = APIClient().get(reverse("api:situation-list"))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["code"] == "not_authenticated"


def test_a_wrong_token_is_refused_with_the_reason(analyst):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer r2p_0123456789ab_not-the-secret")

    response = client.get(reverse("api:me"))

    assert response.status_code == 401
    assert "not valid" in response.json()["detail"]


def test_the_browser_session_works_for_reads_and_needs_the_csrf_token_for_writes(reviewer):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(reviewer)
    body = json.dumps({"name": "Blue Nile", "code": "sd-blue-nile", "country": "SD"})

    read = browser.get(reverse("api:me"))
    forged = browser.post(reverse("api:situation-list"), body, content_type="application/json")
    page = browser.get(reverse("assessments:situations"))  # any page sets the CSRF cookie
    token = page.cookies["csrftoken"].value
    sent = browser.post(
        reverse("api:situation-list"),
        body,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )

    assert read.status_code == 200
    assert read.json() == {"username": "reviewer", "roles": ["reviewer"], "token_scope": None}
    assert forged.status_code == 403
    assert "CSRF" in forged.json()["detail"]
    assert sent.status_code == 201, sent.json()
    assert Situation.objects.filter(code="sd-blue-nile").count() == 1


def test_a_token_over_its_rate_is_told_when_to_come_back(analyst, settings):
    settings.API_THROTTLE_RATES = {"token": "3/minute", "user": "100/minute"}
    client = token_client(analyst)
    other = token_client(analyst)

    answers = [client.get(reverse("api:me")).status_code for _ in range(4)]
    refused = client.get(reverse("api:me"))
    other_answer = other.get(reverse("api:me"))

    assert answers == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused.json()["code"] == "throttled"
    assert other_answer.status_code == 200, "another token of the same user has its own count"


def test_a_user_over_their_rate_is_refused_whichever_token_they_use(analyst, reviewer, settings):
    settings.API_THROTTLE_RATES = {"token": "100/minute", "user": "3/minute"}
    first, second = token_client(analyst), token_client(analyst)

    answers = [c.get(reverse("api:me")).status_code for c in (first, second, first, second)]

    assert answers == [200, 200, 200, 429]
    assert "Retry-After" in second.get(reverse("api:me"))
    assert token_client(reviewer).get(reverse("api:me")).status_code == 200


def test_a_framework_admin_loads_reference_data_and_a_bad_file_changes_nothing(admin, reviewer):
    dataset = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    renamed = json.loads(json.dumps(dataset))
    renamed["crimes"][0]["name"] = "Genocide (renamed by the API test)"
    broken = json.loads(json.dumps(renamed))
    broken["crimes"][1]["code"] = broken["crimes"][0]["code"]

    refused = token_client(admin).post(reverse("api:framework-load"), broken, format="json")
    not_theirs = token_client(reviewer).post(reverse("api:framework-load"), renamed, format="json")
    loaded = token_client(admin).post(reverse("api:framework-load"), renamed, format="json")

    assert refused.status_code == 400
    assert refused.json()["errors"]["dataset"], "every problem is listed"
    assert not_theirs.status_code == 403
    assert loaded.status_code == 200, loaded.json()
    assert loaded.json()["updated"] >= 1
    assert Crime.objects.get(code=dataset["crimes"][0]["code"]).name == (
        "Genocide (renamed by the API test)"
    )


def test_a_body_holding_a_nul_character_is_refused_whole(reviewer):
    response = token_client(reviewer).post(
        reverse("api:situation-list"),
        {"name": "Bad\x00name", "code": "bad", "country": "SD"},
        format="json",
    )

    assert response.status_code == 400
    assert not Situation.objects.filter(code="bad").exists()


@pytest.mark.redis
def test_with_a_shared_redis_cache_every_process_counts_against_one_rate(analyst, settings):
    """The count lives in Redis (another web process would read the same key); a new
    connection, as another process would open, sees it."""
    from django.conf import settings as live
    from django.core.cache import caches

    location = live.CELERY_BROKER_URL.rsplit("/", 1)[0] + "/3"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}
    }
    settings.API_THROTTLE_RATES = {"token": "2/minute", "user": "100/minute"}
    caches["default"].clear()
    _, raw = tokens.create_token(analyst, name="shared", scope="read")
    first, second = APIClient(), APIClient()
    for client in (first, second):
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    answers = [first.get(reverse("api:me")).status_code]
    caches["default"].close()  # a new connection, as another process would have
    answers += [
        second.get(reverse("api:me")).status_code,
        second.get(reverse("api:me")).status_code,
    ]

    stored = redis.Redis.from_url(location).keys("*throttle_token*")

    assert answers == [200, 200, 429]
    assert len(stored) == 1, "the count is in Redis, where every web process reads it"
    caches["default"].clear()


def test_a_body_holding_a_lone_surrogate_is_refused_whole(reviewer):
    """JSON can spell one (\\udc00); no UTF-8 text, and so no PostgreSQL column, can hold it."""
    response = token_client(reviewer).post(
        reverse("api:situation-list"),
        '{"name": "Bad\\udc00name", "code": "bad", "country": "SD"}',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert not Situation.objects.filter(code="bad").exists()
