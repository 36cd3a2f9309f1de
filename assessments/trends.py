"""A situation over time: the levels of its assessments by as-of date, as plain data, and
the charts drawn from them.

No queries here: the assessments come in already fetched (their stored results hold every
level), the names of crimes and factors are handed in by the view.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django.utils.safestring import SafeString
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _

from assessments import charts, scales
from assessments.models import Assessment

OVERALL = "overall"


@dataclass(frozen=True)
class HistoryRow:
    """One assessment: its levels in the order of ``History.level_keys`` (None: the result
    names no level for that crime) and its factors' levels in the order of
    ``History.factor_numbers`` (None: no indicator of the factor assessed)."""

    assessment_id: int
    as_of: date
    approved: bool
    status: str
    levels: tuple[str | None, ...]
    factor_levels: tuple[str | None, ...]


@dataclass(frozen=True)
class History:
    """Every assessment of a situation, oldest first."""

    level_keys: tuple[str, ...]  # the crimes' codes, then "overall"
    factor_numbers: tuple[int, ...]
    rows: tuple[HistoryRow, ...]


def situation_history(
    assessments: Iterable[Assessment], *, factor_numbers: Iterable[int] = ()
) -> History:
    """The history of the given assessments (of one situation), oldest first.

    The crimes are those the results name, in the order the newest result gives them; the
    factors are ``factor_numbers`` and any other the results name, in number order.
    """
    ordered = sorted(assessments, key=lambda a: (a.as_of, a.pk))
    crimes: list[str] = []
    factors = set(factor_numbers)
    for assessment in reversed(ordered):
        for key in assessment.crime_levels or {}:
            if key != OVERALL and key not in crimes:
                crimes.append(key)
        factors.update(int(number) for number in assessment.factor_levels or {})
    keys = (*sorted(crimes, key=scales.crime_sort_key), OVERALL)
    numbers = tuple(sorted(factors))
    rows = []
    for assessment in ordered:
        levels = dict(assessment.crime_levels or {})
        levels.setdefault(OVERALL, assessment.overall_level)
        factor_levels = {int(k): v for k, v in (assessment.factor_levels or {}).items()}
        rows.append(
            HistoryRow(
                assessment_id=assessment.pk,
                as_of=assessment.as_of,
                approved=assessment.is_approved,
                status=assessment.get_status_display(),
                levels=tuple(levels.get(key) for key in keys),
                factor_levels=tuple(factor_levels.get(number) for number in numbers),
            )
        )
    return History(level_keys=keys, factor_numbers=numbers, rows=tuple(rows))


def level_name(key: str, crime_names: Mapping[str, str]) -> str:
    return _("Overall") if key == OVERALL else crime_names.get(key, key)


def _rank(rank: Callable[[str], int], value: str | None) -> int | None:
    return rank(value) if value else None


def _moments(history: History) -> list[charts.Moment]:
    return [
        charts.Moment(
            when=row.as_of,
            approved=row.approved,
            label=(
                _("%(date)s, approved") % {"date": row.as_of.isoformat()}
                if row.approved
                else _("%(date)s, unapproved (%(status)s)")
                % {"date": row.as_of.isoformat(), "status": row.status}
            ),
            ref=str(row.assessment_id),
        )
        for row in history.rows
    ]


def level_chart(history: History, *, crime_names: Mapping[str, str], situation: str) -> SafeString:
    """The level per crime and overall of every assessment, by as-of date."""
    series = [
        charts.Series(
            key=key,
            name=level_name(key, crime_names),
            values=tuple(_rank(scales.level_rank, row.levels[index]) for row in history.rows),
        )
        for index, key in enumerate(history.level_keys)
    ]
    approved = sum(row.approved for row in history.rows)
    words = charts.Words(
        title=_("Risk levels of %(situation)s over time") % {"situation": situation},
        desc=_(
            "The level of each crime and the overall level of %(count)d assessments by "
            "as-of date, %(approved)d of them approved (filled points, solid lines); "
            "the others are hollow points on dotted lines. The table beside it gives "
            "every value."
        )
        % {"count": len(history.rows), "approved": approved},
        x_label=_("As of"),
        y_label=_("Risk level"),
        approved=_("approved"),
        unapproved=_("unapproved"),
    )
    return charts.level_chart(
        "levels-chart",
        words=words,
        moments=_moments(history),
        series=series,
        scale=[scales.level_label(level) for level in scales.LEVELS],
        mirrored=get_language_bidi(),
    )


def factor_chart(history: History, *, situation: str) -> SafeString:
    """The level of each risk factor of every assessment, in date order."""
    rows = [
        charts.Series(
            key=str(number),
            name=f"RF{number}",
            values=tuple(
                _rank(scales.severity_rank, row.factor_levels[index]) or 0 for row in history.rows
            ),
        )
        for index, number in enumerate(history.factor_numbers)
    ]
    words = charts.Words(
        title=_("Risk factor levels of %(situation)s over time") % {"situation": situation},
        desc=_(
            "One row per risk factor (RF1 to RF%(last)d), one column per assessment in as-of "
            "date order; the darker the cell, the higher the factor's level. The last row "
            "marks the approved assessments. The table beside it gives every value."
        )
        % {"last": max(history.factor_numbers, default=0)},
        x_label=_("As of"),
        y_label=_("Risk factor"),
        approved=_("approved"),
        unapproved=_("unapproved"),
    )
    return charts.strip_chart(
        "factors-chart",
        words=words,
        moments=_moments(history),
        rows=rows,
        scale=[scales.severity_label(severity) for severity in scales.SEVERITIES],
        mirrored=get_language_bidi(),
    )
