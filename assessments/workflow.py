"""The assessment workflow: the one table of statuses and actions, and every state change.

:data:`STEPS` says who may do what from which status, and where it leads. Permissions,
views, selectors and templates ask :func:`allowed`; none restates a status rule. Every
state change below is one transaction: it locks the row, checks the step against the table,
saves only what changed, records one :class:`~assessments.models.Transition` and queues its
side effects (drafting the summary, emails) as tasks of their own once the change commits.

Drafting is idempotent and safe to run twice: a summary is claimed with a conditional update
that must change exactly one row, and only the holder of the claim may finish it.
"""

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.roles import is_reviewer
from assessments import (
    derived,
    groups,
    jobs,
    limits,
    permissions,
    response,
    scales,
    scoring,
    selectors,
)
from assessments.models import (
    Assessment,
    Dissent,
    EscalationDecision,
    EscalationSummary,
    EvidenceSource,
    FirstReview,
    IndicatorRating,
    Participation,
    RecommendationResponse,
    Situation,
    Transition,
)
from assessments.summaries import build_summary_content, content_hash
from audit import log as audit
from framework.models import Indicator, PillarTool
from webhooks import events as webhook_events

logger = logging.getLogger(__name__)

Status = Assessment.Status
SummaryStatus = EscalationSummary.Status
Event = Transition.Event

DRAFT_SUMMARY_TASK = "assessments.draft_summary"
NOTIFY_SUMMARY_READY_TASK = "assessments.notify_summary_ready"
NOTIFY_DECISION_TASK = "assessments.notify_decision"
NOTIFY_SECOND_REVIEW_TASK = "assessments.notify_second_review"
STORE_SUMMARY_PDFS_TASK = "assessments.store_summary_pdfs"


class WorkflowError(Exception):
    """An action that the rules do not allow; the message is for the user."""


class EditConflict(WorkflowError):
    """Someone else saved the assessment since this user loaded it."""


# The table ---------------------------------------------------------------------------------


class Action(StrEnum):
    EDIT = "edit"
    RESPOND = "respond"
    SUBMIT = "submit"
    DRAFT_SUMMARY = "draft_summary"
    APPROVE = "approve"
    RETURN = "return"
    FIRST_REVIEW = "first_review"
    RETRY_SUMMARY = "retry_summary"


class Actor(StrEnum):
    """Who may take a step."""

    ANALYST = "analyst"  # an analyst assigned to the situation
    REVIEWER = "reviewer"  # a reviewer who neither wrote nor edited the assessment
    SECOND_REVIEWER = "second_reviewer"  # such a reviewer, and not the one who reviewed first
    ANALYST_OR_REVIEWER = "analyst_or_reviewer"
    SYSTEM = "system"  # the background worker


@dataclass(frozen=True)
class Step:
    action: Action
    from_status: str
    to_status: str
    actor: Actor


STEPS: tuple[Step, ...] = (
    Step(Action.EDIT, Status.DRAFT, Status.DRAFT, Actor.ANALYST),
    Step(Action.EDIT, Status.RETURNED, Status.RETURNED, Actor.ANALYST),
    # An edit after approval voids the approval: back to draft, and a new review.
    Step(Action.EDIT, Status.APPROVED, Status.DRAFT, Actor.ANALYST),
    Step(Action.RESPOND, Status.DRAFT, Status.DRAFT, Actor.ANALYST),
    Step(Action.RESPOND, Status.RETURNED, Status.RETURNED, Actor.ANALYST),
    Step(Action.SUBMIT, Status.DRAFT, Status.SUBMITTED, Actor.ANALYST),
    Step(Action.SUBMIT, Status.RETURNED, Status.SUBMITTED, Actor.ANALYST),
    Step(Action.DRAFT_SUMMARY, Status.SUBMITTED, Status.IN_REVIEW, Actor.SYSTEM),
    # An assessment imported while in review elsewhere gets a summary of its own here.
    Step(Action.DRAFT_SUMMARY, Status.IN_REVIEW, Status.IN_REVIEW, Actor.SYSTEM),
    Step(Action.APPROVE, Status.IN_REVIEW, Status.APPROVED, Actor.REVIEWER),
    Step(Action.RETURN, Status.IN_REVIEW, Status.RETURNED, Actor.REVIEWER),
    # At a rung that needs two reviewers (reference data), the first decision waits for a
    # second reviewer, whose decision concludes.
    Step(Action.FIRST_REVIEW, Status.IN_REVIEW, Status.SECOND_REVIEW, Actor.REVIEWER),
    Step(Action.APPROVE, Status.SECOND_REVIEW, Status.APPROVED, Actor.SECOND_REVIEWER),
    Step(Action.RETURN, Status.SECOND_REVIEW, Status.RETURNED, Actor.SECOND_REVIEWER),
    Step(Action.RETRY_SUMMARY, Status.SUBMITTED, Status.SUBMITTED, Actor.ANALYST_OR_REVIEWER),
    Step(Action.RETRY_SUMMARY, Status.IN_REVIEW, Status.IN_REVIEW, Actor.ANALYST_OR_REVIEWER),
)
_STEP = {(step.action, step.from_status): step for step in STEPS}

