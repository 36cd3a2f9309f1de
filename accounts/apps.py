from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from accounts.services import ensure_role_groups_after_migrate

        post_migrate.connect(ensure_role_groups_after_migrate, sender=self)
