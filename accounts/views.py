"""Signing out, with a word that it is done; changing one's own password; one's sessions.
(The second factor's pages are in ``mfa_views``.)"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from accounts import sessions
from accounts.requests import AuthenticatedHttpRequest
from audit import log as audit


class SignOutView(auth_views.LogoutView):
    """Django's sign-out (POST only), then the sign-in page says that the user is signed out."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You are signed out."))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Every user changes their own password (the old one first, the new one checked by the
    password validators); they stay signed in, their other sessions end."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("password_change")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        audit.record("password_changed", obj=form.user)
        messages.success(self.request, _("Your password is changed."))
        return response


@require_safe
def session_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's own signed-in sessions: where, since when, last used; this one marked."""
    return render(
        request,
        "registration/sessions.html",
        {
            "sessions": sessions.active_sessions(request.user),
            "current": request.session.session_key,
            "idle_minutes": settings.SESSION_COOKIE_AGE // 60,
            "absolute_hours": round(settings.SESSION_ABSOLUTE_TIMEOUT_MINUTES / 60, 1),
        },
    )


@require_POST
def sign_out_everywhere(request: AuthenticatedHttpRequest) -> HttpResponse:
    """End every session of the user: the others, and this one unless asked to keep it."""
    keep = request.POST.get("keep_this") == "1"
    ended = sessions.end_sessions(request.user, keep=request.session.session_key if keep else None)
    audit.record("signed_out_everywhere", obj=request.user, data={"ended": ended, "kept": keep})
    if keep:
        messages.success(
            request,
            ngettext(
                "%(count)d other session is signed out.",
                "%(count)d other sessions are signed out.",
                ended,
            )
            % {"count": ended},
        )
        return redirect("sessions")
    logout(request)
    messages.info(request, _("You are signed out everywhere."))
    return redirect("login")
