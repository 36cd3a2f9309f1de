"""Risk scoring for atrocity-prevention assessments: plain data in, a self-explaining result out.

This module holds the whole scoring logic of an assessment and nothing else: no ORM, no I/O,
no settings, no words. The caller turns reference data and an analyst's ratings into the
frozen dataclasses below and gets back results whose every level, score and recommendation
carries the reason for it: a rule identifier with its parameters (:data:`Reason`), which
``assessments.wording`` puts in words when it is shown, in the reader's language.

- :func:`assess` derives a level for each risk factor of the UN Framework of Analysis for
  Atrocity Crimes (2014), a risk level for each crime and overall (the rules of PRODUCT.md,
  with thresholds as data in :class:`Thresholds`), and the policy tools to recommend, grouped
  by R2P pillar and ranked, with the tools that were withheld and why.
- :func:`propose_escalation` proposes how far up the chain the result should go.
- :func:`compare` lists what changed since the previous approved assessment.

Scales are ordered tuples of plain strings (``assessments.scales``; the ``StrEnum`` members
compare equal to them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import Field, asdict, dataclass, field, fields
from enum import StrEnum
from functools import cached_property
from typing import Any, ClassVar, Self

from assessments.scales import (
    CONFIDENCES,
    ESCALATIONS,
    FACTOR_KINDS,
    LEVELS,
    POSTURES,
    SEVERITIES,
    TRENDS,
    Confidence,
    Escalation,
    FactorKind,
    Level,
    Posture,
    Severity,
    Trend,
    check,
    level_rank,
    severity_rank,
)

# --------------------------------------------------------------------------------------------
# Scales (defined once in assessments.scales)
# --------------------------------------------------------------------------------------------


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"
    SAME = "same"
    NEW = "new"


PILLARS: tuple[int, ...] = (1, 2, 3)

#: Postures in which the State is willing to protect (Pillar I applies).
WILLING_POSTURES: frozenset[str] = frozenset({Posture.WILLING_ABLE, Posture.WILLING_LACKS_CAPACITY})
#: Postures in which the State manifestly fails to protect (Pillar III may apply).
FAILING_POSTURES: frozenset[str] = frozenset({Posture.UNWILLING, Posture.PERPETRATOR})

#: Weight of a link's strongest driver in a tool's score.
SEVERITY_WEIGHTS: Mapping[str, int] = {Severity.LOW: 1, Severity.MODERATE: 2, Severity.HIGH: 3}
#: Points added to a tool's score for each of its drivers whose trend is worsening.
WORSENING_BONUS = 1

_check = check


#: Each severity's rank, looked up rather than searched (scoring asks it hundreds of thousands
#: of times in an import of a thousand assessments).
_SEVERITY_RANKS: Mapping[str, int] = {severity: severity_rank(severity) for severity in SEVERITIES}


def _severity_rank(severity: str) -> int:
    """:func:`severity_rank`, by lookup; an unknown severity raises as it does."""
    rank = _SEVERITY_RANKS.get(severity)
    return severity_rank(severity) if rank is None else rank


def _severity_at_least(severity: str | None, minimum: str) -> bool:
    return severity is not None and _severity_rank(severity) >= _severity_rank(minimum)


def _level_at_least(level: str, minimum: str) -> bool:
    return level_rank(level) >= level_rank(minimum)


def _code_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key putting "7.10" after "7.9"."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in code.split("."))


def _factor_number(value: int | str) -> int:
    """Accept 7 or "RF7" (the stable code of the reference data)."""
    if isinstance(value, int):
        return value
    match = re.fullmatch(r"(?:RF)?(\d+)", value.strip())
    if match is None:
        raise ValueError(f"not a risk factor number or code: {value!r}")
    return int(match.group(1))


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


class _StoredSettings:
    """``to_dict``/``from_dict`` for the threshold dataclasses, so admins can store them."""

    # Set by @dataclass on each subclass; declared here so that asdict() and fields() accept it.
    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return {
            key: list(value) if isinstance(value, tuple) else value for key, value in data.items()
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, ignore_unknown: bool = False) -> Self:
        """Build from stored data; missing keys take their default.

        Unknown keys raise ``ValueError`` unless ``ignore_unknown`` (e.g. a stored record's
        ``code`` and ``name``).
        """
        names = {item.name for item in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown and not ignore_unknown:
            raise ValueError(f"unknown {cls.__name__} settings: {', '.join(unknown)}")
        return cls(**{key: value for key, value in data.items() if key in names})


@dataclass(frozen=True)
class FactorSpec:
    """One risk factor: its number (RF7 is 7), kind, crimes, conduct flag and indicator codes."""

    number: int
    kind: str
    crimes: tuple[str, ...] = ()
    is_conduct: bool = False
    indicator_codes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", _check(FACTOR_KINDS, self.kind, "factor kind"))
        object.__setattr__(self, "crimes", tuple(self.crimes))
        object.__setattr__(self, "indicator_codes", tuple(self.indicator_codes))
        if len(set(self.indicator_codes)) != len(self.indicator_codes):
            raise ValueError(f"RF{self.number} lists an indicator code twice")

    @property
    def code(self) -> str:
        return f"RF{self.number}"


@dataclass(frozen=True)
class CrimeSpec:
    """One crime with its specific factors and, among them, its conduct factors."""

    key: str
    name: str
    specific_factors: tuple[int, ...] = ()
    conduct_factors: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "specific_factors", tuple(self.specific_factors))
        object.__setattr__(self, "conduct_factors", tuple(self.conduct_factors))
        if not set(self.conduct_factors) <= set(self.specific_factors):
            raise ValueError(f"{self.key}: conduct factors must be among its specific factors")


@dataclass(frozen=True)
class Thresholds(_StoredSettings):
    """The risk rules of PRODUCT.md as data (admin-editable). Defaults are PRODUCT.md's."""

    crisis_conduct_severity: str = Severity.HIGH
    imminent_specific_severity: str = Severity.HIGH
    imminent_conduct_severity: str = Severity.MODERATE
    imminent_common_count: int = 5
    imminent_common_severity: str = Severity.MODERATE
    imminent_enabling_factors: tuple[int, ...] = (7, 8)
    imminent_enabling_severity: str = Severity.MODERATE
    serious_common_count: int = 3
    serious_common_severity: str = Severity.MODERATE
    serious_specific_severity: str = Severity.MODERATE
    pillar2_min_level: str = Level.SERIOUS_CONCERN
    pillar3_min_level: str = Level.IMMINENT_RISK
    coercive_min_level: str = Level.CURRENT_CRISIS

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name.endswith("_severity"):
                value = _check(SEVERITIES, value, item.name)
                if value in (Severity.NOT_ASSESSED, Severity.ABSENT):
                    raise ValueError(f"{item.name} must be low, moderate or high")
            elif item.name.endswith("_level"):
                value = _check(LEVELS, value, item.name)
            elif item.name.endswith("_count") and (
                isinstance(value, bool) or not isinstance(value, int) or value < 1
            ):
                raise ValueError(f"{item.name} must be a whole number of at least 1")
            object.__setattr__(self, item.name, value)
        object.__setattr__(
            self,
            "imminent_enabling_factors",
            tuple(_factor_number(number) for number in self.imminent_enabling_factors),
        )


