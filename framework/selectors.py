"""Reads of the reference data, each a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import TYPE_CHECKING, TypedDict

from django.contrib.auth.models import User
from django.db.models import Prefetch, QuerySet

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


@dataclass
class Change:
    when: datetime
    who: User | None
    kind: str
    object_label: str
    change_type: str
    reason: str


def recent_changes(limit: int = 100) -> list[Change]:
    """The latest changes to any framework object, newest first (one query per model)."""
    rows = chain.from_iterable(
        model.history.select_related("history_user").order_by("-history_date")[:limit]
        for model in HISTORY_MODELS
    )
    changes = [
        Change(
            when=row.history_date,
            who=row.history_user,
            kind=str(row.instance_type._meta.verbose_name),
            object_label=row.code,
            change_type=row.get_history_type_display(),
            reason=row.history_change_reason or "",
        )
        for row in rows
    ]
    changes.sort(key=lambda change: change.when, reverse=True)
    return changes[:limit]
