"""Drafting the content of an escalation summary: a snapshot that explains itself.

The content is plain JSON, built from the assessment as it stands, the previous approved
assessment of the same situation, and the framework data; its SHA-256 over a canonical
encoding is what a reviewer's decision binds to.
"""

import hashlib
import json
from typing import Any

from django.utils import timezone

from assessments import groups, response, scales, scoring, selectors
from assessments.models import Assessment, IndicatorRating, Situation
from framework.models import Pillar, RiskFactor

#: Schema 2: reasons are rule + parameters, worded when shown (``assessments.wording``).
SCHEMA_VERSION = scoring.RESULT_SCHEMA


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _ratings(assessment: Assessment) -> list[IndicatorRating]:
    return list(
        assessment.ratings.select_related("indicator__factor")
        .prefetch_related("sources", "groups")
        .order_by("indicator__factor__number", "indicator__order")
    )


def build_summary_content(assessment: Assessment) -> dict[str, Any]:
    """The summary of ``assessment`` as a JSON-serialisable dict (a fixed number of queries)."""
    ratings = _ratings(assessment)
    previous = selectors.previous_approved(assessment)
    previous_ratings = _ratings(previous) if previous else []
    framework = selectors.scoring_framework(
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
        thresholds=selectors.escalation_thresholds(),
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
        "drivers": _drivers(result, ratings),
        "recommendations": {
            str(pillar): [rec.to_dict() for rec in result.recommendations.get(pillar, ())]
            for pillar in scoring.PILLARS
        },
        "reports": _reports_by_pillar(),
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


def _drivers(result: scoring.AssessmentResult, ratings: list[IndicatorRating]) -> list[dict]:
    """Factors at low or higher, strongest first, with their rated indicators and evidence."""
    titles = dict(RiskFactor.objects.values_list("number", "title"))
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
