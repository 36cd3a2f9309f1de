"""A synthetic data set for scale tests and benchmarks (``manage.py generate_dataset``).

Fictional situations in real countries, each with years of assessments whose levels rise and
fall, in every workflow state, with their escalation summaries, first reviews, decisions,
ratings, sources and transitions, and the analysts and reviewers who made them. Everything it
makes says it is fictional where a page shows it: situation and group names end in
"(fictional)", narratives, notes and sources begin with "Fictional", the accounts are named
"… (fictional)", and every code and username begins with ``gen-``.

It is fast for three reasons:

- rows are written in bulk: PostgreSQL's COPY (psycopg 3's ``cursor.copy()``), multi-row
  inserts on SQLite. Ids are allocated here, so a rating's sources are written without
  reading the ratings back;
- ratings follow a limited number of *patterns* (a rating of every indicator and a posture).
  Each pattern is scored once by ``assessments.scoring``; what a summary derives from the
  patterns alone (levels, drivers, recommendations; changes and the proposed escalation per
  pair of patterns) is computed once and reused;
- a summary's content is assembled as canonical JSON from those parts and the assessment's
  own (situation, id, date, author), and its hash is taken over exactly that text, as
  ``assessments.summaries.content_hash`` takes it.

Nothing is checked only here: COPY bypasses none of the database's check, unique and foreign
key constraints. The audit log is not written: it records what people did in this
installation, and no one did this.
"""

import hashlib
import json
import math
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from django_countries import countries

from accounts.roles import ANALYSTS, REVIEWERS
from accounts.services import ensure_role_groups
from assessments import derived, scales, scoring, selectors
from assessments.models import (
    Assessment,
    AssessmentStatus,
    Confidentiality,
    EscalationDecision,
    EscalationSummary,
    EvidenceSource,
    FirstReview,
    GroupKind,
    IndicatorRating,
    Participation,
    ProtectedGroup,
    Situation,
    Transition,
)
from assessments.summaries import SCHEMA_VERSION
from framework.models import Indicator, Pillar, RiskFactor

#: Every generated code and username begins with it; nothing else does.
PREFIX = "gen-"
FICTIONAL = "(fictional)"

Status = AssessmentStatus
Event = Transition.Event
Severity = scales.Severity
Level = scales.Level
Posture = scales.Posture

#: The states an assessment is left in. "voided" is a draft again: approved, then edited.
#: "resubmitted" was returned once, then submitted again and approved (two summaries).
TAIL_STATES = (
    "draft",
    "submitted",
    "in_review",
    "second_review",
    "approved",
    "returned",
    "voided",
)
TAIL_WEIGHTS = (12, 5, 15, 8, 45, 8, 7)

# Countries where the office might watch a situation (ISO 3166-1 codes, all on the world map).
_COUNTRY_CODES = (
    "AF BD BF BI CD CF CM CO ER ET GN GT HT IQ KE KG LB LK LY ML MM MX MZ NE NG NI PH PK PS SD "
    "SO SS SY TD TJ UA UG VE YE ZW"
)
COUNTRIES = tuple(_COUNTRY_CODES.split())
DIRECTIONS = (
    "Northern",
    "Southern",
    "Eastern",
    "Western",
    "Upper",
    "Lower",
    "Central",
    "Coastal",
    "Inner",
    "Outer",
)
PLACES = (
    "Highlands",
    "Plateau",
    "Delta",
    "Valley",
    "Lakes",
    "Savannah",
    "Hills",
    "Border Zone",
    "River Basin",
    "Forest Belt",
    "Plains",
    "Islands",
    "Mining Districts",
    "Desert Oases",
    "Corridor",
    "Marshes",
    "Uplands",
    "Capital District",
    "Frontier",
    "Steppe",
)
PEOPLE = (
    ("herders", GroupKind.ETHNICAL),
    ("farmers", GroupKind.OTHER),
    ("minority faithful", GroupKind.RELIGIOUS),
    ("speakers of the old language", GroupKind.NATIONAL),
    ("returnees", GroupKind.OTHER),
    ("hill people", GroupKind.ETHNICAL),
    ("descendants of migrants", GroupKind.RACIAL),
)
NARRATIVES: dict[str, str] = {
    Level.LOW: "Fictional: a calm period; local disputes settled by the courts.",
    Level.SERIOUS_CONCERN: "Fictional: tensions over land and hate speech on local radio.",
    Level.IMMINENT_RISK: "Fictional: militias arming and leaders arrested ahead of a vote.",
    Level.CURRENT_CRISIS: "Fictional: reports of targeted killings and attacks on villages.",
}


def _narrative(level: str) -> str:
    return NARRATIVES.get(level, NARRATIVES[Level.LOW])


RETURN_REASON = "Fictional: the main claim rests on one unverified report; add sources."
CHANGED_LEVEL_REASON = "Fictional: the evidence supports one rung lower for now."
FIRST_REVIEW_REASON = "Fictional: the first reviewer finds the evidence too thin."


class GenerationRefused(Exception):
    """The database is not one to generate into; the message says why."""


@dataclass(frozen=True)
class Plan:
    situations: int
    assessments_per_situation: int
    seed: int = 1
    #: The accounts' password; none: they cannot sign in (an unusable password).
    password: str | None = None
    #: Generate beside situations that were not generated (never silently).
    force: bool = False
    #: The day the history ends (default: today). Every date and time is reckoned from it, so
    #: the same seed on the same day gives the same data.
    today: date | None = None