@dataclass(frozen=True)
class ToolLink:
    """One mapping from a risk factor (or one of its indicators) to a tool under one pillar."""

    entry_code: str
    tool_code: str
    tool_name: str
    pillar: int
    factor: int
    indicator: str | None = None
    strength: int = 2
    rationale: str = ""
    coercive: bool = False
    last_resort: bool = False

    def __post_init__(self) -> None:
        if self.pillar not in PILLARS:
            raise ValueError(f"{self.entry_code}: pillar must be 1, 2 or 3, not {self.pillar!r}")
        if isinstance(self.strength, bool) or self.strength not in (1, 2, 3):
            raise ValueError(f"{self.entry_code}: strength must be 1, 2 or 3")


@dataclass(frozen=True)
class Framework:
    """A snapshot of the reference data that scoring needs."""

    factors: tuple[FactorSpec, ...]
    crimes: tuple[CrimeSpec, ...]
    links: tuple[ToolLink, ...] = ()
    thresholds: Thresholds = field(default_factory=Thresholds)

    def __post_init__(self) -> None:
        object.__setattr__(self, "factors", tuple(sorted(self.factors, key=lambda f: f.number)))
        object.__setattr__(self, "crimes", tuple(self.crimes))
        object.__setattr__(self, "links", tuple(self.links))
        numbers = [factor.number for factor in self.factors]
        if len(set(numbers)) != len(numbers):
            raise ValueError("a risk factor number appears twice")
        owner: dict[str, int] = {}
        for factor in self.factors:
            for code in factor.indicator_codes:
                if code in owner:
                    raise ValueError(
                        f"indicator {code} belongs to RF{owner[code]} and RF{factor.number}"
                    )
                owner[code] = factor.number
        by_number = {factor.number: factor for factor in self.factors}
        keys = [crime.key for crime in self.crimes]
        if len(set(keys)) != len(keys):
            raise ValueError("a crime key appears twice")
        for crime in self.crimes:
            for number in crime.specific_factors:
                if by_number.get(number) is None or by_number[number].kind != FactorKind.SPECIFIC:
                    raise ValueError(f"{crime.key}: RF{number} is not a specific risk factor")
        for number in self.thresholds.imminent_enabling_factors:
            if by_number.get(number) is None or by_number[number].kind != FactorKind.COMMON:
                raise ValueError(f"enabling factor RF{number} is not a common risk factor")
        entries: dict[str, ToolLink] = {}
        for link in self.links:
            if link.factor not in by_number:
                raise ValueError(f"{link.entry_code}: unknown risk factor RF{link.factor}")
            if link.indicator is not None and owner.get(link.indicator) != link.factor:
                raise ValueError(
                    f"{link.entry_code}: {link.indicator} is not an indicator of RF{link.factor}"
                )
            first = entries.setdefault(link.entry_code, link)
            identity = ("tool_code", "tool_name", "pillar", "coercive", "last_resort")
            if any(getattr(first, name) != getattr(link, name) for name in identity):
                raise ValueError(f"{link.entry_code}: its links disagree on the tool or pillar")

    @cached_property
    def factor_by_number(self) -> Mapping[int, FactorSpec]:
        return {factor.number: factor for factor in self.factors}

    @cached_property
    def factor_of_indicator(self) -> Mapping[str, int]:
        return {code: factor.number for factor in self.factors for code in factor.indicator_codes}

    @cached_property
    def common_factors(self) -> tuple[int, ...]:
        return tuple(f.number for f in self.factors if f.kind == FactorKind.COMMON)

    @cached_property
    def _indicator_position(self) -> Mapping[str, int]:
        """Each code's place in its factor's list (the factor of ``factor_of_indicator``)."""
        positions: dict[str, int] = {}
        for factor in self.factors:
            first: dict[str, int] = {}
            for position, code in enumerate(factor.indicator_codes):
                first.setdefault(code, position)
            positions.update(first)
        return positions

    def indicator_sort_key(self, code: str) -> tuple[int, int, tuple[tuple[int, int | str], ...]]:
        """Framework order: by factor, then as listed; unknown codes last, naturally sorted."""
        number = self.factor_of_indicator.get(code)
        if number is None:
            return (1, 0, _code_key(code))
        return (0, number, ((0, self._indicator_position[code]),))


