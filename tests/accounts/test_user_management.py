"""Framework admins manage people in the admin without being superusers: they create or invite
them, give them roles, deactivate them; they never delete anyone, never see or give the
superuser flag or single permissions, never touch a superuser. One person is not both an
analyst and a reviewer unless the settings allow it, and then the admin is warned."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import UserSession
from accounts.roles import ANALYSTS, FRAMEWORK_ADMINS, REVIEWERS
from audit.models import AuditEntry
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

User = get_user_model()
NEW_PASSWORD = "lantern-orchard-meadow-41"
BOTH_REFUSED = "One person may not be both an analyst and a reviewer"
CHANGELIST = "admin:auth_user_changelist"
ADD = "admin:auth_user_add"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.org", PASSWORD)


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def change_url(user) -> str:
    return reverse("admin:auth_user_change", args=[user.pk])


def roles_of(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def head() -> int:
    last = AuditEntry.objects.order_by("-seq").first()
    return last.seq if last else 0


def entries_after(mark: int) -> list[tuple[str, str, dict]]:
    found = AuditEntry.objects.filter(seq__gt=mark).order_by("seq")
    return [(entry.action, entry.actor_name, entry.data) for entry in found]


def change_data(user, **changes) -> dict[str, object]:
    """The change form as the admin's page sends it, with ``changes``."""
    data: dict[str, object] = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "roles": sorted(roles_of(user)),
        **({"is_active": "on"} if user.is_active else {}),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def add_data(**changes) -> dict[str, object]:
    data: dict[str, object] = {
        "username": "farah",
        "first_name": "Farah",
        "last_name": "Newcomer",
        "email": "farah@example.org",
        "roles": [ANALYSTS],
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def form_errors(response, field: str) -> list[str]:
    return response.context["adminform"].form.errors.get(field, [])


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def sign_in(username: str, password: str) -> Client:
    client = Client()
    client.post(reverse("login"), {"username": username, "password": password})
    return client


# Permissions ---------------------------------------------------------------------------------


def test_framework_admins_may_view_add_and_change_users_but_not_delete_them():
    admins = services.ensure_role_groups()[FRAMEWORK_ADMINS]

    granted = set(
        admins.permissions.filter(content_type__app_label="auth").values_list("codename", flat=True)
    )

    assert granted == {"view_user", "add_user", "change_user"}


@pytest.mark.parametrize("cast", ["analyst", "reviewer", "outsider"])
def test_analysts_and_reviewers_get_no_access_to_the_people_admin(client, request, cast):
    client.force_login(request.getfixturevalue(cast))
    target = make_user("someone", ANALYSTS)

    for url in (reverse(CHANGELIST), reverse(ADD), change_url(target)):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login")), url
    response = client.post(change_url(target), change_data(target, roles=[REVIEWERS]))

    assert response.status_code == 302
    assert roles_of(target) == {ANALYSTS}


def test_framework_admin_lists_searches_and_filters_people(admin_client, analyst, reviewer):
    gone = make_user("gone", ANALYSTS)
    gone.is_active = False
    gone.save()

    everyone = admin_client.get(reverse(CHANGELIST)).content.decode()
    analysts = admin_client.get(reverse(CHANGELIST), {"role": "analyst", "is_active__exact": "1"})
    found = admin_client.get(reverse(CHANGELIST), {"q": "reviewer@example"})

    assert all(name in everyone for name in ("analyst", "reviewer", "gone", "admin"))
    assert [user.username for user in analysts.context["cl"].result_list] == ["analyst"]
    assert [user.username for user in found.context["cl"].result_list] == ["reviewer"]
    assert "Analyst" in everyone and "Framework admin" in everyone  # the roles column


# Creating and inviting -------------------------------------------------------------------------


def test_framework_admin_creates_a_user_with_a_role_and_an_initial_password(admin_client):
    mark = head()

    response = admin_client.post(reverse(ADD), add_data())

    assert response.status_code == 302
    farah = User.objects.get(username="farah")
    assert response.url == change_url(farah)
    assert roles_of(farah) == {ANALYSTS}
    assert farah.check_password(NEW_PASSWORD)
    assert not farah.is_staff and not farah.is_superuser
    assert sign_in("farah", NEW_PASSWORD).session.get("_auth_user_id") == str(farah.pk)
    assert entries_after(mark)[:2] == [
        (
            "account_created",
            "admin",
            {
                "username": "farah",
                "is_active": True,
                "is_staff": False,
                "is_superuser": False,
            },
        ),
        ("role_change", "admin", {"username": "farah", "added": [ANALYSTS]}),
    ]


def test_a_new_framework_admin_is_made_staff_by_the_role(admin_client):
    mark = head()

    admin_client.post(reverse(ADD), add_data(roles=[FRAMEWORK_ADMINS]))

    farah = User.objects.get(username="farah")
    assert farah.is_staff and not farah.is_superuser
    assert ("account_changed", "admin", {"username": "farah", "changed": {"is_staff": True}}) in (
        entries_after(mark)
    )
    second = Client()
    second.force_login(farah)
    assert second.get(reverse(CHANGELIST)).status_code == 200


def test_an_initial_password_is_checked_by_the_password_validators(admin_client):
    response = admin_client.post(reverse(ADD), add_data(password1="short1", password2="short1"))

    assert response.status_code == 200
    assert "This password is too short. It must contain at least 12 characters." in form_errors(
        response, "password2"
    )
    assert not User.objects.filter(username="farah").exists()


def test_a_user_is_created_with_a_password_or_an_invitation(admin_client):
    neither = admin_client.post(reverse(ADD), add_data(password1=None, password2=None))
    both = admin_client.post(reverse(ADD), add_data(invite="on"))

    assert "Set a password, or tick “Email an invitation” instead." in form_errors(
        neither, "password1"
    )
    assert "Either set a password or email an invitation, not both." in form_errors(
        both, "password1"
    )
    assert not User.objects.filter(username="farah").exists()
    assert mail.outbox == []


def test_an_invitation_needs_an_email_address(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse(ADD), add_data(invite="on", email="", password1=None, password2=None)
        )

    assert response.status_code == 200
    assert "An invitation needs an email address." in form_errors(response, "email")
    assert not User.objects.filter(username="farah").exists()
    assert mail.outbox == []


def invite_farah(admin_client, capture) -> str:
    """Create Farah with an invitation; the link of the email sent to her."""
    with capture(execute=True):
        response = admin_client.post(
            reverse(ADD), add_data(invite="on", password1=None, password2=None)
        )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["farah@example.org"]
    assert message.subject == "Your account for R2P early warning"
    assert "Your username: farah" in message.body
    found = re.search(r"http://\S+/accounts/invitation/\S+/\S+/", message.body)
    assert found, message.body
    return found[0].removeprefix("http://127.0.0.1:8000")


def test_an_invited_user_sets_a_password_from_the_link_and_signs_in_and_the_link_then_fails(
    admin_client, django_capture_on_commit_callbacks
):
    mark = head()
    link = invite_farah(admin_client, django_capture_on_commit_callbacks)
    farah = User.objects.get(username="farah")
    assert not farah.has_usable_password()
    assert roles_of(farah) == {ANALYSTS}
    assert ("invitation_sent", "admin", {"username": "farah", "email": "farah@example.org"}) in (
        entries_after(mark)
    )

    visitor = Client()
    opened = visitor.get(link)
    assert opened.status_code == 302  # the token leaves the address, kept in the session
    assert opened.url.endswith("/set-password/")
    form = visitor.get(opened.url)
    assert form.status_code == 200
    assert "<title>Set your password" in form.content.decode()
    assert 'for="id_new_password1"' in form.content.decode()
    done = visitor.post(opened.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done.status_code == 302
    assert done.url == reverse("login")
    farah.refresh_from_db()
    assert farah.check_password(NEW_PASSWORD)
    assert signed_in(sign_in("farah", NEW_PASSWORD))
    again = Client().get(link, follow=True)
    assert "This link no longer works" in again.content.decode()
    assert not again.context["validlink"]
    assert entries_after(mark)[-2][:2] == ("password_changed", "")  # then the sign-in


def test_the_set_password_page_checks_the_password_validators(
    admin_client, django_capture_on_commit_callbacks
):
    link = invite_farah(admin_client, django_capture_on_commit_callbacks)
    visitor = Client()
    form_url = visitor.get(link).url

    refused = visitor.post(form_url, {"new_password1": "farah1", "new_password2": "farah1"})

    assert refused.status_code == 200
    assert "This password is too short" in refused.content.decode()
    assert not User.objects.get(username="farah").has_usable_password()


def test_an_invitation_link_expires(
    admin_client, django_capture_on_commit_callbacks, settings, monkeypatch
):
    link = invite_farah(admin_client, django_capture_on_commit_callbacks)
    later = timezone.now().replace(tzinfo=None) + timedelta(
        seconds=settings.PASSWORD_RESET_TIMEOUT + 60
    )
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)

    response = Client().get(link)

    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()


def test_a_deactivated_users_invitation_no_longer_works(
    admin_client, django_capture_on_commit_callbacks
):
    link = invite_farah(admin_client, django_capture_on_commit_callbacks)
    services.set_active(User.objects.get(username="farah"), False, by=None)

    response = Client().get(link)

    assert "This link no longer works" in response.content.decode()


def test_framework_admin_invites_existing_users_again(
    admin_client, analyst, django_capture_on_commit_callbacks
):
    nomail = make_user("nomail", ANALYSTS)
    nomail.email = ""
    nomail.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse(CHANGELIST),
            {"action": "invite_selected", "_selected_action": [analyst.pk, nomail.pk]},
            follow=True,
        )

    assert [message.to for message in mail.outbox] == [["analyst@example.org"]]
    assert ("warning", "Not invited (no email address, or not active): nomail.") in (
        messages_of(response)
    )