#: ``allowed(assessment, "decide", user)``: either outcome of a reviewer's decision.
COMPOSITE_ACTIONS: Mapping[str, tuple[Action, ...]] = {"decide": (Action.APPROVE, Action.RETURN)}


def step(action: str, from_status: str) -> Step | None:
    """The step ``action`` takes from ``from_status``, or None where the table has none."""
    return _STEP.get((Action(action), from_status))


def _actor_may(actor: Actor, user: roles.User | None, assessment: Assessment) -> bool:
    if actor == Actor.SYSTEM:
        return user is None
    if user is None:
        return False
    analyst = permissions.is_assigned(user, assessment.situation)
    if actor == Actor.ANALYST:
        return analyst
    reviewer = is_reviewer(user) and not permissions.has_edited(user, assessment)
    if actor == Actor.REVIEWER:
        return reviewer
    if actor == Actor.SECOND_REVIEWER:
        # Awaiting a second review, the assessment's reviewer is the one who reviewed first.
        return reviewer and assessment.reviewer_id != user.pk
    return analyst or is_reviewer(user)


def allowed(assessment: Assessment, action: str, user: roles.User | None) -> bool:
    """May ``user`` (None: the system) take ``action`` on ``assessment`` in its status now?"""
    if action in COMPOSITE_ACTIONS:
        return any(allowed(assessment, part, user) for part in COMPOSITE_ACTIONS[action])
    found = step(action, assessment.status)
    return found is not None and _actor_may(found.actor, user, assessment)


def _status_refusal(action: Action, assessment: Assessment) -> str:
    status = assessment.get_status_display()
    if action == Action.EDIT:
        return _("This assessment is %(status)s and cannot be edited now.") % {"status": status}
    if action == Action.RESPOND:
        return _("Recommendations can be answered only in a draft or returned assessment.")
    if action == Action.SUBMIT:
        return _(
            "Only a draft or a returned assessment can be submitted; this one is %(status)s."
        ) % {"status": status}
    if action in (Action.APPROVE, Action.RETURN, Action.FIRST_REVIEW):
        return _(
            "The assessment has changed since this summary was drafted; decide on the new one."
        )
    return _("This cannot be done while the assessment is %(status)s.") % {"status": status}


def _actor_refusal(action: Action, user: roles.User, assessment: Assessment) -> str:
    if action in (Action.APPROVE, Action.RETURN, Action.FIRST_REVIEW):
        if not is_reviewer(user):
            return _("Only reviewers review assessments.")
        if assessment.awaits_second_review and not permissions.has_edited(user, assessment):
            return _("You gave the first review; another reviewer must give the second.")
        return _("You wrote or edited this assessment, so you cannot review it.")
    if action == Action.RETRY_SUMMARY:
        return _("Only the situation's analysts or a reviewer can retry a summary.")
    if action == Action.SUBMIT:
        return _("Only the analysts assigned to this situation submit it.")
    return _("Only the analysts assigned to this situation assess it.")


def require(assessment: Assessment, action: Action, user: roles.User | None) -> Step:
    """The step ``action`` takes now, or WorkflowError saying why it is not allowed.

    Who may act is checked before the status, so that nobody learns more than their role
    lets them do.
    """
    found = step(action, assessment.status)
    actor = found.actor if found else next(s.actor for s in STEPS if s.action == action)
    if not _actor_may(actor, user, assessment):
        if user is None:
            raise WorkflowError(_("This step is the system's own."))
        raise WorkflowError(_actor_refusal(action, user, assessment))
    if found is None:
        raise WorkflowError(_status_refusal(action, assessment))
    return found


# Recording ---------------------------------------------------------------------------------


def record_transition(
    assessment: Assessment,
    *,
    by: User | None,
    from_status: str,
    event: str,
    params: Mapping[str, object] | None = None,
    reason: str = "",
) -> Transition:
    """Record the step the assessment just took (``by`` None: the system's own step).

    ``event`` and ``params`` say what happened (worded when shown, in the reader's
    language); ``reason`` is what a person wrote, kept as written.
    """
    transition = Transition.objects.create(
        assessment=assessment,
        actor=by,
        from_status=from_status,
        to_status=assessment.status,
        revision=assessment.revision,
        event=event,
        params=dict(params or {}),
        reason=reason,
    )
    # The situation's current level, latest status and due date follow in the same transaction.
    derived.refresh_situation_summary([assessment.situation_id])
    audit.record("transition", obj=assessment, actor=by, data=_transition_data(transition))
    return transition