@dataclass(frozen=True)
class Rating:
    """An analyst's rating of one indicator."""

    severity: str
    trend: str = Trend.STABLE
    confidence: str = Confidence.MEDIUM

    def __post_init__(self) -> None:
        object.__setattr__(self, "severity", _check(SEVERITIES, self.severity, "severity"))
        object.__setattr__(self, "trend", _check(TRENDS, self.trend, "trend"))
        object.__setattr__(self, "confidence", _check(CONFIDENCES, self.confidence, "confidence"))


@dataclass(frozen=True)
class EscalationThresholds(_StoredSettings):
    """The escalation rules as data (admin-editable)."""

    sc_briefing_level: str = Level.CURRENT_CRISIS
    sc_briefing_postures: tuple[str, ...] = (Posture.UNWILLING, Posture.PERPETRATOR)
    brief_sg_level: str = Level.CURRENT_CRISIS
    brief_sg_rise: int = 2
    alert_sa_level: str = Level.IMMINENT_RISK
    alert_sa_rise: int = 1
    monitor_level: str = Level.SERIOUS_CONCERN
    monitor_insufficient_data: bool = True
    # The rungs whose escalation needs two reviewers, proposed or approved there.
    alert_sa_second_review: bool = False
    brief_sg_second_review: bool = True
    sc_briefing_second_review: bool = True

    def needs_second_review(self, *escalations: str) -> bool:
        """Whether an escalation proposed or decided at any of ``escalations`` needs two."""
        rungs = {
            Escalation.ALERT_SPECIAL_ADVISER.value: self.alert_sa_second_review,
            Escalation.BRIEF_SECRETARY_GENERAL.value: self.brief_sg_second_review,
            Escalation.REQUEST_SECURITY_COUNCIL_BRIEFING.value: self.sc_briefing_second_review,
        }
        return any(rungs.get(_check(ESCALATIONS, e, "escalation"), False) for e in escalations)

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name.endswith("_second_review") and not isinstance(value, bool):
                raise ValueError(f"{item.name} must be true or false")
            if item.name.endswith("_level"):
                object.__setattr__(self, item.name, _check(LEVELS, value, item.name))
            elif item.name.endswith("_rise") and (
                isinstance(value, bool) or not isinstance(value, int) or value < 1
            ):
                raise ValueError(f"{item.name} must be a whole number of at least 1")
        postures = tuple(_check(POSTURES, p, "posture") for p in self.sc_briefing_postures)
        object.__setattr__(self, "sc_briefing_postures", postures)


DEFAULT_THRESHOLDS = Thresholds()
DEFAULT_ESCALATION_THRESHOLDS = EscalationThresholds()


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------

#: The version of the stored shape of results and summaries (2: reasons as rule + parameters).
RESULT_SCHEMA = 2

#: A reason: a rule identifier and its parameters, all codes and numbers, never words:
#: ``{"rule": "imminent_conduct_factor", "factor": "RF10", "severity": "moderate",
#: "indicators": ["10.1"]}``. ``assessments.wording`` words it in the reader's language.
Reason = dict[str, Any]


