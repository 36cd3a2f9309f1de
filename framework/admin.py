"""The framework admins' editing of the reference data, with history of every change."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from framework import services
from framework.models import (
    Crime,
    Indicator,
    Pillar,
    PillarTool,
    PolicyTool,
    ReferenceModel,
    Report,
    RiskFactor,
    RiskLevel,
    ThresholdSet,
    ToolMapping,
)


@admin.action(description=_("Retire the selected objects (keep them, stop using them)"))
def retire_selected(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[ReferenceModel]
) -> None:
    count = 0
    for obj in queryset.filter(is_active=True):
        services.retire(obj, reason=gettext("retired in the admin"))
        count += 1
    modeladmin.message_user(
        request,
        ngettext("%(count)d object retired.", "%(count)d objects retired.", count)
        % {"count": count},
        messages.SUCCESS,
    )


HISTORY_INLINE_STYLE = ' style="border-top: 0"'


class ReferenceAdmin(SimpleHistoryAdmin):
    """Reference data is retired, never deleted: no delete button, page or action."""

    actions = [retire_selected]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def render_history_view(
        self, request: HttpRequest, template: str, context: dict[str, Any], **kwargs: Any
    ) -> HttpResponse:
        """django-simple-history's page, without the one inline style attribute of its list
        that the content security policy refuses (its look is in admin_a11y.css)."""
        response: HttpResponse = super().render_history_view(request, template, context, **kwargs)
        response.content = response.content.replace(HISTORY_INLINE_STYLE.encode(), b"")
        return response

    list_filter: tuple = ("is_active",)
    search_fields: tuple = ("code",)


class LabelledInlineFormSet(BaseInlineFormSet):
    """A tabular inline shows its labels once, as column headings; each field also names itself
    (``aria-label``) so that a screen reader says what a control in row five is for."""

    def add_fields(self, form: "forms.ModelForm[Any]", index: int | None) -> None:
        super().add_fields(form, index)
        for field in form.fields.values():
            # A related field's wrapper shares the attributes of the widget it was copied from,
            # not of its own copy: name the widget that renders.
            widget: forms.Widget = getattr(field.widget, "widget", None) or field.widget
            widget.attrs.setdefault("aria-label", str(field.label))


class LabelledTabularInline(admin.TabularInline):
    formset = LabelledInlineFormSet
    can_delete = False  # a row is retired ("active" off), never deleted


class IndicatorInline(LabelledTabularInline):
    model = Indicator
    fields = ("code", "order", "label", "source_confidence", "is_active")
    extra = 1


class FactorMappingInline(LabelledTabularInline):
    model = ToolMapping
    fk_name = "factor"
    fields = ("code", "entry", "indicator", "strength", "rationale", "is_active")
    autocomplete_fields = ("entry", "indicator")
    extra = 0


class EntryMappingInline(FactorMappingInline):
    fk_name = "entry"
    fields = ("code", "factor", "indicator", "strength", "rationale", "is_active")
    autocomplete_fields = ("factor", "indicator")


class PillarToolInline(LabelledTabularInline):
    model = PillarTool
    fields = ("code", "tool", "order", "description", "is_active")
    autocomplete_fields = ("tool",)
    extra = 0


@admin.register(Crime)
class CrimeAdmin(ReferenceAdmin):
    list_display = ("name", "code", "legally_defined", "is_active")
    search_fields = ("code", "name")


@admin.register(RiskLevel)
class RiskLevelAdmin(ReferenceAdmin):
    list_display = ("rank", "name", "code", "is_active")
    search_fields = ("code", "name")


@admin.register(Report)
class ReportAdmin(ReferenceAdmin):
    list_display = ("year", "title", "symbol", "is_active")
    list_filter = ("is_active", "year")
    search_fields = ("code", "title", "symbol")


@admin.register(Pillar)
class PillarAdmin(ReferenceAdmin):
    list_display = ("number", "title", "code", "is_active")
    search_fields = ("code", "title")
    filter_horizontal = ("reports",)
    inlines = [PillarToolInline]


@admin.register(PolicyTool)
class PolicyToolAdmin(ReferenceAdmin):
    list_display = ("name", "code", "coercive", "last_resort", "is_active")
    list_filter = ("is_active", "coercive", "last_resort", "entries__pillar")
    search_fields = ("code", "name")


@admin.register(PillarTool)
class PillarToolAdmin(ReferenceAdmin):
    list_display = ("tool", "pillar", "code", "order", "is_active")
    list_filter = ("is_active", "pillar")
    list_select_related = ("tool", "pillar")
    search_fields = ("code", "tool__name", "description")
    autocomplete_fields = ("tool",)
    inlines = [EntryMappingInline]


@admin.register(RiskFactor)
class RiskFactorAdmin(ReferenceAdmin):
    list_display = ("number", "title", "kind", "is_conduct", "indicators_complete", "is_active")
    list_filter = ("is_active", "kind", "is_conduct", "indicators_complete", "crimes")
    search_fields = ("code", "title", "summary")
    filter_horizontal = ("crimes",)
    inlines = [IndicatorInline, FactorMappingInline]


@admin.register(Indicator)
class IndicatorAdmin(ReferenceAdmin):
    list_display = ("code", "label", "factor", "source_confidence", "is_active")
    list_filter = ("is_active", "factor", "source_confidence")
    list_select_related = ("factor",)
    search_fields = ("code", "label")


@admin.register(ToolMapping)
class ToolMappingAdmin(ReferenceAdmin):
    list_display = ("code", "factor", "indicator", "entry", "strength", "is_active")
    list_filter = ("is_active", "strength", "entry__pillar", "factor")
    list_select_related = ("factor", "indicator", "entry__tool", "entry__pillar")
    search_fields = ("code", "rationale", "entry__tool__name")
    autocomplete_fields = ("factor", "indicator", "entry")


@admin.register(ThresholdSet)
class ThresholdSetAdmin(ReferenceAdmin):
    list_display = ("name", "code", "is_active")
    search_fields = ("code", "name")
    filter_horizontal = ("imminent_enabling_factors",)
