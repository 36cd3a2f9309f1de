"""The filters of the lists: what the query string may ask, validated by a form.

The parameter names are a contract: other pages link to the lists with them, and a filtered
list is bookmarked and shared by its URL. The situation list filters and sorts the values
that ``selectors.situation_table`` computes in SQL.
"""

from collections.abc import Iterable, Mapping
from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from assessments import scales
from assessments.models import (
    Assessment,
    AssessmentStatus,
    Confidentiality,
    ProtectedGroup,
    Situation,
)
from assessments.selectors import level_rank_expression

#: The ``level`` value of situations without any assessment yet.
NO_LEVEL = "none"
YES = "yes"
NO = "no"
PAGE_SIZE = 50
ANY = _("any")


def sort_choices(columns: dict[str, Any]) -> list[tuple[str, Any]]:
    """``column`` ascending and ``-column`` descending for each sortable column."""
    choices: list[tuple[str, Any]] = []
    for key, label in columns.items():
        choices.append((key, _("%(column)s, ascending") % {"column": label}))
        choices.append((f"-{key}", _("%(column)s, descending") % {"column": label}))
    return choices


def country_codes_named(text: str) -> list[str]:
    """The codes of the countries whose code is ``text`` or whose name contains it."""
    needle = text.casefold()
    return [
        str(code)
        for code, name in countries
        if needle == str(code).casefold() or needle in str(name).casefold()
    ]


_country_choices: dict[str | None, list[tuple[str, str]]] = {}


def country_choices() -> list[tuple[str, str]]:
    """Every country's code and name in the reader's language, in the order of the names:
    listed once per process and language (django-countries translates and sorts them all
    each time it is iterated)."""
    language = get_language()
    try:
        return _country_choices[language]
    except KeyError:
        listed = _country_choices[language] = [(str(c.code), str(c.name)) for c in countries]
        return listed


def _attrs_html(attrs: Mapping[str, Any]) -> str:
    """HTML attributes as Django's ``attrs.html`` writes them (True: the bare name; False:
    left out)."""
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class QuickSelect(forms.Select):
    """A select that writes its options in Python rather than through a template each: the
    same markup as Django's ``Select``, at a fraction of the cost for a list of hundreds of
    options (the countries, the analysts). Grouped choices are left to ``Select``."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        choices = [choice for choice in self.choices]  # no len(): a count query
        if any(isinstance(label, (list, tuple)) for _value, label in choices):
            return super().render(name, value, attrs, renderer)
        widget = forms.Widget.get_context(self, name, value, attrs)["widget"]
        return mark_safe(  # noqa: S308  # nosec B308, B703: every value and label is escaped
            f'<select name="{conditional_escape(name)}"{_attrs_html(widget["attrs"])}>'
            + "".join(self._options(choices, widget["value"]))
            + "\n</select>"
        )

    def _options(self, choices: Iterable[tuple[Any, Any]], selected: list[str]) -> Iterable[str]:
        chosen = False
        for value, label in choices:
            shown = "" if value is None else str(value)
            is_selected = not chosen and shown in selected
            chosen = chosen or is_selected
            yield (
                f'\n  <option value="{conditional_escape(shown)}"'
                f"{' selected' if is_selected else ''}>{conditional_escape(label)}</option>\n"
            )


def country_name_rank() -> Case:
    """Each country's place in the alphabetical order of the names in the reader's language."""
    ordered = sorted(countries, key=lambda country: str(country.name).casefold())
    return Case(
        *(When(country=str(c.code), then=Value(rank)) for rank, c in enumerate(ordered)),
        default=Value(len(ordered)),
        output_field=IntegerField(),
    )


class StyledFilterSet(django_filters.FilterSet):
    """A filter set whose form fields wear the page's style and say when they are invalid."""

    @property
    def form(self) -> Any:
        if hasattr(self, "_form"):
            return self._form
        form = super().form
        for field in form.fields.values():
            is_select = getattr(field.widget, "input_type", "") == "select"
            field.widget.attrs["class"] = "form-select" if is_select else "form-control"
        if form.is_bound:
            for name in form.errors:
                if name in form.fields:
                    form.fields[name].widget.attrs.update(
                        {
                            "class": form.fields[name].widget.attrs["class"] + " is-invalid",
                            "aria-invalid": "true",
                            "aria-describedby": f"{form[name].id_for_label}-error",
                        }
                    )
        return form


