"""Every write about escalation summaries: requesting, drafting, sweeping, deciding, notifying.

Drafting is idempotent and safe to run twice: a summary is claimed with a conditional
update that must change exactly one row, and only the holder of the claim may finish it.
"""

import logging
import uuid
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import REVIEWERS, is_reviewer
from assessments import permissions
from assessments.models import (
    Assessment,
    EscalationDecision,
    EscalationSummary,
    Notification,
    Situation,
)
from assessments.services import WorkflowError, claim_review, record_transition
from assessments.summaries import build_summary_content, content_hash

logger = logging.getLogger(__name__)

Summary = EscalationSummary
SummaryStatus = EscalationSummary.Status
Status = Assessment.Status


# Requesting --------------------------------------------------------------------------------


def request_summary(assessment: Assessment) -> EscalationSummary:
    """Create the pending summary of the assessment's current version; enqueue after commit.

    Call inside the transaction that submits the assessment.
    """
    summary, _created = EscalationSummary.objects.get_or_create(
        assessment=assessment, revision=assessment.revision
    )
    transaction.on_commit(lambda: enqueue_summary(summary.pk))
    return summary


def enqueue_summary(summary_id: int) -> bool:
    """Publish the drafting task. A broker that is down is logged, not raised: the summary
    stays pending and the sweeper enqueues it again once the broker is back."""
    from assessments.tasks import draft_summary_task

    try:
        draft_summary_task.apply_async(
            args=[summary_id],
            retry=True,
            retry_policy={
                "max_retries": 1,
                "interval_start": 0,
                "interval_step": 0.5,
                "interval_max": 0.5,
            },
        )
    except Exception:  # the broker's errors vary by transport; none may fail the caller
        logger.warning("could not enqueue summary %s; the sweeper will retry", summary_id)
        return False
    return True


# Drafting ----------------------------------------------------------------------------------


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


def release_claim(summary_id: int, token: uuid.UUID) -> None:
    """Give a claimed summary back (pending) after a transient failure, for the retry."""
    EscalationSummary.objects.filter(pk=summary_id, claim_token=token).update(
        status=SummaryStatus.PENDING, claim_token=None, updated_at=timezone.now()
    )


def draft_summary(summary_id: int) -> str:
    """Draft the summary's content if this caller can claim it; say what happened."""
    token = claim_summary(summary_id)
    if token is None:
        return "skipped"
    try:
        finished = _finish_summary(summary_id, token)
    except Exception:
        release_claim(summary_id, token)
        raise
    return "drafted" if finished else "superseded"


@transaction.atomic
def _finish_summary(summary_id: int, token: uuid.UUID) -> bool:
    summary = EscalationSummary.objects.select_related("assessment").get(pk=summary_id)
    # Lock the assessment so that its content cannot move while it is summarised.
    assessment = (
        Assessment.objects.select_for_update()
        .select_related("situation", "author")
        .get(pk=summary.assessment_id)
    )
    if assessment.revision != summary.revision or not assessment.awaits_review:
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
        ready_at=now,
        updated_at=now,
        error="",
    )
    if finished != 1:
        return False
    transaction.on_commit(lambda: notify_summary_ready(summary_id))
    if assessment.status == Status.IN_REVIEW:  # imported while in review elsewhere
        return True
    assessment.status = Status.IN_REVIEW
    assessment.save(update_fields=["status", "updated_at"])
    record_transition(
        assessment, by=None, from_status=Status.SUBMITTED, reason=_("escalation summary drafted")
    )
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
def retry_summary(summary: EscalationSummary, *, by: AbstractBaseUser) -> EscalationSummary:
    """An analyst of the situation or a reviewer asks for a failed summary to be drafted again."""
    assessment = summary.assessment
    if not (permissions.can_assess(by, assessment.situation) or is_reviewer(by)):
        raise WorkflowError(_("Only the situation's analysts or a reviewer can retry a summary."))
    changed = EscalationSummary.objects.filter(pk=summary.pk, status=SummaryStatus.FAILED).update(
        status=SummaryStatus.PENDING, error="", updated_at=timezone.now()
    )
    if changed != 1:
        raise WorkflowError(_("Only a failed summary can be tried again."))
    transaction.on_commit(lambda: enqueue_summary(summary.pk))
    summary.refresh_from_db()
    return summary


def sweep_stuck_summaries() -> int:
    """Enqueue again what a lost message left behind: pending too long, or a dead drafter."""
    now = timezone.now()
    stuck_after = timedelta(seconds=settings.SUMMARY_STUCK_AFTER_SECONDS)
    dead = EscalationSummary.objects.filter(
        status=SummaryStatus.DRAFTING, claimed_at__lt=now - _lease()
    )
    waiting = EscalationSummary.objects.filter(
        status=SummaryStatus.PENDING, updated_at__lt=now - stuck_after
    )
    stuck = sorted(
        set(dead.values_list("pk", flat=True)) | set(waiting.values_list("pk", flat=True))
    )
    enqueued = 0
    for summary_id in stuck:
        # Only what is still stuck at this instant is given back and enqueued again.
        again = EscalationSummary.objects.filter(
            Q(status=SummaryStatus.PENDING, updated_at__lt=now - stuck_after)
            | Q(status=SummaryStatus.DRAFTING, claimed_at__lt=now - _lease()),
            pk=summary_id,
        ).update(status=SummaryStatus.PENDING, claim_token=None, updated_at=now)
        if again:
            enqueue_summary(summary_id)
            enqueued += 1
    if enqueued:
        logger.info("sweeper enqueued %d stuck summaries again", enqueued)
    return enqueued


