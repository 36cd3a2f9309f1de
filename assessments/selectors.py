"""Reads for situations and assessments, each a fixed number of queries."""

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict, cast

from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    JSONField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, Lower
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries as country_names

from accounts.roles import User, is_analyst, is_reviewer
from assessments import groups, limits, permissions, scales, scoring
from assessments.models import (
    AWAITING_REVIEW,
    Assessment,
    AssessmentStatus,
    Comment,
    EscalationDecision,
    EscalationSummary,
    GroupKind,
    IndicatorRating,
    ProtectedGroup,
    Situation,
    Transition,
    is_returned_status,
)
from assessments.scales import Severity, level_rank
from framework.i18n import Localized, localize
from framework.models import Crime, Indicator, RiskFactor, ThresholdSet, ToolMapping

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

DEFAULT_THRESHOLDS_CODE = "default"


def _stored_thresholds() -> dict[str, object] | None:
    stored = (
        ThresholdSet.objects.active()
        .prefetch_related("imminent_enabling_factors")
        .filter(code=DEFAULT_THRESHOLDS_CODE)
        .first()
    )
    if stored is None:
        return None
    values: dict[str, object] = {
        field.name: getattr(stored, field.name)
        for field in ThresholdSet._meta.concrete_fields
        if field.name.endswith(("_severity", "_count", "_level", "_rise", "_second_review"))
    }
    values["imminent_enabling_factors"] = tuple(
        sorted(f.number for f in stored.imminent_enabling_factors.all())
    )
    return values


def thresholds() -> scoring.Thresholds:
    """The risk thresholds stored as framework data (the defaults if none is active)."""
    values = _stored_thresholds()
    if values is None:
        return scoring.Thresholds()
    return scoring.Thresholds.from_dict(values, ignore_unknown=True)


def escalation_thresholds() -> scoring.EscalationThresholds:
    values = _stored_thresholds()
    if values is None:
        return scoring.EscalationThresholds()
    return scoring.EscalationThresholds.from_dict(values, ignore_unknown=True)


def second_review_needed(escalation: str) -> bool:
    """Whether an escalation at this rung needs two reviewers (one query)."""
    fields = ("alert_sa_second_review", "brief_sg_second_review", "sc_briefing_second_review")
    stored = (
        ThresholdSet.objects.active().filter(code=DEFAULT_THRESHOLDS_CODE).values(*fields).first()
    )
    rungs = scoring.EscalationThresholds.from_dict(stored or {})
    return rungs.needs_second_review(escalation)


class ReferenceDataMissing(Exception):
    """The reference data scoring needs is not there: no level may be computed without it."""


def scoring_framework(extra_indicator_ids: set[int] | None = None) -> scoring.Framework:
    """The reference data as the pure scoring module needs it (four queries).

    Retired indicators still count where ``extra_indicator_ids`` names them, so that an
    assessment keeps meaning what it meant when its ratings were made.
    """
    extra = extra_indicator_ids or set()
    indicators: dict[int, list[str]] = {}
    for factor_id, code, active, pk in Indicator.objects.order_by(
        "factor__number", "order", "code"
    ).values_list("factor_id", "code", "is_active", "pk"):
        if active or pk in extra:
            indicators.setdefault(factor_id, []).append(code)
    factors = list(RiskFactor.objects.prefetch_related("crimes"))
    specs = tuple(
        scoring.FactorSpec(
            number=f.number,
            kind=f.kind,
            crimes=tuple(c.code for c in f.crimes.all()),
            is_conduct=f.is_conduct,
            indicator_codes=tuple(indicators.get(f.pk, ())),
        )
        for f in factors
    )
    crimes = []
    for crime in Crime.objects.active():
        specific = sorted(
            f.number for f in factors if crime.code in {c.code for c in f.crimes.all()}
        )
        if not specific:
            continue
        conduct = tuple(n for n in specific if next(f for f in factors if f.number == n).is_conduct)
        crimes.append(
            scoring.CrimeSpec(
                key=crime.code,
                name=crime.name,
                specific_factors=tuple(specific),
                conduct_factors=conduct,
            )
        )
    links = tuple(
        scoring.ToolLink(
            entry_code=m.entry.code,
            tool_code=m.entry.tool.code,
            tool_name=m.entry.tool.name,
            pillar=m.entry.pillar.number,
            factor=m.factor.number,
            indicator=m.indicator.code if m.indicator is not None else None,
            strength=m.strength,
            rationale=m.rationale,
            coercive=m.entry.tool.coercive,
            last_resort=m.entry.tool.last_resort,
        )
        for m in ToolMapping.objects.filter(
            is_active=True, entry__is_active=True, entry__tool__is_active=True
        ).select_related("factor", "indicator", "entry__tool", "entry__pillar")
    )
    missing = []
    if not any(spec.indicator_codes for spec in specs):
        missing.append(_("risk factors with indicators"))
    if not crimes:
        missing.append(_("an active crime linked to its risk factors"))
    if missing:
        raise ReferenceDataMissing(
            _(
                "No levels can be computed: the reference data lacks %(missing)s. A framework "
                "admin loads it again with “manage.py load_framework”."
            )
            % {"missing": "; ".join(missing)}
        )
    return scoring.Framework(
        factors=specs, crimes=tuple(crimes), links=links, thresholds=thresholds()
    )


