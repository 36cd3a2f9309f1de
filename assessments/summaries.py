"""Drafting the content of an escalation summary: a snapshot that explains itself.

The content is plain JSON, built from the assessment as it stands, the previous approved
assessment of the same situation, and the framework data; its SHA-256 over a canonical
encoding is what a reviewer's decision binds to.
"""

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import prefetch_related_objects
from django.utils import timezone

from assessments import groups, response, scales, scoring, selectors
from assessments.models import Assessment, IndicatorRating, Situation
from framework.cache import Kept, Stamp, framework_tables
from framework.models import Indicator, Pillar, RiskFactor

#: Schema 2: reasons are rule + parameters, worded when shown (``assessments.wording``).
SCHEMA_VERSION = scoring.RESULT_SCHEMA


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# The reference data a summary is drafted from, kept per process ------------------------------


@dataclass
class DraftingReference:
    """What every summary reads of the reference data, read once per process and stamp:
    the scoring framework (per set of retired indicators rated), the escalation thresholds,
    the factors' titles and the reports by pillar. Read it, never change its objects."""

    stamp: Stamp
    active_indicators: frozenset[int]
    escalation: scoring.EscalationThresholds
    titles: dict[int, str]
    reports: dict[str, list[dict[str, Any]]]
    _frameworks: dict[frozenset[int], scoring.Framework] = field(default_factory=dict)

    def framework(self, indicator_ids: set[int]) -> scoring.Framework:
        """:func:`selectors.scoring_framework` of the rated ``indicator_ids``: the retired
        ones among them count."""
        retired = frozenset(indicator_ids) - self.active_indicators
        found = self._frameworks.get(retired)
        if found is None:
            found = self._frameworks[retired] = selectors.scoring_framework(set(retired))
        return found


def _read_reference(stamp: Stamp) -> DraftingReference:
    return DraftingReference(
        stamp=stamp,
        active_indicators=frozenset(Indicator.objects.active().values_list("pk", flat=True)),
        escalation=selectors.escalation_thresholds(),
        titles=dict(RiskFactor.objects.values_list("number", "title")),
        reports=_reports_by_pillar(),
    )


_reference: Kept[DraftingReference] = Kept(_read_reference, framework_tables)


def drafting_reference() -> DraftingReference:
    """This process's :class:`DraftingReference` while the reference data have not changed
    (one query to tell), else read again."""
    return _reference.get()


def forget_reference() -> None:
    """Drop this process's copy: the next summary reads the reference data again."""
    _reference.forget()


# Drafting ------------------------------------------------------------------------------------


def _ratings(assessment: Assessment) -> list[IndicatorRating]:
    """The ratings with their evidence and, for those of the factors that may name groups,
    the groups they name (no query for the groups when none may)."""
    # The translations of the indicator and factor are not part of a summary: not decoded.
    ratings = list(
        assessment.ratings.select_related("indicator__factor")
        .defer("indicator__translations", "indicator__factor__translations")
        .prefetch_related("sources")
        .order_by("indicator__factor__number", "indicator__order")
    )
    naming = [r for r in ratings if groups.may_name_groups(r.indicator.factor.number)]
    if naming:
        prefetch_related_objects(naming, "groups")
    return ratings


def _scored_ratings(assessment: Assessment) -> list[IndicatorRating]:
    """The ratings as scoring reads them: code, severity, trend and confidence."""
    return list(
        assessment.ratings.select_related("indicator")
        .only("assessment_id", "indicator_id", "severity", "trend", "confidence", "indicator__code")
        .order_by("indicator__factor__number", "indicator__order")
    )


def _previous_approved(assessment: Assessment) -> Assessment | None:
    """:func:`selectors.previous_approved`, without the stored result and narrative it does
    not need."""
    return (
        Assessment.objects.approved()
        .filter(situation_id=assessment.situation_id, as_of__lte=assessment.as_of)
        .exclude(pk=assessment.pk)
        .order_by("-as_of", "-pk")
        .only("pk", "as_of", "posture", "situation_id")
        .first()
    )


