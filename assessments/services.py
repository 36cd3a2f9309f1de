"""Situation management: creating situations and changing them, one transaction each; and
a user's notifications: reading them, choosing their emails.

Every change to an assessment is a step of the workflow (``assessments.workflow``).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import derived, groups, jobs, limits, permissions
from assessments.models import (
    Assessment,
    Comment,
    EmailOptOut,
    GroupKind,
    InboxItem,
    NotificationKind,
    ProtectedGroup,
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
    # Not assessed yet: its first review is due its cadence after its creation.
    situation.next_due = derived.next_due(
        None, timezone.localdate(situation.created_at), situation.review_cadence_days
    )
    situation.save(update_fields=["next_due"])
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
    if "review_cadence_days" in changed:
        derived.refresh_situation_summary([current.pk])  # its next review's due date
        current.refresh_from_db(fields=["next_due"])
    current.analysts.set(analysts)
    return current


# Groups at risk ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupInput:
    """A group as a person gave it: its name, kind and optional description."""

    name: str
    kind: str = GroupKind.UNCLASSIFIED
    description: str = ""


def _checked(given: GroupInput) -> GroupInput:
    name = " ".join(given.name.split())
    description = given.description.strip()
    if not name:
        raise WorkflowError(_("Give the group a name."))
    if len(name) > limits.MAX_GROUP_NAME:
        raise WorkflowError(
            _("A group's name has at most %(max)d characters.") % {"max": limits.MAX_GROUP_NAME}
        )
    if len(description) > limits.MAX_GROUP_DESCRIPTION:
        raise WorkflowError(
            _("A group's description has at most %(max)d characters.")
            % {"max": limits.MAX_GROUP_DESCRIPTION}
        )
    if given.kind not in GroupKind.values:
        raise WorkflowError(_("Choose one of the kinds of group offered."))
    return GroupInput(name=name, kind=given.kind, description=description)


def _require_group_editor(by: User, situation: Situation) -> None:
    if not permissions.can_edit_groups(by, situation):
        raise WorkflowError(
            _("Only reviewers and the situation's analysts change its groups at risk.")
        )


def _recorded_unseen(group: ProtectedGroup, by: User) -> bool:
    """Whether ``group`` is at risk in no situation ``by`` may see (only in others, or in none
    any more): linking it would show them what others wrote of it."""
    if permissions.sees_all_situations(by):
        return False
    return not group.situations.filter(pk__in=permissions.visible_situations(by)).exists()


def _also_elsewhere(group: ProtectedGroup, by: User) -> bool:
    """Whether ``group`` is also at risk in a situation ``by`` may not see: a change of it
    would show there."""
    if permissions.sees_all_situations(by):
        return False
    return group.situations.exclude(pk__in=permissions.visible_situations(by)).exists()


def attach_group(situation: Situation, *, by: User, given: GroupInput) -> ProtectedGroup:
    """Link the group of this name and kind to the situation, making it if there is none
    (a group at risk in several situations is one record). An existing group keeps its
    description unless it had none. A group at risk in no situation ``by`` may see is not
    linked by them (a reviewer may link it)."""
    given = _checked(given)
    group = ProtectedGroup.objects.filter(name__iexact=given.name, kind=given.kind).first()
    if group is not None and _recorded_unseen(group, by):
        raise WorkflowError(
            _(
                "A group of this name and kind is already recorded where you may not see it: "
                "ask a reviewer to link it here."
            )
        )
    if group is None:
        group = ProtectedGroup.objects.create(
            name=given.name, kind=given.kind, description=given.description, created_by=by
        )
    elif given.description and not group.description:
        group.description = given.description
        group.save(update_fields=["description"])
    group.situations.add(situation)
    return group


@transaction.atomic
def add_group(situation: Situation, *, by: User, given: GroupInput) -> ProtectedGroup:
    """A reviewer or an analyst of the situation names a group at risk in it (see
    :func:`attach_group`)."""
    _require_group_editor(by, situation)
    return attach_group(situation, by=by, given=given)


@transaction.atomic
def update_group(
    group: ProtectedGroup, *, situation: Situation, by: User, given: GroupInput
) -> ProtectedGroup:
    """Rename, reclassify or describe a group of ``situation`` (the change shows in every
    situation the group is linked to)."""
    _require_group_editor(by, situation)
    given = _checked(given)
    current = ProtectedGroup.objects.select_for_update().get(pk=group.pk)
    if not current.situations.filter(pk=situation.pk).exists():
        raise WorkflowError(_("This group is not at risk in this situation."))
    if _also_elsewhere(current, by):
        raise WorkflowError(
            _(
                "This group is also at risk in situations you may not see, where a change "
                "would show: ask a reviewer to change it."
            )
        )
    clash = ProtectedGroup.objects.filter(name__iexact=given.name, kind=given.kind).exclude(
        pk=current.pk
    )
    if clash.exists():
        raise WorkflowError(_("Another group of this kind already has this name: link it instead."))
    values = {"name": given.name, "kind": given.kind, "description": given.description}
    changed = [name for name, value in values.items() if getattr(current, name) != value]
    for name in changed:
        setattr(current, name, values[name])
    if changed:
        current.save(update_fields=changed)
    return current


@transaction.atomic
def unlink_group(group: ProtectedGroup, *, situation: Situation, by: User) -> None:
    """The group is no longer at risk in ``situation``: the link goes, and so do the names of
    it in this situation's ratings. The record stays for the other situations and for the
    summaries that named it."""
    _require_group_editor(by, situation)
    group.situations.remove(situation)
    through = group.ratings.through
    through.objects.filter(
        protectedgroup=group, indicatorrating__assessment__situation=situation
    ).delete()


@transaction.atomic
def set_groups(situation: Situation, *, by: User, given: Iterable[GroupInput]) -> None:
    """The situation's groups at risk become exactly ``given``: each linked (made when there
    is none of its name and kind), every other one unlinked."""
    _require_group_editor(by, situation)
    kept = {attach_group(situation, by=by, given=g).pk for g in given}
    for group in situation.groups.exclude(pk__in=kept):
        unlink_group(group, situation=situation, by=by)


def attach_groups_from_text(
    situation: Situation, *, by: User, text: str, kind: str
) -> list[ProtectedGroup]:
    """Groups from a free text (version 1 of the exchange format), split as the migration
    that made the first records split them; a part too long for a name keeps its words in
    the description."""
    attached = []
    for part in groups.split_names(text):
        named = groups.name_part(part)
        attached.append(
            attach_group(
                situation,
                by=by,
                given=GroupInput(name=named.name, kind=kind, description=named.description),
            )
        )
    return attached


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
