from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrameworkConfig(AppConfig):
    name = "framework"
    verbose_name = _("R2P framework (reference data)")

    def ready(self) -> None:
        from framework import signals

        signals.connect()