def crime_names() -> dict[str, Localized]:
    """Each crime's name by its code in the reader's language, retired crimes included (old
    results name them)."""
    return {
        code: localize(name, translations, "name")
        for code, name, translations in Crime.objects.values_list("code", "name", "translations")
    }


def ratings_for_scoring(ratings: list[IndicatorRating]) -> dict[str, scoring.Rating]:
    return {
        r.indicator.code: scoring.Rating(
            severity=r.severity, trend=r.trend, confidence=r.confidence
        )
        for r in ratings
    }


class SituationLevels(TypedDict):
    """What :func:`situations_with_levels` annotates each situation with."""

    approved_pk: int | None
    approved_level: str | None
    latest_pk: int | None


def situations_with_levels(
    situations: QuerySet[Situation],
) -> "QuerySet[WithAnnotations[Situation, SituationLevels]]":
    """Annotate each situation with the id of its latest approved assessment and of its
    latest assessment, and the level of the approved one (none without one). Read from the
    situation's own columns, kept at write time by ``assessments.derived``: no subquery."""
    return situations.annotate(
        approved_pk=F("approved_assessment_id"),
        latest_pk=F("latest_assessment_id"),
        approved_level=Case(
            When(approved_assessment__isnull=True, then=Value(None)),
            default=F("current_level"),
            output_field=CharField(),
        ),
    )


class SituationTable(SituationLevels):
    """What :func:`situation_table` annotates each situation with, besides its levels."""

    level: str | None
    level_rank: int
    last_assessed: date | None
    overdue: bool


def level_rank_expression(field: str) -> Case:
    """The rank of a level stored in ``field`` (``insufficient_data`` is 0; none is -1)."""
    return Case(
        *(When(**{field: level}, then=Value(rank)) for rank, level in enumerate(scales.LEVELS)),
        default=Value(-1),
        output_field=IntegerField(),
    )


