"""Small builders for situations, assessments and their summaries, going through the real
services. Every test module builds with these; none keeps builders of its own.

    situation = build_situation(by=reviewer, analysts=[analyst])
    assessment = build_assessment(
        situation,
        by=analyst,
        ratings={"7.5": "high", "8.1": ("moderate", "worsening", "high")},
        status="approved",
        reviewer=reviewer,
    )
    summary = summary_of(assessment)

A rating given as a severity or a (severity, trend, confidence) tuple gets an evidence note
and one graded source, as the edit form demands for a moderate or high severity, so what the
builders make is what an analyst could have made. A ``RatingInput`` is taken as it is.
"""

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from itertools import count

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from accounts.roles import REVIEWERS
from assessments import selectors, services, workflow
from assessments.forms import format_sources
from assessments.models import (
    ActionSource,
    Assessment,
    EscalationDecision,
    EscalationSummary,
    FirstReview,
    ResponseAction,
    Situation,
)
from assessments.workflow import RatingInput
from framework.models import Indicator

AS_OF = date(2026, 5, 1)
RETURN_REASON = "The evidence for the triggers is a single unverified report."
# Three common factors at moderate or higher: serious concern, with tools to recommend.
SERIOUS_CONCERN = {"1.1": "moderate", "7.5": "high", "8.1": ("high", "worsening", "high")}
# Incitement at high and two common factors: a current crisis (genocide) under a perpetrator
# posture, for which a Security Council briefing is proposed.
CRISIS = {"10.1": "high", "1.1": "moderate", "8.4": "moderate"}
_numbers = count(1)

RatingSpec = str | tuple[str, ...] | RatingInput


def build_situation(
    *,
    by: AbstractBaseUser,
    analysts: Iterable[AbstractBaseUser] = (),
    code: str | None = None,
    name: str | None = None,
    country: str = "SD",
    groups: Iterable[tuple[str, str]] = (),
    **kw: object,
) -> Situation:
    """A situation created by ``by`` (a reviewer or framework admin) via the service, with
    its ``groups`` at risk given as (name, kind)."""
    number = next(_numbers)
    situation = services.create_situation(
        by=by,
        analysts=list(analysts),
        code=code or f"situation-{number}",
        name=name or f"Situation {number}",
        country=country,
        **kw,
    )
    for group_name, kind in groups:
        services.add_group(situation, by=by, given=services.GroupInput(name=group_name, kind=kind))
    return situation


def rating_input(spec: str | tuple[str, ...], *, code: str = "") -> RatingInput:
    """``"high"`` or ``("high", "worsening", "low")`` as the service's ``RatingInput``."""
    severity, trend, confidence = (spec, "stable", "medium") if isinstance(spec, str) else spec
    assessed = severity != "not_assessed"
    return RatingInput(
        severity=severity,
        trend=trend,
        confidence=confidence,
        note=f"Field reports on {code or 'this indicator'}." if assessed else "",
        sources=(("B", f"OHCHR press briefing on {code or 'this indicator'}"),) if assessed else (),
    )


def ratings_by_pk(ratings: Mapping[str, RatingSpec]) -> dict[int, RatingInput]:
    """Indicator codes to ``RatingInput``s keyed by indicator pk, as ``save_assessment`` takes."""
    pks = dict(Indicator.objects.filter(code__in=ratings).values_list("code", "pk"))
    missing = set(ratings) - set(pks)
    if missing:
        raise ValueError(f"unknown indicator codes: {sorted(missing)}")
    return {
        pks[code]: spec if isinstance(spec, RatingInput) else rating_input(spec, code=code)
        for code, spec in ratings.items()
    }


def build_assessment(
    situation: Situation,
    *,
    by: AbstractBaseUser,
    ratings: Mapping[str, RatingSpec] | None = None,
    posture: str = "unwilling",
    as_of: date = AS_OF,
    status: str = "draft",
    reviewer: AbstractBaseUser | None = None,
    reason: str = RETURN_REASON,
    narrative: str = "",
    copy_from: Assessment | None = None,
) -> Assessment:
    """An assessment by ``by`` brought to ``status`` through the workflow services.

    ``ratings`` maps indicator codes to a severity, a (severity, trend, confidence) tuple or a
    ``RatingInput``. A status past draft needs a rated indicator: when none is given, 7.5 is
    rated moderate. ``approved`` and ``returned`` need the ``reviewer`` who decides (a
    returned one with ``reason``); see :func:`bring_to`.
    """
    if status not in Assessment.Status.values:
        raise ValueError(f"unknown status {status!r}")
    if ratings is None:
        ratings = {} if status == "draft" else {"7.5": "moderate"}
    assessment = workflow.start_assessment(
        situation,
        by=by,
        as_of=as_of,
        posture=posture,
        narrative=narrative,
        copy_from=copy_from,
    )
    if ratings:
        assessment = workflow.save_assessment(
            assessment,
            by=by,
            expected_version=assessment.lock_version,
            as_of=as_of,
            posture=posture,
            narrative=narrative,
            ratings=ratings_by_pk(ratings),
        )
    return bring_to(assessment, status, reviewer=reviewer, reason=reason)


