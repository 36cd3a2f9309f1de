"""The sessions a person is signed in with, so that they can see them and end them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserSession(models.Model):
    """One signed-in session: where it began and when it was last used. The session itself
    lives in the session store; this row is removed when it ends."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions"
    )
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    signed_in_at = models.DateTimeField(_("signed in"))
    last_seen = models.DateTimeField(_("last seen"))
    address = models.CharField(_("address"), max_length=45, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        ordering = ["-last_seen"]
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")

    def __str__(self) -> str:
        return f"{self.user} {self.signed_in_at:%Y-%m-%d %H:%M}"


class Profile(models.Model):
    """What a person chose for themselves: so far, the language the app speaks to them in
    (empty: their browser's, through Accept-Language)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    language = models.CharField(
        _("language"), max_length=10, blank=True, choices=settings.LANGUAGES
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)
