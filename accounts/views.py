"""Signing out, with a word that it is done; changing one's own password."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

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
