"""Reading forecasts: the current forecast of each source, a situation's forecasts beside the
analysts' level, and the divergences among the situations a user may see.

The *current forecast* of a source is its latest release (by issue date, then import time)
at the release's current period: the first period not yet over (this year for EWP, this month
for VIEWS) or, when every period of the release is past, its last one. One query reads the
current forecasts of every source; the ranking and the rules are ``forecasts.divergence``'s.
Nothing here writes, and nothing changes a level.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from assessments.models import Assessment, AssessmentStatus, Situation
from assessments.selectors import situations_with_levels
from forecasts.divergence import (
    Divergence,
    Figure,
    Ranking,
    Rule,
    divergence,
    rank_countries,
)
from forecasts.models import (
    GRANULARITY,
    CountryForecast,
    ForecastRelease,
    Granularity,
    Source,
    period_label,
)


def top_rank() -> int:
    """FORECAST_TOP_RANK: a country ranked this high or higher is in the forecast's top."""
    return int(getattr(settings, "FORECAST_TOP_RANK", 30))


def low_rank() -> int:
    """FORECAST_LOW_RANK: a country ranked below this is low in the forecast."""
    return int(getattr(settings, "FORECAST_LOW_RANK", 100))


def period_start(day: date, granularity: str) -> date:
    """The first day of the period (year or month) that ``day`` falls in."""
    if granularity == Granularity.YEAR:
        return date(day.year, 1, 1)
    return date(day.year, day.month, 1)


def latest_releases() -> QuerySet[ForecastRelease]:
    """The latest release of each source: the last issued, then the last imported."""
    latest = (
        ForecastRelease.objects.filter(source=OuterRef("source"))
        .order_by("-issued", "-imported_at", "-pk")
        .values("pk")[:1]
    )
    return ForecastRelease.objects.filter(pk=Subquery(latest))


def current_rows(today: date | None = None) -> QuerySet[CountryForecast]:
    """The rows of each source's latest release at its current period, with their release."""
    today = today or timezone.localdate()
    at_current_period = Q()
    for source in Source.values:
        of_release = CountryForecast.objects.filter(release=OuterRef("release"))
        start = period_start(today, GRANULARITY[source])
        upcoming = of_release.filter(period__gte=start).order_by("period").values("period")[:1]
        last = of_release.order_by("-period").values("period")[:1]
        at_current_period |= Q(
            release__source=source, period=Coalesce(Subquery(upcoming), Subquery(last))
        )
    return (
        CountryForecast.objects.filter(release__in=latest_releases())
        .filter(at_current_period)
        .select_related("release")
        .order_by()
    )


@dataclass(frozen=True)
class CurrentForecast:
    """One source's latest release at its current period: every country's row, and the rank
    of each (the source's own, else worked out here: see ``forecasts.divergence``)."""

    release: ForecastRelease
    period: date
    rows: dict[str, CountryForecast]
    ranking: Ranking

    @property
    def source(self) -> str:
        return self.release.source

    @property
    def period_label(self) -> str:
        return period_label(self.period, self.release.source)

    @property
    def is_monthly(self) -> bool:
        return self.release.granularity == Granularity.MONTH

    def rank_of(self, country: str) -> int | None:
        return self.ranking.ranks.get(country)


def current_forecasts(today: date | None = None) -> list[CurrentForecast]:
    """The current forecast of each source that has a release, in the order of ``Source``
    (one query)."""
    grouped: dict[int, list[CountryForecast]] = defaultdict(list)
    for row in current_rows(today):
        grouped[row.release_id].append(row)
    forecasts = []
    for rows in grouped.values():
        release = rows[0].release
        forecasts.append(
            CurrentForecast(
                release=release,
                period=rows[0].period,
                rows={str(row.country): row for row in rows},
                ranking=rank_countries(
                    Figure(
                        country=str(row.country),
                        probability=row.probability,
                        rank=row.rank,
                        predicted_fatalities=row.predicted_fatalities,
                    )
                    for row in rows
                ),
            )
        )
    order = Source.values
    return sorted(forecasts, key=lambda f: order.index(f.release.source))


@dataclass(frozen=True)
class CountryContext:
    """One source's current forecast for a situation's country, beside the analysts' level."""

    forecast: CurrentForecast
    row: CountryForecast | None  # None: the forecast does not cover the country
    rank: int | None
    divergence: Divergence | None

    @property
    def release(self) -> ForecastRelease:
        return self.forecast.release

    @property
    def probability_percent(self) -> float | None:
        if self.row is None or self.row.probability is None:
            return None
        return self.row.probability * 100


