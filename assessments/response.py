"""From alert to response: the actions an approval opens, and what became of them.

An approved escalation opens one :class:`~assessments.models.ResponseAction` per accepted tool
and one for the approved rung of the ladder (from alerting the Special Adviser up), in the
transaction of the decision. Actions belong to their situation: the next assessment shows what
was done since the last approval, its summary lists the actions completed and overdue, the
watch lists the overdue ones and their owners are reminded each day.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.roles import is_reviewer
from assessments import permissions, scales
from assessments.models import (
    ActionSource,
    Assessment,
    EscalationDecision,
    RecommendationResponse,
    ResponseAction,
    Situation,
)
from audit import log as audit
from framework import i18n

Status = ResponseAction.Status
Kind = ResponseAction.Kind
Effect = ResponseAction.Effect

OPEN_STATUSES = (Status.PLANNED, Status.UNDER_WAY)
CLOSED_STATUSES = (Status.DONE, Status.DROPPED)
#: The lowest rung of the escalation ladder that is an action of its own.
FIRST_ACTION_RUNG = scales.Escalation.ALERT_SPECIAL_ADVISER


class ActionError(Exception):
    """An update the rules refuse; ``errors`` maps each field to its messages, for the user."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(m for messages in errors.values() for m in messages))
        self.errors = errors


# Who may track ------------------------------------------------------------------------------


def can_track(user: roles.User, situation: Situation) -> bool:
    """Update a situation's response actions: a reviewer, or one of its analysts."""
    return is_reviewer(user) or permissions.is_assigned(user, situation)