def reason(rule: str, **params: Any) -> Reason:
    return {"rule": rule, **params}


def _factor_code(number: int) -> str:
    return f"RF{number}"


@dataclass(frozen=True)
class FactorResult:
    """A factor's level (None: not assessed) and the indicator codes at that level."""

    number: int
    level: str | None
    drivers: tuple[str, ...]
    reason: Reason

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "code": _factor_code(self.number),
            "level": self.level,
            "drivers": list(self.drivers),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class CrimeResult:
    """A crime's level with every rule that fired at that level."""

    key: str
    level: str
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "level": self.level, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Recommendation:
    """A recommended tool under one pillar.

    ``rationales`` say why each active link applies; ``pillar_reasons`` why its pillar
    applies at this posture and level; ``explanation`` shows how the score was reached and
    carries the last-resort note.
    """

    entry_code: str
    tool_code: str
    tool_name: str
    pillar: int
    score: int
    rank: int
    drivers: tuple[str, ...]
    rationales: tuple[Reason, ...]
    pillar_reasons: tuple[Reason, ...]
    last_resort: bool
    coercive: bool
    explanation: tuple[Reason, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "tool": self.tool_code,
            "tool_name": self.tool_name,
            "entry": self.entry_code,
            "pillar": self.pillar,
            "score": self.score,
            "rank": self.rank,
            "drivers": list(self.drivers),
            "rationales": list(self.rationales),
            "explanation": list(self.explanation),
            "pillar_reasons": list(self.pillar_reasons),
            "last_resort": self.last_resort,
            "coercive": self.coercive,
        }


@dataclass(frozen=True)
class Withheld:
    """A candidate tool that was not recommended, and why."""

    entry_code: str
    tool_code: str
    tool_name: str
    pillar: int
    score: int
    drivers: tuple[str, ...]
    reason: Reason
    coercive: bool
    last_resort: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "tool": self.tool_code,
            "tool_name": self.tool_name,
            "entry": self.entry_code,
            "pillar": self.pillar,
            "score": self.score,
            "drivers": list(self.drivers),
            "reason": self.reason,
            "coercive": self.coercive,
            "last_resort": self.last_resort,
        }


@dataclass(frozen=True)
class AssessmentResult:
    """Everything derived from one assessment.

    ``factors`` is keyed by factor number, ``crimes`` by crime key (in framework order),
    ``recommendations`` by pillar (1, 2, 3; always all three keys).
    ``ignored_codes`` are rated codes that are no indicator of the framework.
    """

    posture: str
    factors: Mapping[int, FactorResult]
    crimes: Mapping[str, CrimeResult]
    overall: str
    overall_reason: Reason
    overall_crimes: tuple[str, ...]
    recommendations: Mapping[int, tuple[Recommendation, ...]]
    withheld: tuple[Withheld, ...]
    ignored_codes: tuple[str, ...] = ()

    @property
    def all_recommendations(self) -> tuple[Recommendation, ...]:
        return tuple(rec for pillar in PILLARS for rec in self.recommendations.get(pillar, ()))

    def to_dict(self) -> dict[str, Any]:
        levels: dict[str, str] = {key: crime.level for key, crime in self.crimes.items()}
        levels["overall"] = self.overall
        reasons: dict[str, list[Reason]] = {
            key: list(crime.reasons) for key, crime in self.crimes.items()
        }
        reasons["overall"] = [self.overall_reason]
        return {
            "schema": RESULT_SCHEMA,
            "posture": self.posture,
            "levels": levels,
            "level_reasons": reasons,
            "overall_crimes": list(self.overall_crimes),
            "factor_levels": {str(number): f.level for number, f in self.factors.items()},
            "factors": [factor.to_dict() for factor in self.factors.values()],
            "recommendations": [rec.to_dict() for rec in self.all_recommendations],
            "withheld": [item.to_dict() for item in self.withheld],
            "ignored_codes": list(self.ignored_codes),
        }


# --------------------------------------------------------------------------------------------
# assess()
# --------------------------------------------------------------------------------------------


def _rated_at_least(ratings: Mapping[str, Rating], code: str, minimum: str) -> bool:
    rating = ratings.get(code)
    return rating is not None and _severity_at_least(rating.severity, minimum)


def _factor_result(spec: FactorSpec, ratings: Mapping[str, Rating]) -> FactorResult:
    assessed = [
        (code, ratings[code].severity)
        for code in spec.indicator_codes
        if code in ratings and ratings[code].severity != Severity.NOT_ASSESSED
    ]
    if not assessed:
        why = reason("factor_not_assessed", factor=spec.code, count=len(spec.indicator_codes))
        return FactorResult(spec.number, None, (), why)
    level = max((severity for _code, severity in assessed), key=_severity_rank)
    drivers = tuple(code for code, severity in assessed if severity == level)
    why = reason(
        "factor_level",
        factor=spec.code,
        severity=level,
        count=len(assessed),
        indicators=list(drivers),
    )
    return FactorResult(spec.number, level, drivers, why)


