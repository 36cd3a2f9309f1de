"""Who may see the framework pages: every signed-in user reads; framework admins see history."""

from django.core.exceptions import PermissionDenied

from accounts.requests import AuthenticatedHttpRequest
from accounts.roles import is_framework_admin


def require_framework_admin(request: AuthenticatedHttpRequest) -> None:
    if not is_framework_admin(request.user):
        raise PermissionDenied