class SituationFilter(StyledFilterSet):
    """Search, filters and sorting of the situation list (situations from ``situation_table``)."""

    SORTS = {
        "name": _("situation"),
        "country": _("country"),
        "level": _("level"),
        "last_assessed": _("last assessed"),
        "overdue": _("overdue"),
    }

    q = django_filters.CharFilter(label=_("Search"), method="search")
    level = django_filters.ChoiceFilter(
        label=_("Level"),
        choices=[*scales.LEVEL_CHOICES, (NO_LEVEL, _("no assessment yet"))],
        method="filter_level",
        empty_label=ANY,
    )
    country = django_filters.ChoiceFilter(
        label=_("Country"), choices=country_choices, empty_label=ANY, widget=QuickSelect
    )
    region = django_filters.CharFilter(label=_("Region"), lookup_expr="icontains")
    analyst = django_filters.ModelChoiceFilter(
        label=_("Assigned analyst"),
        field_name="analysts",
        queryset=get_user_model().objects.none(),
        distinct=False,  # a user is assigned to a situation once: no duplicate rows
        empty_label=ANY,
        widget=QuickSelect,
    )
    overdue = django_filters.ChoiceFilter(
        label=_("Review"),
        choices=[(YES, _("overdue")), (NO, _("on schedule"))],
        method="filter_overdue",
        empty_label=ANY,
    )
    status = django_filters.ChoiceFilter(
        label=_("Latest assessment"),
        choices=AssessmentStatus.choices,
        field_name="latest_status",
        empty_label=ANY,
    )
    confidentiality = django_filters.ChoiceFilter(
        label=_("Confidentiality"), choices=Confidentiality.choices, empty_label=ANY
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"), choices=sort_choices(SORTS), method="sort_by", empty_label=None
    )

    class Meta:
        model = Situation
        fields: list[str] = []

    def __init__(
        self, data: Any = None, queryset: QuerySet[Situation] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(data, queryset, **kwargs)
        # Only analysts of the situations listed: no name of another situation's analyst.
        # A semi-join on the assignments, not a join made distinct on every user column.
        assigned = Situation.analysts.through.objects.filter(
            situation_id__in=self.queryset.values("pk")
        )
        self.filters["analyst"].queryset = (
            get_user_model()
            .objects.filter(pk__in=assigned.values("user_id"))
            .order_by("first_name", "last_name", "username")
        )

    @property
    def qs(self) -> QuerySet[Situation]:
        queryset: QuerySet[Situation] = super().qs
        if not getattr(self.form, "cleaned_data", {}).get("sort"):
            queryset = queryset.order_by("name", "pk")
        return queryset

    def search(self, queryset: QuerySet[Situation], name: str, value: str) -> QuerySet[Situation]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(country__in=country_codes_named(value))
            | Q(region__icontains=value)
            # A subquery, not a join: a situation with two matching groups is listed once.
            | Q(
                pk__in=ProtectedGroup.situations.through.objects.filter(
                    protectedgroup__name__icontains=value
                ).values("situation_id")
            )
        )

    def filter_level(
        self, queryset: QuerySet[Situation], name: str, value: str
    ) -> QuerySet[Situation]:
        # ``level`` is annotated by selectors.situation_table.
        if value == NO_LEVEL:
            return queryset.filter(Q(level__isnull=True))
        return queryset.filter(Q(level=value))

    def filter_overdue(
        self, queryset: QuerySet[Situation], name: str, value: str
    ) -> QuerySet[Situation]:
        return queryset.filter(Q(overdue=value == YES))  # annotated by situation_table

    def sort_by(self, queryset: QuerySet[Situation], name: str, value: str) -> QuerySet[Situation]:
        key = value.removeprefix("-")
        if key == "country":
            queryset = queryset.alias(country_rank=country_name_rank())
        field = F({"level": "level_rank", "country": "country_rank"}.get(key, key))
        order = field.desc(nulls_last=True) if value.startswith("-") else field.asc(nulls_last=True)
        return queryset.order_by(order, "name", "pk")


class ReviewQueueFilter(StyledFilterSet):
    """Search and sorting of the review queue."""

    SORTS = {
        "situation": _("situation"),
        "as_of": _("as of"),
        "submitted_at": _("submitted"),
        "level": _("level"),
    }

    q = django_filters.CharFilter(label=_("Search"), method="search")
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"), choices=sort_choices(SORTS), method="sort_by", empty_label=None
    )

    class Meta:
        model = Assessment
        fields: list[str] = []

    @property
    def qs(self) -> QuerySet[Assessment]:
        queryset: QuerySet[Assessment] = super().qs
        if not getattr(self.form, "cleaned_data", {}).get("sort"):
            queryset = queryset.order_by("updated_at", "pk")
        return queryset

    def search(self, queryset: QuerySet[Assessment], name: str, value: str) -> QuerySet[Assessment]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(situation__name__icontains=value)
            | Q(situation__country__in=country_codes_named(value))
            | Q(author__username__icontains=value)
            | Q(author__first_name__icontains=value)
            | Q(author__last_name__icontains=value)
        )

    def sort_by(
        self, queryset: QuerySet[Assessment], name: str, value: str
    ) -> QuerySet[Assessment]:
        descending = value.startswith("-")
        key = value.removeprefix("-")
        if key == "level":
            queryset = queryset.alias(sort_key=level_rank_expression("overall_level"))
        field = {
            "situation": "situation__name",
            "as_of": "as_of",
            "submitted_at": "updated_at",
            "level": "sort_key",
        }[key]
        return queryset.order_by(f"-{field}" if descending else field, "pk")


class WatchFilter(SituationFilter):
    """The situation list's search and filters, without its sort, for the pages of the watch
    that show the same situations another way (the heatmap and the map sort on their own)."""

    def __init__(
        self, data: Any = None, queryset: QuerySet[Situation] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(data, queryset, **kwargs)
        del self.filters["sort"]  # without it, ``qs`` is in name order


#: The parameters the watch pages share with the situation list (the same names and values).
WATCH_FILTER_PARAMETERS: tuple[str, ...] = tuple(
    name for name in SituationFilter.base_filters if name != "sort"
)
