"""Who may see the framework pages: every signed-in user reads; framework admins see history."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts.roles import is_framework_admin


def require_framework_admin(request: HttpRequest) -> None:
    if not is_framework_admin(request.user):
        raise PermissionDenied
