"""Webhooks in the admin: framework admins register endpoints and test them; nobody else
enters; the delivery log is read-only."""

import json
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from audit.models import AuditEntry
from tests.conftest import make_user
from tests.webhooks.builders import build_endpoint
from webhooks.models import Delivery, Endpoint

ENDPOINTS = "admin:webhooks_endpoint_changelist"
ADD_ENDPOINT = "admin:webhooks_endpoint_add"
DELIVERIES = "admin:webhooks_delivery_changelist"


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def change_url(endpoint: Endpoint) -> str:
    return reverse("admin:webhooks_endpoint_change", args=[endpoint.pk])


def delivery_url(delivery: Delivery) -> str:
    return reverse("admin:webhooks_delivery_change", args=[delivery.pk])


def form_data(**changes) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Partner early-warning system",
        "url": "https://partner.example.org/hooks/r2p",
        "events": ["escalation.approved", "situation.level_changed"],
        "clearance": "internal",
        "is_active": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


# Who may enter ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("cast", ["analyst", "reviewer", "outsider", "staff_without_role"])
def test_nobody_but_framework_admins_opens_the_webhook_admin_pages(client, request, cast):
    user = (
        make_user("staffer", staff=True)
        if cast == "staff_without_role"
        else request.getfixturevalue(cast)
    )
    client.force_login(user)
    endpoint = build_endpoint("https://partner.example.org/hooks")
    delivery = Delivery.objects.create(endpoint=endpoint, event="ping", payload={"event": "ping"})

    for url in (
        reverse(ENDPOINTS),
        reverse(ADD_ENDPOINT),
        change_url(endpoint),
        reverse(DELIVERIES),
        delivery_url(delivery),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login")), url
    response = client.post(change_url(endpoint), form_data(name="Taken over"))

    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.name == "Partner early-warning system"


@pytest.mark.django_db
def test_a_framework_admin_who_is_not_a_superuser_manages_webhooks(admin_client, admin):
    endpoint = build_endpoint("https://partner.example.org/hooks")
    delivery = Delivery.objects.create(endpoint=endpoint, event="ping", payload={"event": "ping"})

    index = admin_client.get(reverse("admin:index"))

    assert not admin.is_superuser
    assert reverse(ENDPOINTS) in index.content.decode()
    assert reverse(DELIVERIES) in index.content.decode()
    for url in (reverse(ENDPOINTS), reverse(ADD_ENDPOINT), change_url(endpoint)):
        assert admin_client.get(url).status_code == 200, url
    assert admin_client.get(reverse(DELIVERIES)).status_code == 200
    assert admin_client.get(delivery_url(delivery)).status_code == 200


# Registering ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_framework_admin_registers_an_endpoint_and_is_shown_its_generated_secret(admin_client):
    mark = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0

    response = admin_client.post(reverse(ADD_ENDPOINT), form_data())

    assert response.status_code == 302
    endpoint = Endpoint.objects.get()
    assert endpoint.url == "https://partner.example.org/hooks/r2p"
    assert endpoint.events == ["escalation.approved", "situation.level_changed"]
    assert endpoint.clearance == "internal"
    assert endpoint.is_active
    assert re.fullmatch(r"[0-9a-f]{64}", endpoint.secret)  # 32 random bytes
    page = admin_client.get(change_url(endpoint)).content.decode()
    assert endpoint.secret in page
    [entry] = AuditEntry.objects.filter(seq__gt=mark)
    assert entry.action == "webhook_endpoint_created"
    assert entry.actor_name == "admin"
    assert entry.data["clearance"] == "internal"
    assert endpoint.secret not in json.dumps(entry.data)


@pytest.mark.django_db
def test_every_endpoint_gets_a_secret_of_its_own(admin_client):
    one = build_endpoint("https://one.example.org/hooks")
    two = build_endpoint("https://two.example.org/hooks")

    assert one.secret != two.secret
    assert len(bytes.fromhex(one.secret)) >= 32


@pytest.mark.django_db
def test_an_http_url_is_refused_unless_plain_http_is_allowed(admin_client, settings):
    settings.WEBHOOK_ALLOW_HTTP = False

    refused = admin_client.post(reverse(ADD_ENDPOINT), form_data(url="http://partner.example.org/"))
    with_password = admin_client.post(
        reverse(ADD_ENDPOINT), form_data(url="https://user:pw@partner.example.org/")
    )
    settings.WEBHOOK_ALLOW_HTTP = True
    allowed = admin_client.post(reverse(ADD_ENDPOINT), form_data(url="http://127.0.0.1:9/"))

    assert refused.status_code == 200
    assert "Enter an https:// URL." in refused.content.decode()
    assert with_password.status_code == 200
    assert "Leave the user name and password out of the URL" in with_password.content.decode()
    assert allowed.status_code == 302
    assert list(Endpoint.objects.values_list("url", flat=True)) == ["http://127.0.0.1:9/"]


@pytest.mark.django_db
def test_a_new_secret_replaces_the_old_one_and_is_in_the_audit_log(admin_client):
    endpoint = build_endpoint("https://partner.example.org/hooks")
    old = endpoint.secret

    response = admin_client.post(
        reverse(ENDPOINTS), {"action": "rotate_secrets", "_selected_action": [endpoint.pk]}
    )

    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert AuditEntry.objects.filter(action="webhook_secret_rotated").count() == 1


# Testing an endpoint ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_send_test_action_posts_a_ping_and_records_the_attempt(admin_client, receiver):
    endpoint = build_endpoint(receiver.url, events=[])

    response = admin_client.post(
        reverse(ENDPOINTS), {"action": "send_test_event", "_selected_action": [endpoint.pk]}
    )

    assert response.status_code == 302
    [request] = receiver.requests
    assert request.headers["x-r2p-event"] == "ping"
    body = json.loads(request.body)
    assert body["event"] == "ping"
    assert body["endpoint"] == {"id": endpoint.pk, "name": endpoint.name}
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert (delivery.event, delivery.status, delivery.attempts) == ("ping", "delivered", 1)
    assert request.headers["x-r2p-delivery"] == str(delivery.uuid)
    attempt = delivery.attempt_log.get()
    assert (attempt.status_code, attempt.response_excerpt) == (200, "thanks")
    [(level, message)] = messages_of(response)
    assert level == "success"
    assert message.startswith(f"Test event delivered to {endpoint.name}: HTTP 200 in ")
    log = admin_client.get(delivery_url(delivery)).content.decode()
    assert "thanks" in log and "200" in log


@pytest.mark.django_db
def test_a_failed_test_event_is_reported_and_not_retried(admin_client, receiver):
    receiver.answers = [500]
    endpoint = build_endpoint(receiver.url, active=False)  # tested before it is switched on

    response = admin_client.post(
        reverse(ENDPOINTS), {"action": "send_test_event", "_selected_action": [endpoint.pk]}
    )

    assert len(receiver.requests) == 1
    assert messages_of(response) == [
        ("error", f"The test event to {endpoint.name} failed: HTTP 500.")
    ]
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.stop_reason, delivery.next_attempt_at) == (
        "failed",
        "test_failed",
        None,
    )


