"""Writes about accounts: the role groups, people's roles and access, invitations, and the
demo cast."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission, User
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.roles import (
    ANALYSTS,
    FRAMEWORK_ADMIN_APPS,
    FRAMEWORK_ADMINS,
    REVIEWERS,
    ROLE_GROUPS,
)
from accounts.sessions import end_sessions
from audit import log as audit

logger = logging.getLogger(__name__)

SIGN_IN_PERMISSIONS = (
    "view_accessattempt",
    "delete_accessattempt",
    "view_accesslog",
    "view_accessfailurelog",
)
# People: list, invite or create, change roles and access. Never delete (deactivate instead,
# and keep the history): no delete_user.
USER_PERMISSIONS = ("view_user", "add_user", "change_user")
# People's API tokens: list them and revoke them (accounts/admin.py). Never make one for
# someone else, never delete one (a revoked token's row is its history).
API_TOKEN_PERMISSIONS = ("view_apitoken", "change_apitoken")
# The URL name of the page where an invited person sets their password (accounts/invitations.py).
INVITATION_URL_NAME = "invitation"

DEMO_USERS: tuple[tuple[str, str, str], ...] = (
    ("analyst", ANALYSTS, "Amira Analyst"),
    ("analyst2", ANALYSTS, "Bruno Analyst"),
    ("reviewer", REVIEWERS, "Chen Reviewer"),
    ("reviewer2", REVIEWERS, "Eva Reviewer"),
    ("admin", FRAMEWORK_ADMINS, "Dana Admin"),
)


@transaction.atomic
def ensure_role_groups() -> dict[str, Group]:
    """Create the role groups if missing and give framework admins every framework permission,
    the sign-in throttle's, the managing of people (not their deletion) and the revoking of
    their API tokens."""
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in (ANALYSTS, REVIEWERS)}
    admins, _created = Group.objects.get_or_create(name=FRAMEWORK_ADMINS)
    admins.permissions.set(
        Permission.objects.filter(content_type__app_label__in=FRAMEWORK_ADMIN_APPS)
        # The sign-in throttle's records: read them, and unlock by deleting an attempt.
        | Permission.objects.filter(
            content_type__app_label="axes",
            codename__in=SIGN_IN_PERMISSIONS,
        )
        | Permission.objects.filter(
            content_type__app_label="auth",
            content_type__model="user",
            codename__in=USER_PERMISSIONS,
        )
        | Permission.objects.filter(
            content_type__app_label="accounts",
            content_type__model="apitoken",
            codename__in=API_TOKEN_PERMISSIONS,
        )
    )
    groups[FRAMEWORK_ADMINS] = admins
    return groups


def ensure_role_groups_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    ensure_role_groups()


@transaction.atomic
def ensure_demo_users(*, password: str) -> list[tuple[User, bool]]:
    """Create (or reset the password of) the demo cast. For local trial only."""
    groups = ensure_role_groups()
    user_model = get_user_model()
    result = []
    for username, group_name, full_name in DEMO_USERS:
        first, last = full_name.split(" ", 1)
        user, created = user_model.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
        )
        user.set_password(password)
        user.is_staff = group_name == FRAMEWORK_ADMINS
        user.save(update_fields=["password", "is_staff"])
        user.groups.add(groups[group_name])
        result.append((user, created))
    return result


# People's roles and access ------------------------------------------------------------------


def analyst_may_review() -> bool:
    """Whether one person may hold the Analysts and the Reviewers role at once (off by default:
    the four-eyes rule). Either way nobody reviews their own assessment."""
    return bool(settings.ALLOW_ANALYST_AND_REVIEWER)


def check_roles(user: User, roles: Iterable[str], *, by: User | None) -> None:
    """Refuse (ValidationError) roles that one person may not hold. The one rule, asked by the
    admin's form before it saves and by :func:`set_roles` when it saves, whoever asks."""
    wanted = set(roles)
    unknown = wanted - set(ROLE_GROUPS)
    if unknown:
        raise ValidationError(
            _("Not a role: %(names)s.") % {"names": ", ".join(sorted(unknown))},
            code="unknown_role",
        )
    if {ANALYSTS, REVIEWERS} <= wanted and not analyst_may_review():
        raise ValidationError(
            _(
                "One person may not be both an analyst and a reviewer: the reviewer is the "
                "second pair of eyes on an analyst's work. Choose one of the two roles."
            ),
            code="analyst_and_reviewer",
        )
    if (
        by is not None
        and user.pk is not None
        and user.pk == by.pk
        and not by.is_superuser
        and FRAMEWORK_ADMINS not in wanted
        and FRAMEWORK_ADMINS in role_names(user)
    ):
        raise ValidationError(
            _("You cannot take away your own framework admin role: another framework admin can."),
            code="own_admin_role",
        )