# Roles -----------------------------------------------------------------------------------------


def test_framework_admin_changes_a_users_roles(admin_client, analyst):
    mark = head()

    response = admin_client.post(change_url(analyst), change_data(analyst, roles=[REVIEWERS]))

    assert response.status_code == 302
    assert roles_of(analyst) == {REVIEWERS}
    assert entries_after(mark) == [
        ("role_change", "admin", {"username": "analyst", "removed": [ANALYSTS]}),
        ("role_change", "admin", {"username": "analyst", "added": [REVIEWERS]}),
    ]


def test_taking_the_framework_admin_role_takes_staff_status(admin_client):
    colleague = make_user("colleague", FRAMEWORK_ADMINS, staff=True)

    admin_client.post(change_url(colleague), change_data(colleague, roles=[ANALYSTS]))

    colleague.refresh_from_db()
    assert roles_of(colleague) == {ANALYSTS}
    assert not colleague.is_staff


def test_one_person_is_not_made_both_analyst_and_reviewer(admin_client, analyst):
    mark = head()

    response = admin_client.post(
        change_url(analyst), change_data(analyst, roles=[ANALYSTS, REVIEWERS], first_name="New")
    )

    assert response.status_code == 200
    assert any(BOTH_REFUSED in error for error in form_errors(response, "roles"))
    analyst.refresh_from_db()
    assert roles_of(analyst) == {ANALYSTS}
    assert analyst.first_name == "Analyst"
    assert entries_after(mark) == []


