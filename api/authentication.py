"""How an API request says who it is: a personal token (``Authorization: Bearer ...``), or
the browser's session (with its CSRF token, as every form of the app)."""

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

if TYPE_CHECKING:  # the views module imports this one, through the settings
    from rest_framework.views import APIView

from accounts import tokens
from accounts.models import ApiToken


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token after “Bearer ”."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        token = tokens.find_token(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("This token is not valid: it may have expired or been revoked.")
            )
        tokens.record_use(token, request.META.get("REMOTE_ADDR") or "")
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class TokenScope(permissions.BasePermission):
    """A read-only token reads; it never writes, whatever its user may do."""

    message = _("This token is read-only.")

    def has_permission(self, request: Request, view: "APIView") -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and token.scope == ApiToken.Scope.READ:
            return request.method in permissions.SAFE_METHODS
        return True
