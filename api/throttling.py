"""Rates per token and per user (settings.API_THROTTLE_RATES), read when a request comes so
that a change of settings takes effect; over the rate, 429 with Retry-After."""

from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework.request import Request

if TYPE_CHECKING:  # the views module imports this one, through the settings
    from rest_framework.views import APIView
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken


class _Configured(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATES.get(self.scope or "")


class PerToken(_Configured):
    """Each token on its own: one busy integration does not use up its user's other ones."""

    scope = "token"

    def get_cache_key(self, request: Request, view: "APIView") -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class PerUser(_Configured):
    """Everything a user does through the API, with any token or the browser's session."""

    scope = "user"

    def get_cache_key(self, request: Request, view: "APIView") -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
