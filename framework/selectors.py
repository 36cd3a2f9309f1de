"""Reads of the reference data, each a fixed number of queries."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib.auth.models import User
from django.db import models
from django.db.models import CharField, F, JSONField, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Cast

from accounts.roles import FRAMEWORK_ADMINS
from framework import i18n
from framework.models import (
    Crime,
    Indicator,
    Pillar,
    PillarTool,
    PolicyTool,
    Report,
    RiskFactor,
    RiskLevel,
    ThresholdSet,
    ToolMapping,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _ActiveEntries(TypedDict):
    active_entries: list[PillarTool]


HISTORY_MODELS = (
    Crime,
    RiskLevel,
    Report,
    Pillar,
    PolicyTool,
    PillarTool,
    RiskFactor,
    Indicator,
    ToolMapping,
    ThresholdSet,
)


def pillars_with_tools() -> "QuerySet[WithAnnotations[Pillar, _ActiveEntries]]":
    entries = PillarTool.objects.active().select_related("tool").order_by("order", "code")
    return (
        Pillar.objects.active()
        .prefetch_related(Prefetch("entries", queryset=entries, to_attr="active_entries"))
        .prefetch_related(Prefetch("reports", queryset=Report.objects.active()))
    )


def factors_with_indicators() -> list[RiskFactor]:
    return list(
        RiskFactor.objects.active().prefetch_related(
            Prefetch(
                "indicators",
                queryset=Indicator.objects.active().order_by("order", "code"),
                to_attr="active_indicators",
            ),
            "crimes",
        )
    )


@dataclass
class MatrixRow:
    entry: PillarTool
    cells: list[ToolMapping | None]


@dataclass
class MatrixGroup:
    pillar: Pillar
    rows: list[MatrixRow]


@dataclass
class Matrix:
    factors: list[RiskFactor]
    groups: list[MatrixGroup]
    mappings: list[ToolMapping]


def mapping_matrix() -> Matrix:
    """Tools (grouped by pillar) by risk factors; a cell holds the factor-level mapping."""
    factors = list(RiskFactor.objects.active())
    mappings = list(
        ToolMapping.objects.active()
        .select_related("factor", "indicator", "entry__tool", "entry__pillar")
        .order_by("entry__pillar__number", "entry__order", "factor__number")
    )
    by_cell = {(m.entry_id, m.factor_id): m for m in mappings if m.indicator_id is None}
    groups: list[MatrixGroup] = []
    for pillar in pillars_with_tools():
        rows = [
            MatrixRow(entry, [by_cell.get((entry.pk, factor.pk)) for factor in factors])
            for entry in pillar.active_entries
        ]
        groups.append(MatrixGroup(pillar, rows))
    return Matrix(factors=factors, groups=groups, mappings=mappings)


def get_mapping(code: str) -> ToolMapping:
    return ToolMapping.objects.select_related(
        "factor", "indicator", "entry__tool", "entry__pillar"
    ).get(code=code)


def reports() -> QuerySet[Report]:
    return Report.objects.active().prefetch_related("pillars")


def crimes_with_factors() -> QuerySet[Crime]:
    return Crime.objects.active().prefetch_related(
        Prefetch("specific_factors", queryset=RiskFactor.objects.active())
    )


def risk_levels() -> QuerySet[RiskLevel]:
    return RiskLevel.objects.active()


def reference_texts() -> i18n.ReferenceTexts:
    """The translations of the factors, indicators, tools (also by pillar/tool entry), crimes
    and reports, for showing
    the English texts a stored result or summary quotes in the reader's language: one query
    (a union), none on an English page."""
    if i18n.is_source_language():
        return i18n.ReferenceTexts()
    keyed: list[tuple[str, QuerySet[Any], Any, str]] = [
        ("factor", RiskFactor.objects.all(), Cast("number", CharField()), "translations"),
        ("indicator", Indicator.objects.all(), F("code"), "translations"),
        ("tool", PolicyTool.objects.all(), F("code"), "translations"),
        ("entry", PillarTool.objects.all(), F("code"), "tool__translations"),
        ("crime", Crime.objects.all(), F("code"), "translations"),
        ("report", Report.objects.all(), F("symbol"), "translations"),
    ]
    parts = [
        rows.order_by().values_list(
            Value(kind, output_field=CharField()), key, Cast(translations, JSONField())
        )
        for kind, rows, key, translations in keyed
    ]
    first, *rest = parts
    return i18n.ReferenceTexts(
        {(kind, str(key)): translations for kind, key, translations in first.union(*rest, all=True)}
    )


@dataclass
class Change:
    when: datetime
    who: User | None
    kind: str
    object_label: str
    change_type: str
    reason: str


#: The kinds of framework object that keep a history, by model name.
HISTORY_KINDS: dict[str, type[models.Model]] = {
    model._meta.model_name or model.__name__.lower(): model for model in HISTORY_MODELS
}
#: The ``user`` filter's value for changes made by a data load (no user).
DATA_LOAD = "none"


class ChangeRow(TypedDict):
    change_when: datetime
    change_who_id: int | None
    change_kind: str
    change_object: str
    change_action: str
    change_reason: str | None


def recent_changes(*, kind: str = "", user: str = "") -> "QuerySet[Any, ChangeRow]":
    """Changes to framework objects, newest first, as one SQL query over every history table
    (a union), so that it counts, pages and filters in the database: by kind of object (a key
    of ``HISTORY_KINDS``) and by user (a user id, or ``DATA_LOAD``)."""
    parts = []
    for name, model in HISTORY_KINDS.items():
        if kind and kind != name:
            continue
        rows = model.history.order_by()  # type: ignore[attr-defined]  # simple-history's manager
        if user == DATA_LOAD:
            rows = rows.filter(history_user__isnull=True)
        elif user:
            rows = rows.filter(history_user_id=int(user))
        parts.append(
            rows.values(
                change_when=F("history_date"),
                change_who_id=F("history_user_id"),
                change_kind=Value(name, output_field=CharField()),
                change_object=F("code"),
                change_action=F("history_type"),
                change_reason=F("history_change_reason"),
            )
        )
    first, *rest = parts
    union: QuerySet[Any, ChangeRow] = first.union(*rest, all=True)
    return union.order_by("-change_when", "change_kind", "change_object")


def changes_of(rows: Iterable[ChangeRow]) -> list[Change]:
    """Rows of :func:`recent_changes` (a page of them) with their users (one query)."""
    rows = list(rows)
    users = User.objects.in_bulk(
        {row["change_who_id"] for row in rows if row["change_who_id"] is not None}
    )
    change_types = dict(Crime.history.model._meta.get_field("history_type").choices or ())
    return [
        Change(
            when=row["change_when"],
            who=users.get(row["change_who_id"]) if row["change_who_id"] is not None else None,
            kind=str(HISTORY_KINDS[row["change_kind"]]._meta.verbose_name),
            object_label=row["change_object"],
            change_type=str(change_types.get(row["change_action"], row["change_action"])),
            reason=row["change_reason"] or "",
        )
        for row in rows
    ]


def history_users() -> QuerySet[User]:
    """Who may change the framework data: the users the history can be filtered by."""
    return (
        User.objects.filter(Q(is_superuser=True) | Q(groups__name=FRAMEWORK_ADMINS))
        .distinct()
        .order_by("username")
    )
