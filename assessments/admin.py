"""The groups at risk in the admin: for framework admins to tidy names and kinds, for instance
to classify the groups made from earlier versions' free text."""

from typing import Any, cast

from django.contrib import admin
from django.contrib.auth.models import User
from django.http import HttpRequest

from assessments.models import ProtectedGroup


@admin.register(ProtectedGroup)
class ProtectedGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "created_by", "created_at")
    list_filter = ("kind",)
    search_fields = ("name", "description")
    filter_horizontal = ("situations",)
    readonly_fields = ("created_by", "created_at")

    def save_model(
        self, request: HttpRequest, obj: ProtectedGroup, form: Any, change: bool
    ) -> None:
        if not change:
            obj.created_by = cast(User, request.user)
        super().save_model(request, obj, form, change)
