"""Situation management: creating situations and changing them, one transaction each.

Every change to an assessment is a step of the workflow (``assessments.workflow``).
"""

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from assessments import permissions
from assessments.models import Situation
from assessments.workflow import WorkflowError

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