def test_a_new_user_is_not_made_both_analyst_and_reviewer(admin_client):
    response = admin_client.post(reverse(ADD), add_data(roles=[ANALYSTS, REVIEWERS]))

    assert response.status_code == 200
    assert any(BOTH_REFUSED in error for error in form_errors(response, "roles"))
    assert not User.objects.filter(username="farah").exists()


def test_when_the_settings_allow_both_roles_the_admin_is_warned(admin_client, analyst, settings):
    settings.ALLOW_ANALYST_AND_REVIEWER = True

    response = admin_client.post(
        change_url(analyst), change_data(analyst, roles=[ANALYSTS, REVIEWERS]), follow=True
    )

    assert roles_of(analyst) == {ANALYSTS, REVIEWERS}
    warnings = [text for level, text in messages_of(response) if level == "warning"]
    assert warnings == [
        "Analyst is now both an analyst and a reviewer (the settings allow it): they may write "
        "assessments and decide on others' escalations. They still never review their own work."
    ]
    # Saving again, with both roles kept, tells nothing new.
    again = admin_client.post(change_url(analyst), change_data(analyst), follow=True)
    assert not [level for level, _text in messages_of(again) if level == "warning"]


def test_the_role_service_refuses_both_roles_to_anyone_even_a_superuser(analyst, superuser):
    with pytest.raises(ValidationError, match=BOTH_REFUSED):
        services.set_roles(analyst, [ANALYSTS, REVIEWERS], by=superuser)

    assert roles_of(analyst) == {ANALYSTS}