def role_names(user: User) -> set[str]:
    """The roles the user holds now (read from the database, not from a cache)."""
    if user.pk is None:
        return set()
    return set(Group.objects.filter(user=user, name__in=ROLE_GROUPS).values_list("name", flat=True))


@dataclass(frozen=True)
class RoleChange:
    added: frozenset[str]
    removed: frozenset[str]
    # The change gave one person both the Analysts and the Reviewers role (as the
    # setting allows): whoever made it should be told.
    gave_analyst_and_reviewer: bool


@transaction.atomic
def set_roles(user: User, roles: Iterable[str], *, by: User | None) -> RoleChange:
    """Give the user exactly these roles (other groups are kept) and the staff status that
    follows from them: framework admins need it to reach the admin, nobody else has it
    (superusers keep theirs). Each role given or taken is in the audit log (audit/signals.py)."""
    wanted = set(roles)
    locked = type(user).objects.select_for_update().get(pk=user.pk)
    check_roles(locked, wanted, by=by)
    held = role_names(locked)
    groups = ensure_role_groups()
    added, removed = wanted - held, held - wanted
    if removed:
        locked.groups.remove(*(groups[name] for name in sorted(removed)))
    if added:
        locked.groups.add(*(groups[name] for name in sorted(added)))
    staff = FRAMEWORK_ADMINS in wanted or locked.is_superuser
    if locked.is_staff != staff:
        locked.is_staff = staff
        locked.save(update_fields=["is_staff"])
    user.is_staff = staff
    # The role cache of roles.py, if this object carries one, is stale now.
    user.__dict__.pop("_r2p_group_names", None)
    both = {ANALYSTS, REVIEWERS}
    return RoleChange(
        added=frozenset(added),
        removed=frozenset(removed),
        gave_analyst_and_reviewer=both <= wanted and not both <= held,
    )


def check_active(user: User, active: bool, *, by: User | None) -> None:
    """Refuse (ValidationError) to switch off one's own access."""
    if not active and by is not None and user.pk == by.pk:
        raise ValidationError(
            _("You cannot deactivate your own account: another framework admin can."),
            code="own_account",
        )


@transaction.atomic
def set_active(user: User, active: bool, *, by: User | None) -> bool:
    """Switch the user's access on or off; whether it changed. Switching it off ends every
    session of theirs at once. The account and its history are kept: people are never
    deleted. The change is in the audit log (audit/signals.py)."""
    locked = type(user).objects.select_for_update().get(pk=user.pk)
    check_active(locked, active, by=by)
    changed = locked.is_active != active
    if changed:
        locked.is_active = active
        locked.save(update_fields=["is_active"])
    user.is_active = active
    if not active:
        end_sessions(locked)
    return changed


def reset_second_factor(user: User, *, by: User | None) -> int:
    """Remove every second factor of the user (app, keys, recovery codes), for one who lost
    them all; how many were removed. Their sessions end; at the next sign-in they set up a
    new one if their role needs it."""
    from django_otp import devices_for_user

    removed = 0
    with transaction.atomic():
        for device in list(devices_for_user(user, confirmed=None)):
            device.delete()
            removed += 1
        end_sessions(user)
        audit.record(
            "mfa_reset", obj=user, data={"username": user.get_username(), "removed": removed}
        )
    return removed


# Invitations ---------------------------------------------------------------------------------


def invitation_link(user: User) -> str:
    """The one-time link to set a password: it works once (setting the password changes what
    its token is made of) and until PASSWORD_RESET_TIMEOUT has passed."""
    path = reverse(
        INVITATION_URL_NAME,
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{settings.SITE_URL}{path}"


def invite_user(user: User, *, by: User | None) -> None:
    """Email the user a link to set their own password, once the current transaction commits
    (the link is made then, from the account as saved)."""
    if not user.email:
        raise ValidationError(
            _("An invitation needs an email address."), code="invitation_without_email"
        )
    if not user.is_active:
        raise ValidationError(
            _("An inactive account cannot be invited: activate it first."),
            code="invitation_inactive",
        )
    audit.record(
        "invitation_sent",
        obj=user,
        data={"username": user.get_username(), "email": user.email},
        actor=by,
    )
    transaction.on_commit(partial(send_invitation, user.pk), robust=True)


def send_invitation(user_id: int) -> bool:
    """Send the invitation email now; whether one was sent (nobody active with an email: none)."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    context = {
        "user": user,
        "link": invitation_link(user),
        "site_url": settings.SITE_URL,
        "days": max(1, round(settings.PASSWORD_RESET_TIMEOUT / 86400)),
    }
    subject = " ".join(render_to_string("accounts/invitation_subject.txt", context).split())
    body = render_to_string("accounts/invitation_email.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    logger.info("invitation sent to user %s", user.pk)
    return True