@pytest.mark.django_db
def test_a_test_event_to_nowhere_reports_the_network_error(admin_client, closed_port_url):
    endpoint = build_endpoint(closed_port_url)

    response = admin_client.post(
        reverse(ENDPOINTS), {"action": "send_test_event", "_selected_action": [endpoint.pk]}
    )

    [(level, message)] = messages_of(response)
    assert level == "error"
    assert message.startswith(f"The test event to {endpoint.name} failed: ConnectionRefusedError")


@pytest.mark.django_db
def test_the_save_and_send_button_saves_the_endpoint_then_pings_it(admin_client, receiver):
    endpoint = build_endpoint("https://old.example.org/hooks")
    page = admin_client.get(change_url(endpoint)).content.decode()
    assert 'name="_send_test"' in page

    response = admin_client.post(
        change_url(endpoint), form_data(url=receiver.url, _send_test="Save and send a test event")
    )

    assert response.status_code == 302
    assert response.url == change_url(endpoint)
    endpoint.refresh_from_db()
    assert endpoint.url == receiver.url
    assert [r.headers["x-r2p-event"] for r in receiver.requests] == ["ping"]
    assert Delivery.objects.get(endpoint=endpoint).status == "delivered"


# The delivery log -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_delivery_log_cannot_be_added_to_changed_or_deleted(admin_client):
    endpoint = build_endpoint("https://partner.example.org/hooks")
    delivery = Delivery.objects.create(endpoint=endpoint, event="ping", payload={"event": "ping"})
    add = reverse("admin:webhooks_delivery_add")
    delete = reverse("admin:webhooks_delivery_delete", args=[delivery.pk])

    assert admin_client.get(add).status_code == 403
    assert admin_client.get(delete).status_code == 403
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert admin_client.post(delivery_url(delivery), {"status": "delivered"}).status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == "pending"
