"""The framework admins' editing of the reference data, with history of every change."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from framework import i18n, services
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
    TranslatedReference,
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


# Translations: one field per language and translatable field, and a status per language ------


def translation_field(language: str, name: str) -> str:
    """The form field of ``name``'s text in ``language`` ("tr_zh_hans_title")."""
    return f"tr_{language.replace('-', '_')}_{name}"


def translation_form_fields(model: type[TranslatedReference]) -> dict[str, list[str]]:
    """The translation fields of each language, its status first."""
    return {
        language: [
            translation_field(language, "status"),
            *(translation_field(language, name) for name in model.translatable_fields),
        ]
        for language in i18n.translation_languages()
    }


class TranslationsForm(forms.ModelForm):
    """The change form of a translated object: its own (English) fields, and for each other
    language a text per translatable field with the language's status. Saving writes
    ``translations``: blank texts are left out, and so is a language left without text."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model = self._meta.model
        stored = self.instance.translations if isinstance(self.instance.translations, dict) else {}
        for language in i18n.translation_languages():
            entry = stored.get(language) or {}
            name = i18n.language_name(language)
            status = self.fields.get(translation_field(language, "status"))
            if status is not None:
                status.initial = entry.get("status") or i18n.WORKING
                status.label = gettext("Status — %(language)s") % {"language": name}
            for field_name in model.translatable_fields:
                field = self.fields.get(translation_field(language, field_name))
                if field is not None:
                    field.initial = entry.get(field_name, "")
                    field.label = gettext("%(field)s — %(language)s") % {
                        "field": capfirst(model._meta.get_field(field_name).verbose_name),
                        "language": name,
                    }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        model = self._meta.model
        translations: dict[str, dict[str, str]] = {}
        for language in i18n.translation_languages():
            status = cleaned.get(translation_field(language, "status")) or i18n.WORKING
            translations[language] = {
                "status": status,
                **{
                    field: cleaned.get(translation_field(language, field)) or ""
                    for field in model.translatable_fields
                },
            }
        # Languages the form does not show (none today) are kept as they were.
        stored = self.instance.translations if isinstance(self.instance.translations, dict) else {}
        kept = {code: entry for code, entry in stored.items() if code not in translations}
        self.instance.translations = {
            **kept,
            **i18n.clean_translations(translations, model.translatable_fields),
        }
        return cleaned


def translations_form(model: type[TranslatedReference]) -> type[TranslationsForm]:
    """A :class:`TranslationsForm` for ``model``, with its translation fields declared."""
    declared: dict[str, forms.Field] = {}
    status_choices = [
        (i18n.OFFICIAL, _("official UN text")),
        (i18n.WORKING, _("the office's working translation")),
    ]
    for language in i18n.translation_languages():
        # The labels are worded in the reader's language when a form is made (__init__).
        declared[translation_field(language, "status")] = forms.ChoiceField(
            choices=status_choices,
            initial=i18n.WORKING,
            required=False,  # left out of a post: a working translation
            help_text=_("Whose words these are. A language with no text is left out."),
        )
        for field_name in model.translatable_fields:
            field = model._meta.get_field(field_name)
            max_length = getattr(field, "max_length", None)
            declared[translation_field(language, field_name)] = forms.CharField(
                required=False,
                max_length=max_length,
                widget=forms.TextInput(attrs={"class": "vTextField"})
                if max_length
                else forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}),
            )
    return type(f"{model.__name__}TranslationsForm", (TranslationsForm,), declared)


class TranslatedAdmin:
    """The admin of a translated object: its own fields, then a fieldset per language (folded
    away) with that language's texts and status."""

    model: type[TranslatedReference]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        hidden = {"translations"} | {
            name for names in translation_form_fields(self.model).values() for name in names
        }
        fields = super().get_fields(request, obj)  # type: ignore[misc]  # ModelAdmin's
        return [name for name in fields if name not in hidden]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[tuple[Any, Any]]:
        languages = [
            (i18n.language_name(language), {"fields": names, "classes": ["collapse"]})
            for language, names in translation_form_fields(self.model).items()
        ]
        return [(None, {"fields": self.get_fields(request, obj)}), *languages]


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
class CrimeAdmin(TranslatedAdmin, ReferenceAdmin):
    form = translations_form(Crime)
    list_display = ("name", "code", "legally_defined", "is_active")
    search_fields = ("code", "name")


@admin.register(RiskLevel)
class RiskLevelAdmin(TranslatedAdmin, ReferenceAdmin):
    form = translations_form(RiskLevel)
    list_display = ("rank", "name", "code", "is_active")
    search_fields = ("code", "name")


@admin.register(Report)
class ReportAdmin(TranslatedAdmin, ReferenceAdmin):
    form = translations_form(Report)
    list_display = ("year", "title", "symbol", "is_active")
    list_filter = ("is_active", "year")
    search_fields = ("code", "title", "symbol")


@admin.register(Pillar)
class PillarAdmin(TranslatedAdmin, ReferenceAdmin):
    form = translations_form(Pillar)
    list_display = ("number", "title", "code", "is_active")
    search_fields = ("code", "title")
    filter_horizontal = ("reports",)
    inlines = [PillarToolInline]


@admin.register(PolicyTool)
class PolicyToolAdmin(TranslatedAdmin, ReferenceAdmin):
    form = translations_form(PolicyTool)
    list_display = ("name", "code", "coercive", "last_resort", "is_active")
    list_filter = ("is_active", "coercive", "last_resort", "entries__pillar")
    search_fields = ("code", "name")


@admin.register(PillarTool)
class PillarToolAdmin(TranslatedAdmin, ReferenceAdmin):
    form = translations_form(PillarTool)
    list_display = ("tool", "pillar", "code", "order", "is_active")
    list_filter = ("is_active", "pillar")
    list_select_related = ("tool", "pillar")
    search_fields = ("code", "tool__name", "description")
    autocomplete_fields = ("tool",)
    inlines = [EntryMappingInline]


@admin.register(RiskFactor)
class RiskFactorAdmin(TranslatedAdmin, ReferenceAdmin):
    form = translations_form(RiskFactor)
    list_display = ("number", "title", "kind", "is_conduct", "indicators_complete", "is_active")
    list_filter = ("is_active", "kind", "is_conduct", "indicators_complete", "crimes")
    search_fields = ("code", "title", "summary")
    filter_horizontal = ("crimes",)
    inlines = [IndicatorInline, FactorMappingInline]


@admin.register(Indicator)
class IndicatorAdmin(TranslatedAdmin, ReferenceAdmin):
    form = translations_form(Indicator)
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
