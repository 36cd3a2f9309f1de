"""The page where an invited person sets their own password, from the one-time link of the
invitation email (accounts/services.py, ``invite_user``).

Django's password-reset machinery: the token of ``default_token_generator`` is made from the
account's password and last sign-in, so the link stops working once the password is set, and
after PASSWORD_RESET_TIMEOUT. The token leaves the address at once (it is kept in the session),
so that it cannot leak through the Referer header.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.urls import path, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.services import INVITATION_URL_NAME
from audit import log as audit


@method_decorator(login_not_required, name="dispatch")
class InvitationView(auth_views.PasswordResetConfirmView):
    """Set a password from an invitation (or any link a framework admin sent): the password
    validators apply; then the sign-in page, where the person signs in with it."""

    template_name = "accounts/invitation.html"
    success_url = reverse_lazy("login")
    title = gettext_lazy("Set your password")

    def get_user(self, uidb64: str) -> User | None:
        user = super().get_user(uidb64)
        # A deactivated account's link no longer works, whatever its age.
        return user if user is not None and user.is_active else None

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        audit.record(
            "password_changed",
            obj=form.user,
            data={"username": form.user.get_username(), "via": "invitation"},
            actor=None,  # whoever holds the link, not signed in
        )
        messages.success(
            self.request,
            _("Your password is set. Sign in with your username, %(username)s, and it.")
            % {"username": form.user.get_username()},
        )
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        context["invited"] = self.user if self.validlink else None
        return context


urlpatterns = [
    path("<uidb64>/<token>/", InvitationView.as_view(), name=INVITATION_URL_NAME),
]