def owner_choices(situation: Situation) -> QuerySet[User]:
    """Who may own an action of ``situation``: its analysts and the reviewers, active."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(assigned_situations=situation) | Q(groups__name=roles.REVIEWERS))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


# Opening actions at approval ----------------------------------------------------------------


def rung_is_an_action(escalation: str) -> bool:
    return scales.escalation_rank(escalation) >= scales.escalation_rank(FIRST_ACTION_RUNG)


def open_actions(assessment: Assessment, decision: EscalationDecision) -> list[ResponseAction]:
    """Open the actions of an approval (inside its transaction): one per accepted tool not
    already tracked for this assessment, and one for the approved rung if it is an action."""
    if not decision.approved:
        return []
    day = timezone.localdate(decision.decided_at)
    opened: list[ResponseAction] = []
    tracked_tools = set(
        ResponseAction.objects.filter(assessment=assessment, kind=Kind.TOOL).values_list(
            "entry_id", flat=True
        )
    )
    accepted = (
        RecommendationResponse.objects.filter(assessment=assessment, accepted=True)
        .exclude(entry_id__in=tracked_tools)
        .order_by("entry__pillar__number", "entry__order", "pk")
    )
    for response in accepted:
        opened.append(
            ResponseAction(
                situation_id=assessment.situation_id,
                assessment=assessment,
                decision=decision,
                kind=Kind.TOOL,
                entry_id=response.entry_id,
                due_on=day + timedelta(days=settings.RESPONSE_TOOL_DUE_DAYS),
            )
        )
    if (
        rung_is_an_action(decision.level)
        and not ResponseAction.objects.filter(
            assessment=assessment, kind=Kind.ESCALATION, escalation=decision.level
        ).exists()
    ):
        opened.insert(
            0,
            ResponseAction(
                situation_id=assessment.situation_id,
                assessment=assessment,
                decision=decision,
                kind=Kind.ESCALATION,
                escalation=decision.level,
                owner=decision.reviewer,
                due_on=day + timedelta(days=settings.RESPONSE_ESCALATION_DUE_DAYS),
            ),
        )
    if opened:
        ResponseAction.objects.bulk_create(opened)
        audit.record(
            "actions_opened",
            obj=assessment,
            actor=decision.reviewer,
            data={"decision": decision.pk, "actions": [a.pk for a in opened]},
        )
    return opened


# Updating an action -------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionUpdate:
    owner: User | None
    office: str
    due_on: date
    status: str
    done_on: date | None = None
    dropped_reason: str = ""
    effect: str = ""
    effect_note: str = ""
    sources: Sequence[tuple[str, str]] = ()


def check_update(update: ActionUpdate, *, today: date) -> dict[str, list[str]]:
    """Every problem of ``update``, by field (empty when it may be saved)."""
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if update.owner is not None and update.office.strip():
        refuse("office", _("Name either a person or an office as the owner, not both."))
    if update.status not in Status.values:
        refuse("status", _("Choose a status."))
    if update.status == Status.DONE:
        if update.done_on is None:
            refuse("done_on", _("Give the day the action was done."))
        elif update.done_on > today:
            refuse("done_on", _("The day it was done cannot be in the future."))
        if update.effect not in Effect.values:
            refuse("effect", _("Say what effect was observed (none, some or clear)."))
    else:
        if update.effect or update.effect_note.strip() or update.sources:
            refuse(
                "effect",
                _("An observed effect, its note and its sources belong to a done action."),
            )
    if update.status == Status.DROPPED and not update.dropped_reason.strip():
        refuse("dropped_reason", _("Give the reason the action was dropped."))
    return errors


@transaction.atomic
def update_action(action: ResponseAction, update: ActionUpdate, *, by: User) -> ResponseAction:
    """Save ``update`` on ``action`` (all or nothing), with its sources, and log it."""
    locked = (
        ResponseAction.objects.select_for_update().select_related("situation").get(pk=action.pk)
    )
    if not can_track(by, locked.situation):
        raise ActionError({"__all__": [_("You may not update this situation's actions.")]})
    errors = check_update(update, today=timezone.localdate())
    if (
        update.owner is not None
        and not owner_choices(locked.situation).filter(pk=update.owner.pk).exists()
    ):
        errors.setdefault("owner", []).append(
            _("The owner must be one of the situation's analysts or a reviewer.")
        )
    if errors:
        raise ActionError(errors)
    was_closed = locked.status in CLOSED_STATUSES
    done = update.status == Status.DONE
    locked.owner = update.owner
    locked.office = "" if update.owner is not None else update.office.strip()
    locked.due_on = update.due_on
    locked.status = update.status
    locked.done_on = update.done_on if done else None
    locked.dropped_reason = update.dropped_reason.strip() if update.status == Status.DROPPED else ""
    locked.effect = update.effect if done else ""
    locked.effect_note = update.effect_note.strip() if done else ""
    if update.status in CLOSED_STATUSES:
        locked.closed_at = locked.closed_at if was_closed and locked.closed_at else timezone.now()
    else:
        locked.closed_at = None
    locked.updated_by = by
    locked.save()
    locked.sources.all().delete()
    ActionSource.objects.bulk_create(
        ActionSource(action=locked, reliability=grade, citation=citation, order=order)
        for order, (grade, citation) in enumerate(update.sources if done else ())
    )
    audit.record(
        "action_updated",
        obj=locked,
        actor=by,
        data={
            "situation": locked.situation_id,
            "status": locked.status,
            "owner": locked.owner_id,
            "office": locked.office,
            "due_on": locked.due_on,
            "done_on": locked.done_on,
            "effect": locked.effect,
        },
    )
    return locked


# Reading ------------------------------------------------------------------------------------


def _with_related(actions: QuerySet[ResponseAction]) -> QuerySet[ResponseAction]:
    return actions.select_related(
        "situation", "assessment", "owner", "updated_by", "entry__tool", "entry__pillar"
    )


def situation_actions(situation: Situation) -> list[ResponseAction]:
    """All of a situation's actions with their sources (two queries): open ones first,
    soonest due first, then the closed ones, the latest first."""
    actions = list(_with_related(situation.actions.all()).prefetch_related("sources"))
    return sorted(
        actions, key=lambda a: (not a.is_open, a.due_on if a.is_open else date.min, -a.pk)
    )


def opened_by(
    assessment: Assessment, actions: list[ResponseAction] | None = None
) -> list[ResponseAction]:
    """The actions ``assessment``'s approval opened, the rung of the ladder first (among
    ``actions``, the situation's, when the caller has them)."""
    if actions is None:
        actions = situation_actions(assessment.situation)
    return sorted(
        (a for a in actions if a.assessment_id == assessment.pk),
        key=lambda a: (a.kind != Kind.ESCALATION, a.pk),
    )


def last_approval_time(assessment: Assessment) -> datetime | None:
    """When the latest approval of the situation before ``assessment`` was given."""
    decision = (
        EscalationDecision.objects.filter(
            summary__assessment__situation_id=assessment.situation_id,
            summary__assessment__status=Assessment.Status.APPROVED,
            approved=True,
        )
        .exclude(summary__assessment=assessment)
        .order_by("-decided_at")
        .first()
    )
    return decision.decided_at if decision else None


@dataclass(frozen=True)
class SinceLastApproval:
    """What the analysts of ``assessment`` should know of the response so far."""

    since: datetime | None
    completed: list[ResponseAction]  # done or dropped since the last approval
    open: list[ResponseAction]  # still planned or under way, soonest due first
    today: date

    @property
    def overdue(self) -> list[ResponseAction]:
        return [a for a in self.open if a.is_overdue(self.today)]

    def __bool__(self) -> bool:
        return bool(self.completed or self.open)


