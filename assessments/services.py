"""Situation management: creating situations and changing them, one transaction each; and
a user's notifications: reading them, choosing their emails.

Every change to an assessment is a step of the workflow (``assessments.workflow``).
"""

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import jobs, permissions
from assessments.models import (
    Assessment,
    Comment,
    EmailOptOut,
    InboxItem,
    NotificationKind,
    Situation,
)
from assessments.workflow import WorkflowError

NOTIFY_COMMENT_TASK = "assessments.notify_comment"

# Situations --------------------------------------------------------------------------------


@transaction.atomic
def create_situation(*, by: User, analysts: Iterable[User], **values: object) -> Situation:
    if not permissions.can_manage_situations(by):
        raise WorkflowError(_("Only reviewers and framework admins create situations."))
    situation = Situation.objects.create(created_by=by, **values)
    situation.analysts.set(analysts)
    return situation


@transaction.atomic
def update_situation(
    situation: Situation,
    *,
    by: User,
    analysts: Iterable[User],
    **values: object,
) -> Situation:
    if not permissions.can_manage_situations(by):
        raise WorkflowError(_("Only reviewers and framework admins change situations."))
    # Compare with the stored row: the caller's object may already carry the new values.
    current = Situation.objects.select_for_update().get(pk=situation.pk)
    changed = [name for name, value in values.items() if getattr(current, name) != value]
    for name in changed:
        setattr(current, name, values[name])
    if changed:
        current.save(update_fields=changed)
    current.analysts.set(analysts)
    return current


# Notifications -----------------------------------------------------------------------------


def mark_notifications_read(user: User, *, pk: int | None = None) -> int:
    """Mark the user's unread notifications read: the one ``pk``, or all of them."""
    unread = InboxItem.objects.filter(recipient=user, read_at__isnull=True)
    if pk is not None:
        unread = unread.filter(pk=pk)
    return unread.update(read_at=timezone.now())


# Comments ---------------------------------------------------------------------------------


@transaction.atomic
def add_comment(assessment: Assessment, *, by: User, body: str) -> Comment:
    """A reviewer's or an assigned analyst's comment; those it concerns are told once it is
    stored."""
    if not permissions.can_comment(by, assessment):
        raise WorkflowError(
            _("Only reviewers and the situation's analysts comment on its assessments.")
        )
    body = body.strip()
    if not body:
        raise WorkflowError(_("Write a comment first."))
    if len(body) > Comment.MAX_LENGTH:
        raise WorkflowError(
            _("A comment has at most %(max)d characters.") % {"max": Comment.MAX_LENGTH}
        )
    comment = Comment.objects.create(assessment=assessment, author=by, body=body)
    jobs.enqueue(NOTIFY_COMMENT_TASK, comment_id=comment.pk)
    return comment


@transaction.atomic
def set_email_kinds(user: User, *, wanted: set[str]) -> None:
    """The kinds of email the user wants; every other kind is turned off."""
    off = set(NotificationKind.values) - wanted
    EmailOptOut.objects.filter(user=user).exclude(kind__in=off).delete()
    have = set(EmailOptOut.objects.filter(user=user).values_list("kind", flat=True))
    EmailOptOut.objects.bulk_create(EmailOptOut(user=user, kind=kind) for kind in off - have)
