"""The one vocabulary of the app: the ordered scales and their names.

Severity, trend, confidence, risk level, the State's protection posture and the rungs of
escalation are defined here once. The scoring module, the models' choices, the exchange
format, the framework's thresholds and the templates all derive from these. No ORM, no
settings: the names are marked for translation here and translated when shown.
"""

from collections.abc import Iterable, Mapping
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy


def gettext_noop(message: str) -> str:
    """Mark ``message`` for translation without translating it (makemessages finds the name).

    Django's own ``gettext_noop`` reads settings, which this module never needs.
    """
    return message


class Severity(StrEnum):
    """Severity of one indicator, in increasing order; ``not_assessed`` means no data."""

    NOT_ASSESSED = "not_assessed"
    ABSENT = "absent"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class Trend(StrEnum):
    IMPROVING = "improving"
    STABLE = "stable"
    WORSENING = "worsening"


class Confidence(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Level(StrEnum):
    """Risk level of a crime or overall, in increasing order (R2P Monitor categories)."""

    INSUFFICIENT_DATA = "insufficient_data"
    LOW = "low"
    SERIOUS_CONCERN = "serious_concern"
    IMMINENT_RISK = "imminent_risk"
    CURRENT_CRISIS = "current_crisis"


class Posture(StrEnum):
    """The State's protection posture, the question at the heart of R2P."""

    WILLING_ABLE = "willing_able"
    WILLING_LACKS_CAPACITY = "willing_lacks_capacity"
    UNWILLING = "unwilling"
    PERPETRATOR = "perpetrator"


class Escalation(StrEnum):
    """The rungs of the escalation ladder, in increasing order."""

    NONE = "none"
    KEEP_MONITORING = "keep_monitoring"
    ALERT_SPECIAL_ADVISER = "alert_special_adviser"
    BRIEF_SECRETARY_GENERAL = "brief_secretary_general"
    REQUEST_SECURITY_COUNCIL_BRIEFING = "request_security_council_briefing"


class FactorKind(StrEnum):
    COMMON = "common"
    SPECIFIC = "specific"


SEVERITIES: tuple[str, ...] = tuple(member.value for member in Severity)
TRENDS: tuple[str, ...] = tuple(member.value for member in Trend)
CONFIDENCES: tuple[str, ...] = tuple(member.value for member in Confidence)
LEVELS: tuple[str, ...] = tuple(member.value for member in Level)
POSTURES: tuple[str, ...] = tuple(member.value for member in Posture)
ESCALATIONS: tuple[str, ...] = tuple(member.value for member in Escalation)
FACTOR_KINDS: tuple[str, ...] = tuple(member.value for member in FactorKind)

#: Severities that a rating states (everything but "not assessed").
RATED_SEVERITIES: tuple[str, ...] = SEVERITIES[1:]
#: Severities a threshold can name (a rule fires from one of these up).
THRESHOLD_SEVERITIES: tuple[str, ...] = (Severity.LOW, Severity.MODERATE, Severity.HIGH)
#: Levels a threshold can name (the R2P Monitor categories).
THRESHOLD_LEVELS: tuple[str, ...] = (
    Level.SERIOUS_CONCERN,
    Level.IMMINENT_RISK,
    Level.CURRENT_CRISIS,
)

SEVERITY_LABELS: Mapping[str, str] = {
    Severity.NOT_ASSESSED: gettext_noop("not assessed"),
    Severity.ABSENT: gettext_noop("absent"),
    Severity.LOW: gettext_noop("low"),
    Severity.MODERATE: gettext_noop("moderate"),
    Severity.HIGH: gettext_noop("high"),
}
TREND_LABELS: Mapping[str, str] = {
    Trend.IMPROVING: gettext_noop("improving"),
    Trend.STABLE: gettext_noop("stable"),
    Trend.WORSENING: gettext_noop("worsening"),
}
CONFIDENCE_LABELS: Mapping[str, str] = {
    Confidence.LOW: gettext_noop("low"),
    Confidence.MEDIUM: gettext_noop("medium"),
    Confidence.HIGH: gettext_noop("high"),
}
LEVEL_LABELS: Mapping[str, str] = {
    Level.INSUFFICIENT_DATA: gettext_noop("insufficient data"),
    Level.LOW: gettext_noop("low"),
    Level.SERIOUS_CONCERN: gettext_noop("serious concern"),
    Level.IMMINENT_RISK: gettext_noop("imminent risk"),
    Level.CURRENT_CRISIS: gettext_noop("current crisis"),
}
POSTURE_LABELS: Mapping[str, str] = {
    Posture.WILLING_ABLE: gettext_noop("willing and able to protect"),
    Posture.WILLING_LACKS_CAPACITY: gettext_noop("willing but lacking capacity"),
    Posture.UNWILLING: gettext_noop("unwilling to protect"),
    Posture.PERPETRATOR: gettext_noop("itself a perpetrator"),
}
#: The posture as a clause: "Pillar III withheld: the State is willing and able".
POSTURE_CLAUSES: Mapping[str, str] = {
    Posture.WILLING_ABLE: gettext_noop("the State is willing and able"),
    Posture.WILLING_LACKS_CAPACITY: gettext_noop("the State is willing but lacks capacity"),
    Posture.UNWILLING: gettext_noop("the State is unwilling"),
    Posture.PERPETRATOR: gettext_noop("the State is itself a perpetrator"),
}
ESCALATION_LABELS: Mapping[str, str] = {
    Escalation.NONE: gettext_noop("no escalation"),
    Escalation.KEEP_MONITORING: gettext_noop("keep monitoring"),
    Escalation.ALERT_SPECIAL_ADVISER: gettext_noop("alert the Special Adviser"),
    Escalation.BRIEF_SECRETARY_GENERAL: gettext_noop("brief the Secretary-General"),
    Escalation.REQUEST_SECURITY_COUNCIL_BRIEFING: gettext_noop(
        "request a Security Council briefing"
    ),
}
FACTOR_KIND_LABELS: Mapping[str, str] = {
    FactorKind.COMMON: gettext_noop("common"),
    FactorKind.SPECIFIC: gettext_noop("specific"),
}


#: The crimes of the Framework in the order the app lists them (PRODUCT.md); a stored result
#: keeps its levels in a JSON object, whose key order a database need not keep.
CRIMES_IN_ORDER: tuple[str, ...] = ("genocide", "crimes_against_humanity", "war_crimes")


def crime_sort_key(key: str) -> tuple[int, str]:
    """Order crime keys as the app lists them; any other crime after them, by key."""
    if key in CRIMES_IN_ORDER:
        return (CRIMES_IN_ORDER.index(key), key)
    return (len(CRIMES_IN_ORDER), key)


def check(scale: tuple[str, ...], value: str, what: str) -> str:
    """Return ``value`` as a plain string, or raise ``ValueError`` if it is not on ``scale``."""
    if value not in scale:
        raise ValueError(f"unknown {what} {value!r}; expected one of {', '.join(scale)}")
    return str(scale[scale.index(value)])


def severity_rank(severity: str) -> int:
    """Position of ``severity`` on the severity scale (not_assessed is 0)."""
    return SEVERITIES.index(check(SEVERITIES, severity, "severity"))


def level_rank(level: str) -> int:
    """Position of ``level`` on the level scale (insufficient_data is 0)."""
    return LEVELS.index(check(LEVELS, level, "level"))


def crime_level_moves(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, int]:
    """Each crime's steps up the level scale (negative: down) from ``before`` to ``after``
    (crimes' levels keyed by crime, as an assessment stores them; a crime missing from one
    reads as insufficient data), for the crimes whose level moved, in the app's crime order."""
    keys = sorted({key for key in (*before, *after) if key != "overall"}, key=crime_sort_key)
    moves = {
        key: level_rank(after.get(key, Level.INSUFFICIENT_DATA))
        - level_rank(before.get(key, Level.INSUFFICIENT_DATA))
        for key in keys
    }
    return {key: move for key, move in moves.items() if move}


def escalation_rank(escalation: str) -> int:
    """Position of ``escalation`` on the escalation scale (none is 0)."""
    return ESCALATIONS.index(check(ESCALATIONS, escalation, "escalation"))


def severity_label(severity: str) -> str:
    return gettext(SEVERITY_LABELS[check(SEVERITIES, severity, "severity")])


def trend_label(trend: str) -> str:
    return gettext(TREND_LABELS[check(TRENDS, trend, "trend")])


def confidence_label(confidence: str) -> str:
    return gettext(CONFIDENCE_LABELS[check(CONFIDENCES, confidence, "confidence")])


def level_label(level: str) -> str:
    return gettext(LEVEL_LABELS[check(LEVELS, level, "level")])


def posture_label(posture: str) -> str:
    return gettext(POSTURE_LABELS[check(POSTURES, posture, "posture")])


def posture_clause(posture: str) -> str:
    return gettext(POSTURE_CLAUSES[check(POSTURES, posture, "posture")])


def escalation_label(escalation: str) -> str:
    return gettext(ESCALATION_LABELS[check(ESCALATIONS, escalation, "escalation")])


def choices(
    labels: Mapping[str, str], only: Iterable[str] | None = None
) -> list[tuple[str, Promise]]:
    """Django ``choices`` from a scale's names (translated when shown), in scale order."""
    keep = set(only) if only is not None else None
    return [
        (str(value), gettext_lazy(label))
        for value, label in labels.items()
        if keep is None or value in keep
    ]


SEVERITY_CHOICES = choices(SEVERITY_LABELS)
TREND_CHOICES = choices(TREND_LABELS)
CONFIDENCE_CHOICES = choices(CONFIDENCE_LABELS)
LEVEL_CHOICES = choices(LEVEL_LABELS)
POSTURE_CHOICES = choices(POSTURE_LABELS)
ESCALATION_CHOICES = choices(ESCALATION_LABELS)
FACTOR_KIND_CHOICES = choices(FACTOR_KIND_LABELS)
THRESHOLD_SEVERITY_CHOICES = choices(SEVERITY_LABELS, only=THRESHOLD_SEVERITIES)
THRESHOLD_LEVEL_CHOICES = choices(LEVEL_LABELS, only=THRESHOLD_LEVELS)
