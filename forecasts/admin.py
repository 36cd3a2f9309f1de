"""Forecast releases in the admin, for framework admins: read them, delete a wrong import.

Releases are made by importing a file (``manage.py import_forecasts``, the API), never typed
in: the admin adds and changes nothing. Access follows the framework admin role itself, not
model permissions: the role groups' permissions are reset to the framework's at each
migration (``accounts.services.ensure_role_groups``), which would take away any given here.
"""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.roles import is_framework_admin
from forecasts import services
from forecasts.models import CountryForecast, ForecastRelease


class FrameworkAdminsReadAndDelete:
    """Framework admins may view and delete; nobody adds or changes."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_framework_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_framework_admin(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CountryForecastInline(FrameworkAdminsReadAndDelete, admin.TabularInline):
    model = CountryForecast
    fields = ("country", "period", "probability", "rank", "predicted_fatalities")
    readonly_fields = fields
    ordering = ("period", "rank", "country")
    extra = 0
    can_delete = False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ForecastRelease)
class ForecastReleaseAdmin(FrameworkAdminsReadAndDelete, admin.ModelAdmin):
    list_display = ("source", "model", "issued", "row_count", "imported_at", "imported_by")
    list_filter = ("source", "issued")
    list_select_related = ("imported_by",)
    search_fields = ("model", "file_name", "notes")
    date_hierarchy = "issued"
    fields = (
        "source",
        "model",
        "issued",
        "row_count",
        "file_name",
        "imported_by",
        "imported_at",
        "notes",
    )
    readonly_fields = fields
    inlines = [CountryForecastInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_framework_admin(request.user)

    def get_deleted_objects(
        self, objs: Any, request: HttpRequest
    ) -> tuple[list[str], dict[str, int], set[str], list[str]]:
        """The confirmation names the releases and counts their rows, instead of listing
        thousands of rows one by one."""
        releases = list(objs)
        counts = {
            str(ForecastRelease._meta.verbose_name_plural): len(releases),
            str(CountryForecast._meta.verbose_name_plural): sum(r.row_count for r in releases),
        }
        return [str(release) for release in releases], counts, set(), []

    def delete_model(self, request: HttpRequest, obj: ForecastRelease) -> None:
        services.delete_release(obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ForecastRelease]) -> None:
        for release in queryset:
            services.delete_release(release, by=request.user)
