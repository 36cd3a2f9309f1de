"""Emails: each one its own idempotent task body, queued after the change that causes it.

A *fan-out* (``notify_summary_ready``, ``send_overdue_reminders``, ``send_review_digest``)
decides who is told and queues one task per email; each *email* (``send_summary_ready_email``,
...) renders and sends one message under a unique key, so that a retried or duplicated task
sends nothing twice. A failing email fails only its own task, which is retried on its own:
no email can change the status of a summary or an assessment.
"""

import functools
import inspect
from collections.abc import Callable
from datetime import date
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.languages import speaking_to
from accounts.roles import REVIEWERS, is_reviewer
from assessments import jobs, permissions, response, selectors
from assessments.models import (
    Comment,
    EmailOptOut,
    EscalationDecision,
    EscalationSummary,
    FirstReview,
    InboxItem,
    Notification,
    NotificationKind,
    Participation,
    ResponseAction,
    Situation,
)

P = ParamSpec("P")
R = TypeVar("R")


def in_recipients_language(send: Callable[P, R]) -> Callable[P, R]:
    """An email is written in its recipient's language (the one on their profile): its
    subject, body and the notification shown in the app alike."""
    signature = inspect.signature(send)

    @functools.wraps(send)
    def written(*args: P.args, **kwargs: P.kwargs) -> R:
        recipient_id = signature.bind(*args, **kwargs).arguments["recipient_id"]
        with speaking_to(recipient_id):
            return send(*args, **kwargs)

    return written


SEND_SUMMARY_READY_EMAIL_TASK = "assessments.send_summary_ready_email"
SEND_OVERDUE_REMINDER_TASK = "assessments.send_overdue_reminder"
SEND_REVIEW_DIGEST_EMAIL_TASK = "assessments.send_review_digest_email"
SEND_DECISION_EMAIL_TASK = "assessments.send_decision_email"
SEND_SECOND_REVIEW_EMAIL_TASK = "assessments.send_second_review_email"
SEND_COMMENT_EMAIL_TASK = "assessments.send_comment_email"
SEND_ACTION_REMINDER_TASK = "assessments.send_action_reminder"


def send_once(key: str, recipient: User, subject: str, body: str) -> bool:
    """Send an email unless one with this key was sent already.

    The record and the sending are one transaction: an email that fails to go out leaves no
    record, so that its retry sends it; one that went out is never sent again.
    """
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


def title(kind: str, params: dict[str, str]) -> str:
    """What a notification says, in the reader's language: an email's subject, an in-app
    notification's text."""
    if kind == NotificationKind.SUMMARY_READY:
        return _("Escalation summary ready for review: %(situation)s") % params
    if kind == NotificationKind.SECOND_REVIEW:
        return _("Second review needed: %(situation)s (as of %(as_of)s)") % params
    if kind == NotificationKind.APPROVED:
        return _("Approved: %(situation)s (as of %(as_of)s)") % params
    if kind == NotificationKind.RETURNED:
        return _("Returned to you: %(situation)s (as of %(as_of)s)") % params
    if kind == NotificationKind.COMMENTED:
        return _("%(author)s commented on %(situation)s (as of %(as_of)s)") % params
    if kind == NotificationKind.OVERDUE:
        return _("Reassessment overdue: %(situation)s") % params
    if kind == NotificationKind.ACTION_OVERDUE:
        count = int(params.get("count", "0"))
        return ngettext(
            "%(count)d response action overdue", "%(count)d response actions overdue", count
        ) % {"count": count}
    return _("Escalation summaries await your decision")


def emails_wanted(user: User, kind: str) -> bool:
    return not EmailOptOut.objects.filter(user=user, kind=kind).exists()


def deliver(
    key: str,
    recipient: User,
    kind: str,
    params: dict[str, str],
    *,
    path: str,
    body: str,
    in_app: bool = True,
) -> bool:
    """Tell ``recipient``: in the app (once per key, whatever the email does), then by email
    unless they turned that kind off (once per key). True when the email went out now."""
    if in_app:
        InboxItem.objects.get_or_create(
            key=key,
            defaults={"recipient": recipient, "kind": kind, "params": params, "path": path},
        )
    if not emails_wanted(recipient, kind):
        return False
    return send_once(key, recipient, title(kind, params), body)


