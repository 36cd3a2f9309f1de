"""Personal API tokens: each user makes, lists and revokes their own; the token's text is
shown once and kept nowhere; a token ends when it expires, is revoked (by its owner or an
admin) or its user is deactivated; a read-only token never writes; each use is recorded."""

import hashlib
import re
from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from accounts import services, tokens
from accounts.models import ApiToken
from audit.models import AuditEntry
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

RAW_TOKEN = re.compile(r"r2p_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")
ADDRESS = "10.2.0.7"


class Echo(APIView):
    """A tiny API view with the project's default authentication, permissions and throttles."""

    def get(self, request: Request) -> Response:
        return Response({"user": request.user.get_username()})

    def post(self, request: Request) -> Response:
        return Response({"written": True}, status=201)


def call_api(raw: str, method: str = "get", address: str = ADDRESS) -> Response:
    factory = APIRequestFactory()
    request = getattr(factory, method)(
        "/echo/", {}, HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR=address
    )
    response = Echo.as_view()(request)
    response.render()
    return response


def make_token(
    user: AbstractUser, scope: str = "read", name: str = "Dashboard"
) -> tuple[ApiToken, str]:
    return tokens.create_token(user, name=name, scope=scope)


def signed_in(user: AbstractUser) -> Client:
    client = Client(REMOTE_ADDR="10.1.0.1")
    client.force_login(user)
    return client


def form_data(**changes: str) -> dict[str, str]:
    data = {
        "name": "Nightly export",
        "scope": "read",
        "expires": (timezone.localdate() + timedelta(days=30)).isoformat(),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def make_on_the_page(client: Client, **changes: str) -> tuple[str, str]:
    """Make a token through the page; its text as the page shows it, and the page."""
    response = client.post(reverse("api_tokens"), form_data(**changes))
    assert response.status_code == 200
    page = response.content.decode()
    found = RAW_TOKEN.findall(page)
    assert found, page[:2000]
    return found[0], page


def everything_stored() -> str:
    """Every row of every table, as text, with every session decoded."""
    rows: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows.extend(repr(row) for row in cursor.fetchall())
    rows.extend(repr(session.get_decoded()) for session in Session.objects.all())
    return "\n".join(rows)


# Kept as a digest, shown once ---------------------------------------------------------------


def test_only_a_digest_of_the_token_is_stored_and_its_text_is_nowhere_in_the_database(analyst):
    client = signed_in(analyst)
    raw, _page = make_on_the_page(client)
    secret = raw.split("_", 2)[2]
    assert call_api(raw).status_code == 200  # used once: its use is recorded too

    row = ApiToken.objects.get(user=analyst)

    assert row.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert row.digest != raw
    assert raw.startswith(row.prefix) and secret not in row.prefix
    stored = everything_stored()
    assert row.digest in stored  # the scan does see the row
    assert raw not in stored
    assert secret not in stored
    assert not any(secret in morsel.value for morsel in client.cookies.values())


def test_the_audit_log_records_the_token_made_and_revoked_without_its_text(analyst):
    client = signed_in(analyst)
    raw, _page = make_on_the_page(client, name="Audit me")
    token = ApiToken.objects.get(user=analyst)

    client.post(reverse("api_token_revoke", args=[token.pk]))

    entries = AuditEntry.objects.filter(object_id=str(token.pk), action__startswith="api_token_")
    assert [(e.action, e.actor_id) for e in entries.order_by("seq")] == [
        ("api_token_created", analyst.pk),
        ("api_token_revoked", analyst.pk),
    ]
    assert entries.order_by("seq").first().data == {
        "user": "analyst",
        "name": "Audit me",
        "scope": "read",
    }
    logged = repr(list(AuditEntry.objects.values()))
    assert raw.split("_", 2)[2] not in logged


def test_the_new_token_is_shown_once_on_the_page_that_made_it_and_not_on_a_reload(analyst):
    client = signed_in(analyst)

    response = client.post(reverse("api_tokens"), form_data(name="Shown once"))

    page = response.content.decode()
    raw = RAW_TOKEN.findall(page)[0]
    assert "it is shown only this once" in page
    assert f'curl -H "Authorization: Bearer {raw}" http://testserver/api/v1/situations/' in page
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=analyst)
    assert (token.name, token.scope) == ("Shown once", "read")
    reloaded = client.get(reverse("api_tokens")).content.decode()
    assert raw.split("_", 2)[2] not in reloaded
    assert "it is shown only this once" not in reloaded
    assert "Shown once" in reloaded and f"{token.prefix}…" in reloaded


