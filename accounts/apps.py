from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from accounts import languages, mfa, sessions
        from accounts.services import ensure_role_groups_after_migrate

        post_migrate.connect(ensure_role_groups_after_migrate, sender=self)
        user_logged_in.connect(sessions.on_signed_in, dispatch_uid="accounts_session_in")
        user_logged_in.connect(mfa.on_signed_in, dispatch_uid="accounts_mfa_in")
        user_logged_in.connect(languages.on_signed_in, dispatch_uid="accounts_language_in")
        user_logged_out.connect(sessions.on_signed_out, dispatch_uid="accounts_session_out")