def _active_user(user_id: int) -> User | None:
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


def _reviewer_ids() -> list[int]:
    return list(
        get_user_model()
        .objects.filter(groups__name=REVIEWERS, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# A summary is ready ------------------------------------------------------------------------


def notify_summary_ready(summary_id: int) -> int:
    """Queue one email per reviewer who may decide on the summary (not its author)."""
    summary = EscalationSummary.objects.select_related("assessment").get(pk=summary_id)
    recipients = [pk for pk in _reviewer_ids() if pk != summary.assessment.author_id]
    for recipient_id in recipients:
        jobs.enqueue(
            SEND_SUMMARY_READY_EMAIL_TASK, summary_id=summary_id, recipient_id=recipient_id
        )
    return len(recipients)


@in_recipients_language
def send_summary_ready_email(summary_id: int, recipient_id: int) -> bool:
    summary = EscalationSummary.objects.select_related("assessment__situation").get(pk=summary_id)
    recipient = _active_user(recipient_id)
    if recipient is None:
        return False
    situation = summary.assessment.situation
    path = reverse("assessments:detail", args=[summary.assessment_id])
    body = render_to_string(
        "assessments/email/summary_ready.txt", {"summary": summary, "url": settings.SITE_URL + path}
    )
    sent = deliver(
        f"summary-ready:{summary.pk}:{recipient.pk}",
        recipient,
        NotificationKind.SUMMARY_READY,
        {"situation": situation.name},
        path=path,
        body=body,
    )
    if sent:
        EscalationSummary.objects.filter(pk=summary_id, notified_at__isnull=True).update(
            notified_at=timezone.now()
        )
    return sent


# A first review awaits its second ----------------------------------------------------------


def notify_second_review(first_review_id: int) -> int:
    """Queue one email per reviewer who may give the second review: neither the first
    reviewer nor anyone who wrote or edited the assessment."""
    first = FirstReview.objects.select_related("summary__assessment").get(pk=first_review_id)
    assessment = first.summary.assessment
    editors = set(
        assessment.participations.filter(role=Participation.Role.EDITOR).values_list(
            "user_id", flat=True
        )
    )
    excluded = editors | {assessment.author_id, first.reviewer_id}
    recipients = [pk for pk in _reviewer_ids() if pk not in excluded]
    for recipient_id in recipients:
        jobs.enqueue(
            SEND_SECOND_REVIEW_EMAIL_TASK, first_review_id=first.pk, recipient_id=recipient_id
        )
    return len(recipients)


@in_recipients_language
def send_second_review_email(first_review_id: int, recipient_id: int) -> bool:
    first = FirstReview.objects.select_related("reviewer", "summary__assessment__situation").get(
        pk=first_review_id
    )
    recipient = _active_user(recipient_id)
    if recipient is None:
        return False
    assessment = first.summary.assessment
    path = reverse("assessments:detail", args=[assessment.pk])
    body = render_to_string(
        "assessments/email/second_review.txt",
        {"first": first, "assessment": assessment, "url": settings.SITE_URL + path},
    )
    return deliver(
        f"second-review:{first.pk}:{recipient.pk}",
        recipient,
        NotificationKind.SECOND_REVIEW,
        {"situation": assessment.situation.name, "as_of": assessment.as_of.isoformat()},
        path=path,
        body=body,
    )


# A reviewer decided -----------------------------------------------------------------------


def notify_decision(decision_id: int) -> int:
    """Queue one email per analyst of the assessment (its author and the situation's assigned
    analysts, never the reviewer who decided): approved at which rung, or returned and why."""
    decision = EscalationDecision.objects.select_related("summary__assessment__situation").get(
        pk=decision_id
    )
    assessment = decision.summary.assessment
    analysts = set(assessment.situation.analysts.values_list("pk", flat=True))
    recipients = sorted((analysts | {assessment.author_id}) - {decision.reviewer_id})
    for recipient_id in recipients:
        jobs.enqueue(SEND_DECISION_EMAIL_TASK, decision_id=decision_id, recipient_id=recipient_id)
    return len(recipients)


@in_recipients_language
def send_decision_email(decision_id: int, recipient_id: int) -> bool:
    decision = EscalationDecision.objects.select_related(
        "reviewer", "summary__assessment__situation"
    ).get(pk=decision_id)
    recipient = _active_user(recipient_id)
    if recipient is None:
        return False
    assessment = decision.summary.assessment
    path = reverse("assessments:detail", args=[assessment.pk])
    body = render_to_string(
        "assessments/email/decision.txt",
        {"decision": decision, "assessment": assessment, "url": settings.SITE_URL + path},
    )
    return deliver(
        f"decision:{decision.pk}:{recipient.pk}",
        recipient,
        NotificationKind.APPROVED if decision.approved else NotificationKind.RETURNED,
        {"situation": assessment.situation.name, "as_of": assessment.as_of.isoformat()},
        path=path,
        body=body,
    )


# A comment --------------------------------------------------------------------------------


def notify_comment(comment_id: int) -> int:
    """Queue one email per person the comment concerns, never its author: for a reviewer's
    comment, the situation's analysts and the assessment's author; for any comment, whoever
    took part in the discussion and the reviewer who decided on the assessment."""
    comment = Comment.objects.select_related("author", "assessment__situation").get(pk=comment_id)
    assessment = comment.assessment
    recipients = set(
        assessment.comments.filter(pk__lt=comment.pk).values_list("author_id", flat=True)
    )
    if assessment.reviewer_id:
        recipients.add(assessment.reviewer_id)
    if is_reviewer(comment.author):
        recipients |= set(assessment.situation.analysts.values_list("pk", flat=True))
        recipients.add(assessment.author_id)
    recipients.discard(comment.author_id)
    for recipient_id in sorted(recipients):
        jobs.enqueue(SEND_COMMENT_EMAIL_TASK, comment_id=comment_id, recipient_id=recipient_id)
    return len(recipients)


@in_recipients_language
def send_comment_email(comment_id: int, recipient_id: int) -> bool:
    comment = Comment.objects.select_related("author", "assessment__situation").get(pk=comment_id)
    recipient = _active_user(recipient_id)
    assessment = comment.assessment
    # Whoever may no longer see the assessment (an analyst since unassigned) is not told.
    if recipient is None or not permissions.can_comment(recipient, assessment):
        return False
    path = reverse("assessments:detail", args=[assessment.pk]) + f"#comment-{comment.pk}"
    body = render_to_string(
        "assessments/email/comment.txt",
        {"comment": comment, "assessment": assessment, "url": settings.SITE_URL + path},
    )
    return deliver(
        f"comment:{comment.pk}:{recipient.pk}",
        recipient,
        NotificationKind.COMMENTED,
        {
            "author": comment.author.get_full_name() or comment.author.get_username(),
            "situation": assessment.situation.name,
            "as_of": assessment.as_of.isoformat(),
        },
        path=path,
        body=body,
    )


# Overdue situations ------------------------------------------------------------------------


def send_overdue_reminders(today: date | None = None) -> int:
    """Once a day: queue a reminder to each analyst of each situation overdue for reassessment."""
    today = today or timezone.localdate()
    queued = 0
    for situation in selectors.overdue_situations(today):
        for analyst in situation.analysts.all():
            jobs.enqueue(
                SEND_OVERDUE_REMINDER_TASK,
                situation_id=situation.pk,
                recipient_id=analyst.pk,
                day=today.isoformat(),
            )
            queued += 1
    return queued


@in_recipients_language
def send_overdue_reminder(situation_id: int, recipient_id: int, day: str) -> bool:
    situation = Situation.objects.get(pk=situation_id)
    recipient = _active_user(recipient_id)
    if recipient is None:
        return False
    path = reverse("assessments:situation", args=[situation.pk])
    body = render_to_string(
        "assessments/email/overdue.txt", {"situation": situation, "url": settings.SITE_URL + path}
    )
    return deliver(
        f"overdue:{situation.pk}:{recipient.pk}:{day}",
        recipient,
        NotificationKind.OVERDUE,
        {"situation": situation.name},
        path=path,
        body=body,
    )


# Overdue response actions -------------------------------------------------------------------


def send_action_reminders(today: date | None = None) -> int:
    """Once a day: queue one reminder to each owner of overdue response actions (a person who
    owns one, else the analysts of its situation)."""
    today = today or timezone.localdate()
    recipients: set[int] = set()
    for action in response.overdue_actions(Situation.objects.all(), today):
        recipients.update(response.owners_to_remind(action))
    for recipient_id in sorted(recipients):
        jobs.enqueue(SEND_ACTION_REMINDER_TASK, recipient_id=recipient_id, day=today.isoformat())
    return len(recipients)


def actions_to_remind(recipient: User, today: date) -> list[ResponseAction]:
    """The overdue actions ``recipient`` is reminded of, among the situations they may see."""
    return [
        action
        for action in response.overdue_actions(permissions.visible_situations(recipient), today)
        if recipient.pk in response.owners_to_remind(action)
    ]


@in_recipients_language
def send_action_reminder(recipient_id: int, day: str) -> bool:
    recipient = _active_user(recipient_id)
    if recipient is None:
        return False
    actions = actions_to_remind(recipient, date.fromisoformat(day))
    if not actions:
        return False
    path = reverse("home") + "#overdue-actions"
    body = render_to_string(
        "assessments/email/action_overdue.txt",
        {
            "rows": [(a, response.action_title(a), response.owner_name(a)) for a in actions],
            "site_url": settings.SITE_URL,
        },
    )
    return deliver(
        f"action-overdue:{recipient.pk}:{day}",
        recipient,
        NotificationKind.ACTION_OVERDUE,
        {"count": str(len(actions))},
        path=path,
        body=body,
    )


# The reviewers' digest ---------------------------------------------------------------------


def _waiting_for(reviewer_id: int) -> list[EscalationSummary]:
    return [
        summary
        for summary in selectors.summaries_awaiting_decision()
        if summary.assessment.author_id != reviewer_id
        # Awaiting a second review, the assessment's reviewer is the one who gave the first.
        and not (
            summary.assessment.awaits_second_review
            and summary.assessment.reviewer_id == reviewer_id
        )
    ]


def send_review_digest(today: date | None = None) -> int:
    """Once a day: queue a digest to each reviewer who has summaries awaiting a decision."""
    today = today or timezone.localdate()
    waiting = selectors.summaries_awaiting_decision()
    queued = 0
    for reviewer_id in _reviewer_ids():
        if any(s.assessment.author_id != reviewer_id for s in waiting):
            jobs.enqueue(
                SEND_REVIEW_DIGEST_EMAIL_TASK, recipient_id=reviewer_id, day=today.isoformat()
            )
            queued += 1
    return queued


@in_recipients_language
def send_review_digest_email(recipient_id: int, day: str) -> bool:
    recipient = _active_user(recipient_id)
    if recipient is None:
        return False
    mine = _waiting_for(recipient.pk)
    if not mine:
        return False
    if not emails_wanted(recipient, NotificationKind.DIGEST):
        return False
    subject = ngettext(
        "%(count)d escalation summary awaits your decision",
        "%(count)d escalation summaries await your decision",
        len(mine),
    ) % {"count": len(mine)}
    body = render_to_string(
        "assessments/email/digest.txt", {"summaries": mine, "site_url": settings.SITE_URL}
    )
    # Email only: each summary it lists made its own in-app notification when it was ready.
    return send_once(f"digest:{recipient.pk}:{day}", recipient, subject, body)
