"""Who may see situations and assessments, and who holds which part in them.

Every view, form and export asks here what a user may see; an object the user may not see
answers 404, never a hint of its title. What a user may *do* with an assessment depends on its
status too, and is decided by the workflow's table (``workflow.allowed``).
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
    if user.is_authenticated and is_analyst(user):
        return Situation.objects.filter(analysts=user)
    return Situation.objects.none()


def visible_assessments(user: User) -> QuerySet[Assessment]:
    if sees_all_situations(user):
        # Every assessment has its situation: no join to filter them by it.
        return Assessment.objects.all()
    return Assessment.objects.filter(situation__in=visible_situations(user))


def get_situation_for_user(user: User, pk: int) -> Situation:
    situation = visible_situations(user).filter(pk=pk).first()
    if situation is None:
        raise Http404
    return situation


#: What the permission helper leaves out: the large fields no permission depends on. A view
#: that shows them loads them itself (``selectors.assessment_detail``, ``with_result``).
HEAVY_ASSESSMENT_FIELDS = ("result", "narrative")


def get_assessment_for_user(user: User, pk: int) -> Assessment:
    """The assessment if the user may see it (one query, with its situation, without its
    large fields); else 404. Whoever needs its result or narrative loads them.
    """
    assessment = (
        visible_assessments(user)
        .select_related("situation")
        .defer(*HEAVY_ASSESSMENT_FIELDS)
        .filter(pk=pk)
        .first()
    )
    if assessment is None:
        raise Http404
    return assessment


def can_manage_situations(user: User) -> bool:
    return sees_all_situations(user)


def is_assigned(user: User, situation: Situation) -> bool:
    # Iterating the relation uses analysts prefetched by the caller, if any.
    return is_analyst(user) and any(a.pk == user.pk for a in situation.analysts.all())


def can_edit_groups(user: User, situation: Situation) -> bool:
    """Name, change and unlink the groups at risk in a situation: those who manage situations,
    and its assigned analysts."""
    return can_manage_situations(user) or is_assigned(user, situation)


def can_assess(user: User, situation: Situation) -> bool:
    """Start or edit assessments of this situation: its assigned analysts."""
    return is_assigned(user, situation)


def can_comment(user: User, assessment: Assessment) -> bool:
    """Comment on an assessment, in any status: a reviewer, or its situation's analysts."""
    return is_reviewer(user) or is_assigned(user, assessment.situation)


def has_edited(user: User, assessment: Assessment) -> bool:
    """Wrote or edited it (participations prefetched by the caller are used, if any)."""
    return assessment.author_id == user.pk or any(
        p.user_id == user.pk and p.role == Participation.Role.EDITOR
        for p in assessment.participations.all()
    )