def country_contexts(
    country: str,
    level: str | None,
    forecasts: Sequence[CurrentForecast],
    *,
    top: int | None = None,
    low: int | None = None,
) -> list[CountryContext]:
    """Each forecast's figures for ``country`` and its divergence from the analysts' ``level``
    (None: not assessed). No query."""
    top = top_rank() if top is None else top
    low = low_rank() if low is None else low
    contexts = []
    for forecast in forecasts:
        rank = forecast.rank_of(country)
        contexts.append(
            CountryContext(
                forecast=forecast,
                row=forecast.rows.get(country),
                rank=rank,
                divergence=divergence(level, rank, top_rank=top, low_rank=low),
            )
        )
    return contexts


def current_level(assessments: Sequence[Assessment]) -> tuple[str | None, bool]:
    """A situation's level from its assessments, newest first (as ``situation.assessments``
    orders them): the latest approved one's overall level, else the latest one's, as the
    situation list and the watch count it (``assessments.selectors.situation_table``); and
    whether it is approved. ``(None, False)`` without an assessment. No query."""
    for assessment in assessments:
        if assessment.status == AssessmentStatus.APPROVED:
            return assessment.overall_level, True
    if assessments:
        return assessments[0].overall_level, False
    return None, False


@dataclass(frozen=True)
class SituationPanel:
    """What a situation's page shows of the external forecasts."""

    level: str | None
    approved: bool
    contexts: list[CountryContext]
    top_rank: int
    low_rank: int

    @property
    def flagged(self) -> bool:
        return any(context.divergence for context in self.contexts)


def situation_panel(
    situation: Situation, assessments: Sequence[Assessment], *, today: date | None = None
) -> SituationPanel:
    """The forecasts for ``situation``'s country beside its level (``assessments``: all of
    its assessments, newest first). One query."""
    level, approved = current_level(assessments)
    top, low = top_rank(), low_rank()
    return SituationPanel(
        level=level,
        approved=approved,
        contexts=country_contexts(
            str(situation.country), level, current_forecasts(today), top=top, low=low
        ),
        top_rank=top,
        low_rank=low,
    )


@dataclass(frozen=True)
class WatchDivergence:
    situation_id: int
    situation_name: str
    country: str
    level: str
    approved: bool
    context: CountryContext
    divergence: Divergence


@dataclass(frozen=True)
class WatchPanel:
    """What the watch shows of the external forecasts: those in use, and the divergences."""

    forecasts: list[CurrentForecast]
    divergences: list[WatchDivergence] = field(default_factory=list)
    top_rank: int = 30
    low_rank: int = 100


def divergences(
    situations: QuerySet[Situation], forecasts: Sequence[CurrentForecast]
) -> list[WatchDivergence]:
    """The divergences between ``forecasts`` and the levels of ``situations`` (pass the
    situations the user may see: ``assessments.permissions.visible_situations``), those where
    the forecast is higher first, then by rank and name. One query, none without a forecast."""
    top, low = top_rank(), low_rank()
    candidates = {
        country
        for forecast in forecasts
        for country, rank in forecast.ranking.ranks.items()
        if rank <= top or rank > low
    }
    if not candidates:
        return []
    rows = (
        situations_with_levels(situations.filter(country__in=sorted(candidates)))
        .order_by()
        .values_list("pk", "name", "country", "approved_level", "current_level")
    )
    found = []
    for pk, name, country, approved_level, level in rows:
        for context in country_contexts(str(country), level, forecasts, top=top, low=low):
            if context.divergence is not None and level is not None:
                found.append(
                    WatchDivergence(
                        situation_id=pk,
                        situation_name=name,
                        country=str(country),
                        level=level,
                        approved=approved_level is not None,
                        context=context,
                        divergence=context.divergence,
                    )
                )
    found.sort(
        key=lambda d: (
            d.divergence.rule != Rule.FORECAST_HIGH_ANALYSTS_LOW,
            d.divergence.rank,
            d.situation_name,
            Source.values.index(d.context.release.source),
        )
    )
    return found


def watch_panel(situations: QuerySet[Situation], *, today: date | None = None) -> WatchPanel:
    """The current forecasts and their divergences among ``situations`` (those the user may
    see). Two queries; one when no forecast has been imported."""
    forecasts = current_forecasts(today)
    return WatchPanel(
        forecasts=forecasts,
        divergences=divergences(situations, forecasts),
        top_rank=top_rank(),
        low_rank=low_rank(),
    )
