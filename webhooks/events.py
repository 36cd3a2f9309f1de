"""What the workflow tells the webhooks: called inside the transactions of
``assessments.workflow`` (a summary ready, a decision), each queues the events that change
causes. Nothing here imports the workflow: it calls in, never the other way round.
"""

from assessments import selectors
from assessments.models import Assessment, EscalationDecision, EscalationSummary
from webhooks import payloads, services
from webhooks.models import Event


def summary_ready(summary_id: int, *, assessment: Assessment) -> None:
    """The summary ``summary_id`` of ``assessment`` (locked, with its situation) is ready."""
    services.emit(
        Event.SUMMARY_READY,
        situation=assessment.situation,
        build=lambda: payloads.summary_ready(
            EscalationSummary.objects.get(pk=summary_id), assessment
        ),
    )


def decision_made(decision: EscalationDecision, *, assessment: Assessment) -> None:
    """A reviewer decided on an escalation of ``assessment`` (locked, with its situation):
    approved, or returned to the analyst. An approval that moves the situation's current
    level is a ``situation.level_changed`` too."""
    summary = decision.summary
    situation = assessment.situation
    if not decision.approved:
        services.emit(
            Event.ASSESSMENT_RETURNED,
            situation=situation,
            occurred_at=decision.decided_at,
            build=lambda: payloads.assessment_returned(decision, summary, assessment),
        )
        return
    services.emit(
        Event.ESCALATION_APPROVED,
        situation=situation,
        occurred_at=decision.decided_at,
        build=lambda: payloads.escalation_approved(decision, summary, assessment),
    )
    services.emit(
        Event.SITUATION_LEVEL_CHANGED,
        situation=situation,
        occurred_at=decision.decided_at,
        build=lambda: level_change(assessment),
    )


def level_change(assessment: Assessment) -> payloads.Payload | None:
    """The ``situation.level_changed`` body if approving ``assessment`` moved its situation's
    current level (the overall level of its latest approved assessment); else None.

    An assessment approved that is older than the latest approved one leaves the current
    level as it is; the first approval of a situation sets it (``previous`` None).
    """
    latest = (
        Assessment.objects.approved()
        .filter(situation_id=assessment.situation_id)
        .order_by("-as_of", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if latest != assessment.pk:
        return None
    previous = selectors.previous_approved(assessment)
    previous_level = previous.overall_level if previous is not None else None
    if previous_level == assessment.overall_level:
        return None
    return payloads.situation_level_changed(assessment, previous_level)
