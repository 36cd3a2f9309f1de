"""Every write to situations and assessments: one function per action, one transaction each.

Each service locks what it changes, checks the transition, saves only what changed and
records the transition (who, when, from, to, why).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.roles import is_reviewer
from assessments import permissions, scoring, selectors
from assessments.models import (
    Assessment,
    EvidenceSource,
    IndicatorRating,
    Participation,
    RecommendationResponse,
    Situation,
    Transition,
)
from framework.models import Indicator, PillarTool

Status = Assessment.Status


class WorkflowError(Exception):
    """An action that the rules do not allow; the message is for the user."""


class EditConflict(WorkflowError):
    """Someone else saved the assessment since this user loaded it."""


@dataclass(frozen=True)
class RatingInput:
    severity: str
    trend: str = scoring.Trend.STABLE
    confidence: str = scoring.Confidence.MEDIUM
    note: str = ""
    sources: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (grade, citation)

    @property
    def is_empty(self) -> bool:
        return (
            self.severity == scoring.Severity.NOT_ASSESSED
            and not self.note.strip()
            and not self.sources
        )


# Situations --------------------------------------------------------------------------------


@transaction.atomic
def create_situation(
    *, by: AbstractBaseUser, analysts: Iterable[AbstractBaseUser], **values: object
) -> Situation:
    if not permissions.can_manage_situations(by):
        raise WorkflowError(_("Only reviewers and framework admins create situations."))
    situation = Situation.objects.create(created_by=by, **values)
    situation.analysts.set(analysts)
    return situation


@transaction.atomic
def update_situation(
    situation: Situation,
    *,
    by: AbstractBaseUser,
    analysts: Iterable[AbstractBaseUser],
    **values: object,
) -> Situation:
    if not permissions.can_manage_situations(by):
        raise WorkflowError(_("Only reviewers and framework admins change situations."))
    changed = [name for name, value in values.items() if getattr(situation, name) != value]
    for name in changed:
        setattr(situation, name, values[name])
    if changed:
        situation.save(update_fields=changed)
    situation.analysts.set(analysts)
    return situation


# Assessments -------------------------------------------------------------------------------


def _record(
    assessment: Assessment, *, by: AbstractBaseUser, from_status: str, reason: str = ""
) -> Transition:
    return Transition.objects.create(
        assessment=assessment,
        actor=by,
        from_status=from_status,
        to_status=assessment.status,
        revision=assessment.revision,
        reason=reason,
    )


def _mark_editor(assessment: Assessment, user: AbstractBaseUser) -> None:
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


def derive_result(assessment: Assessment) -> scoring.AssessmentResult:
    """Score an assessment from its stored ratings (pure logic, fed from the database)."""
    ratings = list(assessment.ratings.select_related("indicator"))
    framework = selectors.scoring_framework({r.indicator_id for r in ratings})
    return scoring.assess(framework, selectors.ratings_for_scoring(ratings), assessment.posture)


def _store_result(assessment: Assessment) -> None:
    result = derive_result(assessment)
    assessment.overall_level = result.overall
    assessment.result = result.to_dict()
    assessment.save(update_fields=["overall_level", "result"])


@transaction.atomic
def start_assessment(
    situation: Situation,
    *,
    by: AbstractBaseUser,
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
        for old in copy_from.ratings.prefetch_related("sources"):
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
    reason = (
        _("started from the assessment of %(date)s") % {"date": copy_from.as_of.isoformat()}
        if copy_from
        else _("started")
    )
    _record(assessment, by=by, from_status="", reason=reason)
    _store_result(assessment)
    return assessment


@transaction.atomic
def save_assessment(
    assessment: Assessment,
    *,
    by: AbstractBaseUser,
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
    if not permissions.can_assess(by, assessment.situation):
        raise WorkflowError(_("Only the analysts assigned to this situation assess it."))
    claimed = Assessment.objects.filter(
        pk=assessment.pk,
        lock_version=expected_version,
        status__in=[Status.DRAFT, Status.RETURNED, Status.APPROVED],
    ).update(lock_version=F("lock_version") + 1)
    if claimed != 1:
        current = Assessment.objects.get(pk=assessment.pk)
        if not current.is_editable:
            raise WorkflowError(
                _("This assessment is %(status)s and cannot be edited now.")
                % {"status": current.get_status_display()}
            )
        raise EditConflict(
            _(
                "Someone else saved this assessment while you were editing it. Your changes "
                "were not saved; they are still in the form below. Reload the page to see the "
                "latest version, then apply your changes again."
            )
        )
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _mark_editor(assessment, by)
    assessment.as_of, assessment.posture, assessment.narrative = as_of, posture, narrative
    fields = ["as_of", "posture", "narrative", "updated_at"]
    if assessment.status == Status.APPROVED:
        assessment.status = Status.DRAFT
        assessment.reviewer = None
        fields += ["status", "reviewer"]
        assessment.save(update_fields=fields)
        _record(
            assessment,
            by=by,
            from_status=Status.APPROVED,
            reason=_("edited after approval: the approval is void until a new review"),
        )
    else:
        assessment.save(update_fields=fields)
    _save_ratings(assessment, ratings)
    _store_result(assessment)
    return assessment


def _save_ratings(assessment: Assessment, ratings: dict[int, RatingInput]) -> None:
    existing = {r.indicator_id: r for r in assessment.ratings.prefetch_related("sources")}
    valid_ids = set(Indicator.objects.filter(pk__in=ratings).values_list("pk", flat=True))
    unknown = set(ratings) - valid_ids
    if unknown:
        raise WorkflowError(_("Unknown indicator in the ratings."))
    for indicator_id, given in ratings.items():
        rating = existing.get(indicator_id)
        if given.is_empty:
            if rating is not None:
                rating.delete()
            continue
        values = {
            "severity": given.severity,
            "trend": given.trend,
            "confidence": given.confidence,
            "note": given.note,
        }
        if rating is None:
            rating = IndicatorRating.objects.create(
                assessment=assessment, indicator_id=indicator_id, **values
            )
        else:
            changed = [name for name, value in values.items() if getattr(rating, name) != value]
            for name in changed:
                setattr(rating, name, values[name])
            if changed:
                rating.save(update_fields=changed)
        current = [(s.reliability, s.citation) for s in rating.sources.all()]
        if current != list(given.sources):
            rating.sources.all().delete()
            EvidenceSource.objects.bulk_create(
                EvidenceSource(rating=rating, reliability=grade, citation=citation, order=i)
                for i, (grade, citation) in enumerate(given.sources)
            )


@transaction.atomic
def respond_to_recommendation(
    assessment: Assessment,
    *,
    by: AbstractBaseUser,
    entry: PillarTool,
    accepted: bool,
    reason: str,
) -> RecommendationResponse:
    if not permissions.can_assess(by, assessment.situation):
        raise WorkflowError(_("Only the analysts assigned to this situation assess it."))
    if not reason.strip():
        raise WorkflowError(_("Give a reason for accepting or dismissing a recommendation."))
    response, _created = RecommendationResponse.objects.update_or_create(
        assessment=assessment,
        entry=entry,
        defaults={"accepted": accepted, "reason": reason.strip(), "by": by},
    )
    return response


def _locked(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_for_update().select_related("situation").get(pk=assessment.pk)


@transaction.atomic
def submit_assessment(assessment: Assessment, *, by: AbstractBaseUser) -> Assessment:
    assessment = _locked(assessment)
    if not permissions.can_assess(by, assessment.situation):
        raise WorkflowError(_("Only the analysts assigned to this situation submit it."))
    if assessment.status not in (Status.DRAFT, Status.RETURNED):
        raise WorkflowError(
            _("Only a draft or a returned assessment can be submitted; this one is %(status)s.")
            % {"status": assessment.get_status_display()}
        )
    if not assessment.ratings.exclude(severity=scoring.Severity.NOT_ASSESSED).exists():
        raise WorkflowError(_("Rate at least one indicator before submitting."))
    previous = assessment.status
    assessment.status = Status.SUBMITTED
    assessment.revision += 1
    assessment.reviewer = None
    assessment.save(update_fields=["status", "revision", "reviewer", "updated_at"])
    _record(assessment, by=by, from_status=previous)
    return assessment


def _claim_review(assessment: Assessment, by: AbstractBaseUser) -> None:
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


@transaction.atomic
def start_review(assessment: Assessment, *, by: AbstractBaseUser) -> Assessment:
    assessment = _locked(assessment)
    if assessment.status != Status.SUBMITTED:
        raise WorkflowError(
            _("Only a submitted assessment can be taken into review; this one is %(status)s.")
            % {"status": assessment.get_status_display()}
        )
    _claim_review(assessment, by)
    assessment.status = Status.IN_REVIEW
    assessment.reviewer = by
    assessment.save(update_fields=["status", "reviewer", "updated_at"])
    _record(assessment, by=by, from_status=Status.SUBMITTED)
    return assessment


@transaction.atomic
def decide_assessment(
    assessment: Assessment, *, by: AbstractBaseUser, approve: bool, reason: str = ""
) -> Assessment:
    """Approve, or return to the analyst with a required reason."""
    assessment = _locked(assessment)
    if assessment.status not in (Status.SUBMITTED, Status.IN_REVIEW):
        raise WorkflowError(
            _("Only an assessment awaiting review can be decided; this one is %(status)s.")
            % {"status": assessment.get_status_display()}
        )
    if assessment.status == Status.IN_REVIEW and assessment.reviewer_id not in (None, by.pk):
        raise WorkflowError(_("Another reviewer has taken this assessment into review."))
    if not approve and not reason.strip():
        raise WorkflowError(_("Give the analyst a reason for returning the assessment."))
    _claim_review(assessment, by)
    previous = assessment.status
    assessment.status = Status.APPROVED if approve else Status.RETURNED
    assessment.reviewer = by
    assessment.save(update_fields=["status", "reviewer", "updated_at"])
    _record(assessment, by=by, from_status=previous, reason=reason.strip())
    return assessment
