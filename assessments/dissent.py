"""Dissent: an analyst of the situation or a reviewer records the level they would give per
crime, and why, on an assessment or on the decision about it. A dissent is shown beside the
decision, in the summary and in its exports, and a reviewer approving over one reads it first;
it never blocks or changes the workflow."""

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import roles
from assessments import permissions, scales, selectors
from assessments.models import Assessment, Dissent, EscalationDecision
from audit import log as audit
from framework.models import Crime


class DissentError(Exception):
    """A dissent the rules refuse; ``errors`` maps each field to its messages, for the user."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(m for messages in errors.values() for m in messages))
        self.errors = errors


def can_dissent(user: roles.User, assessment: Assessment) -> bool:
    """Those who may comment may dissent: a reviewer, or one of the situation's analysts."""
    return permissions.can_comment(user, assessment)


def crime_codes() -> list[str]:
    """The crimes a dissent names a level for, in the app's order."""
    return sorted(Crime.objects.active().values_list("code", flat=True), key=scales.crime_sort_key)


def decision_of(assessment: Assessment) -> EscalationDecision | None:
    """The decision on the assessment's current submission, if there is one."""
    summary = selectors.current_summary(assessment)
    return getattr(summary, "decision", None) if summary is not None else None


@transaction.atomic
def record_dissent(
    assessment: Assessment,
    *,
    by: User,
    levels: Mapping[str, str],
    reason: str,
    on_decision: bool = False,
) -> Dissent:
    """Record ``by``'s dissent (all or nothing) and log it; the workflow is left as it is."""
    if not can_dissent(by, assessment):
        raise DissentError({"__all__": [_("You may not record a dissent on this assessment.")]})
    errors: dict[str, list[str]] = {}
    known = set(crime_codes())
    given = {code: level for code, level in levels.items() if level}
    for code, level in given.items():
        if code not in known or level not in scales.LEVELS:
            errors.setdefault("levels", []).append(
                _("Choose a level for each crime from the list.")
            )
            break
    if not given:
        errors.setdefault("levels", []).append(
            _("Give the level you would give for at least one crime.")
        )
    if not reason.strip():
        errors.setdefault("reason", []).append(_("Say why you dissent."))
    decision = decision_of(assessment) if on_decision else None
    if on_decision and decision is None:
        errors.setdefault("target", []).append(_("There is no decision to dissent from yet."))
    if errors:
        raise DissentError(errors)
    dissent = Dissent.objects.create(
        assessment=assessment,
        decision=decision,
        revision=assessment.revision,
        author=by,
        levels=dict(sorted(given.items(), key=lambda item: scales.crime_sort_key(item[0]))),
        reason=reason.strip(),
    )
    audit.record(
        "dissent",
        obj=dissent,
        actor=by,
        data={
            "assessment": assessment.pk,
            "decision": decision.pk if decision else None,
            "levels": dissent.levels,
        },
    )
    return dissent


def dissents_of(assessment: Assessment, revision: int | None = None) -> list[Dissent]:
    """The assessment's dissents, oldest first (those of one submission, if ``revision``)."""
    dissents = assessment.dissents.select_related("author", "decision")
    if revision is not None:
        dissents = dissents.filter(revision=revision)
    return list(dissents)


def author_name(dissent: Dissent) -> str:
    return dissent.author.get_full_name() or dissent.author.get_username()


def to_dict(dissent: Dissent) -> dict[str, Any]:
    """A dissent as the JSON exports carry it."""
    return {
        "by": author_name(dissent),
        "at": dissent.at.isoformat(),
        "on": "decision" if dissent.decision_id else "assessment",
        "revision": dissent.revision,
        "levels": dissent.levels,
        "reason": dissent.reason,
    }