def record_transitions(
    assessments: list[Assessment],
    *,
    by: User | None,
    from_status: str,
    event: str,
    params: Mapping[str, object] | None = None,
) -> list[Transition]:
    """:func:`record_transition` of the same step for many assessments (an import), in one
    insert of the transitions and one of their audit entries."""
    transitions = Transition.objects.bulk_create(
        Transition(
            assessment=assessment,
            actor=by,
            from_status=from_status,
            to_status=assessment.status,
            revision=assessment.revision,
            event=event,
            params=dict(params or {}),
        )
        for assessment in assessments
    )
    audit.record_many(
        "transition",
        [(t.assessment, _transition_data(t)) for t in transitions],
        actor=by,
    )
    # The caller refreshes the situations' derived values once it has written what they read
    # (derived.refresh_situation_summary), as a bulk writer does.
    return transitions


def _transition_data(transition: Transition) -> dict[str, object]:
    return {
        "situation": transition.assessment.situation_id,
        "event": transition.event,
        "from": transition.from_status,
        "to": transition.to_status,
        "revision": transition.revision,
        "params": transition.params,
        "reason": transition.reason,
    }


def _mark_editor(assessment: Assessment, user: User) -> None:
    role = (
        Participation.objects.filter(assessment=assessment, user=user)
        .values_list("role", flat=True)
        .first()
    )
    if role == Participation.Role.REVIEWER:
        raise WorkflowError(_("You reviewed this assessment, so you cannot edit it."))
    if role is None:
        Participation.objects.create(
            assessment=assessment, user=user, role=Participation.Role.EDITOR
        )


def claim_review(assessment: Assessment, by: User) -> None:
    """Record the reviewer; the participation constraint refuses anyone who edited it."""
    if not is_reviewer(by):
        raise WorkflowError(_("Only reviewers review assessments."))
    if permissions.has_edited(by, assessment):
        raise WorkflowError(_("You wrote or edited this assessment, so you cannot review it."))
    try:
        with transaction.atomic():
            Participation.objects.get_or_create(
                assessment=assessment, user=by, role=Participation.Role.REVIEWER
            )
    except IntegrityError as exc:
        raise WorkflowError(
            _("You wrote or edited this assessment, so you cannot review it.")
        ) from exc


def _locked(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update()
        .select_related("situation")
        .prefetch_related("situation__analysts", "participations")
        .get(pk=assessment.pk)
    )


# Deriving ----------------------------------------------------------------------------------


def derive_result(assessment: Assessment) -> scoring.AssessmentResult:
    """Score an assessment from its stored ratings (pure logic, fed from the database)."""
    ratings = list(assessment.ratings.select_related("indicator"))
    try:
        framework = selectors.scoring_framework({r.indicator_id for r in ratings})
    except selectors.ReferenceDataMissing as missing:
        raise WorkflowError(str(missing)) from missing
    return scoring.assess(framework, selectors.ratings_for_scoring(ratings), assessment.posture)


def store_result(assessment: Assessment) -> None:
    result = derive_result(assessment)
    assessment.overall_level = result.overall
    assessment.result = result.to_dict()
    assessment.crime_levels = assessment.result.get("levels", {})
    assessment.factor_levels = assessment.result.get("factor_levels", {})
    assessment.save(update_fields=["overall_level", "result", "crime_levels", "factor_levels"])
    derived.refresh_situation_summary([assessment.situation_id])


# Writing an assessment ---------------------------------------------------------------------


@dataclass(frozen=True)
class RatingInput:
    severity: str
    trend: str = scales.Trend.STABLE
    confidence: str = scales.Confidence.MEDIUM
    note: str = ""
    sources: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (grade, citation)
    # The groups at risk it concerns, by id: only for the genocide factors (RF9, RF10).
    groups: tuple[int, ...] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        return (
            self.severity == scales.Severity.NOT_ASSESSED
            and not self.note.strip()
            and not self.sources
        )


@transaction.atomic
def check_as_of(as_of: date) -> None:
    """Refuse a date no assessment can have (see ``limits``)."""
    problem = limits.as_of_problem(as_of)
    if problem:
        raise WorkflowError(problem)


