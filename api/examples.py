"""An example of every answer the API gives, by schema component; the schema carries each one
on every operation that answers with it (``attach_examples``, a drf-spectacular hook). The
tests validate each example against its component, so an example never drifts from the shape.
"""

from typing import Any

HASH = "9f2c4e0b7a1d3c5e8f6a4b2d0c9e7f5a3b1d8c6e4f2a0b9d7c5e3f1a8b6d4c2e"

REASON = {
    "rule": "imminent_conduct_factor",
    "params": {"crime": "crimes_against_humanity", "factor": "RF10", "severity": "high"},
    "text": "RF10 (signs of a plan or policy to attack civilians) rated high for crimes "
    "against humanity.",
}

SITUATION = {
    "id": 12,
    "code": "sd-north-darfur",
    "name": "North Darfur",
    "country": "SD",
    "country_name": "Sudan",
    "region": "Darfur",
    "groups": [
        {"id": 3, "name": "Fur", "kind": "ethnical"},
        {"id": 4, "name": "Masalit", "kind": "ethnical"},
        {"id": 7, "name": "Displaced people around El Fasher", "kind": "other"},
    ],
    "review_cadence_days": 30,
    "confidentiality": "confidential",
    "analysts": ["analyst"],
    "level": "imminent_risk",
    "level_approved": True,
    "last_assessed": "2026-05-01",
    "overdue": False,
    "latest_status": "approved",
    "url": "/api/v1/situations/12/",
    "web_url": "/situations/12/",
}

ASSESSMENT_LIST = {
    "id": 240,
    "situation": 12,
    "as_of": "2026-05-01",
    "posture": "unwilling",
    "status": "in_review",
    "revision": 1,
    "lock_version": 4,
    "overall_level": "imminent_risk",
    "author": "analyst",
    "reviewer": None,
    "created_at": "2026-04-28T09:12:00Z",
    "updated_at": "2026-05-01T16:40:00Z",
    "url": "/api/v1/assessments/240/",
    "web_url": "/assessments/240/",
}

ASSESSMENT = {
    **ASSESSMENT_LIST,
    "narrative": "Sieges of the camps continue; two missions report killings of civilians.",
    "ratings": [
        {
            "indicator": "10.1",
            "factor": 10,
            "severity": "high",
            "trend": "worsening",
            "confidence": "medium",
            "note": "Reports of lists of targets by ethnicity.",
            "sources": [{"grade": "B", "citation": "Panel of Experts, S/2026/123"}],
        }
    ],
    "levels": [
        {"key": "crimes_against_humanity", "level": "imminent_risk", "reasons": [REASON]},
        {
            "key": "overall",
            "level": "imminent_risk",
            "reasons": [
                {
                    "rule": "overall_set_by",
                    "params": {"crimes": ["crimes_against_humanity"], "level": "imminent_risk"},
                    "text": "Set by crimes against humanity at imminent risk.",
                }
            ],
        },
    ],
    "recommendations": [
        {
            "entry": "P2-preventive-diplomacy",
            "tool": "preventive-diplomacy",
            "tool_name": "Preventive diplomacy",
            "pillar": 2,
            "score": 6,
            "rank": 1,
            "coercive": False,
            "last_resort": False,
            "rationales": [],
            "pillar_reasons": [],
            "response": {
                "accepted": True,
                "reason": "The envoy is in the region.",
                "by": "analyst",
                "at": "2026-05-01T16:30:00Z",
            },
        }
    ],
    "summary": "/api/v1/assessments/240/summary/",
}

DECISION = {
    "id": 31,
    "assessment": 240,
    "situation": 12,
    "summary_revision": 1,
    "approved": True,
    "proposed_level": "alert_special_adviser",
    "level": "alert_special_adviser",
    "reason": "",
    "content_hash": HASH,
    "reviewer": "reviewer",
    "author": "analyst",
    "decided_at": "2026-05-02T10:05:00Z",
    "first_review": None,
}

