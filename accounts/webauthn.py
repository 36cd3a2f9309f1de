"""Security keys (WebAuthn) as a second factor, through django-otp-webauthn.

The library does the ceremonies and keeps the credentials as django-otp devices. What this
module adds: the relying party is the host the request was made to (Django has checked it
against ALLOWED_HOSTS) and the origins a key answers are WEBAUTHN_ORIGINS (settings.py), so a
key registered on one installation answers no other; each ceremony is written to the audit
log and noted in the session; a name for each key; the ceremonies' addresses, under the
namespace the library's scripts ask for.
"""

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import views
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential

from audit import log as audit

app_name = "otp_webauthn"


def relying_party_id(request: HttpRequest) -> str:
    """The host name the user signed in at, without its port."""
    host = request.get_host()
    if host.startswith("["):  # an IPv6 literal: no WebAuthn for it, but no crash either
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0]


class Helper(WebAuthnHelper):
    def get_allowed_origins(self) -> list[str]:
        origins = list(settings.OTP_WEBAUTHN_ALLOWED_ORIGINS)
        if settings.DEBUG:
            origins.append(f"{self.request.scheme}://{self.request.get_host()}")
        return origins

    def create_credential(self, user: Any, *args: Any, **kwargs: Any) -> WebAuthnCredential:
        """Name each key so that its owner can tell it from the others on their page."""
        credential: WebAuthnCredential = super().create_credential(user, *args, **kwargs)
        if not credential.name:
            count = WebAuthnCredential.objects.filter(user=user).count() + 1
            credential.name = _("Security key %(number)d") % {"number": count}
        return credential


def _note(request: HttpRequest, action: str, credential_id: Any) -> None:
    from accounts import mfa

    credential = WebAuthnCredential.objects.filter(pk=credential_id).first()
    request.session[mfa.ENROLLED] = True
    audit.record(
        action,
        obj=credential.user if credential else None,
        data={"device": credential.name if credential else "", "kind": "security key"},
    )


class Register(views.CompleteCredentialRegistrationView):
    """Register a key; the first second factor also brings the recovery codes."""

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        from accounts import mfa

        first = not mfa.is_enrolled(self.request.user)
        response: HttpResponse = super().post(*args, **kwargs)
        if response.status_code == 200:
            credential_id = json.loads(response.content)["id"]
            _note(self.request, "mfa_enrolled", credential_id)
            if first:
                self.request.session[mfa.RECOVERY_SHOWN] = mfa.new_recovery_codes(self.request.user)
        return response


class Authenticate(views.CompleteCredentialAuthenticationView):
    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().post(*args, **kwargs)
        _note(self.request, "mfa_verified", json.loads(response.content)["id"])
        return response

    def handle_exception(self, exc: Exception) -> HttpResponse:
        """A key refused (or a ceremony out of order) is a failed second factor."""
        user = self.request.user
        audit.record(
            "mfa_failed",
            obj=user if user.is_authenticated else None,
            data={"step": "security key"},
        )
        response: HttpResponse = super().handle_exception(exc)
        return response


urlpatterns = [
    path(
        "registration/begin/",
        views.BeginCredentialRegistrationView.as_view(),
        name="credential-registration-begin",
    ),
    path("registration/complete/", Register.as_view(), name="credential-registration-complete"),
    path(
        "authentication/begin/",
        views.BeginCredentialAuthenticationView.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        Authenticate.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