# Deciding ----------------------------------------------------------------------------------


@transaction.atomic
def decide_escalation(
    summary: EscalationSummary,
    *,
    by: AbstractBaseUser,
    approve: bool,
    level: str,
    reason: str,
    content_hash: str,
) -> EscalationDecision:
    """Approve the escalation (at the proposed level or another) or reject it.

    The decision binds to the content the reviewer read: ``content_hash`` must be the
    summary's. Rejecting, or changing the level, needs a reason. Rejecting returns the
    assessment to its analyst with that reason.
    """
    assessment = (
        Assessment.objects.select_for_update()
        .select_related("situation")
        .get(pk=summary.assessment_id)
    )
    summary = EscalationSummary.objects.select_for_update().get(pk=summary.pk)
    if summary.status != SummaryStatus.READY:
        raise WorkflowError(_("Only a ready summary can be decided on."))
    if hasattr(summary, "decision"):
        raise WorkflowError(_("This summary has already been decided on."))
    if summary.revision != assessment.revision or assessment.status != Status.IN_REVIEW:
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
    claim_review(assessment, by)
    try:
        with transaction.atomic():
            decision = EscalationDecision.objects.create(
                summary=summary,
                reviewer=by,
                author=assessment.author,
                approved=approve,
                proposed_level=summary.proposed_escalation,
                level=level if approve else summary.proposed_escalation,
                reason=reason,
                content_hash=summary.content_hash,
            )
    except IntegrityError as exc:
        raise WorkflowError(_("You wrote this assessment, so you cannot decide on it.")) from exc
    previous = assessment.status
    assessment.status = Status.APPROVED if approve else Status.RETURNED
    assessment.reviewer = by
    assessment.save(update_fields=["status", "reviewer", "updated_at"])
    record_transition(assessment, by=by, from_status=previous, reason=reason)
    return decision


# Notifying ---------------------------------------------------------------------------------


def _send_once(key: str, recipient: AbstractBaseUser, subject: str, body: str) -> bool:
    """Send an email unless one with this key was sent already (retries send nothing twice)."""
    email = getattr(recipient, "email", "")
    if not email:
        return False
    try:
        with transaction.atomic():
            Notification.objects.create(key=key, recipient=recipient, subject=subject[:300])
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
    except IntegrityError:
        return False
    return True


def _reviewers() -> list[AbstractBaseUser]:
    return list(
        get_user_model().objects.filter(groups__name=REVIEWERS, is_active=True).order_by("pk")
    )


def notify_summary_ready(summary_id: int) -> int:
    summary = EscalationSummary.objects.select_related("assessment__situation").get(pk=summary_id)
    situation = summary.assessment.situation
    url = settings.SITE_URL + reverse("assessments:detail", args=[summary.assessment_id])
    subject = _("Escalation summary ready for review: %(situation)s") % {
        "situation": situation.name
    }
    body = render_to_string("assessments/email/summary_ready.txt", {"summary": summary, "url": url})
    sent = 0
    for reviewer in _reviewers():
        if reviewer.pk == summary.assessment.author_id:
            continue
        sent += _send_once(f"summary-ready:{summary.pk}:{reviewer.pk}", reviewer, subject, body)
    if sent:
        EscalationSummary.objects.filter(pk=summary_id).update(notified_at=timezone.now())
    return sent


def overdue_situations(today: date) -> list[Situation]:
    rows = []
    situations = Situation.objects.prefetch_related("analysts").annotate(
        last_as_of=Max("assessments__as_of")
    )
    for situation in situations:
        last = situation.last_as_of or situation.created_at.date()
        if last + timedelta(days=situation.review_cadence_days) < today:
            rows.append(situation)
    return rows


def send_overdue_reminders(today: date | None = None) -> int:
    """Once a day: remind the analysts of each situation overdue for reassessment."""
    today = today or timezone.localdate()
    sent = 0
    for situation in overdue_situations(today):
        url = settings.SITE_URL + reverse("assessments:situation", args=[situation.pk])
        subject = _("Reassessment overdue: %(situation)s") % {"situation": situation.name}
        body = render_to_string(
            "assessments/email/overdue.txt", {"situation": situation, "url": url}
        )
        for analyst in situation.analysts.all():
            key = f"overdue:{situation.pk}:{analyst.pk}:{today.isoformat()}"
            sent += _send_once(key, analyst, subject, body)
    return sent


def send_review_digest(today: date | None = None) -> int:
    """Once a day: tell each reviewer which summaries await a decision."""
    today = today or timezone.localdate()
    waiting = list(
        EscalationSummary.objects.filter(
            status=SummaryStatus.READY,
            decision__isnull=True,
            assessment__status=Status.IN_REVIEW,
        ).select_related("assessment__situation", "assessment__author")
    )
    if not waiting:
        return 0
    sent = 0
    for reviewer in _reviewers():
        mine = [s for s in waiting if s.assessment.author_id != reviewer.pk]
        if not mine:
            continue
        subject = _("%(count)d escalation summaries await your decision") % {"count": len(mine)}
        body = render_to_string(
            "assessments/email/digest.txt",
            {"summaries": mine, "site_url": settings.SITE_URL},
        )
        sent += _send_once(f"digest:{reviewer.pk}:{today.isoformat()}", reviewer, subject, body)
    return sent