def situation_table(
    situations: QuerySet[Situation], today: date | None = None
) -> "QuerySet[WithAnnotations[Situation, SituationTable]]":
    """Situations with what the list shows, so that it filters and sorts in SQL: ``level``
    (the latest approved assessment's overall level, else the latest one's; none without an
    assessment), ``level_rank``, ``last_assessed`` and ``overdue`` (never assessed, or its
    next review due before ``today``); ``latest_status`` is a column. All of them are the
    situation's own columns (``assessments.derived``): one query, no subquery per row."""
    today = today or timezone.localdate()
    return situations_with_levels(situations).annotate(
        level=F("current_level"),
        level_rank=F("current_level_rank"),
        last_assessed=F("latest_as_of"),
        overdue=Case(
            When(latest_as_of__isnull=True, then=Value(True)),
            When(next_due__lt=today, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


@dataclass
class SituationRow:
    situation: Situation
    level: str | None
    approved: bool
    last_assessed: date | None
    overdue: bool
    latest_status: str | None = None

    @property
    def returned(self) -> bool:
        """Whether the latest assessment was returned to its analyst."""
        return is_returned_status(self.latest_status)

    @property
    def latest_status_label(self) -> str:
        if self.latest_status is None:
            return ""
        return str(AssessmentStatus(self.latest_status).label)


def rows_of(situations: Iterable[Situation]) -> list[SituationRow]:
    """The list's rows from situations annotated by :func:`situation_table` (then filtered,
    sorted or paged: the annotations are still there)."""
    annotated = cast("Iterable[WithAnnotations[Situation, SituationTable]]", situations)
    return [
        SituationRow(
            situation=s,
            level=s.level,
            approved=s.approved_level is not None,
            last_assessed=s.last_assessed,
            overdue=bool(s.overdue),
            latest_status=s.latest_status,
        )
        for s in annotated
    ]


def situation_rows(
    situations: QuerySet[Situation], today: date | None = None
) -> list[SituationRow]:
    """Every situation of ``situations`` as a row of the list (one query)."""
    return rows_of(situation_table(situations, today))


def assessment_detail(pk: int) -> Assessment:
    """The assessment with all its page shows but its ratings' indicators, factors and
    sources: the page takes the indicators and factors from the framework structure each
    process keeps (joined to each of 126 ratings, their texts in every language were read
    and decoded again on every view), and the sources in one query of their own."""
    return (
        Assessment.objects.select_related("situation", "author", "reviewer")
        .defer("crime_levels", "factor_levels")
        .prefetch_related(
            "ratings",
            Prefetch("transitions", queryset=Transition.objects.select_related("actor")),
            "responses__by",
            Prefetch("comments", queryset=Comment.objects.select_related("author")),
            "participations",
            "situation__analysts",
            Prefetch(
                "summaries",
                queryset=EscalationSummary.objects.select_related(
                    "decision__reviewer",
                    "decision__first_review__reviewer",
                    "first_review__reviewer",
                )
                .defer("original_content")
                .order_by("revision"),
            ),
        )
        .get(pk=pk)
    )


def other_drafts(assessment: Assessment) -> list[Assessment]:
    """The situation's other drafts with the same as-of date (one query)."""
    return list(
        Assessment.objects.drafts()
        .filter(situation_id=assessment.situation_id, as_of=assessment.as_of)
        .exclude(pk=assessment.pk)
        .select_related("author")
    )


def undecided_recommendations(assessment: Assessment) -> int:
    """How many of the assessment's recommended tools the analysts have not answered (one
    query)."""
    codes = {rec["entry"] for rec in (assessment.result or {}).get("recommendations", [])}
    answered = set(
        assessment.responses.filter(entry__code__in=codes).values_list("entry__code", flat=True)
    )
    return len(codes - answered)


def review_queue() -> QuerySet[Assessment]:
    """The assessments awaiting review, the longest waiting first, without their large fields
    (the derived result, the narrative): the queue shows neither, and decoding every queued
    assessment's result is what made it slow."""
    return (
        Assessment.objects.awaiting_review()
        .select_related("situation", "author", "reviewer")
        .defer("result", "narrative")
        .prefetch_related("participations")
        .order_by("updated_at", "pk")
    )


def current_summary(assessment: Assessment) -> EscalationSummary | None:
    """The summary of the assessment's current submitted version, if it has one."""
    revision = assessment.summary_revision
    if revision is None:
        return None
    return (
        EscalationSummary.objects.select_related(
            "decision__reviewer", "decision__first_reviewer", "first_review__reviewer"
        )
        .filter(assessment=assessment, revision=revision)
        .first()
    )


def ready_summary(assessment: Assessment, revision: int | None = None) -> EscalationSummary | None:
    """The assessment's ready summary of ``revision``, else its latest ready one (one query)."""
    summaries = assessment.summaries.ready()
    if revision is not None:
        summaries = summaries.filter(revision=revision)
    return summaries.select_related("decision").order_by("-revision").first()


def previous_approved(assessment: Assessment) -> Assessment | None:
    """The latest approved assessment of the same situation up to this one's date."""
    return (
        Assessment.objects.approved()
        .filter(situation_id=assessment.situation_id, as_of__lte=assessment.as_of)
        .exclude(pk=assessment.pk)
        .order_by("-as_of", "-pk")
        .first()
    )


def overdue_situations(today: date) -> list[Situation]:
    """Situations not assessed within their review cadence (their next review due before
    ``today``), with their analysts."""
    found = Situation.objects.filter(Q(next_due__lt=today) | Q(next_due__isnull=True))
    return [
        situation
        for situation in found.prefetch_related("analysts").order_by("pk")
        if _due(situation.next_due, situation.created_at, situation.review_cadence_days) < today
    ]


def awaiting_decision(*, content: bool = True) -> QuerySet[EscalationSummary]:
    """Ready summaries of the current version of assessments in review, not decided yet, the
    oldest first (without ``content``: their contents left unread, for a list that does not
    show them). An assessment in review is never a draft: its current summary is the one of
    its revision."""
    found = (
        EscalationSummary.objects.ready()
        .filter(
            ~Exists(EscalationDecision.objects.filter(summary=OuterRef("pk"))),
            revision=F("assessment__revision"),
            assessment__status__in=sorted(AWAITING_REVIEW),
        )
        .select_related("assessment__situation", "assessment__author")
        .defer("assessment__result", "assessment__narrative")
        .order_by("ready_at", "pk")
    )
    if not content:
        found = found.defer("content", "original_content")
    return found


def summaries_awaiting_decision(*, content: bool = True) -> list[EscalationSummary]:
    """Every summary :func:`awaiting_decision`."""
    return list(awaiting_decision(content=content))


def assessment_choices(situation: Situation) -> list[Assessment]:
    """A situation's assessments to choose from, newest first, with their authors (one
    query; results and narratives are left out)."""
    return list(situation.assessments.select_related("author").defer("result", "narrative"))


def assessments_for_comparison(
    situation: Situation, first: int, second: int
) -> tuple[Assessment, Assessment]:
    """Two assessments of ``situation``, the earlier first, with their ratings, the ratings'
    indicators and factors, and their sources (three queries). Raises ``Assessment.DoesNotExist``
    if either is not an assessment of the situation."""
    ratings = IndicatorRating.objects.select_related("indicator__factor").prefetch_related(
        "sources"
    )
    found = {
        a.pk: a
        for a in Assessment.objects.filter(situation=situation, pk__in=[first, second])
        .select_related("author")
        .prefetch_related(Prefetch("ratings", queryset=ratings))
    }
    if first not in found or second not in found:
        raise Assessment.DoesNotExist
    before, after = sorted((found[first], found[second]), key=lambda a: (a.as_of, a.pk))
    return before, after


def factor_titles() -> dict[int, Localized]:
    """Each risk factor's title by its number, in the reader's language (one query)."""
    return {
        number: localize(title, translations, "title")
        for number, title, translations in RiskFactor.objects.values_list(
            "number", "title", "translations"
        )
    }


# The watch ---------------------------------------------------------------------------------

#: The levels the watch counts, from the top of the scale down; None: not assessed yet.
WATCH_LEVELS: tuple[str | None, ...] = (*reversed(scales.LEVELS), None)
#: The ``level`` parameter of the situation list for the situations not assessed yet.
NOT_ASSESSED = "none"


@dataclass(frozen=True)
class LevelCount:
    level: str | None  # None: not assessed yet
    count: int

    @property
    def code(self) -> str:
        """The ``level`` parameter that filters the situation list to these situations."""
        return self.level or NOT_ASSESSED


def watch_counts(situations: QuerySet[Situation]) -> list[LevelCount]:
    """How many of ``situations`` sit at each level, the top of the scale first (one query)."""
    found = Counter(situation_table(situations).order_by().values_list("level", flat=True))
    return [LevelCount(level=level, count=found.get(level, 0)) for level in WATCH_LEVELS]


@dataclass(frozen=True)
class LevelChange:
    """A level (of a crime, or overall) between two approved assessments."""

    key: str  # a crime's code, or "overall"
    before: str
    after: str

    @property
    def rise(self) -> int:
        """Steps up the level scale (negative: down)."""
        return scales.level_rank(self.after) - scales.level_rank(self.before)


@dataclass(frozen=True)
class FactorChange:
    """A risk factor's level (the highest severity of its indicators; None: not assessed)."""

    number: int
    title: str
    before: str | None
    after: str | None

    @property
    def rise(self) -> int:
        return _severity_rank(self.after) - _severity_rank(self.before)


#: Each severity's rank, looked up (the watch compares thousands of factor levels).
_SEVERITY_RANKS = {severity: rank for rank, severity in enumerate(scales.SEVERITIES)}


def _severity_rank(severity: str | None) -> int:
    if not severity:
        return _SEVERITY_RANKS[scales.Severity.NOT_ASSESSED]
    try:
        return _SEVERITY_RANKS[severity]
    except KeyError:
        return scales.severity_rank(severity)  # refuses it, saying why


@dataclass(frozen=True)
class Mover:
    """A situation whose levels moved between its last two approved assessments."""

    situation_id: int
    situation_name: str
    assessment_id: int  # the latest approved assessment
    before_as_of: date
    after_as_of: date
    overall: LevelChange
    crimes: tuple[LevelChange, ...]  # the crimes whose level moved
    factors: tuple[FactorChange, ...]  # the factors whose level moved

    @property
    def rise(self) -> int:
        return self.overall.rise

    @property
    def crime_rise(self) -> int:
        """The crimes' moves added up: orders movers whose overall level rose alike."""
        return sum(change.rise for change in self.crimes)


def _level_changes(before: dict[str, str], after: dict[str, str]) -> tuple[LevelChange, ...]:
    return tuple(
        LevelChange(
            key=key,
            before=before.get(key, scales.Level.INSUFFICIENT_DATA),
            after=after.get(key, scales.Level.INSUFFICIENT_DATA),
        )
        for key in scales.crime_level_moves(before, after)
    )


def _factor_changes(
    before: dict[str, str | None], after: dict[str, str | None], titles: Mapping[int, str]
) -> tuple[FactorChange, ...]:
    numbers = sorted({int(n) for n in (*before, *after)})
    changes = (
        FactorChange(
            number=n, title=titles.get(n, ""), before=before.get(str(n)), after=after.get(str(n))
        )
        for n in numbers
    )
    return tuple(change for change in changes if change.rise)


def moving_situations(situations: QuerySet[Situation]) -> QuerySet[Situation]:
    """Those of ``situations`` whose overall or a crime's level moved between their last two
    approved assessments: the biggest rise of the overall level first, then of the crimes'
    levels added up, the biggest fall last (on the columns ``assessments.derived`` keeps)."""
    return situations.filter(moved=True).order_by(
        F("overall_rise").desc(), F("crime_rise").desc(), "name", "pk"
    )


def movers_of(moving: Iterable[Situation]) -> list[Mover]:
    """The moves of the situations ``moving`` (as :func:`moving_situations` gives them, in
    their order) between their last two approved assessments (one query)."""
    pairs = [
        (s, s.approved_assessment_id, s.previous_approved_assessment_id)
        for s in moving
        if s.approved_assessment_id and s.previous_approved_assessment_id
    ]
    ids = [pk for _s, *both in pairs for pk in both if pk]
    found = (
        {
            row["pk"]: row
            for row in Assessment.objects.filter(pk__in=ids).values(
                "pk", "as_of", "overall_level", "crime_levels", "factor_levels"
            )
        }
        if ids
        else {}
    )
    titles = factor_titles() if found else {}
    result = []
    for situation, after_pk, before_pk in pairs:
        after = found.get(after_pk or 0)
        before = found.get(before_pk or 0)
        if after is None or before is None:
            continue
        result.append(
            Mover(
                situation_id=situation.pk,
                situation_name=situation.name,
                assessment_id=after["pk"],
                before_as_of=before["as_of"],
                after_as_of=after["as_of"],
                overall=LevelChange("overall", before["overall_level"], after["overall_level"]),
                crimes=_level_changes(before["crime_levels"] or {}, after["crime_levels"] or {}),
                factors=_factor_changes(
                    before["factor_levels"] or {}, after["factor_levels"] or {}, titles
                ),
            )
        )
    return result


def movers(situations: QuerySet[Situation]) -> list[Mover]:
    """Every mover among ``situations`` (two queries); a page of them: :func:`movers_of` a
    page of :func:`moving_situations`."""
    return movers_of(moving_situations(situations))


@dataclass(frozen=True)
class OverdueRow:
    situation_id: int
    situation_name: str
    due: date
    days_overdue: int


@dataclass(frozen=True)
class GroupAtRisk:
    name: str
    kind_label: str
    # Named by a rating of RF9 or RF10 at moderate or higher in the situation's latest
    # assessment (its latest approved one, else its latest).
    named: bool


@dataclass(frozen=True)
class GroupsRow:
    situation_id: int
    situation_name: str
    groups: tuple[GroupAtRisk, ...]

    @property
    def named_count(self) -> int:
        return sum(group.named for group in self.groups)


def situations_with_groups(situations: QuerySet[Situation]) -> QuerySet[Situation]:
    """Those of ``situations`` with a group at risk, by name."""
    linked = ProtectedGroup.situations.through.objects.filter(situation_id=OuterRef("pk"))
    return situations.filter(Exists(linked)).order_by("name", "pk")


def groups_rows_of(situations: Iterable[Situation]) -> list[GroupsRow]:
    """The groups at risk of ``situations`` (as :func:`situations_with_groups` gives them,
    in their order), those named by a genocide-factor rating at moderate or higher in the
    situation's latest assessment (approved, else the latest) first (two queries)."""
    rows = list(situations)
    prefetch_related_objects(rows, "groups")
    assessment_ids = [row.approved_assessment_id or row.latest_assessment_id for row in rows]
    named = (
        {
            (assessment_id, group_id)
            for assessment_id, group_id, severity in IndicatorRating.groups.through.objects.filter(
                indicatorrating__assessment_id__in=[pk for pk in assessment_ids if pk],
                indicatorrating__indicator__factor__number__in=groups.GENOCIDE_FACTORS,
            ).values_list(
                "indicatorrating__assessment_id", "protectedgroup_id", "indicatorrating__severity"
            )
            if _severity_rank(severity) >= _severity_rank(Severity.MODERATE)
        }
        if any(assessment_ids)
        else set()
    )
    # Each kind worded once, in the reader's language, not once per group.
    kinds = {kind: str(label) for kind, label in GroupKind.choices}
    result = []
    for row, assessment_id in zip(rows, assessment_ids, strict=True):
        shown = [
            GroupAtRisk(
                group.name,
                kinds.get(group.kind, group.kind),
                (assessment_id, group.pk) in named,
            )
            for group in row.groups.all()
        ]
        shown.sort(key=lambda g: (not g.named, g.name))
        result.append(GroupsRow(row.pk, row.name, tuple(shown)))
    return result


def groups_at_risk(situations: QuerySet[Situation]) -> list[GroupsRow]:
    """Which groups are at risk in which situations (three queries); a page of them:
    :func:`groups_rows_of` a page of :func:`situations_with_groups`."""
    return groups_rows_of(situations_with_groups(situations))


def _due(next_due: date | None, created_at: datetime, cadence: int) -> date:
    """The stored due date; for a situation written in bulk and not refreshed yet, its due
    date computed as ``assessments.derived`` would store it."""
    return next_due or limits.add_days(timezone.localdate(created_at), cadence)


def overdue_rows(situations: QuerySet[Situation], today: date) -> list[OverdueRow]:
    """The situations due for reassessment before ``today``, the longest overdue first: due
    their review cadence after their last assessment's date, or their creation (one query on
    the indexed ``next_due`` column)."""
    rows = []
    for pk, name, next_due, created_at, cadence in (
        situations.filter(Q(next_due__lt=today) | Q(next_due__isnull=True))
        .order_by("next_due", "name", "pk")
        .values_list("pk", "name", "next_due", "created_at", "review_cadence_days")
    ):
        due = _due(next_due, created_at, cadence)
        if due < today:
            rows.append(OverdueRow(pk, name, due, (today - due).days))
    return sorted(rows, key=lambda r: (-r.days_overdue, r.situation_name))


@dataclass(frozen=True)
class OpenAssessment:
    """An assessment waiting for its analyst: a draft, or returned with the reviewer's reason."""

    assessment: Assessment
    returned_reason: str


@dataclass(frozen=True)
class AwaitingDecision:
    summary: EscalationSummary
    age: timedelta

    @property
    def age_days(self) -> int:
        return self.age.days


@dataclass(frozen=True)
class Awaiting:
    """What awaits a user: their open assessments (analysts), the summaries awaiting a decision
    (reviewers)."""

    drafts: list[OpenAssessment]
    returned: list[OpenAssessment]
    decisions: list[AwaitingDecision]  # a page of them, with ``decisions_per_page``
    decisions_page: "Page[EscalationSummary] | None" = None


def awaiting_for(
    user: User,
    now: datetime | None = None,
    *,
    decisions_page: str | int | None = None,
    decisions_per_page: int | None = None,
) -> Awaiting:
    """What awaits ``user`` on the watch: one query per role the user holds, and a count of
    the summaries awaiting a decision when they are paged (``decisions_per_page``; the page
    ``decisions_page``)."""
    now = now or timezone.now()
    drafts: list[OpenAssessment] = []
    returned: list[OpenAssessment] = []
    if is_analyst(user):
        reason = Transition.objects.filter(
            assessment=OuterRef("pk"), event=Transition.Event.RETURNED
        ).order_by("-at", "-pk")
        mine = (
            (Assessment.objects.drafts() | Assessment.objects.returned())
            .filter(situation__in=permissions.visible_situations(user), author_id=user.pk)
            .annotate(returned_reason=Subquery(reason.values("reason")[:1]))
            .select_related("situation", "reviewer")
            .defer("result", "narrative")
            .order_by("as_of", "pk")
        )
        for assessment in mine:
            row = OpenAssessment(assessment, assessment.returned_reason or "")
            (returned if assessment.is_returned else drafts).append(row)
    decisions = []
    page: Page[EscalationSummary] | None = None
    if is_reviewer(user):
        summaries = awaiting_decision(content=False)
        if decisions_per_page:
            page = Paginator(summaries, decisions_per_page).get_page(decisions_page)
        decisions = [
            AwaitingDecision(summary, now - (summary.ready_at or summary.created_at))
            for summary in (page.object_list if page is not None else summaries)
        ]
    return Awaiting(drafts=drafts, returned=returned, decisions=decisions, decisions_page=page)


def recent_decisions(situations: QuerySet[Situation], limit: int = 10) -> list[EscalationDecision]:
    """The latest escalation decisions on ``situations``, the latest first (one query)."""
    return list(
        EscalationDecision.objects.filter(summary__assessment__situation__in=situations)
        .select_related("summary__assessment__situation", "reviewer")
        .defer(
            "summary__content",
            "summary__original_content",
            "summary__assessment__result",
            "summary__assessment__narrative",
        )
        .order_by("-decided_at", "-pk")[:limit]
    )


# The watch: the heatmap of factor levels and the map of countries ----------------------------


def _with_levels(
    situations: QuerySet[Situation],
) -> "QuerySet[WithAnnotations[Situation, SituationLevels]]":
    """``situations`` as annotated by :func:`situations_with_levels` (a filter set's ``qs``
    keeps the annotations but not their type)."""
    return cast("QuerySet[WithAnnotations[Situation, SituationLevels]]", situations)


@dataclass
class HeatmapCell:
    factor: int
    level: str | None  # a severity; None: no indicator of the factor assessed


@dataclass
class HeatmapRow:
    situation: Situation
    assessment_id: int | None  # the latest approved assessment, else the latest; None: none
    as_of: date | None
    approved: bool
    cells: list[HeatmapCell]


class JSONKeyText(Func):
    """The text at ``key`` of a JSON object, NULL without it (PostgreSQL, SQLite).

    Unlike Django's key transforms, which read a key made of digits (a factor's number) as an
    array index, this always reads an object's key."""

    output_field = CharField()
    template = "(%(expressions)s)"
    arg_joiner = " ->> "

    def __init__(self, expression: Any, key: str) -> None:
        super().__init__(expression, Value(key))
        self.key = key

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, Any]:
        path = self.copy()
        path.set_source_expressions(
            [self.get_source_expressions()[0], Value(f"$.{json.dumps(self.key)}")]
        )
        return path.as_sql(
            compiler, connection, template="JSON_EXTRACT(%(expressions)s)", arg_joiner=", "
        )


class HeatmapLevels(SituationLevels):
    """What :func:`heatmap_situations` annotates each situation with, besides its levels."""

    chosen_as_of: date | None
    chosen_levels: dict[str, str] | None


def _chosen() -> QuerySet[Assessment]:
    """The situation's latest approved assessment, else its latest one (a subquery: one
    index lookup per situation)."""
    return Assessment.objects.filter(
        pk=Coalesce(OuterRef("approved_assessment_id"), OuterRef("latest_assessment_id"))
    ).order_by()


def _factor_rank(number: int) -> Coalesce:
    """The severity rank of factor ``number`` in the chosen assessment (an unassessed factor
    is 0, "not assessed"); -1 without an assessment."""
    level = JSONKeyText(F("factor_levels"), str(number))
    rank = Case(
        *(
            When(Exact(level, Value(severity)), then=Value(rank))
            for rank, severity in enumerate(scales.SEVERITIES)
            if rank > 0
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    return Coalesce(
        Subquery(_chosen().annotate(rank=rank).values("rank")[:1]),
        Value(-1),
        output_field=IntegerField(),
    )


HEATMAP_SORTS = ("name", "-name")

HeatmapSituations: TypeAlias = "QuerySet[WithAnnotations[Situation, HeatmapLevels]]"


def heatmap_situations(
    situations: QuerySet[Situation], sort: str, factors: Sequence[int]
) -> tuple[HeatmapSituations, str]:
    """``situations`` (annotated by :func:`situations_with_levels`) in the heatmap's order,
    each with the date and the factors' levels of its latest approved assessment, else its
    latest one, and the sort applied.

    ``sort``: ``name``, or a factor (``RF10``) by its level in that assessment, a situation
    without an assessment below "not assessed", ties by name; ``-`` first: descending. It
    falls back to ``name`` when it names nothing known. Sorted in the query: a page of the
    result costs one query whatever the number of situations."""
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    number = int(key[2:]) if key.startswith("RF") and key[2:].isdigit() else None
    annotated = _with_levels(situations).annotate(
        chosen_as_of=Subquery(_chosen().values("as_of")[:1], output_field=DateField()),
        chosen_levels=Subquery(_chosen().values("factor_levels")[:1], output_field=JSONField()),
    )
    by_name = Lower("name")
    if number is not None and number in factors:
        rank = F("heatmap_rank")
        by_factor = annotated.alias(heatmap_rank=_factor_rank(number)).order_by(
            rank.desc() if descending else rank.asc(), by_name, "name", "pk"
        )
        return cast(HeatmapSituations, by_factor), sort
    if sort not in HEATMAP_SORTS:
        sort, descending = "name", False
    ordered = annotated.order_by(by_name.desc() if descending else by_name.asc(), "name", "pk")
    return cast(HeatmapSituations, ordered), sort


def heatmap_rows(
    situations: "Iterable[WithAnnotations[Situation, HeatmapLevels]]", factors: Sequence[int]
) -> Iterator[HeatmapRow]:
    """Each situation of :func:`heatmap_situations` (a page of it, or all of it) as a row,
    with the level of each factor (``factors``: their numbers), in their order (no query but
    the one that reads ``situations``)."""
    for s in situations:
        levels = s.chosen_levels or {}
        yield HeatmapRow(
            situation=s,
            assessment_id=s.approved_pk or s.latest_pk,
            as_of=s.chosen_as_of,
            approved=s.approved_pk is not None,
            cells=[HeatmapCell(factor=n, level=levels.get(str(n))) for n in factors],
        )


@dataclass
class MapLevel:
    level: str | None  # None: not assessed yet
    count: int  # the country's situations at that level
    unapproved: int  # how many of them have it from an unapproved assessment


@dataclass
class MapCountry:
    code: str  # ISO 3166-1 alpha-2, upper case
    name: str
    level: str | None  # the highest level among its situations; None: none assessed
    count: int  # its situations
    levels: list[MapLevel]  # the levels its situations are at, the highest first


def _level_order(level: str | None) -> int:
    return -1 if level is None else level_rank(level)


def map_countries(situations: QuerySet[Situation]) -> list[MapCountry]:
    """The countries of the situations (annotated by :func:`situations_with_levels`), each with
    how many situations it has at each level (from each one's latest approved assessment,
    else its latest) and the highest of them, by country name. Counted in the query (one
    query, a row per country and level), whatever the number of situations."""
    counted = (
        situations.order_by()
        .values("country", "current_level")
        .annotate(
            situations=Count("pk"),
            unapproved=Count(
                "pk", filter=Q(approved_assessment__isnull=True, latest_assessment__isnull=False)
            ),
        )
    )
    by_country: dict[str, list[MapLevel]] = {}
    for row in counted:
        by_country.setdefault(str(row["country"]), []).append(
            MapLevel(
                level=row["current_level"], count=row["situations"], unapproved=row["unapproved"]
            )
        )
    countries = []
    for code, levels in by_country.items():
        levels.sort(key=lambda entry: _level_order(entry.level), reverse=True)
        countries.append(
            MapCountry(
                code=code,
                name=str(country_names.name(code)),
                level=levels[0].level,
                count=sum(entry.count for entry in levels),
                levels=levels,
            )
        )
    return sorted(countries, key=lambda c: c.name.casefold())
