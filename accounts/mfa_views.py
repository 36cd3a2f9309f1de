"""The second factor's pages: setting up an authenticator app or a security key, giving a
code or a key at sign-in, the recovery codes, and removing a factor."""

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts import mfa
from accounts.requests import AuthenticatedHttpRequest
from audit import log as audit


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "spellcheck": "false", "inputmode": "text"}
        ),
    )

    def clean_code(self) -> str:
        return "".join(str(self.cleaned_data["code"]).split())


def _next_page(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _verified(request: AuthenticatedHttpRequest) -> bool:
    return bool(request.user.is_verified())  # type: ignore[attr-defined]  # django-otp adds it


@require_http_methods(["GET", "POST"])
def mfa_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's second factors: an authenticator app (scan the code or type the key, give the
    code it shows) and security keys; the first one set up brings the recovery codes."""
    if mfa.is_enrolled(request.user) and not _verified(request):
        return redirect(f"{reverse('mfa_verify')}?next={quote(_next_page(request))}")
    device = mfa.pending_app_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            first = not mfa.is_enrolled(request.user)
            mfa.confirm_app_device(device)
            otp_login(request, device)
            request.session[mfa.ENROLLED] = True
            audit.record("mfa_enrolled", obj=request.user, data={"device": device.name})
            messages.success(request, _("The authenticator app is set up."))
            if first:
                request.session[mfa.RECOVERY_SHOWN] = mfa.new_recovery_codes(request.user)
                return redirect(f"{reverse('mfa_recovery')}?next={quote(_next_page(request))}")
            return redirect("mfa_setup")
        audit.record("mfa_failed", obj=request.user, data={"step": "setup"})
        form.add_error("code", _("That code is not the one the app shows now; try the next one."))
    return render(
        request,
        "registration/mfa_setup.html",
        {
            "form": form,
            # The QR code is SVG that qrcode drew from the device's own setup link.
            "qr_svg": mark_safe(mfa.qr_svg(device)),  # noqa: S308  # nosec B308 B703
            "secret": mfa.secret_of(device),
            "required": mfa.required_for(request.user),
            "next": _next_page(request),
            "app": mfa.app_device(request.user),
            "keys": mfa.security_keys(request.user),
            "enrolled": mfa.is_enrolled(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def mfa_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app, a security key, or one of the
    recovery codes."""
    if request.method == "GET" and _verified(request):
        return redirect(_next_page(request))  # given already (a key, in another tab)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            audit.record("mfa_verified", obj=request.user, data={"device": device.name})
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code: %(count)d is left.",
                        "You used a recovery code: %(count)d are left.",
                        left,
                    )
                    % {"count": left},
                )
            return redirect(_next_page(request))
        audit.record("mfa_failed", obj=request.user, data={"step": "sign_in"})
        form.add_error(
            "code",
            _(
                "That code is not right, or too many wrong codes were tried: wait a moment, "
                "then give the code the app shows now."
            ),
        )
    return render(
        request,
        "registration/mfa_verify.html",
        {
            "form": form,
            "next": _next_page(request),
            "enrolled": mfa.is_enrolled(request.user),
            "has_app": mfa.app_device(request.user) is not None,
            "has_keys": bool(mfa.security_keys(request.user)),
        },
    )


@require_http_methods(["GET", "POST"])
def mfa_recovery(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The recovery codes just made, shown once; new ones (the old stop working) on POST."""
    if request.method == "POST":
        if not _verified(request):
            messages.error(request, _("Set up a second factor before recovery codes."))
            return redirect("mfa_setup")
        request.session[mfa.RECOVERY_SHOWN] = mfa.new_recovery_codes(request.user)
        audit.record("mfa_recovery_codes", obj=request.user)
        return redirect("mfa_recovery")
    return render(
        request,
        "registration/mfa_recovery.html",
        {
            "codes": request.session.pop(mfa.RECOVERY_SHOWN, None),
            "next": _next_page(request),
            "verified": _verified(request),
        },
    )


@require_POST
def mfa_remove(request: AuthenticatedHttpRequest, kind: str, pk: int) -> HttpResponse:
    """Remove the app or a key (one lost, say), but never the last factor a user must have."""
    model = {"app": TOTPDevice, "key": WebAuthnCredential}.get(kind)
    if model is None or not _verified(request):
        messages.error(request, _("Give your second factor before you change it."))
        return redirect("mfa_setup")
    device = get_object_or_404(model, pk=pk, user=request.user, confirmed=True)
    if mfa.required_for(request.user) and mfa.factors_left_without(request.user, device) == 0:
        messages.error(
            request,
            _("Your role needs a second factor: set up another before you remove this one."),
        )
        return redirect("mfa_setup")
    name = str(device.name)
    device.delete()
    if mfa.app_device(request.user) is None and not mfa.security_keys(request.user):
        StaticDevice.objects.filter(user=request.user).delete()
        request.session[mfa.ENROLLED] = False
    audit.record("mfa_removed", obj=request.user, data={"device": name, "kind": kind})
    messages.success(request, _("“%(name)s” is removed.") % {"name": name})
    return redirect("mfa_setup")