FIRST_REVIEW = {
    "id": 4,
    "assessment": 241,
    "situation": 12,
    "summary_revision": 1,
    "approved": True,
    "proposed_level": "brief_secretary_general",
    "level": "brief_secretary_general",
    "reason": "",
    "content_hash": HASH,
    "reviewer": "reviewer",
    "author": "analyst",
    "decided_at": "2026-05-02T10:05:00Z",
}

SUMMARY = {
    "id": 77,
    "assessment": 240,
    "revision": 1,
    "status": "ready",
    "proposed_escalation": "alert_special_adviser",
    "content": {"situation": {"name": "North Darfur"}, "levels": {"overall": "imminent_risk"}},
    "content_hash": HASH,
    "words": {"escalation": ["Imminent risk: alert the Special Adviser."]},
    "error": "",
    "created_at": "2026-05-01T16:40:00Z",
    "ready_at": "2026-05-01T16:40:02Z",
    "decision": DECISION,
    "pdf": "/api/v1/assessments/240/summary/pdf/?revision=1",
}

TIMELINE_ENTRY = {
    "id": 901,
    "assessment": 240,
    "at": "2026-05-01T16:40:00Z",
    "actor": "analyst",
    "event": "submitted",
    "from_status": "draft",
    "to_status": "submitted",
    "revision": 1,
    "params": {},
    "reason": "",
    "text": "",
}

WATCH = {
    "counts": [
        {"level": "current_crisis", "count": 2},
        {"level": "imminent_risk", "count": 5},
        {"level": None, "count": 1},
    ],
    "movers": [
        {
            "situation": 12,
            "situation_name": "North Darfur",
            "assessment": 240,
            "before_as_of": "2026-04-01",
            "after_as_of": "2026-05-01",
            "overall": {"key": "overall", "before": "serious_concern", "after": "imminent_risk"},
            "crimes": [
                {
                    "key": "crimes_against_humanity",
                    "before": "serious_concern",
                    "after": "imminent_risk",
                }
            ],
        }
    ],
    "movers_page": {"number": 1, "pages": 1, "count": 1},
    "overdue": [
        {"situation": 7, "situation_name": "Rakhine", "due": "2026-04-15", "days_overdue": 21}
    ],
    "overdue_page": {"number": 1, "pages": 1, "count": 1},
    "forecast_divergences": [],
}

FORECAST = {
    "source": "ewp",
    "model": "SRA 2025",
    "issued": "2025-11-01",
    "release": 3,
    "period": "2026-01-01",
    "covered": True,
    "probability": 0.31,
    "predicted_fatalities": None,
    "rank": 1,
    "divergence": {
        "rule": "forecast_high_analysts_low",
        "rank": 1,
        "threshold": 30,
        "reason": "The forecast ranks the country at 1, within its top 30, while the analysts' "
        "level is low.",
    },
}

SITUATION_FORECASTS = {
    "level": "low",
    "level_approved": True,
    "top_rank": 30,
    "low_rank": 100,
    "forecasts": [FORECAST],
}

RELEASE = {
    "id": 3,
    "source": "ewp",
    "model": "SRA 2025",
    "issued": "2025-11-01",
    "imported_by": "admin",
    "imported_at": "2025-11-03T08:00:00Z",
    "file_name": "ewp-2025.csv",
    "row_count": 162,
    "notes": "",
}

RELEASE_DETAIL = {
    **RELEASE,
    "rows": [
        {
            "country": "SD",
            "period": "2026-01-01",
            "probability": 0.31,
            "rank": 1,
            "predicted_fatalities": None,
        }
    ],
}

ME = {"username": "analyst", "roles": ["analyst"], "token_scope": "read"}  # nosec B105: a scope

CRIME = {
    "code": "genocide",
    "name": "Genocide",
    "legally_defined": True,
    "legal_basis": "1948 Genocide Convention art. II; Rome Statute art. 6",
    "summary": "Listed acts committed with intent to destroy a protected group.",
    "translations": {"fr": {"status": "working", "name": "Génocide"}},
}

RISK_LEVEL = {
    "code": "imminent_risk",
    "name": "Imminent Risk",
    "rank": 3,
    "definition": "A significant risk of atrocities without effective prevention.",
    "translations": {},
}

