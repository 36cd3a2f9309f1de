"""The exchange format: one JSON object per assessment (see README, "Exchange format")."""

from typing import Any

from assessments.models import Assessment

FORMAT_VERSION = 1


def assessment_to_dict(assessment: Assessment) -> dict[str, Any]:
    """Export one assessment; ``ratings`` and ``sources`` should be prefetched."""
    result = assessment.result or {}
    return {
        "situation": {
            "code": assessment.situation.code,
            "name": assessment.situation.name,
            "country": str(assessment.situation.country),
        },
        "as_of": assessment.as_of.isoformat(),
        "posture": assessment.posture,
        "status": assessment.status,
        "revision": assessment.revision,
        "author": assessment.author.get_username(),
        "narrative": assessment.narrative,
        "ratings": {
            rating.indicator.code: {
                "severity": rating.severity,
                "trend": rating.trend,
                "confidence": rating.confidence,
                "note": rating.note,
                "sources": [
                    {"reliability": s.reliability, "citation": s.citation}
                    for s in rating.sources.all()
                ],
            }
            for rating in assessment.ratings.all()
            if rating.severity != "not_assessed"
        },
        "levels": result.get("levels", {}),
        "factor_levels": result.get("factor_levels", {}),
        "recommendations": [
            {
                "tool": rec["tool"],
                "entry": rec["entry"],
                "pillar": rec["pillar"],
                "score": rec["score"],
                "rank": rec["rank"],
                "drivers": rec["drivers"],
            }
            for rec in result.get("recommendations", [])
        ],
    }