def _factor_state(result: FactorResult) -> dict[str, Any]:
    return {
        "factor": _factor_code(result.number),
        "severity": result.level or Severity.NOT_ASSESSED.value,
        "indicators": list(result.drivers),
    }


def _factor_reason(rule: str, result: FactorResult) -> Reason:
    return reason(rule, **_factor_state(result))


def _crime_result(
    framework: Framework, crime: CrimeSpec, factors: Mapping[int, FactorResult]
) -> CrimeResult:
    t = framework.thresholds
    common = framework.common_factors
    relevant = (*common, *crime.specific_factors)

    def at(number: int, minimum: str) -> bool:
        return _severity_at_least(factors[number].level, minimum)

    if all(factors[number].level is None for number in relevant):
        why = reason(
            "crime_insufficient_data",
            crime=crime.key,
            factors=[_factor_code(number) for number in relevant],
        )
        return CrimeResult(crime.key, Level.INSUFFICIENT_DATA.value, (why,))

    # Current crisis: a conduct factor shows the crime itself under way.
    crisis = [
        _factor_reason("crisis_conduct_factor", factors[number])
        for number in crime.conduct_factors
        if at(number, t.crisis_conduct_severity)
    ]
    if crisis:
        return CrimeResult(crime.key, Level.CURRENT_CRISIS.value, tuple(crisis))

    # Imminent risk.
    imminent = [
        _factor_reason("imminent_conduct_factor", factors[number])
        for number in crime.conduct_factors
        if at(number, t.imminent_conduct_severity)
    ]
    imminent += [
        _factor_reason("imminent_specific_factor", factors[number])
        for number in crime.specific_factors
        if at(number, t.imminent_specific_severity)
    ]
    common_hits = [number for number in common if at(number, t.imminent_common_severity)]
    enabling_hits = [
        number for number in t.imminent_enabling_factors if at(number, t.imminent_enabling_severity)
    ]
    if len(common_hits) >= t.imminent_common_count and enabling_hits:
        imminent.append(
            reason(
                "imminent_common_factors",
                count=len(common_hits),
                severity=t.imminent_common_severity,
                factors=[_factor_code(number) for number in common_hits],
                minimum=t.imminent_common_count,
                enabling_severity=t.imminent_enabling_severity,
                enabling=[_factor_state(factors[n]) for n in enabling_hits],
            )
        )
    if imminent:
        return CrimeResult(crime.key, Level.IMMINENT_RISK.value, tuple(imminent))

    # Serious concern.
    serious: list[Reason] = []
    common_hits = [number for number in common if at(number, t.serious_common_severity)]
    if len(common_hits) >= t.serious_common_count:
        serious.append(
            reason(
                "serious_common_factors",
                count=len(common_hits),
                severity=t.serious_common_severity,
                factors=[_factor_code(number) for number in common_hits],
                minimum=t.serious_common_count,
            )
        )
    serious += [
        _factor_reason("serious_specific_factor", factors[number])
        for number in crime.specific_factors
        if at(number, t.serious_specific_severity)
    ]
    if serious:
        return CrimeResult(crime.key, Level.SERIOUS_CONCERN.value, tuple(serious))

    low = reason(
        "low",
        count=len(common_hits),
        severity=t.serious_common_severity,
        minimum=t.serious_common_count,
        specific=t.serious_specific_severity,
    )
    return CrimeResult(crime.key, Level.LOW.value, (low,))


def _overall(crimes: Mapping[str, CrimeResult]) -> tuple[str, tuple[str, ...], Reason]:
    if not crimes:
        return Level.INSUFFICIENT_DATA.value, (), reason("overall_no_crimes")
    level = max((crime.level for crime in crimes.values()), key=level_rank)
    setters = tuple(key for key, crime in crimes.items() if crime.level == level)
    return level, setters, reason("overall_set_by", level=level, crimes=list(setters))