def test_a_superuser_in_the_admin_is_refused_both_roles_too(client, superuser, analyst):
    client.force_login(superuser)

    response = client.post(change_url(analyst), change_data(analyst, roles=[ANALYSTS, REVIEWERS]))

    assert response.status_code == 200
    assert roles_of(analyst) == {ANALYSTS}


def test_framework_admin_cannot_take_their_own_admin_role(admin_client, admin):
    response = admin_client.post(change_url(admin), change_data(admin, roles=[ANALYSTS]))

    assert response.status_code == 200
    assert (
        "You cannot take away your own framework admin role: another framework admin can."
        in form_errors(response, "roles")
    )
    admin.refresh_from_db()
    assert roles_of(admin) == {FRAMEWORK_ADMINS}
    assert admin.is_staff


# Deactivating ----------------------------------------------------------------------------------


def test_deactivating_a_user_ends_their_sessions_and_they_cannot_sign_in(admin_client, analyst):
    theirs = sign_in("analyst", PASSWORD)
    key = theirs.session.session_key
    assert UserSession.objects.filter(user=analyst, session_key=key).exists()
    mark = head()

    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "deactivate_selected", "_selected_action": [analyst.pk]},
        follow=True,
    )

    analyst.refresh_from_db()
    assert not analyst.is_active
    assert (
        "success",
        "1 user deactivated: their sessions are ended, their history kept.",
    ) in messages_of(response)
    assert not SessionStore().exists(key)
    assert not UserSession.objects.filter(user=analyst).exists()
    assert theirs.get(reverse("home")).status_code == 302  # to the sign-in page
    assert not signed_in(sign_in("analyst", PASSWORD))
    assert (
        "account_changed",
        "admin",
        {"username": "analyst", "changed": {"is_active": False}},
    ) in entries_after(mark)
    assert User.objects.filter(pk=analyst.pk).exists()  # kept, with its history


def test_unticking_active_on_the_form_deactivates_and_ends_the_sessions(admin_client, reviewer):
    theirs = sign_in("reviewer", PASSWORD)
    key = theirs.session.session_key

    response = admin_client.post(change_url(reviewer), change_data(reviewer, is_active=None))

    assert response.status_code == 302
    reviewer.refresh_from_db()
    assert not reviewer.is_active
    assert not SessionStore().exists(key)


def test_framework_admin_cannot_deactivate_themselves(admin_client, admin):
    by_action = admin_client.post(
        reverse(CHANGELIST),
        {"action": "deactivate_selected", "_selected_action": [admin.pk]},
        follow=True,
    )
    by_form = admin_client.post(change_url(admin), change_data(admin, is_active=None))

    refusal = "You cannot deactivate your own account: another framework admin can."
    assert ("error", refusal) in messages_of(by_action)
    assert by_form.status_code == 200
    assert refusal in form_errors(by_form, "is_active")
    admin.refresh_from_db()
    assert admin.is_active
    assert signed_in(admin_client)


def test_nobody_is_deleted_from_the_admin(admin_client, analyst):
    delete_page = admin_client.get(reverse("admin:auth_user_delete", args=[analyst.pk]))
    changelist = admin_client.get(reverse(CHANGELIST))
    by_action = admin_client.post(
        reverse(CHANGELIST),
        {"action": "delete_selected", "_selected_action": [analyst.pk], "post": "yes"},
        follow=True,
    )

    assert delete_page.status_code == 403
    choices = changelist.context["action_form"].fields["action"].choices
    actions = [value for value, _label in choices]
    assert "delete_selected" not in actions
    assert "deactivate_selected" in actions
    assert ("warning", "No action selected.") in messages_of(by_action)
    assert User.objects.filter(pk=analyst.pk, is_active=True).exists()


