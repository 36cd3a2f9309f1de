"""Who may see and do what with situations and assessments: the one place it is decided.

Every view, form and export asks here. An object the user may not see answers 404,
never a hint of its title.
"""

from django.db.models import QuerySet
from django.http import Http404

from accounts.roles import User, is_analyst, is_framework_admin, is_reviewer
from assessments.models import Assessment, Participation, Situation


def sees_all_situations(user: User) -> bool:
    return is_reviewer(user) or is_framework_admin(user)


def visible_situations(user: User) -> QuerySet[Situation]:
    if sees_all_situations(user):
        return Situation.objects.all()
    if is_analyst(user):
        return Situation.objects.filter(analysts=user)
    return Situation.objects.none()


def visible_assessments(user: User) -> QuerySet[Assessment]:
    return Assessment.objects.filter(situation__in=visible_situations(user))


def get_situation_for_user(user: User, pk: int) -> Situation:
    situation = visible_situations(user).filter(pk=pk).first()
    if situation is None:
        raise Http404
    return situation


def get_assessment_for_user(user: User, pk: int) -> Assessment:
    if not visible_assessments(user).filter(pk=pk).exists():
        raise Http404
    from assessments.selectors import assessment_detail

    return assessment_detail(pk)


def can_manage_situations(user: User) -> bool:
    return sees_all_situations(user)


def is_assigned(user: User, situation: Situation) -> bool:
    # Iterating the relation uses analysts prefetched by the caller, if any.
    return is_analyst(user) and any(a.pk == user.pk for a in situation.analysts.all())


def can_assess(user: User, situation: Situation) -> bool:
    """Start or edit assessments of this situation: its assigned analysts."""
    return is_assigned(user, situation)


def can_edit(user: User, assessment: Assessment) -> bool:
    return assessment.is_editable and can_assess(user, assessment.situation)


def has_edited(user: User, assessment: Assessment) -> bool:
    return assessment.author_id == user.pk or any(
        p.user_id == user.pk and p.role == Participation.Role.EDITOR
        for p in assessment.participations.all()
    )


def can_respond(user: User, assessment: Assessment) -> bool:
    """Accept or dismiss recommendations: while the assessment is being written."""
    return assessment.status in (
        Assessment.Status.DRAFT,
        Assessment.Status.RETURNED,
    ) and can_assess(user, assessment.situation)


def can_review(user: User, assessment: Assessment) -> bool:
    """Reviewers decide on what is in review, never on what they wrote or edited."""
    return (
        is_reviewer(user)
        and assessment.status == Assessment.Status.IN_REVIEW
        and not has_edited(user, assessment)
    )


def can_retry_summary(user: User, assessment: Assessment) -> bool:
    return can_assess(user, assessment.situation) or is_reviewer(user)
