"""The admin site is the framework admins' workshop: nobody else may enter it."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_framework_admin


class R2PAdminSite(admin.AdminSite):
    site_header = _("R2P early warning: framework administration")
    site_title = _("R2P framework administration")
    index_title = _("Reference data")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and is_framework_admin(user))