def _pillar_decision(
    pillar: int, coercive: bool, posture: str, overall: str, t: Thresholds
) -> tuple[bool, tuple[Reason, ...]]:
    """Whether a tool under ``pillar`` may be recommended, and why (R2P doctrine)."""
    reasons: list[Reason] = []
    if pillar == 1:
        if posture not in WILLING_POSTURES:
            return False, (reason("pillar1_withheld", posture=posture),)
        reasons.append(reason("pillar1", posture=posture))
    elif pillar == 2:
        minimum = t.pillar2_min_level
        by_posture = posture == Posture.WILLING_LACKS_CAPACITY
        by_level = _level_at_least(overall, minimum)
        if not (by_posture or by_level):
            why = reason("pillar2_withheld", posture=posture, level=overall, minimum=minimum)
            return False, (why,)
        if by_posture:
            reasons.append(reason("pillar2_capacity", posture=posture))
        if by_level:
            reasons.append(reason("pillar2_level", level=overall, minimum=minimum))
    else:
        minimum = t.pillar3_min_level
        if posture not in FAILING_POSTURES:
            return False, (reason("pillar3_withheld_posture", posture=posture),)
        if not _level_at_least(overall, minimum):
            return False, (reason("pillar3_withheld_level", level=overall, minimum=minimum),)
        reasons.append(reason("pillar3", posture=posture, level=overall, minimum=minimum))
    if coercive:
        minimum = t.coercive_min_level
        if posture not in FAILING_POSTURES:
            return False, (reason("coercive_withheld_posture", posture=posture),)
        if not _level_at_least(overall, minimum):
            return False, (reason("coercive_withheld_level", level=overall, minimum=minimum),)
        reasons.append(reason("coercive", level=overall, minimum=minimum))
    return True, tuple(reasons)


@dataclass(frozen=True)
class _Candidate:
    first: ToolLink
    score: int
    drivers: tuple[str, ...]
    rationales: tuple[Reason, ...]
    explanation: tuple[Reason, ...]


def _candidate(
    framework: Framework,
    links: list[ToolLink],
    ratings: Mapping[str, Rating],
) -> _Candidate | None:
    """Score one pillar entry from its active links; None when no link is active."""
    score = 0
    all_drivers: set[str] = set()
    # Links that share a rationale (the seed gives one per tool) are explained once.
    targets_by_rationale: dict[str, list[dict[str, Any]]] = {}
    explanation: list[Reason] = []
    for link in links:
        if link.indicator is None:
            codes = framework.factor_by_number[link.factor].indicator_codes
            target = _factor_code(link.factor)
        else:
            codes = (link.indicator,)
            target = link.indicator
        drivers = [code for code in codes if _rated_at_least(ratings, code, Severity.LOW)]
        if not drivers:
            continue
        strongest = max((ratings[code].severity for code in drivers), key=_severity_rank)
        weight = SEVERITY_WEIGHTS[strongest]
        points = link.strength * weight
        score += points
        all_drivers.update(drivers)
        if link.indicator is None:
            item: dict[str, Any] = {
                "factor": target,
                "drivers": [
                    {"indicator": code, "severity": ratings[code].severity} for code in drivers
                ],
            }
        else:
            item = {"indicator": target, "severity": strongest}
        targets_by_rationale.setdefault(link.rationale, []).append(item)
        explanation.append(
            reason(
                "link_points",
                target=target,
                strength=link.strength,
                weight=weight,
                severity=strongest,
                points=points,
            )
        )
    if not all_drivers:
        return None
    rationales = [
        reason("link_rationale", targets=targets, rationale=text)
        for text, targets in targets_by_rationale.items()
    ]
    ordered = tuple(sorted(all_drivers, key=framework.indicator_sort_key))
    for code in ordered:
        if ratings[code].trend == Trend.WORSENING:
            score += WORSENING_BONUS
            explanation.append(reason("worsening_bonus", bonus=WORSENING_BONUS, indicator=code))
    explanation.append(reason("score_total", score=score))
    if links[0].last_resort:
        explanation.append(reason("last_resort"))
    return _Candidate(links[0], score, ordered, tuple(rationales), tuple(explanation))


def _recommend(
    framework: Framework,
    ratings: Mapping[str, Rating],
    posture: str,
    overall: str,
) -> tuple[dict[int, tuple[Recommendation, ...]], tuple[Withheld, ...]]:
    by_entry: dict[str, list[ToolLink]] = {}
    for link in framework.links:
        by_entry.setdefault(link.entry_code, []).append(link)
    chosen: dict[int, list[tuple[_Candidate, tuple[Reason, ...]]]] = {
        pillar: [] for pillar in PILLARS
    }
    withheld: list[Withheld] = []
    for links in by_entry.values():
        candidate = _candidate(framework, links, ratings)
        if candidate is None:
            continue
        tool = candidate.first
        ok, reasons = _pillar_decision(
            tool.pillar, tool.coercive, posture, overall, framework.thresholds
        )
        if ok:
            chosen[tool.pillar].append((candidate, reasons))
        else:
            withheld.append(
                Withheld(
                    entry_code=tool.entry_code,
                    tool_code=tool.tool_code,
                    tool_name=tool.tool_name,
                    pillar=tool.pillar,
                    score=candidate.score,
                    drivers=candidate.drivers,
                    reason=reasons[0],
                    coercive=tool.coercive,
                    last_resort=tool.last_resort,
                )
            )
    recommendations: dict[int, tuple[Recommendation, ...]] = {}
    for pillar in PILLARS:
        ranked = sorted(
            chosen[pillar],
            key=lambda item: (-item[0].score, item[0].first.tool_code, item[0].first.entry_code),
        )
        recommendations[pillar] = tuple(
            Recommendation(
                entry_code=candidate.first.entry_code,
                tool_code=candidate.first.tool_code,
                tool_name=candidate.first.tool_name,
                pillar=pillar,
                score=candidate.score,
                rank=rank,
                drivers=candidate.drivers,
                rationales=candidate.rationales,
                pillar_reasons=reasons,
                last_resort=candidate.first.last_resort,
                coercive=candidate.first.coercive,
                explanation=candidate.explanation,
            )
            for rank, (candidate, reasons) in enumerate(ranked, start=1)
        )
    withheld.sort(key=lambda item: (item.pillar, -item.score, item.tool_code, item.entry_code))
    return recommendations, tuple(withheld)


