"""Signing out, with a word that it is done."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _


class SignOutView(auth_views.LogoutView):
    """Django's sign-out (POST only), then the sign-in page says that the user is signed out."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You are signed out."))
        return response
