"""Writes about accounts: the role groups and the demo cast."""

from typing import Any

from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission, User
from django.db import transaction

from accounts.roles import ANALYSTS, FRAMEWORK_ADMIN_APPS, FRAMEWORK_ADMINS, REVIEWERS

SIGN_IN_PERMISSIONS = (
    "view_accessattempt",
    "delete_accessattempt",
    "view_accesslog",
    "view_accessfailurelog",
)

DEMO_USERS: tuple[tuple[str, str, str], ...] = (
    ("analyst", ANALYSTS, "Amira Analyst"),
    ("analyst2", ANALYSTS, "Bruno Analyst"),
    ("reviewer", REVIEWERS, "Chen Reviewer"),
    ("admin", FRAMEWORK_ADMINS, "Dana Admin"),
)


@transaction.atomic
def ensure_role_groups() -> dict[str, Group]:
    """Create the role groups if missing and give framework admins every framework permission."""
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in (ANALYSTS, REVIEWERS)}
    admins, _ = Group.objects.get_or_create(name=FRAMEWORK_ADMINS)
    admins.permissions.set(
        Permission.objects.filter(content_type__app_label__in=FRAMEWORK_ADMIN_APPS)
        # The sign-in throttle's records: read them, and unlock by deleting an attempt.
        | Permission.objects.filter(
            content_type__app_label="axes",
            codename__in=SIGN_IN_PERMISSIONS,
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