def assess(framework: Framework, ratings: Mapping[str, Rating], posture: str) -> AssessmentResult:
    """Derive factor levels, crime levels, the overall level and ranked recommendations.

    ``ratings`` maps indicator codes ("7.5") to :class:`Rating`; codes that are no indicator
    of ``framework`` are ignored and listed in ``ignored_codes``. Unrated indicators count as
    not assessed.
    """
    posture = _check(POSTURES, posture, "posture")
    for code, rating in ratings.items():
        if not isinstance(rating, Rating):
            raise TypeError(f"rating of {code} must be a Rating, not {type(rating).__name__}")
    factors = {spec.number: _factor_result(spec, ratings) for spec in framework.factors}
    crimes = {
        crime.key: _crime_result(framework, crime, factors)
        for crime in framework.crimes
        if crime.specific_factors
    }
    overall, setters, overall_reason = _overall(crimes)
    recommendations, withheld = _recommend(framework, ratings, posture, overall)
    ignored = tuple(
        sorted(
            (code for code in ratings if code not in framework.factor_of_indicator), key=_code_key
        )
    )
    return AssessmentResult(
        posture=posture,
        factors=factors,
        crimes=crimes,
        overall=overall,
        overall_reason=overall_reason,
        overall_crimes=setters,
        recommendations=recommendations,
        withheld=withheld,
        ignored_codes=ignored,
    )


# --------------------------------------------------------------------------------------------
# propose_escalation()
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EscalationProposal:
    """The proposed escalation with every rule that fired (highest first)."""

    level: str
    reasons: tuple[Reason, ...]
    rise: int

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "reasons": list(self.reasons), "rise": self.rise}


def level_rise(previous: str | None, current: str) -> int:
    """Steps the level went up; 0 without a comparable previous level or when it went down.

    ``insufficient_data`` on either side is no comparable data.
    """
    current = _check(LEVELS, current, "level")
    if previous is None:
        return 0
    previous = _check(LEVELS, previous, "level")
    if Level.INSUFFICIENT_DATA in (previous, current):
        return 0
    return max(0, level_rank(current) - level_rank(previous))


def propose_escalation(
    *,
    current: AssessmentResult,
    previous_overall: str | None,
    posture: str,
    thresholds: EscalationThresholds = DEFAULT_ESCALATION_THRESHOLDS,
) -> EscalationProposal:
    """Propose an escalation from the overall level, its rise and the State's posture.

    ``previous_overall`` is the overall level of the previous approved assessment of the
    same situation (None when there is none).
    """
    posture = _check(POSTURES, posture, "posture")
    t = thresholds
    overall = current.overall
    rise = level_rise(previous_overall, overall)
    fired: dict[str, list[Reason]] = {level: [] for level in ESCALATIONS}

    def by_level(escalation: str, minimum: str) -> None:
        if _level_at_least(overall, minimum):
            fired[escalation].append(
                reason("escalation_level", escalation=escalation, level=overall, minimum=minimum)
            )

    def by_rise(escalation: str, minimum: int) -> None:
        if rise >= minimum:
            fired[escalation].append(
                reason(
                    "escalation_rise",
                    escalation=escalation,
                    rise=rise,
                    minimum=minimum,
                    previous=previous_overall or Level.INSUFFICIENT_DATA.value,
                    level=overall,
                )
            )

    sc = Escalation.REQUEST_SECURITY_COUNCIL_BRIEFING.value
    if _level_at_least(overall, t.sc_briefing_level) and posture in t.sc_briefing_postures:
        fired[sc].append(
            reason(
                "escalation_sc_briefing",
                escalation=sc,
                level=overall,
                minimum=t.sc_briefing_level,
                posture=posture,
            )
        )
    by_level(Escalation.BRIEF_SECRETARY_GENERAL.value, t.brief_sg_level)
    by_rise(Escalation.BRIEF_SECRETARY_GENERAL.value, t.brief_sg_rise)
    by_level(Escalation.ALERT_SPECIAL_ADVISER.value, t.alert_sa_level)
    by_rise(Escalation.ALERT_SPECIAL_ADVISER.value, t.alert_sa_rise)
    by_level(Escalation.KEEP_MONITORING.value, t.monitor_level)
    if overall == Level.INSUFFICIENT_DATA and t.monitor_insufficient_data:
        fired[Escalation.KEEP_MONITORING].append(
            reason("escalation_insufficient_data", escalation=Escalation.KEEP_MONITORING.value)
        )
    reasons = tuple(why for level in reversed(ESCALATIONS) for why in fired[level])
    if reasons:
        level = next(level for level in reversed(ESCALATIONS) if fired[level])
        return EscalationProposal(level, reasons, rise)
    values = {"escalation": Escalation.NONE.value, "level": overall, "minimum": t.monitor_level}
    if rise:
        why = reason("escalation_none_rose", rise=rise, **values)
    else:
        why = reason("escalation_none", **values)
    return EscalationProposal(Escalation.NONE.value, (why,), rise)