# Superusers and permissions --------------------------------------------------------------------


def test_framework_admin_neither_sees_nor_gives_superuser_status_or_permissions(
    admin_client, analyst
):
    permission = Permission.objects.get(codename="delete_user")
    page = admin_client.get(change_url(analyst)).content.decode()
    add_page = admin_client.get(reverse(ADD)).content.decode()

    response = admin_client.post(
        change_url(analyst),
        change_data(
            analyst,
            is_superuser="on",
            is_staff="on",
            user_permissions=[permission.pk],
            groups=[Group.objects.get(name=REVIEWERS).pk],
        ),
    )

    for html in (page, add_page):
        for name in ("is_superuser", "user_permissions", "is_staff", 'name="groups"'):
            assert name not in html
    assert response.status_code == 302  # saved, without what the form does not have
    analyst.refresh_from_db()
    assert not analyst.is_superuser and not analyst.is_staff
    assert not analyst.user_permissions.exists()
    assert roles_of(analyst) == {ANALYSTS}


def test_framework_admin_cannot_see_or_edit_a_superuser(admin_client, superuser):
    listed = admin_client.get(reverse(CHANGELIST)).content.decode()
    opened = admin_client.get(change_url(superuser))
    password_page = admin_client.get(
        reverse("admin:auth_user_password_change", args=[superuser.pk])
    )
    posted = admin_client.post(
        change_url(superuser), change_data(superuser, first_name="Changed", is_active=None)
    )
    by_action = admin_client.post(
        reverse(CHANGELIST),
        {"action": "deactivate_selected", "_selected_action": [superuser.pk]},
    )

    assert "root@example.org" not in listed
    assert opened.status_code == 302 and opened.url == reverse("admin:index")  # "not found"
    assert password_page.status_code == 404
    assert posted.status_code == 302 and posted.url == reverse("admin:index")
    assert by_action.status_code == 302
    superuser.refresh_from_db()
    assert superuser.is_active and superuser.first_name == ""
    assert superuser.is_superuser


def test_a_superuser_still_sees_and_gives_superuser_status(client, superuser, analyst):
    client.force_login(superuser)

    page = client.get(change_url(analyst)).content.decode()
    client.post(change_url(analyst), change_data(analyst, is_superuser="on"))

    assert 'name="is_superuser"' in page
    analyst.refresh_from_db()
    assert analyst.is_superuser
    assert analyst.is_staff  # a superuser needs it to enter the admin


def test_framework_admin_sets_a_password_and_it_is_in_the_audit_log(admin_client, analyst):
    mark = head()

    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[analyst.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    analyst.refresh_from_db()
    assert analyst.check_password(NEW_PASSWORD)
    assert entries_after(mark) == [
        (
            "password_changed",
            "admin",
            {"username": "analyst", "via": "admin", "usable": True},
        )
    ]


def test_framework_admin_resets_the_second_factor_of_one_who_lost_it(admin_client, reviewer):
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=reviewer, name="Authenticator app", confirmed=True)
    StaticDevice.objects.create(user=reviewer, name="Recovery codes", confirmed=True)
    theirs = sign_in("reviewer", PASSWORD)
    mark = head()

    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "reset_second_factor_selected", "_selected_action": [reviewer.pk]},
        follow=True,
    )

    assert (
        "success",
        "1 user's second factor is reset: they set up a new one at their next sign-in.",
    ) in messages_of(response)
    assert not TOTPDevice.objects.filter(user=reviewer).exists()
    assert not StaticDevice.objects.filter(user=reviewer).exists()
    assert theirs.get(reverse("home")).status_code == 302  # signed out
    assert (
        "mfa_reset",
        "admin",
        {"username": "reviewer", "removed": 2},
    ) in entries_after(mark)