def start_assessment(
    situation: Situation,
    *,
    by: User,
    as_of: date,
    posture: str,
    narrative: str = "",
    copy_from: Assessment | None = None,
) -> Assessment:
    """An assigned analyst starts a draft, optionally from a previous one's ratings."""
    if not permissions.can_assess(by, situation):
        raise WorkflowError(_("Only the analysts assigned to this situation assess it."))
    if copy_from is not None and copy_from.situation_id != situation.pk:
        raise WorkflowError(_("Ratings can only be copied from the same situation."))
    check_as_of(as_of)
    assessment = Assessment.objects.create(
        situation=situation,
        author=by,
        as_of=as_of,
        posture=posture,
        narrative=narrative,
        copied_from=copy_from,
    )
    Participation.objects.create(assessment=assessment, user=by, role=Participation.Role.EDITOR)
    if copy_from is not None:
        linked = set(situation.groups.values_list("pk", flat=True))
        for old in copy_from.ratings.prefetch_related("sources", "groups"):
            rating = IndicatorRating.objects.create(
                assessment=assessment,
                indicator_id=old.indicator_id,
                severity=old.severity,
                trend=old.trend,
                confidence=old.confidence,
                note=old.note,
            )
            EvidenceSource.objects.bulk_create(
                EvidenceSource(
                    rating=rating, citation=s.citation, reliability=s.reliability, order=s.order
                )
                for s in old.sources.all()
            )
            kept = [g.pk for g in old.groups.all() if g.pk in linked]
            if kept:
                rating.groups.set(kept)
        record_transition(
            assessment,
            by=by,
            from_status="",
            event=Event.STARTED_FROM,
            params={"date": copy_from.as_of.isoformat()},
        )
    else:
        record_transition(assessment, by=by, from_status="", event=Event.STARTED)
    store_result(assessment)
    return assessment


@transaction.atomic
def save_assessment(
    assessment: Assessment,
    *,
    by: User,
    expected_version: int,
    as_of: date,
    posture: str,
    narrative: str,
    ratings: dict[int, RatingInput],
) -> Assessment:
    """Save the analyst's edits, refusing them if someone else saved in between.

    ``ratings`` maps indicator ids to what the form holds; an empty rating removes the row.
    Editing an approved assessment voids the approval: it returns to draft.
    """
    current = _locked(assessment)
    taken = require(current, Action.EDIT, by)
    check_as_of(as_of)
    # One conditional update, atomic on every database: the version the user loaded must
    # still be the stored one, and the assessment still editable.
    editable = [s.from_status for s in STEPS if s.action == Action.EDIT]
    claimed = Assessment.objects.filter(
        pk=current.pk, lock_version=expected_version, status__in=editable
    ).update(lock_version=F("lock_version") + 1)
    if claimed != 1:
        raise EditConflict(
            _(
                "Someone else saved this assessment while you were editing it. Your changes "
                "were not saved; they are still in the form below. Reload the page to see the "
                "latest version, then apply your changes again."
            )
        )
    current.lock_version = expected_version + 1
    _mark_editor(current, by)
    current.as_of, current.posture, current.narrative = as_of, posture, narrative
    fields = ["as_of", "posture", "narrative", "updated_at"]
    if taken.to_status != current.status:
        previous = current.status
        current.status = taken.to_status
        current.reviewer = None
        current.save(update_fields=[*fields, "status", "reviewer"])
        record_transition(current, by=by, from_status=previous, event=Event.APPROVAL_VOIDED)
    else:
        current.save(update_fields=fields)
    _save_ratings(current, ratings)
    store_result(current)
    return current


def _check_groups(assessment: Assessment, ratings: dict[int, RatingInput]) -> None:
    """Refuse a rating that names groups unless it rates a genocide factor (RF9, RF10), and
    any group not at risk in the assessment's situation."""
    naming = {pk: given for pk, given in ratings.items() if given.groups and not given.is_empty}
    if not naming:
        return
    indicators = Indicator.objects.filter(pk__in=naming).values_list("pk", "code", "factor__number")
    for _pk, code, number in indicators:
        if not groups.may_name_groups(number):
            raise WorkflowError(
                _(
                    "Only ratings of the genocide risk factors (RF9 and RF10) name the groups "
                    "they concern; indicator %(code)s is of RF%(number)d."
                )
                % {"code": code, "number": number}
            )
    named = {group for given in naming.values() for group in given.groups}
    linked = set(assessment.situation.groups.filter(pk__in=named).values_list("pk", flat=True))
    if named - linked:
        raise WorkflowError(
            _(
                "A rating may only name groups at risk in this situation; add the group to "
                "the situation first."
            )
        )


RATING_VALUES = ("severity", "trend", "confidence", "note")