# --------------------------------------------------------------------------------------------
# compare()
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelChange:
    """A crime's (or "overall") level then and now; ``from_level`` None on a first assessment."""

    key: str
    from_level: str | None
    to_level: str
    direction: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "from": self.from_level,
            "to": self.to_level,
            "direction": self.direction,
        }


@dataclass(frozen=True)
class IndicatorChange:
    """An indicator whose severity moved (unrated counts as not assessed)."""

    code: str
    factor: int | None
    from_severity: str
    to_severity: str
    direction: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "factor": self.factor,
            "from": self.from_severity,
            "to": self.to_severity,
            "direction": self.direction,
        }


@dataclass(frozen=True)
class Changes:
    """What changed since the previous approved assessment.

    On a first assessment there is nothing to compare: ``level_changes`` have direction
    "new", ``indicator_changes`` is empty and ``new_triggers`` lists every trigger now rated.
    """

    first_assessment: bool
    level_changes: tuple[LevelChange, ...]
    indicator_changes: tuple[IndicatorChange, ...]
    new_triggers: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "first_assessment": self.first_assessment,
            "level_changes": [change.to_dict() for change in self.level_changes],
            "indicator_changes": [change.to_dict() for change in self.indicator_changes],
            "new_triggers": list(self.new_triggers),
        }


def _direction(before: int, after: int) -> str:
    if after > before:
        return Direction.UP.value
    if after < before:
        return Direction.DOWN.value
    return Direction.SAME.value


def compare(
    previous: Mapping[str, Rating] | None,
    current: Mapping[str, Rating],
    previous_result: AssessmentResult | None,
    current_result: AssessmentResult,
    *,
    framework: Framework,
    trigger_factors: Iterable[int] = (8,),
) -> Changes:
    """Compare an assessment with the previous approved one of the same situation.

    ``previous`` None (or ``previous_result`` None) means this is the first assessment.
    New triggers are indicators of ``trigger_factors`` (RF8, triggering factors) rated low
    or higher now that were not low or higher before.
    """
    first = previous is None or previous_result is None
    before = previous or {}
    previous_levels: dict[str, str] = {}
    if previous_result is not None:
        previous_levels = {key: crime.level for key, crime in previous_result.crimes.items()}
        previous_levels["overall"] = previous_result.overall
    current_levels = {key: crime.level for key, crime in current_result.crimes.items()}
    current_levels["overall"] = current_result.overall
    level_changes: list[LevelChange] = []
    for key, new in current_levels.items():
        old = None if first else previous_levels.get(key)
        if old is None:
            direction = Direction.NEW.value
        else:
            direction = _direction(level_rank(old), level_rank(new))
        level_changes.append(LevelChange(key, old, new, direction))
    indicator_changes: list[IndicatorChange] = []
    if not first:
        for code in sorted(set(before) | set(current), key=framework.indicator_sort_key):
            old_severity = before[code].severity if code in before else Severity.NOT_ASSESSED.value
            new_severity = (
                current[code].severity if code in current else Severity.NOT_ASSESSED.value
            )
            if old_severity != new_severity:
                indicator_changes.append(
                    IndicatorChange(
                        code=code,
                        factor=framework.factor_of_indicator.get(code),
                        from_severity=old_severity,
                        to_severity=new_severity,
                        direction=_direction(
                            severity_rank(old_severity), severity_rank(new_severity)
                        ),
                    )
                )
    trigger_codes = [
        code
        for number in trigger_factors
        for code in framework.factor_by_number[_factor_number(number)].indicator_codes
    ]
    new_triggers = tuple(
        code
        for code in trigger_codes
        if _rated_at_least(current, code, Severity.LOW)
        and not _rated_at_least(before, code, Severity.LOW)
    )
    return Changes(first, tuple(level_changes), tuple(indicator_changes), new_triggers)
