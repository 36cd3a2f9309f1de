"""The body of each event: only the fields a receiving system needs, and links to the rest.

No evidence note, source, narrative, comment or reviewer's reason is ever sent: a receiver
follows ``url`` (the page) or ``api_url`` (the API resource) and reads the rest with its own
access. One builder per event; each takes objects already loaded and makes no query.
Every body then gets :func:`envelope`'s fields: the event, the delivery id and when it
happened.
"""

from datetime import datetime

from django.conf import settings
from django.urls import reverse

from assessments.models import Assessment, EscalationDecision, EscalationSummary, Situation
from webhooks.models import Endpoint, Event

Payload = dict[str, object]


def absolute(path: str) -> str:
    """``path`` under the site's public address (the SITE_URL setting)."""
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def situation_part(situation: Situation) -> Payload:
    return {
        "id": situation.pk,
        "code": situation.code,
        "name": situation.name,
        "country": str(situation.country),
        "region": situation.region,
    }


def assessment_part(assessment: Assessment) -> Payload:
    return {
        "id": assessment.pk,
        "as_of": assessment.as_of.isoformat(),
        "revision": assessment.revision,
        "status": assessment.status,
        "overall_level": assessment.overall_level,
        "url": absolute(reverse("assessments:detail", args=[assessment.pk])),
        "api_url": absolute(reverse("api:assessment-detail", args=[assessment.pk])),
    }


def summary_part(summary: EscalationSummary) -> Payload:
    return {
        "id": summary.pk,
        "revision": summary.revision,
        "content_hash": summary.content_hash,
        "proposed_escalation": summary.proposed_escalation,
    }


def summary_ready(summary: EscalationSummary, assessment: Assessment) -> Payload:
    """An escalation summary awaits the reviewers' decision."""
    return {
        "situation": situation_part(assessment.situation),
        "assessment": assessment_part(assessment),
        "summary": summary_part(summary),
    }


def escalation_approved(
    decision: EscalationDecision, summary: EscalationSummary, assessment: Assessment
) -> Payload:
    """A reviewer approved the escalation, at ``level`` (the proposed one or another)."""
    return {
        "situation": situation_part(assessment.situation),
        "assessment": assessment_part(assessment),
        "summary": summary_part(summary),
        "decision": {
            "approved": True,
            "level": decision.level,
            "proposed_level": decision.proposed_level,
            "decided_at": decision.decided_at.isoformat(),
        },
    }


def assessment_returned(
    decision: EscalationDecision, summary: EscalationSummary, assessment: Assessment
) -> Payload:
    """A reviewer rejected the escalation: the assessment is back with its analysts. The
    reviewer's reason stays in the app."""
    return {
        "situation": situation_part(assessment.situation),
        "assessment": assessment_part(assessment),
        "summary": summary_part(summary),
        "decision": {
            "approved": False,
            "proposed_level": decision.proposed_level,
            "decided_at": decision.decided_at.isoformat(),
        },
    }


def situation_level_changed(assessment: Assessment, previous_level: str | None) -> Payload:
    """The situation's current level (the overall level of its latest approved assessment)
    moved: ``previous`` is None when no assessment of it was approved before."""
    return {
        "situation": situation_part(assessment.situation),
        "assessment": assessment_part(assessment),
        "level": {"previous": previous_level, "current": assessment.overall_level},
    }


def ping(endpoint: Endpoint) -> Payload:
    """The admin's test event."""
    return {"endpoint": {"id": endpoint.pk, "name": endpoint.name}}


def envelope(
    event: Event | str, *, delivery_id: str, occurred_at: datetime, data: Payload
) -> Payload:
    return {
        "event": str(event),
        "delivery": delivery_id,
        "occurred_at": occurred_at.isoformat(),
        **data,
    }