def build_crisis(
    situation: Situation, *, by: AbstractBaseUser, status: str = "draft", **kw: object
) -> Assessment:
    """An assessment of a current crisis (:data:`CRISIS`, the state a perpetrator) by ``by``,
    brought to ``status``: its summary proposes a Security Council briefing."""
    return build_assessment(
        situation, by=by, ratings=CRISIS, posture="perpetrator", status=status, **kw
    )


def bring_to(
    assessment: Assessment,
    status: str,
    *,
    reviewer: AbstractBaseUser | None = None,
    reason: str = RETURN_REASON,
) -> Assessment:
    """Take a draft or returned assessment on to ``status`` as its users and the worker do:
    its author submits it, the worker drafts the summary (``in_review``), and ``reviewer``
    approves the escalation or rejects it with ``reason`` (``approved``, ``returned``)."""
    if status in ("approved", "returned") and reviewer is None:
        raise ValueError(f"a {status} assessment needs a reviewer")
    if status != "draft":
        assessment = workflow.submit_assessment(assessment, by=assessment.author)
    if status in ("in_review", "approved", "returned"):
        assessment = draft_summary_now(assessment)
    if reviewer is not None and status in ("approved", "returned"):
        assessment = decide(
            assessment,
            by=reviewer,
            approve=status == "approved",
            reason="" if status == "approved" else reason,
        )
    return Assessment.objects.get(pk=assessment.pk)


def edit_assessment(
    assessment: Assessment,
    *,
    by: AbstractBaseUser,
    narrative: str = "",
    ratings: Mapping[str, RatingSpec] | None = None,
    expected_version: int | None = None,
) -> Assessment:
    """``save_assessment`` as the edit form does it: the date and the posture unchanged, the
    version the user loaded (the stored one unless ``expected_version`` is given)."""
    assessment = Assessment.objects.get(pk=assessment.pk)
    return workflow.save_assessment(
        assessment,
        by=by,
        expected_version=assessment.lock_version if expected_version is None else expected_version,
        as_of=assessment.as_of,
        posture=assessment.posture,
        narrative=narrative,
        ratings=ratings_by_pk(ratings or {}),
    )


def summary_of(assessment: Assessment, revision: int | None = None) -> EscalationSummary:
    """The escalation summary of the assessment's current version (or of ``revision``)."""
    assessment = Assessment.objects.get(pk=assessment.pk)
    return EscalationSummary.objects.get(
        assessment=assessment, revision=assessment.revision if revision is None else revision
    )


def draft_summary_now(assessment: Assessment) -> Assessment:
    """Do what the worker does on submit: draft the summary; the assessment is then in review."""
    outcome = workflow.draft_summary(summary_of(assessment).pk)
    if outcome != "drafted":
        raise ValueError(f"the summary was not drafted: {outcome}")
    return Assessment.objects.get(pk=assessment.pk)


SECOND_REVIEWER = "second_reviewer"


def second_reviewer() -> AbstractBaseUser:
    """The reviewer who gives the second review in tests about something else."""
    found = get_user_model().objects.filter(username=SECOND_REVIEWER).first()
    if found is not None:
        return found
    from tests.conftest import make_user

    return make_user(SECOND_REVIEWER, REVIEWERS)


def decide_on(
    summary: EscalationSummary,
    *,
    by: AbstractBaseUser,
    approve: bool,
    reason: str = "",
    level: str | None = None,
    hash_read: str | None = None,
    second_by: AbstractBaseUser | None = None,
    dissents_read: bool = False,
) -> EscalationDecision | FirstReview:
    """A reviewer's decision on ``summary`` through the service: at the proposed level unless
    ``level`` is given, on the content whose hash they read (the stored one by default).

    At a rung that needs two reviewers, with ``second_by``, ``second_by`` gives the first
    review and ``by`` concludes alike: the decision is returned. Without it, ``by``'s is the
    first review.
    """
    decide = {
        "approve": approve,
        # A summary that is not ready proposes nothing yet; the service refuses it first.
        "level": level or summary.proposed_escalation or "keep_monitoring",
        "reason": reason,
        "content_hash": summary.content_hash if hash_read is None else hash_read,
        "dissents_read": dissents_read,
    }
    needs_two = second_by is not None and summary.is_ready
    if needs_two and summary.assessment.status == "in_review":
        needs_two = selectors.second_review_needed(summary.proposed_escalation) or (
            approve and selectors.second_review_needed(str(decide["level"]))
        )
    if needs_two and second_by is not None:
        workflow.decide_escalation(summary, by=second_by, **decide)  # type: ignore[arg-type]
    return workflow.decide_escalation(summary, by=by, **decide)  # type: ignore[arg-type]