REPORT = {
    "code": "SG-2009",
    "year": 2009,
    "title": "Implementing the responsibility to protect",
    "symbol": "A/63/677",
    "translations": {},
}

PILLAR = {
    "code": "P2",
    "number": 2,
    "title": "Pillar II: International assistance and capacity-building",
    "summary": "The international community's commitment to help States protect.",
    "tools": [
        {
            "code": "P2-preventive-diplomacy",
            "tool": "preventive-diplomacy",
            "tool_name": "Preventive diplomacy",
            "description": "Good offices and mediation to defuse tension.",
            "coercive": False,
            "last_resort": False,
            "translations": {},
        }
    ],
    "reports": ["SG-2014"],
    "translations": {},
}

FACTOR = {
    "code": "RF10",
    "number": 10,
    "title": "Signs of a plan or policy to attack any civilian population",
    "summary": "Facts or evidence suggesting a State or organizational policy.",
    "kind": "specific",
    "is_conduct": False,
    "crimes": ["crimes_against_humanity"],
    "indicators": [
        {
            "code": "10.1",
            "label": "Official documents, political manifestos or media reports that indicate a "
            "direct or indirect intention to attack civilians.",
            "source_confidence": "recalled_high",
            "translations": {},
        }
    ],
    "translations": {},
}

MAPPING = {
    "code": "RF1-P1-impartial-oversight-of-political-transitions",
    "factor": 1,
    "indicator": None,
    "entry": "P1-impartial-oversight-of-political-transitions",
    "strength": 3,
    "rationale": "Elections and irregular power transfers are classic triggers.",
}

LOAD_REPORT = {
    "created": 0,
    "updated": 1,
    "unchanged": 273,
    "lines": ["crimes: 0 created, 1 updated, 3 unchanged"],
}


def _page(item: dict[str, Any]) -> dict[str, Any]:
    return {"count": 1, "next": None, "previous": None, "results": [item]}


#: Component name: its example.
EXAMPLES: dict[str, Any] = {
    "Situation": SITUATION,
    "PaginatedSituationList": _page(SITUATION),
    "AssessmentList": ASSESSMENT_LIST,
    "PaginatedAssessmentListList": _page(ASSESSMENT_LIST),
    "Assessment": ASSESSMENT,
    "Decision": DECISION,
    "FirstReview": FIRST_REVIEW,
    "PaginatedDecisionList": _page(DECISION),
    "Summary": SUMMARY,
    "TimelineEntry": TIMELINE_ENTRY,
    "PaginatedTimelineEntryList": _page(TIMELINE_ENTRY),
    "Watch": WATCH,
    "Me": ME,
    "Crime": CRIME,
    "RiskLevel": RISK_LEVEL,
    "Report": REPORT,
    "Pillar": PILLAR,
    "Factor": FACTOR,
    "Mapping": MAPPING,
    "PaginatedMappingList": _page(MAPPING),
    "LoadReport": LOAD_REPORT,
    "SituationForecasts": SITUATION_FORECASTS,
    "Release": RELEASE,
    "PaginatedReleaseList": _page(RELEASE),
    "ReleaseDetail": RELEASE_DETAIL,
}


def _component(schema: dict[str, Any]) -> tuple[str, bool] | None:
    """The component a response schema names, and whether it is a plain list of it."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1], False
    items = schema.get("items", {})
    if schema.get("type") == "array" and "$ref" in items:
        return items["$ref"].rsplit("/", 1)[-1], True
    return None


def attach_examples(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Give every successful JSON answer of every operation its component's example."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for code, response in operation.get("responses", {}).items():
                if not str(code).startswith("2"):
                    continue
                content = response.get("content", {}).get("application/json")
                if content is None or "examples" in content:
                    continue
                found = _component(content.get("schema", {}))
                if found is None or found[0] not in EXAMPLES:
                    continue
                name, is_list = found
                value = [EXAMPLES[name]] if is_list else EXAMPLES[name]
                content["examples"] = {name: {"value": value, "summary": f"A {name}"}}
    return result
