"""Every write to situations and assessments: one function per action, one transaction each.

Each service locks what it changes, checks the transition, saves only what changed and
records the transition (who, when, from, to, why).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.roles import is_reviewer
from assessments import permissions, scoring, selectors
from assessments.exchange import AssessmentRecord, SituationRecord
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
    # Compare with the stored row: the caller's object may already carry the new values.
    current = Situation.objects.select_for_update().get(pk=situation.pk)
    changed = [name for name, value in values.items() if getattr(current, name) != value]
    for name in changed:
        setattr(current, name, values[name])
    if changed:
        current.save(update_fields=changed)
    current.analysts.set(analysts)
    return current


# Assessments -------------------------------------------------------------------------------


def record_transition(
    assessment: Assessment, *, by: AbstractBaseUser | None, from_status: str, reason: str = ""
) -> Transition:
    """Record the step the assessment just took (``by`` None: the system's own step)."""
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
    record_transition(assessment, by=by, from_status="", reason=reason)
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
        record_transition(
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
    """The analyst accepts or dismisses one recommended tool, with a reason that is kept.

    Answering is part of writing the assessment: it makes the person an editor (so not its
    reviewer) and is possible only while the assessment is a draft or returned.
    """
    assessment = _locked(assessment)
    if not permissions.can_assess(by, assessment.situation):
        raise WorkflowError(_("Only the analysts assigned to this situation assess it."))
    if assessment.status not in (Status.DRAFT, Status.RETURNED):
        raise WorkflowError(
            _("Recommendations can be answered only in a draft or returned assessment.")
        )
    recommended = {rec["entry"] for rec in (assessment.result or {}).get("recommendations", [])}
    if entry.code not in recommended:
        raise WorkflowError(_("This tool is not among the assessment's recommendations."))
    if not reason.strip():
        raise WorkflowError(_("Give a reason for accepting or dismissing a recommendation."))
    _mark_editor(assessment, by)
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
    record_transition(assessment, by=by, from_status=previous)
    from assessments.escalations import request_summary  # escalations builds on this module

    request_summary(assessment)
    return assessment


def claim_review(assessment: Assessment, by: AbstractBaseUser) -> None:
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


@dataclass
class ImportReport:
    """What an import did: assessments created, records skipped, and anything worth a note."""

    created: list[Assessment] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    situations_created: list[Situation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _situation_for_import(
    given: SituationRecord,
    *,
    by: AbstractBaseUser,
    users: dict[str, AbstractBaseUser],
    report: ImportReport,
) -> Situation:
    """The situation a record names: by code if given, else by name and country; or a new one."""
    label = f"{given.name} ({given.country})"
    if given.code:
        situation = Situation.objects.filter(code=given.code).first()
        if situation is not None:
            return situation
    situation = Situation.objects.filter(name=given.name, country=given.country).first()
    if situation is not None:
        if given.code:
            report.notes.append(
                f"situation {label}: matched by name and country; its code here is "
                f"{situation.code!r}, not {given.code!r}"
            )
        return situation
    code = given.code
    if not code:
        base = slugify(f"{given.name}-{given.country}")[:70] or "situation"
        taken = set(Situation.objects.filter(code__startswith=base).values_list("code", flat=True))
        code = base
        suffix = 2
        while code in taken:
            code, suffix = f"{base}-{suffix}", suffix + 1
    optional = {
        "review_cadence_days": given.review_cadence_days,
        "confidentiality": given.confidentiality,
    }
    situation = Situation.objects.create(
        created_by=by,
        code=code,
        name=given.name,
        country=given.country,
        region=given.region,
        populations_at_risk=given.populations_at_risk,
        protected_groups=given.protected_groups,
        **{name: value for name, value in optional.items() if value is not None},
    )
    analysts = [users[name] for name in given.analysts if name in users]
    situation.analysts.set(analysts)
    for name in given.analysts:
        if name not in users:
            report.notes.append(f"situation {label}: no user {name!r} here to assign as analyst")
    report.situations_created.append(situation)
    return situation


@transaction.atomic
def import_assessments(
    records: Iterable[AssessmentRecord], *, by: AbstractBaseUser, source: str = "a file"
) -> ImportReport:
    """Import validated records (see ``assessments.exchange``) in one transaction.

    Missing situations are created (by ``by``, with the named analysts who exist here).
    Each assessment keeps its status and revision, with one transition recording the import,
    and its levels and recommendations are recomputed here. An assessment of the same
    situation, date and author already present is skipped, so importing twice is harmless.
    Authors and reviewers are matched by username; an unknown author becomes ``by``.
    """
    if not permissions.can_manage_situations(by):
        raise WorkflowError(_("Only reviewers and framework admins import assessments."))
    records = list(records)
    codes = {code for record in records for code in record.ratings}
    indicator_ids = dict(Indicator.objects.filter(code__in=codes).values_list("code", "pk"))
    if codes - set(indicator_ids):
        raise WorkflowError(
            _("Unknown indicator codes: %(codes)s")
            % {"codes": ", ".join(sorted(codes - set(indicator_ids)))}
        )
    user_model = get_user_model()
    usernames = {
        name
        for record in records
        for name in (record.author, record.reviewer, *record.situation.analysts)
        if name
    }
    users: dict[str, AbstractBaseUser] = {
        user.get_username(): user
        for user in user_model.objects.filter(**{f"{user_model.USERNAME_FIELD}__in": usernames})
    }
    report = ImportReport()
    reason = _("imported from %(source)s") % {"source": source}
    for record in records:
        situation = _situation_for_import(record.situation, by=by, users=users, report=report)
        author = users.get(record.author or "", by)
        described = f"{record.place} ({situation.code} {record.as_of.isoformat()})"
        if Assessment.objects.filter(
            situation=situation, as_of=record.as_of, author=author
        ).exists():
            report.skipped.append(
                f"{described}: already present (same situation, date and author "
                f"{author.get_username()!r})"
            )
            continue
        if record.author and record.author not in users:
            report.notes.append(
                f"{described}: no user {record.author!r} here; imported as written by "
                f"{by.get_username()!r}"
            )
        reviewer = users.get(record.reviewer) if record.reviewer else None
        if record.reviewer and reviewer is None:
            report.notes.append(f"{described}: no user {record.reviewer!r} here as reviewer")
        if reviewer is not None and reviewer.pk == author.pk:
            report.notes.append(
                f"{described}: the author cannot be its reviewer; reviewer left out"
            )
            reviewer = None
        assessment = Assessment.objects.create(
            situation=situation,
            author=author,
            as_of=record.as_of,
            posture=record.posture,
            narrative=record.narrative,
            status=record.status,
            revision=record.revision,
            reviewer=reviewer,
        )
        Participation.objects.create(
            assessment=assessment, user=author, role=Participation.Role.EDITOR
        )
        if reviewer is not None:
            Participation.objects.create(
                assessment=assessment, user=reviewer, role=Participation.Role.REVIEWER
            )
        for code, given in record.ratings.items():
            rating = IndicatorRating.objects.create(
                assessment=assessment,
                indicator_id=indicator_ids[code],
                severity=given.severity,
                trend=given.trend,
                confidence=given.confidence,
                note=given.note,
            )
            EvidenceSource.objects.bulk_create(
                EvidenceSource(
                    rating=rating, reliability=s.reliability, citation=s.citation, order=i
                )
                for i, s in enumerate(given.sources)
            )
        record_transition(assessment, by=by, from_status="", reason=reason)
        _store_result(assessment)
        if assessment.awaits_review:
            # Reviewers here act on a summary of our own, drafted in the background.
            from assessments.escalations import request_summary

            request_summary(assessment)
        levels = assessment.result.get("levels", {})
        changed = [
            f"{key} {value} -> {levels.get(key)}"
            for key, value in sorted((record.levels or {}).items())
            if value != levels.get(key)
        ]
        if changed:
            report.notes.append(f"{described}: levels recomputed here differ: {', '.join(changed)}")
        report.created.append(assessment)
    return report