def _save_ratings(assessment: Assessment, ratings: dict[int, RatingInput]) -> None:
    """Bring the stored ratings to ``ratings`` in a bounded number of queries, however many
    of them changed: one delete of the emptied ratings, one insert of the new ones, one
    update of the changed ones, and one delete and one insert each for their sources and
    their groups."""
    existing = {r.indicator_id: r for r in assessment.ratings.prefetch_related("sources", "groups")}
    valid_ids = set(Indicator.objects.filter(pk__in=ratings).values_list("pk", flat=True))
    unknown = set(ratings) - valid_ids
    if unknown:
        raise WorkflowError(_("Unknown indicator in the ratings."))
    _check_groups(assessment, ratings)
    emptied: list[int] = []
    created: list[tuple[IndicatorRating, RatingInput]] = []
    changed: list[IndicatorRating] = []
    changed_fields: set[str] = set()
    kept: list[tuple[IndicatorRating, RatingInput]] = []
    for indicator_id, given in ratings.items():
        rating = existing.get(indicator_id)
        if given.is_empty:
            if rating is not None:
                emptied.append(rating.pk)
            continue
        values = {name: getattr(given, name) for name in RATING_VALUES}
        if rating is None:
            created.append(
                (IndicatorRating(assessment=assessment, indicator_id=indicator_id, **values), given)
            )
            continue
        kept.append((rating, given))
        differ = [name for name, value in values.items() if getattr(rating, name) != value]
        for name in differ:
            setattr(rating, name, values[name])
        if "note" in differ and rating.note_releasable:
            # The mark was given to the text that was there: a new text waits for its own.
            rating.note_releasable = False
            differ.append("note_releasable")
        if differ:
            changed.append(rating)
            changed_fields.update(differ)
    if emptied:
        IndicatorRating.objects.filter(pk__in=emptied).delete()
    if created:
        IndicatorRating.objects.bulk_create([rating for rating, _given in created])
    if changed:
        # Every changed rating carries its current value of each field, so one update of the
        # union of the changed fields writes exactly what changed.
        IndicatorRating.objects.bulk_update(changed, sorted(changed_fields))
    _save_sources(kept, created)
    _save_rating_groups(kept, created)


def _save_sources(
    kept: list[tuple[IndicatorRating, RatingInput]],
    created: list[tuple[IndicatorRating, RatingInput]],
) -> None:
    """Replace the sources of the ratings whose sources changed, in one delete and one
    insert; a source keeps its releasable mark while its grade and citation stay the same."""
    replaced: list[int] = []
    new: list[EvidenceSource] = []
    for rating, given, fresh in [
        *((rating, given, False) for rating, given in kept),
        *((rating, given, True) for rating, given in created),
    ]:
        stored = [] if fresh else list(rating.sources.all())
        if [(s.reliability, s.citation) for s in stored] == list(given.sources):
            continue
        if stored:
            replaced.append(rating.pk)
        marked = {(s.reliability, s.citation) for s in stored if s.releasable}
        new.extend(
            EvidenceSource(
                rating=rating,
                reliability=grade,
                citation=citation,
                order=i,
                releasable=(grade, citation) in marked,
            )
            for i, (grade, citation) in enumerate(given.sources)
        )
    if replaced:
        EvidenceSource.objects.filter(rating_id__in=replaced).delete()
    if new:
        EvidenceSource.objects.bulk_create(new)


def _save_rating_groups(
    kept: list[tuple[IndicatorRating, RatingInput]],
    created: list[tuple[IndicatorRating, RatingInput]],
) -> None:
    """Set the groups each rating names, in one delete and one insert of the links."""
    through = IndicatorRating.groups.through
    unlinked: list[int] = []
    links: list[Any] = []  # rows of the ratings' link table to the groups
    for rating, given in kept:
        if {g.pk for g in rating.groups.all()} != set(given.groups):
            unlinked.append(rating.pk)
            links.extend(
                through(indicatorrating_id=rating.pk, protectedgroup_id=pk)
                for pk in dict.fromkeys(given.groups)
            )
    for rating, given in created:
        links.extend(
            through(indicatorrating_id=rating.pk, protectedgroup_id=pk)
            for pk in dict.fromkeys(given.groups)
        )
    if unlinked:
        through.objects.filter(indicatorrating_id__in=unlinked).delete()
    if links:
        through.objects.bulk_create(links)


@dataclass(frozen=True)
class Answer:
    """An analyst's answer to one recommended tool: accept or dismiss, and why."""

    accepted: bool
    reason: str = ""


def respond_to_recommendation(
    assessment: Assessment,
    *,
    by: User,
    entry: PillarTool,
    accepted: bool,
    reason: str,
) -> RecommendationResponse:
    """The analyst accepts or dismisses one recommended tool (see
    :func:`respond_to_recommendations`)."""
    answered = respond_to_recommendations(
        assessment, by=by, answers={entry.code: Answer(accepted=accepted, reason=reason)}
    )
    return answered[entry.code]