def build_summary_content(assessment: Assessment) -> dict[str, Any]:
    """The summary of ``assessment`` as a JSON-serialisable dict (a fixed number of queries)."""
    reference = drafting_reference()
    ratings = _ratings(assessment)
    previous = _previous_approved(assessment)
    previous_ratings = _scored_ratings(previous) if previous else []
    framework = reference.framework(
        {r.indicator_id for r in ratings} | {r.indicator_id for r in previous_ratings}
    )
    current_scores = selectors.ratings_for_scoring(ratings)
    result = scoring.assess(framework, current_scores, assessment.posture)
    previous_result = None
    previous_scores = None
    if previous is not None:
        previous_scores = selectors.ratings_for_scoring(previous_ratings)
        previous_result = scoring.assess(framework, previous_scores, previous.posture)
    changes = scoring.compare(
        previous_scores, current_scores, previous_result, result, framework=framework
    )
    proposal = scoring.propose_escalation(
        current=result,
        previous_overall=previous_result.overall if previous_result else None,
        posture=assessment.posture,
        thresholds=reference.escalation,
    )
    situation = assessment.situation
    return {
        "schema": SCHEMA_VERSION,
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "situation": {
            "code": situation.code,
            "name": situation.name,
            "country": str(situation.country),
            "region": situation.region,
            # Earlier summaries carried the free texts "populations_at_risk" and
            # "protected_groups" here instead; the templates show either.
            "groups": _groups(situation, ratings),
            "confidentiality": situation.confidentiality,
        },
        "assessment": {
            "id": assessment.pk,
            "revision": assessment.revision,
            "as_of": assessment.as_of.isoformat(),
            "posture": assessment.posture,
            "author": assessment.author.get_full_name() or assessment.author.get_username(),
            "narrative": assessment.narrative,
        },
        "levels": {**{k: c.level for k, c in result.crimes.items()}, "overall": result.overall},
        "level_reasons": {
            **{k: list(c.reasons) for k, c in result.crimes.items()},
            "overall": [result.overall_reason],
        },
        "previous": (
            {
                "id": previous.pk,
                "as_of": previous.as_of.isoformat(),
                "overall": previous_result.overall if previous_result else None,
            }
            if previous
            else None
        ),
        "changes": changes.to_dict(),
        # What was done since the last approval: actions completed, and those overdue.
        "response": response.summary_section(assessment),
        "drivers": _drivers(result, ratings, reference.titles),
        "recommendations": {
            str(pillar): [rec.to_dict() for rec in result.recommendations.get(pillar, ())]
            for pillar in scoring.PILLARS
        },
        # A copy: the content is the summary's own, the reference shared by the process.
        "reports": {pillar: [dict(r) for r in rows] for pillar, rows in reference.reports.items()},
        "escalation": proposal.to_dict(),
    }


def _groups(situation: Situation, ratings: list[IndicatorRating]) -> list[dict[str, Any]]:
    """The situation's groups at risk, each with the genocide-factor ratings (RF9, RF10) of
    this assessment that name it."""
    naming: dict[int, list[IndicatorRating]] = {}
    for rating in ratings:
        if groups.may_name_groups(rating.indicator.factor.number):
            for group in rating.groups.all():
                naming.setdefault(group.pk, []).append(rating)
    return [
        {
            "id": group.pk,
            "name": group.name,
            "kind": group.kind,
            "indicators": [
                {"code": r.indicator.code, "severity": r.severity} for r in naming.get(group.pk, [])
            ],
        }
        for group in situation.groups.order_by("name", "pk")
    ]


def _drivers(
    result: scoring.AssessmentResult, ratings: list[IndicatorRating], titles: dict[int, str]
) -> list[dict]:
    """Factors at low or higher, strongest first, with their rated indicators and evidence."""
    by_factor: dict[int, list[IndicatorRating]] = {}
    for rating in ratings:
        if scales.severity_rank(rating.severity) >= scales.severity_rank("low"):
            by_factor.setdefault(rating.indicator.factor.number, []).append(rating)
    factors = [
        factor
        for factor in result.factors.values()
        if factor.level and scales.severity_rank(factor.level) >= scales.severity_rank("low")
    ]
    factors.sort(key=lambda f: (-scales.severity_rank(f.level or "absent"), f.number))
    return [
        {
            "factor": factor.number,
            "title": titles.get(factor.number, ""),
            "level": factor.level,
            "reason": factor.reason,
            "indicators": [
                {
                    "code": r.indicator.code,
                    "label": r.indicator.label,
                    "severity": r.severity,
                    "trend": r.trend,
                    "confidence": r.confidence,
                    "note": r.note,
                    "sources": [
                        {"reliability": s.reliability, "citation": s.citation}
                        for s in r.sources.all()
                    ],
                }
                for r in sorted(
                    by_factor.get(factor.number, []),
                    key=lambda r: -scales.severity_rank(r.severity),
                )
            ],
        }
        for factor in factors
    ]


def _reports_by_pillar() -> dict[str, list[dict[str, Any]]]:
    return {
        str(pillar.number): [
            {"year": r.year, "title": r.title, "symbol": r.symbol} for r in pillar.reports.all()
        ]
        for pillar in Pillar.objects.active().prefetch_related("reports")
    }