def decide(
    assessment: Assessment,
    *,
    by: AbstractBaseUser,
    approve: bool,
    reason: str = "",
    level: str | None = None,
    dissents_read: bool = False,
) -> Assessment:
    """The reviewer's decision on the ready summary of the assessment's current version; at a
    rung that needs two reviewers, :func:`second_reviewer` gives the first review alike."""
    decide_on(
        summary_of(assessment),
        by=by,
        approve=approve,
        reason=reason,
        level=level,
        second_by=second_reviewer(),
        dissents_read=dissents_read,
    )
    return Assessment.objects.get(pk=assessment.pk)


def edit_form_data(assessment: Assessment, **overrides: object) -> dict[str, str]:
    """What the edit form posts when the analyst changes nothing, then ``overrides``.

    Rating fields are named ``i<indicator pk>_<part>``; see :func:`field_name`.
    """
    assessment = Assessment.objects.get(pk=assessment.pk)
    ratings = {r.indicator_id: r for r in assessment.ratings.prefetch_related("sources")}
    data = {
        "lock_version": str(assessment.lock_version),
        "as_of": assessment.as_of.isoformat(),
        "posture": assessment.posture,
        "narrative": assessment.narrative,
    }
    indicators = Indicator.objects.filter(is_active=True) | Indicator.objects.filter(
        pk__in=list(ratings)
    )
    for indicator in indicators:
        rating = ratings.get(indicator.pk)
        prefix = f"i{indicator.pk}"
        data[f"{prefix}_severity"] = rating.severity if rating else "not_assessed"
        data[f"{prefix}_trend"] = rating.trend if rating else "stable"
        data[f"{prefix}_confidence"] = rating.confidence if rating else "medium"
        data[f"{prefix}_note"] = rating.note if rating else ""
        data[f"{prefix}_sources"] = format_sources(rating.sources.all()) if rating else ""
    data.update({name: str(value) for name, value in overrides.items()})
    return data


def field_name(code: str, part: str) -> str:
    """The edit form's field for one part (severity, trend, note...) of indicator ``code``."""
    return f"i{Indicator.objects.get(code=code).pk}_{part}"


def many_actions(
    count: int,
    *,
    situation: Situation,
    analyst: AbstractBaseUser,
    reviewer: AbstractBaseUser,
    due_on: date,
) -> None:
    """``count`` approved assessments of ``situation`` made in bulk, each with its summary,
    its decision and the action it opened for its rung (with a graded source): the response
    pages then list ``count`` actions, all due on ``due_on``."""
    assessments = Assessment.objects.bulk_create(
        Assessment(
            situation=situation,
            author=analyst,
            as_of=date(2024, 1, 1) + timedelta(days=n),
            posture="unwilling",
            status="approved",
            reviewer=reviewer,
            revision=1,
        )
        for n in range(count)
    )
    summaries = EscalationSummary.objects.bulk_create(
        EscalationSummary(
            assessment=a,
            revision=1,
            status="ready",
            content={"schema": 2},
            content_hash=f"{a.pk:064x}",
            proposed_escalation="alert_special_adviser",
        )
        for a in assessments
    )
    decisions = EscalationDecision.objects.bulk_create(
        EscalationDecision(
            summary=s,
            reviewer=reviewer,
            author=analyst,
            approved=True,
            proposed_level="alert_special_adviser",
            level="alert_special_adviser",
            content_hash=s.content_hash,
        )
        for s in summaries
    )
    actions = ResponseAction.objects.bulk_create(
        ResponseAction(
            situation=situation,
            assessment=a,
            decision=d,
            kind="escalation",
            escalation="alert_special_adviser",
            owner=reviewer,
            due_on=due_on,
        )
        for a, d in zip(assessments, decisions, strict=True)
    )
    ActionSource.objects.bulk_create(
        ActionSource(action=action, reliability="B", citation=f"Report {action.pk}")
        for action in actions
    )
