"""Multi-factor authentication: an authenticator app (TOTP), security keys (WebAuthn,
``accounts/webauthn.py``) and recovery codes.

django-otp keeps the devices and checks the codes (with its own throttling: each failure
doubles the wait before the next try); django-otp-webauthn does the same for keys. Who must
use it is the office's policy:
``MFA_REQUIRED`` = ``roles`` (reviewers and framework admins; the default), ``all``
(everyone), or ``none`` (nobody is made to; a local trial or a test). Whoever has set it up
is always asked for a code at sign-in. ``MFA_EXEMPT_USERS`` names accounts that are never
asked (``make run`` names its demo accounts there; empty by default).
"""

import base64
import io
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core import checks
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.roles import User, is_framework_admin, is_reviewer

POLICIES = ("roles", "all", "none")
APP_DEVICE = "Authenticator app"
RECOVERY_DEVICE = "Recovery codes"
RECOVERY_CODES = 10
# What a signed-in user who still owes a code may reach: these pages, and the security-key
# ceremonies (whose views refuse to add a key for a user who has a factor but gave none).
OPEN_URL_NAMES = {"mfa_setup", "mfa_verify", "logout", "login"}
OPEN_NAMESPACES = {"otp_webauthn"}
# The session key of the recovery codes just made, until the page shows them once.
RECOVERY_SHOWN = "r2p_recovery_codes"


def required_for(user: User) -> bool:
    if not user.is_authenticated or user.get_username() in settings.MFA_EXEMPT_USERS:
        return False
    policy = settings.MFA_REQUIRED
    if policy == "all":
        return True
    if policy == "none":
        return False
    return is_reviewer(user) or is_framework_admin(user)


def is_enrolled(user: Any) -> bool:
    return bool(user_has_device(user, confirmed=True))


def app_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def security_keys(user: Any) -> list[WebAuthnCredential]:
    return list(WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("pk"))


def confirm_app_device(device: TOTPDevice) -> None:
    """The new app replaces any app set up before."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()


def factors_left_without(user: Any, device: Any) -> int:
    """How many second factors (an app, keys) the user keeps if ``device`` goes."""
    app = app_device(user)
    keys = security_keys(user)
    left = [d for d in [app, *keys] if d is not None]
    return sum(1 for d in left if not (type(d) is type(device) and d.pk == device.pk))


def pending_app_device(user: Any) -> TOTPDevice:
    """The user's authenticator-app device not yet confirmed (made on first call)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=False)
    return device


def secret_of(device: TOTPDevice) -> str:
    """The key as authenticator apps take it typed in: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The setup link as an SVG QR code (no inline style: the policy refuses them)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]


def new_recovery_codes(user: Any) -> list[str]:
    """Replace the user's recovery codes with fresh ones; each works once."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


ENROLLED = "r2p_mfa_enrolled"


def on_signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """Note at sign-in whether the user has a second factor, so that their requests need
    not ask the database (and a request writes the session only when it must)."""
    request.session[ENROLLED] = is_enrolled(user)


def enrolled_in_session(request: HttpRequest) -> bool:
    """Whether the user has a second factor, asked of the database once per session (and
    set again when they set one up)."""
    known = request.session.get(ENROLLED)
    if known is None:
        known = request.session[ENROLLED] = is_enrolled(request.user)
    return bool(known)


class MFAMiddleware:
    """A signed-in user who owes a second factor reaches only the pages that take it: the
    setup if they have none yet (and the policy requires one), else the code page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not user.is_verified():  # type: ignore[attr-defined]
            enrolled = enrolled_in_session(request)
            if enrolled or required_for(user):
                name: str | None
                namespace: str | None
                try:
                    match = resolve(request.path_info)
                    name, namespace = match.view_name, match.namespace
                except Resolver404:
                    name = namespace = None
                if name not in OPEN_URL_NAMES and namespace not in OPEN_NAMESPACES:
                    target = reverse("mfa_verify" if enrolled else "mfa_setup")
                    return redirect(f"{target}?next={quote(request.get_full_path())}")
        return self.get_response(request)


@checks.register(checks.Tags.security, deploy=True)
def check_policy(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    problems: list[checks.CheckMessage] = []
    if settings.MFA_REQUIRED not in POLICIES:
        problems.append(
            checks.Error(
                _("MFA_REQUIRED must be one of: %(policies)s.") % {"policies": ", ".join(POLICIES)},
                id="accounts.E001",
            )
        )
    elif settings.MFA_REQUIRED == "none":
        problems.append(
            checks.Warning(
                _("MFA_REQUIRED is 'none': no account is made to use a second factor."),
                id="accounts.W001",
            )
        )
    if settings.MFA_EXEMPT_USERS:
        problems.append(
            checks.Warning(
                _("MFA_EXEMPT_USERS names accounts that never give a second factor."),
                id="accounts.W002",
            )
        )
    return problems