@transaction.atomic
def respond_to_recommendations(
    assessment: Assessment, *, by: User, answers: Mapping[str, Answer]
) -> dict[str, RecommendationResponse]:
    """The analyst answers any number of recommended tools at once (``answers`` by pillar-tool
    code; a tool left out stays as it was, undecided or answered before). All or none: one
    answer refused refuses them all. A dismissal needs a reason; an acceptance may give one.

    Answering is part of writing the assessment: it makes the person an editor (so not its
    reviewer). Every answer that changes is recorded in the timeline; one given again as it
    was is not.
    """
    assessment = _locked(assessment)
    require(assessment, Action.RESPOND, by)
    recommended = {rec["entry"] for rec in (assessment.result or {}).get("recommendations", [])}
    entries = {
        e.code: e for e in PillarTool.objects.select_related("tool").filter(code__in=answers)
    }
    for code, answer in answers.items():
        if code not in recommended or code not in entries:
            raise WorkflowError(_("This tool is not among the assessment's recommendations."))
        if not answer.accepted and not answer.reason.strip():
            raise WorkflowError(
                _("Give a reason for dismissing %(tool)s.") % {"tool": entries[code].tool}
            )
    if not answers:
        return {}
    _mark_editor(assessment, by)
    existing = {r.entry_id: r for r in assessment.responses.filter(entry__in=entries.values())}
    answered = {}
    for code, answer in answers.items():
        entry = entries[code]
        reason = answer.reason.strip()
        before = existing.get(entry.pk)
        if before is not None and (before.accepted, before.reason) == (answer.accepted, reason):
            answered[code] = before
            continue
        answered[code], _created = RecommendationResponse.objects.update_or_create(
            assessment=assessment,
            entry=entry,
            defaults={"accepted": answer.accepted, "reason": reason, "by": by},
        )
        record_transition(
            assessment,
            by=by,
            from_status=assessment.status,
            event=Event.RECOMMENDATION_ACCEPTED
            if answer.accepted
            else Event.RECOMMENDATION_DISMISSED,
            params={"entry": entry.code, "tool": str(entry.tool)},
            reason=reason,
        )
    return answered


@transaction.atomic
def submit_assessment(assessment: Assessment, *, by: User) -> Assessment:
    assessment = _locked(assessment)
    taken = require(assessment, Action.SUBMIT, by)
    if not assessment.ratings.exclude(severity=scales.Severity.NOT_ASSESSED).exists():
        raise WorkflowError(_("Rate at least one indicator before submitting."))
    previous = assessment.status
    assessment.status = taken.to_status
    assessment.revision += 1
    assessment.reviewer = None
    assessment.save(update_fields=["status", "revision", "reviewer", "updated_at"])
    record_transition(assessment, by=by, from_status=previous, event=Event.SUBMITTED)
    request_summary(assessment)
    return assessment


# Escalation summaries ----------------------------------------------------------------------


def request_summary(assessment: Assessment) -> EscalationSummary:
    """Create the pending summary of the assessment's current version; draft it after commit.

    Call inside the transaction that submits (or imports) the assessment.
    """
    summary, _created = EscalationSummary.objects.get_or_create(
        assessment=assessment, revision=assessment.revision
    )
    jobs.enqueue(DRAFT_SUMMARY_TASK, summary_id=summary.pk)
    return summary


def _lease() -> timedelta:
    return timedelta(seconds=settings.SUMMARY_LEASE_SECONDS)