Progress = Callable[[str], None]
Row = tuple[Any, ...]


# Writing in bulk ----------------------------------------------------------------------------


class BulkWriter:
    """COPY on PostgreSQL, chunked ``executemany`` inserts elsewhere. Values are given as the
    database takes them: JSON as its text, ids allocated by the caller.

    Not ``bulk_create``: it stamps every ``auto_now_add`` field with the present time, and a
    generated history is years long.
    """

    CHUNK = 2_000

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"

    def write(self, model: type[models.Model], columns: Sequence[str], rows: Iterable[Row]) -> int:
        table = connection.ops.quote_name(model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        count = 0
        with connection.cursor() as cursor:
            if self.postgres:
                # The raw psycopg cursor's COPY; its errors raised as Django's (IntegrityError).
                with (
                    connection.wrap_database_errors,
                    cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
                ):
                    for row in rows:
                        copy.write_row(row)
                        count += 1
                return count
            adapt = [self._adapter(model, column) for column in columns]
            marks = ", ".join(["%s"] * len(columns))
            # Names from the models' metadata, quoted; the values are parameters.
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608  # nosec B608
            chunk: list[Row] = []
            for row in rows:
                chunk.append(tuple(a(v) if a else v for a, v in zip(adapt, row, strict=True)))
                if len(chunk) >= self.CHUNK:
                    cursor.executemany(sql, chunk)
                    count += len(chunk)
                    chunk = []
            if chunk:
                cursor.executemany(sql, chunk)
                count += len(chunk)
        return count

    @staticmethod
    def _adapter(model: type[models.Model], column: str) -> Callable[[Any], Any] | None:
        found = model._meta.get_field(column)
        if isinstance(found, models.DateTimeField):
            return lambda v: None if v is None else connection.ops.adapt_datetimefield_value(v)
        if isinstance(found, models.DateField):
            return lambda v: None if v is None else v.isoformat()
        return None


def _next_id(model: type[models.Model]) -> int:
    return int(model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1


def _reset_sequences(used: Sequence[type[models.Model]]) -> None:
    """After writing explicit ids, move the sequences past them (PostgreSQL; SQLite follows
    by itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(used))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _canon(value: Any) -> str:
    """The canonical JSON of ``assessments.summaries.content_hash``."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _canonical_object(parts: dict[str, str]) -> str:
    """A JSON object from its members' canonical texts, as ``_canon`` would write it."""
    return "{" + ",".join(f"{_canon(key)}:{parts[key]}" for key in sorted(parts)) + "}"


# Reference data and rating patterns ---------------------------------------------------------


@dataclass(frozen=True)
class _Reference:
    framework: scoring.Framework
    thresholds: scoring.EscalationThresholds
    indicators: tuple[tuple[int, str, int, str], ...]  # pk, code, factor number, label
    titles: dict[int, str]
    reports_json: str


def _reference() -> _Reference:
    indicators = tuple(
        Indicator.objects.active()
        .order_by("factor__number", "order", "code")
        .values_list("pk", "code", "factor__number", "label")
    )
    if not indicators:
        raise GenerationRefused(
            "The reference data is not loaded: run “manage.py load_framework” first."
        )
    reports = {
        str(pillar.number): [
            {"year": r.year, "title": r.title, "symbol": r.symbol} for r in pillar.reports.all()
        ]
        for pillar in Pillar.objects.active().prefetch_related("reports")
    }
    return _Reference(
        framework=selectors.scoring_framework(),
        thresholds=selectors.escalation_thresholds(),
        indicators=indicators,
        titles=dict(RiskFactor.objects.values_list("number", "title")),
        reports_json=_canon(reports),
    )


@dataclass(frozen=True)
class _Pattern:
    """A rating of every indicator and a posture, scored once."""

    index: int
    posture: str
    level: str
    # Per indicator, in framework order: severity, trend, confidence, note.
    ratings: tuple[tuple[str, str, str, str], ...]
    # (indicator position, reliability, citation, order).
    sources: tuple[tuple[int, str, str, int], ...]
    scores: dict[str, scoring.Rating]
    result: scoring.AssessmentResult
    result_json: str
    levels_json: str  # result["levels"], the assessment's crime_levels column
    factor_levels_json: str  # result["factor_levels"], its factor_levels column
    parts: dict[str, str]  # canonical JSON of the summary's members that depend on it alone


@dataclass(frozen=True)
class _Shape:
    """How a pattern for a level is drawn: how many common factors (between two counts) at
    which severity, a specific factor (one of ``specific``) at ``specific_severity``, and the
    postures an analyst would pair with it."""

    common: tuple[int, int]
    common_severity: str
    specific: tuple[int, ...]
    specific_severity: str
    postures: tuple[str, ...]


_SHAPES: dict[str, _Shape] = {
    Level.LOW: _Shape(
        (1, 3),
        Severity.LOW,
        (),
        Severity.LOW,
        (Posture.WILLING_ABLE, Posture.WILLING_LACKS_CAPACITY),
    ),
    Level.SERIOUS_CONCERN: _Shape(
        (3, 4),
        Severity.MODERATE,
        (),
        Severity.LOW,
        (Posture.WILLING_LACKS_CAPACITY, Posture.UNWILLING),
    ),
    Level.IMMINENT_RISK: _Shape(
        (3, 5),
        Severity.MODERATE,
        (9, 12),
        Severity.HIGH,
        (Posture.WILLING_LACKS_CAPACITY, Posture.UNWILLING, Posture.PERPETRATOR),
    ),
    Level.CURRENT_CRISIS: _Shape(
        (4, 7),
        Severity.MODERATE,
        (10, 11, 13, 14),
        Severity.HIGH,
        (Posture.UNWILLING, Posture.PERPETRATOR),
    ),
}
LEVELS = (Level.LOW, Level.SERIOUS_CONCERN, Level.IMMINENT_RISK, Level.CURRENT_CRISIS)
VARIANTS_PER_LEVEL = 6
RELIABILITIES = "ABCCCDDEF"


def _patterns(reference: _Reference, rng: random.Random) -> list[_Pattern]:
    by_factor: dict[int, list[int]] = {}
    for position, (_pk, _code, number, _label) in enumerate(reference.indicators):
        by_factor.setdefault(number, []).append(position)
    common = [n for n in range(1, 9) if n in by_factor]
    patterns: list[_Pattern] = []
    for wanted in LEVELS:
        shape = _SHAPES[wanted]
        low, high = shape.common
        for variant in range(VARIANTS_PER_LEVEL):
            severities = [Severity.ABSENT.value] * len(reference.indicators)
            for number in rng.sample(common, min(len(common), rng.randint(low, high))):
                picked = rng.sample(by_factor[number], min(2, len(by_factor[number])))
                for position in picked[: rng.randint(1, 2)]:
                    severities[position] = str(shape.common_severity)
            for number in rng.sample(common, min(2, len(common))):
                position = rng.choice(by_factor[number])
                if severities[position] == Severity.ABSENT:
                    severities[position] = Severity.LOW.value
            if shape.specific:
                number = shape.specific[variant % len(shape.specific)]
                if number in by_factor:
                    severities[rng.choice(by_factor[number])] = str(shape.specific_severity)
            if wanted == Level.IMMINENT_RISK and 8 in by_factor:
                severities[rng.choice(by_factor[8])] = Severity.MODERATE.value
            posture = str(shape.postures[variant % len(shape.postures)])
            patterns.append(_pattern(reference, len(patterns), severities, posture, rng))
    return patterns


def _pattern(
    reference: _Reference, index: int, severities: list[str], posture: str, rng: random.Random
) -> _Pattern:
    ratings = []
    sources = []
    for position, severity in enumerate(severities):
        rated = severity != Severity.ABSENT
        trend = rng.choice(scales.TRENDS) if rated else scales.Trend.STABLE.value
        confidence = rng.choice(scales.CONFIDENCES)
        code = reference.indicators[position][1]
        note = f"Fictional evidence for {code}: reported by field partners." if rated else ""
        ratings.append((severity, str(trend), str(confidence), note))
        if rated:
            for order in range(rng.randint(1, 2)):
                citation = f"Fictional field report {rng.randint(1, 999)} (generated)"
                sources.append((position, rng.choice(RELIABILITIES), citation, order))
    scores = {
        reference.indicators[position][1]: scoring.Rating(
            severity=severity, trend=trend, confidence=confidence
        )
        for position, (severity, trend, confidence, _note) in enumerate(ratings)
    }
    result = scoring.assess(reference.framework, scores, posture)
    stored = result.to_dict()
    pattern = _Pattern(
        index=index,
        posture=posture,
        level=result.overall,
        ratings=tuple(ratings),
        sources=tuple(sources),
        scores=scores,
        result=result,
        result_json=_canon(stored),
        levels_json=_canon(stored.get("levels", {})),
        factor_levels_json=_canon(stored.get("factor_levels", {})),
        parts={},
    )
    pattern.parts.update(
        {
            "levels": _canon(
                {**{k: c.level for k, c in result.crimes.items()}, "overall": result.overall}
            ),
            "level_reasons": _canon(
                {
                    **{k: list(c.reasons) for k, c in result.crimes.items()},
                    "overall": [result.overall_reason],
                }
            ),
            "drivers": _canon(_drivers(reference, pattern)),
            "recommendations": _canon(
                {
                    str(pillar): [rec.to_dict() for rec in result.recommendations.get(pillar, ())]
                    for pillar in scoring.PILLARS
                }
            ),
        }
    )
    return pattern


def _drivers(reference: _Reference, pattern: _Pattern) -> list[dict[str, Any]]:
    """``assessments.summaries._drivers`` over a pattern's ratings (same shape, same order)."""
    low = scales.severity_rank(Severity.LOW)
    by_factor: dict[int, list[int]] = {}
    for position, (severity, *_rest) in enumerate(pattern.ratings):
        if scales.severity_rank(severity) >= low:
            by_factor.setdefault(reference.indicators[position][2], []).append(position)
    sources: dict[int, list[dict[str, str]]] = {}
    for position, reliability, citation, _order in pattern.sources:
        sources.setdefault(position, []).append({"reliability": reliability, "citation": citation})
    factors = [
        f
        for f in pattern.result.factors.values()
        if f.level and scales.severity_rank(f.level) >= low
    ]
    factors.sort(key=lambda f: (-scales.severity_rank(f.level or "absent"), f.number))
    drivers = []
    for factor in factors:
        positions = sorted(
            by_factor.get(factor.number, []),
            key=lambda p: -scales.severity_rank(pattern.ratings[p][0]),
        )
        drivers.append(
            {
                "factor": factor.number,
                "title": reference.titles.get(factor.number, ""),
                "level": factor.level,
                "reason": factor.reason,
                "indicators": [
                    {
                        "code": reference.indicators[p][1],
                        "label": reference.indicators[p][3],
                        "severity": pattern.ratings[p][0],
                        "trend": pattern.ratings[p][1],
                        "confidence": pattern.ratings[p][2],
                        "note": pattern.ratings[p][3],
                        "sources": sources.get(p, []),
                    }
                    for p in positions
                ],
            }
        )
    return drivers


class _Derived:
    """What a summary derives from a pair of patterns (previous approved, current), once."""

    def __init__(self, reference: _Reference) -> None:
        self.reference = reference
        self.changes: dict[tuple[int, int], str] = {}
        self.proposals: dict[tuple[str | None, int], scoring.EscalationProposal] = {}

    def changes_json(self, previous: _Pattern | None, current: _Pattern) -> str:
        key = (previous.index if previous else -1, current.index)
        if key not in self.changes:
            changes = scoring.compare(
                previous.scores if previous else None,
                current.scores,
                previous.result if previous else None,
                current.result,
                framework=self.reference.framework,
            )
            self.changes[key] = _canon(changes.to_dict())
        return self.changes[key]

    def proposal(self, previous: _Pattern | None, current: _Pattern) -> scoring.EscalationProposal:
        key = (previous.level if previous else None, current.index)
        if key not in self.proposals:
            self.proposals[key] = scoring.propose_escalation(
                current=current.result,
                previous_overall=previous.level if previous else None,
                posture=current.posture,
                thresholds=self.reference.thresholds,
            )
        return self.proposals[key]


# The plan: who did what when ---------------------------------------------------------------


@dataclass
class _Situation:
    id: int
    code: str
    name: str
    country: str
    region: str
    cadence: int
    confidentiality: str
    analysts: list[int]
    created_by: int
    group: tuple[int, str, str]  # id, name, kind
    created_at: datetime = field(default_factory=lambda: datetime(2000, 1, 1, tzinfo=UTC))


@dataclass
class _Summary:
    id: int
    revision: int
    ready: bool
    created_at: datetime
    ready_at: datetime | None


@dataclass
class _Assessment:
    id: int
    situation: _Situation
    author: int
    as_of: date
    pattern: _Pattern
    state: str
    previous: "_Assessment | None"  # the latest approved before it, as the app finds it
    copied_from: "_Assessment | None"
    participants: set[int] = field(default_factory=set)
    status: str = Status.DRAFT
    revision: int = 0
    reviewer: int | None = None
    created_at: datetime = field(default_factory=lambda: datetime(2000, 1, 1, tzinfo=UTC))
    updated_at: datetime = field(default_factory=lambda: datetime(2000, 1, 1, tzinfo=UTC))
    summaries: list[_Summary] = field(default_factory=list)


@dataclass
class _Rows:
    """The rows of the small tables, collected while planning."""

    transitions: list[Row] = field(default_factory=list)
    participations: list[Row] = field(default_factory=list)
    first_reviews: list[Row] = field(default_factory=list)
    decisions: list[Row] = field(default_factory=list)


class _Planner:
    def __init__(
        self,
        plan: Plan,
        reference: _Reference,
        patterns: list[_Pattern],
        analysts: list[int],
        reviewers: list[int],
        today: date,
    ) -> None:
        self.plan = plan
        # Reproducible fictional data, not secrets.
        self.rng = random.Random(plan.seed * 7919 + 1)  # noqa: S311  # nosec B311
        self.reference = reference
        self.derived = _Derived(reference)
        self.by_level: dict[str, list[_Pattern]] = {}
        for pattern in patterns:
            self.by_level.setdefault(pattern.level, []).append(pattern)
        self.levels = [level for level in LEVELS if level in self.by_level]
        self.analysts = analysts
        self.reviewers = reviewers
        # The analysts' full names, as summaries give them (numbered in username order).
        self.names = {pk: f"Analyst {n} {FICTIONAL}" for n, pk in enumerate(analysts, start=1)}
        self.today = today
        # Nothing happens later than the start of the day the history ends.
        self.now = datetime.combine(self.today, time(0), tzinfo=UTC)
        self.rows = _Rows()
        self.next_assessment = _next_id(Assessment)
        self.next_summary = _next_id(EscalationSummary)
        self.next_first_review = _next_id(FirstReview)
        self.next_decision = _next_id(EscalationDecision)
        self.forced = list(TAIL_STATES)

    # Situations

    def situations(self) -> list[_Situation]:
        rng = self.rng
        first_id = _next_id(Situation)
        first_group = _next_id(ProtectedGroup)
        regions = [f"{d} {p}" for d in DIRECTIONS for p in PLACES]
        used: dict[str, int] = {}
        made = []
        for n in range(self.plan.situations):
            country = COUNTRIES[n % len(COUNTRIES)]
            turn = used.get(country, 0)
            used[country] = turn + 1
            region = regions[(turn * 37 + n) % len(regions)]
            if turn >= len(regions):
                region = f"{region} {turn // len(regions) + 1}"
            people, kind = PEOPLE[n % len(PEOPLE)]
            country_name = str(countries.name(country))
            made.append(
                _Situation(
                    id=first_id + n,
                    code=f"{PREFIX}{n + 1:05d}",
                    name=f"{region}, {country_name} {FICTIONAL}",
                    country=country,
                    region=region,
                    cadence=rng.choice((30, 60, 90, 90, 120, 180)),
                    confidentiality=rng.choice(
                        (
                            Confidentiality.INTERNAL,
                            Confidentiality.CONFIDENTIAL,
                            Confidentiality.CONFIDENTIAL,
                            Confidentiality.STRICTLY_CONFIDENTIAL,
                        )
                    ),
                    analysts=rng.sample(self.analysts, min(len(self.analysts), rng.randint(1, 3))),
                    created_by=rng.choice(self.reviewers),
                    group=(
                        first_group + n,
                        f"The {region} {people} of {country_name} {FICTIONAL}",
                        str(kind),
                    ),
                )
            )
        return made

    # Assessments

    def assessments(self, situations: list[_Situation]) -> Iterator[_Assessment]:
        for situation in situations:
            yield from self._history(situation)

    def _history(self, situation: _Situation) -> list[_Assessment]:
        rng = self.rng
        count = self.plan.assessments_per_situation
        last = self.today - timedelta(days=rng.randint(7, int(situation.cadence * 1.3) + 7))
        dates = [last]
        for _i in range(count - 1):
            gap = max(1, round(situation.cadence * rng.uniform(0.6, 1.2)))
            dates.append(dates[-1] - timedelta(days=gap))
        dates.reverse()
        level = rng.randrange(len(self.levels))
        made: list[_Assessment] = []
        previous: _Assessment | None = None
        for position, as_of in enumerate(dates):
            step = rng.choices((-1, 0, 1, 2), weights=(30, 46, 20, 4))[0]
            level = min(max(level + step, 0), len(self.levels) - 1)
            state = self._state(count - position)
            if state == "second_review":
                level = len(self.levels) - 1  # at the top, two reviewers are needed
            pattern = rng.choice(self.by_level[self.levels[level]])
            copied = made[-1] if made and rng.random() < 0.5 else None
            assessment = _Assessment(
                id=self.next_assessment,
                situation=situation,
                author=rng.choice(situation.analysts),
                as_of=as_of,
                pattern=pattern,
                state=state,
                previous=previous,
                copied_from=copied,
            )
            self.next_assessment += 1
            self._live(assessment)
            made.append(assessment)
            if assessment.status == Status.APPROVED:
                previous = assessment
        situation.created_at = made[0].created_at - timedelta(days=30) if made else self.now
        return made

    def _state(self, from_end: int) -> str:
        """The state to leave an assessment in: each state once among the last two of the
        first situations, then drawn; earlier assessments are settled."""
        if from_end <= 2 and self.forced:
            return self.forced.pop(0)
        if from_end == 1:
            return self.rng.choices(TAIL_STATES, weights=TAIL_WEIGHTS)[0]
        return self.rng.choices(("approved", "resubmitted", "returned"), weights=(86, 10, 4))[0]

    def _at(self, moment: datetime) -> datetime:
        return min(moment, self.now - timedelta(minutes=1))

    def _live(self, a: _Assessment) -> None:
        """Take the assessment through its workflow, recording each step as the app does."""
        rng = self.rng
        start = datetime.combine(a.as_of - timedelta(days=2), datetime.min.time(), tzinfo=UTC)
        clock = self._at(start + timedelta(hours=8, minutes=rng.randint(0, 480)))
        a.created_at = clock
        self.rows.participations.append((a.id, a.author, str(Participation.Role.EDITOR)))
        a.participants.add(a.author)
        if a.copied_from is not None:
            date_from = a.copied_from.as_of.isoformat()
            self._transition(a, clock, a.author, "", Event.STARTED_FROM, {"date": date_from})
        else:
            self._transition(a, clock, a.author, "", Event.STARTED, {})
        a.updated_at = clock
        if a.state == "draft":
            a.updated_at = self._at(clock + timedelta(hours=rng.randint(1, 30)))
            return
        clock = self._submit(a, clock + timedelta(days=rng.randint(1, 3)))
        if a.state == "submitted":
            return
        clock = self._draft(a, clock)
        if a.state == "in_review":
            return
        returning = a.state in ("returned", "resubmitted")
        clock = self._decide(a, clock, approve=not returning)
        if a.state == "resubmitted":
            clock = self._submit(a, clock + timedelta(days=rng.randint(1, 4)))
            clock = self._draft(a, clock)
            clock = self._decide(a, clock, approve=True)
        if a.state == "voided":
            clock = self._at(clock + timedelta(days=rng.randint(1, 5)))
            self._move(a, clock, a.author, Status.DRAFT, Event.APPROVAL_VOIDED, {})
            a.reviewer = None

    def _transition(
        self,
        a: _Assessment,
        at: datetime,
        by: int | None,
        from_status: str,
        event: str,
        params: dict[str, Any],
        reason: str = "",
    ) -> None:
        self.rows.transitions.append(
            (
                a.id,
                by,
                at,
                str(from_status),
                str(a.status),
                a.revision,
                str(event),
                _canon(params),
                reason,
            )
        )
        a.updated_at = at

    def _move(
        self,
        a: _Assessment,
        at: datetime,
        by: int | None,
        to: str,
        event: str,
        params: dict[str, Any],
        reason: str = "",
    ) -> None:
        previous = a.status
        a.status = to
        self._transition(a, at, by, previous, event, params, reason)

    def _submit(self, a: _Assessment, at: datetime) -> datetime:
        at = self._at(at)
        a.revision += 1
        a.reviewer = None
        self._move(a, at, a.author, Status.SUBMITTED, Event.SUBMITTED, {})
        a.summaries.append(
            _Summary(
                id=self.next_summary, revision=a.revision, ready=False, created_at=at, ready_at=None
            )
        )
        self.next_summary += 1
        return at

    def _draft(self, a: _Assessment, at: datetime) -> datetime:
        at = self._at(at + timedelta(seconds=self.rng.randint(2, 90)))
        summary = a.summaries[-1]
        summary.ready, summary.ready_at = True, at
        self._move(a, at, None, Status.IN_REVIEW, Event.SUMMARY_DRAFTED, {})
        return at

    def _decide(self, a: _Assessment, at: datetime, *, approve: bool) -> datetime:
        rng = self.rng
        summary = a.summaries[-1]
        previous = a.previous.pattern if a.previous is not None else None
        proposal = self.derived.proposal(previous, a.pattern)
        proposed = proposal.level
        level, reason = proposed, ""
        if not approve:
            reason = RETURN_REASON
        elif proposed != scales.Escalation.NONE and rng.random() < 0.05:
            level = scales.ESCALATIONS[scales.ESCALATIONS.index(proposed) - 1]
            reason = CHANGED_LEVEL_REASON
        two = self.reference.thresholds.needs_second_review(proposed, level)
        if a.state == "second_review" and not two:
            return at  # no rung here needs two reviewers: it stays in review
        deciders = rng.sample(self.reviewers, 2) if two else [rng.choice(self.reviewers)]
        for reviewer in deciders:
            if reviewer not in a.participants:
                self.rows.participations.append((a.id, reviewer, str(Participation.Role.REVIEWER)))
                a.participants.add(reviewer)
        first_id = None
        if two:
            at = self._at(at + timedelta(hours=rng.randint(2, 72)))
            first_approves = approve and rng.random() < 0.9
            first_level = level if first_approves else proposed
            first_reason = "" if first_approves and level == proposed else FIRST_REVIEW_REASON
            first_id = self.next_first_review
            self.next_first_review += 1
            self.rows.first_reviews.append(
                (
                    first_id,
                    summary.id,
                    deciders[0],
                    a.author,
                    first_approves,
                    proposed,
                    first_level,
                    first_reason,
                    "",
                    at,
                )
            )
            a.reviewer = deciders[0]
            self._move(
                a,
                at,
                deciders[0],
                Status.SECOND_REVIEW,
                Event.FIRST_REVIEW,
                {"approved": first_approves, "level": first_level},
                first_reason,
            )
            if a.state == "second_review":
                return at
            if first_approves != approve and not reason:
                reason = FIRST_REVIEW_REASON
        at = self._at(at + timedelta(hours=rng.randint(2, 96)))
        decider = deciders[-1]
        self.rows.decisions.append(
            (
                self.next_decision,
                summary.id,
                decider,
                a.author,
                approve,
                proposed,
                level,
                reason,
                "",
                at,
                two,
                first_id,
                deciders[0] if two else None,
            )
        )
        self.next_decision += 1
        a.reviewer = decider
        if approve:
            self._move(a, at, decider, Status.APPROVED, Event.APPROVED, {"level": level}, reason)
        else:
            self._move(a, at, decider, Status.RETURNED, Event.RETURNED, {}, reason)
        return at


# Generating ---------------------------------------------------------------------------------


def generate(plan: Plan, *, progress: Progress = lambda line: None) -> dict[str, int]:
    """Generate the data set in one transaction; say what each phase wrote, and how fast."""
    if plan.situations < 1 or plan.assessments_per_situation < 1:
        raise GenerationRefused("Ask for at least one situation and one assessment each.")
    started = monotonic()

    def done(phase: str, counts: dict[str, int]) -> None:
        listed = ", ".join(f"{count:,} {name}" for name, count in counts.items())
        progress(f"{phase}: {listed} ({monotonic() - started:.1f} s)")

    with transaction.atomic():
        _refuse_unless_fit(plan)
        counts = _generate(plan, done)
    done("committed", {"situations": counts["situations"]})
    _analyze()
    done("analyzed", {"tables": len(WRITTEN)})
    return counts


#: The tables the generator writes to, in the order it writes them.
WRITTEN: tuple[type[models.Model], ...] = (
    Situation,
    ProtectedGroup,
    Assessment,
    Participation,
    IndicatorRating,
    EvidenceSource,
    EscalationSummary,
    FirstReview,
    EscalationDecision,
    Transition,
)


def _analyze() -> None:
    """Refresh the planner's statistics of the tables just filled, so that the first queries
    after a generation are planned for their size (autovacuum would catch up later)."""
    with connection.cursor() as cursor:
        for model in WRITTEN:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _refuse_unless_fit(plan: Plan) -> None:
    generated = Situation.objects.filter(code__startswith=PREFIX)
    if generated.exists():
        raise GenerationRefused(
            f"The database already holds a generated data set ({generated.count()} situations "
            f"coded “{PREFIX}…”): generate into a new database."
        )
    others = Situation.objects.exclude(code__startswith=PREFIX).count()
    if others and not plan.force:
        raise GenerationRefused(
            f"The database holds {others} situations that were not generated. The generated "
            "data set is meant for a database of its own; give --force to add it beside them "
            f"anyway (its codes and usernames begin with “{PREFIX}”)."
        )
    user_model = get_user_model()
    if user_model._default_manager.filter(username__startswith=PREFIX).exists():
        raise GenerationRefused(
            f"The database already holds generated accounts (“{PREFIX}…”): "
            "generate into a new database."
        )


def _generate(plan: Plan, done: Callable[[str, dict[str, int]], None]) -> dict[str, int]:
    rng = random.Random(plan.seed)  # noqa: S311  # nosec B311: reproducible, not secret
    today = plan.today or timezone.localdate()
    reference = _reference()
    patterns = _patterns(reference, rng)
    done(
        "patterns",
        {"rating patterns": len(patterns), "indicators each": len(reference.indicators)},
    )
    analysts, reviewers = _users(plan)
    done("users", {"analysts": len(analysts), "reviewers": len(reviewers)})

    planner = _Planner(plan, reference, patterns, analysts, reviewers, today)
    situations = planner.situations()
    assessments = list(planner.assessments(situations))
    writer = BulkWriter()
    _write_situations(writer, situations)
    done("situations", {"situations": len(situations), "groups at risk": len(situations)})

    written = writer.write(
        Assessment,
        (
            "id",
            "situation_id",
            "author_id",
            "as_of",
            "posture",
            "narrative",
            "status",
            "revision",
            "lock_version",
            "overall_level",
            "result",
            "crime_levels",
            "factor_levels",
            "reviewer_id",
            "copied_from_id",
            "created_at",
            "updated_at",
        ),
        (
            (
                a.id,
                a.situation.id,
                a.author,
                a.as_of,
                a.pattern.posture,
                _narrative(a.pattern.level),
                str(a.status),
                a.revision,
                a.revision + 2,
                a.pattern.level,
                a.pattern.result_json,
                a.pattern.levels_json,
                a.pattern.factor_levels_json,
                a.reviewer,
                a.copied_from.id if a.copied_from else None,
                a.created_at,
                a.updated_at,
            )
            for a in assessments
        ),
    )
    participations = writer.write(
        Participation, ("assessment_id", "user_id", "role"), planner.rows.participations
    )
    done("assessments", {"assessments": written, "participations": participations})

    rating_base = _next_id(IndicatorRating)
    ratings = writer.write(
        IndicatorRating,
        (
            "id",
            "assessment_id",
            "indicator_id",
            "severity",
            "trend",
            "confidence",
            "note",
            "note_releasable",
        ),
        _rating_rows(assessments, reference, rating_base),
    )
    done("ratings", {"ratings": ratings})
    sources = writer.write(
        EvidenceSource,
        ("rating_id", "citation", "reliability", "order", "releasable"),
        _source_rows(assessments, reference, rating_base),
    )
    done("sources", {"sources": sources})

    hashes: dict[int, str] = {}
    summaries = writer.write(
        EscalationSummary,
        (
            "id",
            "assessment_id",
            "revision",
            "status",
            "content",
            "content_hash",
            "proposed_escalation",
            "attempts",
            "error",
            "created_at",
            "updated_at",
            "claimed_at",
            "ready_at",
            "notified_at",
        ),
        _summary_rows(assessments, planner, hashes),
    )
    done("summaries", {"summaries": summaries, "distinct rating patterns": len(patterns)})

    first_reviews = writer.write(
        FirstReview,
        (
            "id",
            "summary_id",
            "reviewer_id",
            "author_id",
            "approved",
            "proposed_level",
            "level",
            "reason",
            "content_hash",
            "decided_at",
        ),
        (_with_hash(row, hashes) for row in planner.rows.first_reviews),
    )
    decisions = writer.write(
        EscalationDecision,
        (
            "id",
            "summary_id",
            "reviewer_id",
            "author_id",
            "approved",
            "proposed_level",
            "level",
            "reason",
            "content_hash",
            "decided_at",
            "second_review_required",
            "first_review_id",
            "first_reviewer_id",
        ),
        (_with_hash(row, hashes) for row in planner.rows.decisions),
    )
    done("decisions", {"decisions": decisions, "first reviews": first_reviews})
    transitions = writer.write(
        Transition,
        (
            "assessment_id",
            "actor_id",
            "at",
            "from_status",
            "to_status",
            "revision",
            "event",
            "params",
            "reason",
        ),
        planner.rows.transitions,
    )
    done("transitions", {"transitions": transitions})

    _reset_sequences(
        [
            Situation,
            ProtectedGroup,
            Assessment,
            IndicatorRating,
            EscalationSummary,
            FirstReview,
            EscalationDecision,
        ]
    )
    refresh_derived_values([s.id for s in situations])
    return {
        "situations": len(situations),
        "assessments": written,
        "ratings": ratings,
        "sources": sources,
        "summaries": summaries,
        "first_reviews": first_reviews,
        "decisions": decisions,
        "transitions": transitions,
        "analysts": len(analysts),
        "reviewers": len(reviewers),
    }


def refresh_derived_values(situation_ids: Sequence[int]) -> None:
    """Recompute what the app keeps derived at write time for these situations.

    The generator writes around the services, so whatever a service keeps up to date beside
    the rows it writes (a situation's current level, next due date, latest assessment) is
    recomputed here, once, at the end (``assessments.derived``).
    """
    derived.refresh_situation_summary(situation_ids)


def _with_hash(row: Row, hashes: dict[int, str]) -> Row:
    """A decision's or first review's row with the hash of its summary (the second column),
    known once the summary's content is assembled."""
    return (*row[:8], hashes[row[1]], *row[9:])


def _users(plan: Plan) -> tuple[list[int], list[int]]:
    """The analysts and reviewers: one analyst for every 20 situations, one reviewer for
    every 100, at least three of each."""
    groups = ensure_role_groups()
    user_model = get_user_model()
    password = make_password(plan.password)  # one hash for all: fictional accounts
    wanted = {
        ANALYSTS: max(3, math.ceil(plan.situations / 20)),
        REVIEWERS: max(3, math.ceil(plan.situations / 100)),
    }
    ids: dict[str, list[int]] = {}
    links = []
    for role, count in wanted.items():
        word = "analyst" if role == ANALYSTS else "reviewer"
        users = [
            user_model(
                username=f"{PREFIX}{word}-{n:04d}",
                first_name=f"{word.capitalize()} {n}",
                last_name=FICTIONAL,
                email=f"{PREFIX}{word}-{n:04d}@example.org",
                password=password,
            )
            for n in range(1, count + 1)
        ]
        user_model._default_manager.bulk_create(users)
        ids[role] = list(
            user_model._default_manager.filter(username__startswith=f"{PREFIX}{word}-")
            .order_by("username")
            .values_list("pk", flat=True)
        )
        links += [
            user_model.groups.through(user_id=pk, group_id=groups[role].pk) for pk in ids[role]
        ]
    user_model.groups.through._default_manager.bulk_create(links)
    return ids[ANALYSTS], ids[REVIEWERS]


def _write_situations(writer: BulkWriter, situations: list[_Situation]) -> None:
    writer.write(
        Situation,
        (
            "id",
            "code",
            "name",
            "country",
            "region",
            "review_cadence_days",
            "confidentiality",
            "created_by_id",
            "created_at",
        ),
        (
            (
                s.id,
                s.code,
                s.name,
                s.country,
                s.region,
                s.cadence,
                s.confidentiality,
                s.created_by,
                s.created_at,
            )
            for s in situations
        ),
    )
    writer.write(
        Situation.analysts.through,
        ("situation_id", "user_id"),
        ((s.id, user) for s in situations for user in s.analysts),
    )
    writer.write(
        ProtectedGroup,
        ("id", "name", "kind", "description", "created_by_id", "created_at"),
        ((s.group[0], s.group[1], s.group[2], "", s.created_by, s.created_at) for s in situations),
    )
    writer.write(
        ProtectedGroup.situations.through,
        ("protectedgroup_id", "situation_id"),
        ((s.group[0], s.id) for s in situations),
    )


def _rating_rows(
    assessments: list[_Assessment], reference: _Reference, first: int
) -> Iterator[Row]:
    """Every assessment rates every active indicator, as its pattern says; a rating's id is
    the assessment's rank times the number of indicators plus the indicator's position."""
    width = len(reference.indicators)
    pks = [pk for pk, _code, _number, _label in reference.indicators]
    for rank, a in enumerate(assessments):
        base = first + rank * width
        for position, (severity, trend, confidence, note) in enumerate(a.pattern.ratings):
            yield (base + position, a.id, pks[position], severity, trend, confidence, note, False)


def _source_rows(
    assessments: list[_Assessment], reference: _Reference, first: int
) -> Iterator[Row]:
    """The sources of the ratings, whose ids :func:`_rating_rows` allocated."""
    width = len(reference.indicators)
    for rank, a in enumerate(assessments):
        base = first + rank * width
        for position, reliability, citation, order in a.pattern.sources:
            yield (base + position, citation, reliability, order, False)


def _summary_rows(
    assessments: list[_Assessment], planner: _Planner, hashes: dict[int, str]
) -> Iterator[Row]:
    reference = planner.reference
    for a in assessments:
        situation = a.situation
        group_id, group_name, group_kind = situation.group
        situation_json = _canon(
            {
                "code": situation.code,
                "name": situation.name,
                "country": situation.country,
                "region": situation.region,
                "groups": [
                    {"id": group_id, "name": group_name, "kind": group_kind, "indicators": []}
                ],
                "confidentiality": situation.confidentiality,
            }
        )
        previous = a.previous
        previous_json = _canon(
            {
                "id": previous.id,
                "as_of": previous.as_of.isoformat(),
                "overall": previous.pattern.level,
            }
            if previous
            else None
        )
        previous_pattern = previous.pattern if previous else None
        for summary in a.summaries:
            if not summary.ready:
                yield (
                    summary.id,
                    a.id,
                    summary.revision,
                    EscalationSummary.Status.PENDING,
                    "{}",
                    "",
                    "",
                    0,
                    "",
                    summary.created_at,
                    summary.created_at,
                    None,
                    None,
                    None,
                )
                continue
            assert summary.ready_at is not None  # nosec B101: set with ready
            proposal = planner.derived.proposal(previous_pattern, a.pattern)
            parts = {
                **a.pattern.parts,
                "schema": _canon(SCHEMA_VERSION),
                "generated_at": _canon(summary.ready_at.isoformat(timespec="seconds")),
                "situation": situation_json,
                "assessment": _canon(
                    {
                        "id": a.id,
                        "revision": summary.revision,
                        "as_of": a.as_of.isoformat(),
                        "posture": a.pattern.posture,
                        "author": planner.names[a.author],
                        "narrative": _narrative(a.pattern.level),
                    }
                ),
                "previous": previous_json,
                "changes": planner.derived.changes_json(previous_pattern, a.pattern),
                "response": '{"completed":[],"overdue":[]}',
                "reports": reference.reports_json,
                "escalation": _canon(proposal.to_dict()),
            }
            content = _canonical_object(parts)
            digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
            hashes[summary.id] = digest
            ready = summary.ready_at
            yield (
                summary.id,
                a.id,
                summary.revision,
                EscalationSummary.Status.READY,
                content,
                digest,
                proposal.level,
                1,
                "",
                summary.created_at,
                ready,
                ready,
                ready,
                ready + timedelta(seconds=1),
            )


__all__ = ["FICTIONAL", "PREFIX", "BulkWriter", "GenerationRefused", "Plan", "generate"]
