"""The three roles of the office, as Django groups, and the questions asked of them."""

from django.contrib.auth import models as auth_models

ANALYSTS = "Analysts"
REVIEWERS = "Reviewers"
FRAMEWORK_ADMINS = "Framework admins"

ROLE_GROUPS = (ANALYSTS, REVIEWERS, FRAMEWORK_ADMINS)

# The apps whose models framework admins may change in the admin.
FRAMEWORK_ADMIN_APPS = ("framework",)

# Whom a request carries: a signed-in user or an anonymous visitor.
User = auth_models.User | auth_models.AnonymousUser


def _group_names(user: User) -> set[str]:
    if not user.is_authenticated:
        return set()
    # Cached on the user object, which lives as long as the request.
    cached: set[str] | None = getattr(user, "_r2p_group_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._r2p_group_names = cached  # type: ignore[attr-defined]  # the cache read above
    return cached


def is_framework_admin(user: User) -> bool:
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser or FRAMEWORK_ADMINS in _group_names(user))


def is_reviewer(user: User) -> bool:
    return REVIEWERS in _group_names(user)


def is_analyst(user: User) -> bool:
    return ANALYSTS in _group_names(user)