def claim_summary(summary_id: int) -> uuid.UUID | None:
    """Claim a pending summary (or one whose drafter's lease ran out). One row or none."""
    token = uuid.uuid4()
    now = timezone.now()
    claimable = Q(status=SummaryStatus.PENDING) | Q(
        status=SummaryStatus.DRAFTING, claimed_at__lt=now - _lease()
    )
    changed = EscalationSummary.objects.filter(claimable, pk=summary_id).update(
        status=SummaryStatus.DRAFTING,
        claim_token=token,
        claimed_at=now,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    return token if changed == 1 else None


def release_claim(summary_id: int, token: uuid.UUID) -> bool:
    """Give a summary this caller is drafting back (pending) after a transient failure.

    Only a summary still ``drafting`` under this very claim is released: one that was
    finished, failed or claimed again by someone else is left as it is.
    """
    released = EscalationSummary.objects.filter(
        pk=summary_id, claim_token=token, status=SummaryStatus.DRAFTING
    ).update(status=SummaryStatus.PENDING, claim_token=None, updated_at=timezone.now())
    return released == 1


def draft_summary(summary_id: int) -> str:
    """Draft the summary's content if this caller can claim it; say what happened."""
    token = claim_summary(summary_id)
    if token is None:
        return "skipped"
    try:
        finished = finish_summary(summary_id, token)
    except Exception:
        release_claim(summary_id, token)
        raise
    return "drafted" if finished else "superseded"


@transaction.atomic
def finish_summary(summary_id: int, token: uuid.UUID) -> bool:
    """Store the drafted snapshot under this claim and move the assessment into review.

    The notification of the reviewers is a task of its own, queued after commit: whatever
    happens to it, the summary stays ready.
    """
    # Lock the assessment so that its content cannot move while it is summarised (its stored
    # result, recomputed by the summary, is not read); the summary's revision comes along.
    assessment = (
        Assessment.objects.select_for_update()
        .select_related("situation", "author")
        .defer("result")
        .filter(summaries__pk=summary_id)
        .annotate(claimed_revision=F("summaries__revision"))
        .get()
    )
    taken = step(Action.DRAFT_SUMMARY, assessment.status)
    if assessment.revision != assessment.claimed_revision or taken is None:
        mark_summary_failed(
            summary_id,
            _("The assessment changed before its summary was drafted."),
            token=token,
        )
        return False
    content = build_summary_content(assessment)
    now = timezone.now()
    finished = EscalationSummary.objects.filter(
        pk=summary_id, claim_token=token, status=SummaryStatus.DRAFTING
    ).update(
        status=SummaryStatus.READY,
        content=content,
        content_hash=content_hash(content),
        proposed_escalation=content["escalation"]["level"],
        claim_token=None,
        ready_at=now,
        updated_at=now,
        error="",
    )
    if finished != 1:
        return False
    jobs.enqueue(NOTIFY_SUMMARY_READY_TASK, summary_id=summary_id)
    jobs.enqueue(STORE_SUMMARY_PDFS_TASK, summary_id=summary_id)
    if taken.to_status != assessment.status:
        previous = assessment.status
        assessment.status = taken.to_status
        assessment.save(update_fields=["status", "updated_at"])
        record_transition(assessment, by=None, from_status=previous, event=Event.SUMMARY_DRAFTED)
    webhook_events.summary_ready(summary_id, assessment=assessment)
    return True


def mark_summary_failed(summary_id: int, error: str, *, token: uuid.UUID | None = None) -> bool:
    """A permanent failure: the summary says so and waits for someone to try again."""
    query = EscalationSummary.objects.filter(
        pk=summary_id, status__in=[SummaryStatus.PENDING, SummaryStatus.DRAFTING]
    )
    if token is not None:
        query = query.filter(claim_token=token)
    return (
        query.update(
            status=SummaryStatus.FAILED,
            error=error[:2000],
            claim_token=None,
            updated_at=timezone.now(),
        )
        == 1
    )


@transaction.atomic
def retry_summary(summary: EscalationSummary, *, by: User) -> EscalationSummary:
    """An analyst of the situation or a reviewer asks for a failed summary to be drafted again."""
    assessment = _locked(summary.assessment)
    require(assessment, Action.RETRY_SUMMARY, by)
    changed = EscalationSummary.objects.filter(
        pk=summary.pk, revision=assessment.revision, status=SummaryStatus.FAILED
    ).update(status=SummaryStatus.PENDING, error="", updated_at=timezone.now())
    if changed != 1:
        raise WorkflowError(_("Only a failed summary can be tried again."))
    jobs.enqueue(DRAFT_SUMMARY_TASK, summary_id=summary.pk)
    summary.refresh_from_db()
    return summary


def sweep_stuck_summaries() -> int:
    """Publish again what a lost message left behind: pending too long, or a dead drafter."""
    now = timezone.now()
    stuck_after = timedelta(seconds=settings.SUMMARY_STUCK_AFTER_SECONDS)
    still_stuck = Q(status=SummaryStatus.PENDING, updated_at__lt=now - stuck_after) | Q(
        status=SummaryStatus.DRAFTING, claimed_at__lt=now - _lease()
    )
    stuck = list(
        EscalationSummary.objects.filter(still_stuck).order_by("pk").values_list("pk", flat=True)
    )
    published = 0
    for summary_id in stuck:
        # Only what is still stuck at this instant is given back and published again.
        again = EscalationSummary.objects.filter(still_stuck, pk=summary_id).update(
            status=SummaryStatus.PENDING, claim_token=None, updated_at=now
        )
        if again and jobs.publish(DRAFT_SUMMARY_TASK, {"summary_id": summary_id}):
            published += 1
    if published:
        logger.info("sweeper published %d stuck summaries again", published)
    return published


# Deciding ----------------------------------------------------------------------------------


def _second_review_needed(summary: EscalationSummary, decided_level: str) -> bool:
    """Whether the rung proposed or decided needs two reviewers (reference data says which)."""
    thresholds = selectors.escalation_thresholds()
    return thresholds.needs_second_review(summary.proposed_escalation, decided_level)


@transaction.atomic
def decide_escalation(
    summary: EscalationSummary,
    *,
    by: User,
    approve: bool,
    level: str,
    reason: str,
    content_hash: str,
    dissents_read: bool = False,
) -> EscalationDecision | FirstReview:
    """Approve the escalation (at the proposed level or another) or reject it.

    The decision binds to the content the reviewer read: ``content_hash`` must be the
    summary's. Rejecting, or changing the level, needs a reason. Rejecting returns the
    assessment to its analyst with that reason. Approving over a dissent on this submission
    needs ``dissents_read``.

    Where the rung proposed or decided needs two reviewers, the first decision is a
    :class:`FirstReview` and the assessment awaits a second reviewer, who reads it: their
    decision concludes, and needs a reason where it differs from the first.
    """
    assessment = _locked(summary.assessment)
    summary = EscalationSummary.objects.select_for_update().get(pk=summary.pk)
    if summary.status != SummaryStatus.READY:
        raise WorkflowError(_("Only a ready summary can be decided on."))
    if EscalationDecision.objects.filter(summary=summary).exists():
        raise WorkflowError(_("This summary has already been decided on."))
    decided_level = level if approve else summary.proposed_escalation
    if level not in scales.ESCALATIONS:
        raise WorkflowError(_("Choose a level of escalation."))
    first = FirstReview.objects.filter(summary=summary).first()
    if first is None and assessment.status == Status.IN_REVIEW:
        two = _second_review_needed(summary, decided_level)
    else:
        two = first is not None
    if two and first is None:
        taken = require(assessment, Action.FIRST_REVIEW, by)
    else:
        taken = require(assessment, Action.APPROVE if approve else Action.RETURN, by)
    if summary.revision != assessment.revision:
        raise WorkflowError(
            _("The assessment has changed since this summary was drafted; decide on the new one.")
        )
    if content_hash != summary.content_hash:
        raise WorkflowError(
            _("The summary you read is not the one stored; reload the page and read it again.")
        )
    reason = reason.strip()
    if not approve and not reason:
        raise WorkflowError(_("Give the analyst a reason for rejecting the escalation."))
    if approve and level != summary.proposed_escalation and not reason:
        raise WorkflowError(_("Give a reason for changing the proposed escalation."))
    if (
        first is not None
        and not reason
        and (first.approved, first.level) != (approve, decided_level)
    ):
        raise WorkflowError(_("Give a reason for deciding otherwise than the first reviewer."))
    if (
        approve
        and not dissents_read
        and Dissent.objects.filter(assessment=assessment, revision=summary.revision).exists()
    ):
        raise WorkflowError(_("Read the dissents on this submission before approving over them."))
    claim_review(assessment, by)
    if two and first is None:
        return _first_review(assessment, summary, taken, by, approve, decided_level, reason)
    try:
        with transaction.atomic():
            decision = EscalationDecision.objects.create(
                summary=summary,
                reviewer=by,
                author=assessment.author,
                approved=approve,
                proposed_level=summary.proposed_escalation,
                level=decided_level,
                reason=reason,
                content_hash=summary.content_hash,
                second_review_required=first is not None,
                first_review=first,
                first_reviewer_id=first.reviewer_id if first is not None else None,
            )
    except IntegrityError as exc:
        raise WorkflowError(_("You wrote this assessment, so you cannot decide on it.")) from exc
    audit.record(
        "decision",
        obj=decision,
        actor=by,
        data={
            "assessment": assessment.pk,
            "summary": summary.pk,
            "approved": approve,
            "proposed_level": decision.proposed_level,
            "level": decision.level,
            "reason": reason,
            "content_hash": decision.content_hash,
            "first_review": first.pk if first is not None else None,
        },
    )
    previous = assessment.status
    assessment.status = taken.to_status
    assessment.reviewer = by
    assessment.save(update_fields=["status", "reviewer", "updated_at"])
    record_transition(
        assessment,
        by=by,
        from_status=previous,
        event=Event.APPROVED if approve else Event.RETURNED,
        params={"level": decision.level} if approve else {},
        reason=reason,
    )
    # An approval opens the response: an action per accepted tool and for the approved rung.
    response.open_actions(assessment, decision)
    jobs.enqueue(NOTIFY_DECISION_TASK, decision_id=decision.pk)
    jobs.enqueue(STORE_SUMMARY_PDFS_TASK, summary_id=summary.pk)  # the PDF shows the decision
    webhook_events.decision_made(decision, assessment=assessment)
    return decision


def _first_review(
    assessment: Assessment,
    summary: EscalationSummary,
    taken: Step,
    by: User,
    approve: bool,
    level: str,
    reason: str,
) -> FirstReview:
    """Record the first of two reviews; the assessment then awaits its second reviewer."""
    try:
        with transaction.atomic():
            first = FirstReview.objects.create(
                summary=summary,
                reviewer=by,
                author=assessment.author,
                approved=approve,
                proposed_level=summary.proposed_escalation,
                level=level,
                reason=reason,
                content_hash=summary.content_hash,
            )
    except IntegrityError as exc:
        raise WorkflowError(_("You wrote this assessment, so you cannot decide on it.")) from exc
    audit.record(
        "first_review",
        obj=first,
        actor=by,
        data={
            "assessment": assessment.pk,
            "summary": summary.pk,
            "approved": approve,
            "proposed_level": first.proposed_level,
            "level": level,
            "reason": reason,
            "content_hash": first.content_hash,
        },
    )
    previous = assessment.status
    assessment.status = taken.to_status
    assessment.reviewer = by
    assessment.save(update_fields=["status", "reviewer", "updated_at"])
    record_transition(
        assessment,
        by=by,
        from_status=previous,
        event=Event.FIRST_REVIEW,
        params={"approved": approve, "level": level},
        reason=reason,
    )
    jobs.enqueue(NOTIFY_SECOND_REVIEW_TASK, first_review_id=first.pk)
    return first