def since_last_approval(
    assessment: Assessment,
    today: date | None = None,
    actions: list[ResponseAction] | None = None,
) -> SinceLastApproval:
    """The actions opened before ``assessment`` by its situation's earlier approvals: those
    closed since the last approval, and those still open (among ``actions``, the situation's,
    when the caller has them)."""
    today = today or timezone.localdate()
    since = last_approval_time(assessment)
    if actions is None:
        actions = situation_actions(assessment.situation)
    earlier = [a for a in actions if a.assessment_id != assessment.pk]
    closed = [
        a
        for a in earlier
        if not a.is_open and (since is None or (a.closed_at is not None and a.closed_at >= since))
    ]
    return SinceLastApproval(
        since=since,
        completed=sorted(closed, key=lambda a: (a.closed_at or since or timezone.now(), a.pk)),
        open=sorted((a for a in earlier if a.is_open), key=lambda a: (a.due_on, a.pk)),
        today=today,
    )


def overdue_actions(situations: QuerySet[Situation], today: date) -> list[ResponseAction]:
    """The open actions of ``situations`` past their due date, the longest overdue first."""
    return list(
        _with_related(
            ResponseAction.objects.filter(
                situation__in=situations, status__in=OPEN_STATUSES, due_on__lt=today
            )
        )
        .defer("assessment__result", "assessment__narrative")
        .order_by("due_on", "pk")
    )


def action_title(action: ResponseAction) -> str:
    """What the action is, in the reader's language."""
    if action.kind == Kind.ESCALATION:
        return scales.escalation_label(action.escalation).capitalize()
    assert action.entry is not None  # the database's action_tool_or_escalation  # nosec B101
    return i18n.localized(action.entry.tool, "name")


def owner_name(action: ResponseAction) -> str:
    if action.owner is not None:
        return action.owner.get_full_name() or action.owner.get_username()
    return action.office


# The summary's record of the response -------------------------------------------------------


def progress(action: ResponseAction) -> dict[str, Any]:
    """Where an action stands, as JSON: due, status and, once closed, when, its effect or why
    it was dropped, and the sources (the summary and the exchange format both carry it)."""
    return {
        "due_on": action.due_on.isoformat(),
        "status": action.status,
        "done_on": action.done_on.isoformat() if action.done_on else None,
        "effect": action.effect,
        "effect_note": action.effect_note,
        "dropped_reason": action.dropped_reason,
        "sources": [
            {"reliability": s.reliability, "citation": s.citation} for s in action.sources.all()
        ],
    }


def _summary_item(action: ResponseAction) -> dict[str, Any]:
    return {
        "id": action.pk,
        "kind": action.kind,
        "tool": action.entry.tool.name if action.entry is not None else "",
        "pillar": action.entry.pillar.number if action.entry is not None else None,
        "escalation": action.escalation,
        "owner": owner_name(action),
        **progress(action),
    }


def summary_section(assessment: Assessment, today: date | None = None) -> dict[str, Any]:
    """The summary's record of the response since the last approval: the actions completed
    (done or dropped) and those overdue on the day of drafting.

    What :func:`since_last_approval` tells, read in one query (two when there are actions to
    show): only the actions the summary shows, the time of the last approval alongside, and
    only the related rows it words them with.
    """
    today = today or timezone.localdate()
    last_approval = (
        EscalationDecision.objects.filter(
            summary__assessment__situation_id=assessment.situation_id,
            summary__assessment__status=Assessment.Status.APPROVED,
            approved=True,
        )
        .exclude(summary__assessment=assessment)
        .order_by("-decided_at")
        .values("decided_at")[:1]
    )
    closed_since = ~Q(status__in=OPEN_STATUSES) & (
        Q(since__isnull=True) | Q(closed_at__gte=F("since"))
    )
    overdue = Q(status__in=OPEN_STATUSES, due_on__lt=today)
    actions = list(
        ResponseAction.objects.filter(situation_id=assessment.situation_id)
        .exclude(assessment_id=assessment.pk)
        .annotate(since=Subquery(last_approval))
        .filter(closed_since | overdue)
        .select_related("owner", "entry__tool", "entry__pillar")
        .prefetch_related("sources")
    )
    if not actions:
        return {"completed": [], "overdue": []}
    now = timezone.now()
    completed = sorted(
        (a for a in actions if not a.is_open),
        key=lambda a: (a.closed_at or a.since or now, a.pk),
    )
    return {
        "completed": [_summary_item(a) for a in completed],
        "overdue": [
            _summary_item(a)
            for a in sorted(
                (a for a in actions if a.is_overdue(today)), key=lambda a: (a.due_on, a.pk)
            )
        ],
    }


def owners_to_remind(action: ResponseAction) -> Iterable[int]:
    """Who is reminded of an overdue action: its owner, else the situation's analysts."""
    if action.owner_id is not None:
        return [action.owner_id]
    return [a.pk for a in action.situation.analysts.all()]
