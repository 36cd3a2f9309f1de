from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.roles import is_analyst, is_framework_admin, is_reviewer


def roles(request: HttpRequest) -> dict[str, bool]:
    user = request.user
    return {
        "user_is_analyst": is_analyst(user),
        "user_is_reviewer": is_reviewer(user),
        "user_is_framework_admin": is_framework_admin(user),
    }


def unread_notifications(request: HttpRequest) -> dict[str, object]:
    """The count on the navigation's bell, counted only when a page shows it (one query)."""
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: user.inbox.filter(read_at__isnull=True).count()
        )
    }