def test_the_token_expires_at_the_start_of_the_day_chosen(analyst):
    client = signed_in(analyst)
    day = timezone.localdate() + timedelta(days=10)

    make_on_the_page(client, expires=day.isoformat(), scope="write")

    token = ApiToken.objects.get(user=analyst)
    assert token.expires_at == timezone.make_aware(datetime.combine(day, time.min))
    assert token.scope == "write"


def test_the_form_offers_ninety_days_and_accepts_tomorrow_and_the_366th_day(analyst):
    client = signed_in(analyst)
    today = timezone.localdate()

    form = client.get(reverse("api_tokens")).context["form"]
    make_on_the_page(client, name="Tomorrow", expires=(today + timedelta(days=1)).isoformat())
    make_on_the_page(client, name="Longest", expires=(today + timedelta(days=366)).isoformat())

    assert form["expires"].value() == today + timedelta(days=90)
    assert sorted(ApiToken.objects.filter(user=analyst).values_list("name", flat=True)) == [
        "Longest",
        "Tomorrow",
    ]


# Refused forms ------------------------------------------------------------------------------

TODAY = "today"
BAD_INPUTS = {
    "no name": ({"name": ""}, "name", "Give the token a name."),
    "blank name": ({"name": "   "}, "name", "Give the token a name."),
    "name too long": (
        {"name": "x" * 101},
        "name",
        "A name has at most 100 characters (this one has 101).",
    ),
    "no scope": (
        {"scope": None},
        "scope",
        "Choose what the token may do: read only, or read and write.",
    ),
    "unknown scope": (
        {"scope": "admin"},
        "scope",
        "Choose what the token may do: read only, or read and write.",
    ),
    "no expiry": ({"expires": ""}, "expires", "Give the day the token expires."),
    "not a date": (
        {"expires": "next spring"},
        "expires",
        "Give the expiry as a date, year-month-day (2027-03-31).",
    ),
    "expiry today": (
        {"expires": 0},
        "expires",
        "The expiry must be in the future: tomorrow at the earliest.",
    ),
    "expiry past": (
        {"expires": -3},
        "expires",
        "The expiry must be in the future: tomorrow at the earliest.",
    ),
    "expiry too far": ({"expires": 367}, "expires", "A token lives at most 366 days: choose "),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_a_bad_input_is_refused_with_a_message_saying_what_to_give(analyst, case):
    changes, field, message = BAD_INPUTS[case]
    today = timezone.localdate()
    changes = {
        key: (today + timedelta(days=value)).isoformat() if isinstance(value, int) else value
        for key, value in changes.items()
    }
    if case == "expiry too far":
        message += f"{(today + timedelta(days=366)).isoformat()} or earlier."
    client = signed_in(analyst)

    response = client.post(reverse("api_tokens"), form_data(**changes))

    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    page = response.content.decode()
    assert "The token was not made:" in page
    assert message in page
    assert not RAW_TOKEN.search(page)
    assert not ApiToken.objects.exists()


# Ending a token -----------------------------------------------------------------------------


def test_a_token_past_its_expiry_is_refused_with_401(analyst):
    token, raw = make_token(analyst)
    assert call_api(raw).status_code == 200

    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = call_api(raw)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "expired or been revoked" in response.data["detail"]
    token.refresh_from_db()
    assert token.status == ApiToken.Status.EXPIRED
    page = signed_in(analyst).get(reverse("api_tokens")).content.decode()
    assert "expired" in page
    assert reverse("api_token_revoke", args=[token.pk]) not in page


def test_the_owner_revokes_their_token_and_it_is_refused_from_then_on(analyst):
    token, raw = make_token(analyst)
    client = signed_in(analyst)
    page = client.get(reverse("api_tokens")).content.decode()
    assert reverse("api_token_revoke", args=[token.pk]) in page

    response = client.post(reverse("api_token_revoke", args=[token.pk]))

    assert response.status_code == 302 and response.url == reverse("api_tokens")
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == analyst
    assert call_api(raw).status_code == 401
    after = client.get(response.url)
    assert "The token “Dashboard” is revoked: it no longer works." in after.content.decode()
    assert reverse("api_token_revoke", args=[token.pk]) not in after.content.decode()
    again = client.post(reverse("api_token_revoke", args=[token.pk]))  # a second click
    assert again.status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at == token.revoked_at


def test_a_framework_admin_revokes_anyones_token_in_the_admin(admin, analyst, reviewer):
    analysts, raw = make_token(analyst, name="Analyst's sync")
    _reviewers, reviewer_raw = make_token(reviewer, name="Reviewer's sync")
    client = signed_in(admin)
    changelist = reverse("admin:accounts_apitoken_changelist")
    listed = client.get(changelist)
    assert listed.status_code == 200
    assert "Analyst&#x27;s sync" in listed.content.decode()
    assert "Revoke the selected tokens" in listed.content.decode()

    response = client.post(
        changelist, {"action": "revoke_selected", "_selected_action": [analysts.pk]}
    )

    assert response.status_code == 302
    analysts.refresh_from_db()
    assert analysts.revoked_by == admin and analysts.revoked_at is not None
    assert call_api(raw).status_code == 401
    assert call_api(reviewer_raw).status_code == 200  # not selected: still works
    assert AuditEntry.objects.filter(
        action="api_token_revoked", object_id=str(analysts.pk), actor=admin
    ).exists()


def test_the_admin_shows_a_token_read_only_without_its_digest_and_makes_none(admin, analyst):
    token, _raw = make_token(analyst)
    client = signed_in(admin)

    detail = client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))

    assert detail.status_code == 200
    body = detail.content.decode()
    assert token.prefix in body
    assert token.digest not in body
    assert 'name="_save"' not in body
    assert client.get(reverse("admin:accounts_apitoken_add")).status_code == 403
    delete = reverse("admin:accounts_apitoken_delete", args=[token.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ApiToken.objects.filter(pk=token.pk).exists()
    changed = client.post(reverse("admin:accounts_apitoken_change", args=[token.pk]), {})
    assert changed.status_code == 403


def test_a_framework_admin_does_not_see_a_superusers_tokens(admin):
    root = make_user("root")
    root.is_superuser = True
    root.save()
    token, _raw = make_token(root, name="Root's token")
    client = signed_in(admin)

    listed = client.get(reverse("admin:accounts_apitoken_changelist")).content.decode()

    assert token.prefix not in listed
    detail = client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    assert detail.status_code == 302 and detail.url == reverse("admin:index")  # "not found"
    revoke = {"action": "revoke_selected", "_selected_action": [token.pk]}
    client.post(reverse("admin:accounts_apitoken_changelist"), revoke)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_a_staff_user_without_the_framework_admin_role_cannot_open_the_tokens_admin(
    reviewer, analyst
):
    make_token(analyst, name="Analyst's sync")
    reviewer.is_staff = True
    reviewer.save()
    client = signed_in(reviewer)

    response = client.get(reverse("admin:accounts_apitoken_changelist"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert ApiToken.objects.get().revoked_at is None


def test_the_token_of_a_deactivated_user_is_refused(analyst, admin):
    token, raw = make_token(analyst)
    assert call_api(raw).status_code == 200

    services.set_active(analyst, False, by=admin)

    assert call_api(raw).status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is None  # refused for its user, not revoked


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer one two",
        "Bearer nonsense",
        "Bearer r2p_",
        "Bearer r2p_0123456789ab_",
    ],
)
def test_a_malformed_or_unknown_token_is_refused_with_401(analyst, header):
    request = APIRequestFactory().get("/echo/", HTTP_AUTHORIZATION=header)

    response = Echo.as_view()(request)

    assert response.status_code == 401


def test_a_token_with_the_right_prefix_and_a_wrong_secret_is_refused(analyst):
    token, raw = make_token(analyst)

    assert call_api(f"{token.prefix}_{'A' * 43}").status_code == 401
    assert call_api(raw[:-1]).status_code == 401
    assert call_api(raw).status_code == 200


def test_a_token_whose_secret_holds_underscores_is_accepted(analyst, monkeypatch):
    monkeypatch.setattr(tokens.secrets, "token_urlsafe", lambda n: "a_b_" + "c" * 39)
    token, raw = make_token(analyst)
    assert raw.count("_") == 4

    assert tokens.find_token(raw) == token
    assert call_api(raw).data == {"user": "analyst"}


# Scope --------------------------------------------------------------------------------------


def test_a_read_only_token_reads_but_is_refused_on_a_write_method(analyst):
    _token, raw = make_token(analyst, scope="read")

    assert call_api(raw, "get").status_code == 200
    refused = call_api(raw, "post")

    assert refused.status_code == 403
    assert refused.data["detail"] == "This token is read-only."
    for method in ("put", "patch", "delete"):
        assert call_api(raw, method).status_code == 403, method


def test_a_read_write_token_passes_the_scope_check_on_a_write_method(analyst):
    _token, raw = make_token(analyst, scope="write")

    response = call_api(raw, "post")

    assert response.status_code == 201
    assert response.data == {"written": True}


# Use recorded -------------------------------------------------------------------------------


def test_each_use_records_when_and_from_which_address_and_the_page_shows_it(analyst):
    token, raw = make_token(analyst)
    assert token.last_used_at is None
    before = timezone.now()

    call_api(raw, address="192.0.2.44")

    token.refresh_from_db()
    assert before <= token.last_used_at <= timezone.now()
    assert token.last_used_from == "192.0.2.44"
    page = signed_in(analyst).get(reverse("api_tokens")).content.decode()
    assert "192.0.2.44" in page
    assert token.last_used_at.strftime("%Y-%m-%d %H:%M") in page


def test_a_refused_token_records_no_use(analyst):
    token, raw = make_token(analyst)
    tokens.revoke(token, by=analyst)

    call_api(raw)

    token.refresh_from_db()
    assert (token.last_used_at, token.last_used_from) == (None, "")


# Each user's own tokens only ----------------------------------------------------------------


@pytest.mark.parametrize("visitor", ["other_analyst", "reviewer", "admin"])
def test_nobody_sees_or_revokes_another_users_token_on_the_page(analyst, request, visitor):
    token, raw = make_token(analyst, name="Analyst's own")
    client = signed_in(request.getfixturevalue(visitor))

    page = client.get(reverse("api_tokens")).content.decode()
    response = client.post(reverse("api_token_revoke", args=[token.pk]))

    assert "Analyst&#x27;s own" not in page
    assert token.prefix not in page
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert call_api(raw).status_code == 200


def test_revoking_a_token_that_does_not_exist_is_a_404_like_anothers(analyst, other_analyst):
    theirs, _raw = make_token(other_analyst)
    client = signed_in(analyst)

    hidden = client.post(reverse("api_token_revoke", args=[theirs.pk]))
    missing = client.post(reverse("api_token_revoke", args=[theirs.pk + 1000]))

    assert hidden.status_code == missing.status_code == 404


def test_the_revoke_address_takes_only_a_post(analyst):
    token, _raw = make_token(analyst)

    response = signed_in(analyst).get(reverse("api_token_revoke", args=[token.pk]))

    assert response.status_code == 405
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_the_page_is_linked_from_the_users_own_pages(analyst):
    client = signed_in(analyst)
    link = f'href="{reverse("api_tokens")}"'

    for page in ("password_change", "sessions"):
        assert link in client.get(reverse(page)).content.decode(), page


# Through the real API -----------------------------------------------------------------------


def test_a_token_reads_the_api_until_it_is_revoked(analyst):
    token, raw = make_token(analyst, scope="read")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR=ADDRESS)
    url = "/api/v1/situations/"

    assert api.get(url).status_code == 200
    assert api.post(url, {}, content_type="application/json").status_code == 403
    tokens.revoke(token, by=analyst)
    assert api.get(url).status_code == 401
