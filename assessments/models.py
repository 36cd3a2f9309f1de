"""Situations, assessments and their workflow.

The derived levels and recommendations are computed by ``assessments.scoring`` (pure) and
stored on the assessment at each save, so that lists read them without recomputing. Which
status allows what is decided in ``assessments.workflow``; the querysets here only name the
groups of statuses that lists ask for.
"""

from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from assessments import limits, scales
from framework.models import Indicator, PillarTool


class Confidentiality(models.TextChoices):
    PUBLIC = "public", _("public")
    INTERNAL = "internal", _("internal")
    CONFIDENTIAL = "confidential", _("confidential")
    STRICTLY_CONFIDENTIAL = "strictly_confidential", _("strictly confidential")


#: The levels from the most open to the most closed: a release goes lower in this order.
CONFIDENTIALITY_ORDER: tuple[str, ...] = tuple(Confidentiality.values)


def lower_confidentialities(level: str) -> list[str]:
    """The confidentialities strictly lower than ``level`` (none below public)."""
    if level not in CONFIDENTIALITY_ORDER:
        return []
    return list(CONFIDENTIALITY_ORDER[: CONFIDENTIALITY_ORDER.index(level)])


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    IN_REVIEW = "in_review", _("in review")
    SECOND_REVIEW = "second_review", _("awaiting second review")
    APPROVED = "approved", _("approved")
    RETURNED = "returned", _("returned to the analyst")


class Situation(models.Model):
    code = models.SlugField(
        _("code"), max_length=80, unique=True, help_text=_("A short stable identifier.")
    )
    name = models.CharField(_("name"), max_length=200)
    country = CountryField(_("country"))
    region = models.CharField(
        _("region"), max_length=200, blank=True, help_text=_("Optional: a region within it.")
    )
    review_cadence_days = models.PositiveSmallIntegerField(
        _("review cadence (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(limits.MAX_REVIEW_CADENCE_DAYS)],
        help_text=_("How often the situation must be reassessed."),
    )
    confidentiality = models.CharField(
        _("confidentiality"),
        max_length=30,
        choices=Confidentiality.choices,
        default=Confidentiality.CONFIDENTIAL,
    )
    analysts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="assigned_situations",
        verbose_name=_("assigned analysts"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Derived from its assessments and its cadence in the transaction that changes them
    # (``assessments.derived``), so that lists filter, sort and page on plain columns.
    latest_assessment = models.ForeignKey(
        "Assessment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("latest assessment"),
    )
    approved_assessment = models.ForeignKey(
        "Assessment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("latest approved assessment"),
    )
    # The approved assessment before the latest approved one, and the moves between the two
    # (the watch's "rising and falling" situations): the overall level's steps up the scale,
    # the crimes' steps added up, and whether the overall or any crime's level moved at all.
    previous_approved_assessment = models.ForeignKey(
        "Assessment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("previous approved assessment"),
    )
    overall_rise = models.SmallIntegerField(
        _("overall level's move"), null=True, blank=True, editable=False
    )
    crime_rise = models.SmallIntegerField(
        _("crimes' levels' move"), null=True, blank=True, editable=False
    )
    moved = models.BooleanField(
        _("moved between its last two approved assessments"),
        default=False,
        db_default=False,
        editable=False,
    )
    # None, not "": without an assessment there is no level (as the lists always read it).
    current_level = models.CharField(  # noqa: DJ001
        _("current level"),
        max_length=30,
        choices=scales.LEVEL_CHOICES,
        null=True,
        blank=True,
        editable=False,
        help_text=_("The latest approved assessment's overall level, else the latest one's."),
    )
    # The level's rank on the scale (insufficient data is 0), -1 without an assessment; the
    # database's default too, for rows written in bulk around the ORM.
    current_level_rank = models.SmallIntegerField(
        _("current level rank"), default=-1, db_default=-1, editable=False
    )
    latest_as_of = models.DateField(_("last assessed"), null=True, blank=True, editable=False)
    latest_status = models.CharField(  # noqa: DJ001
        _("latest assessment's status"),
        max_length=20,
        choices=AssessmentStatus.choices,
        null=True,
        blank=True,
        editable=False,
    )
    next_due = models.DateField(
        _("next review due"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Its review cadence after its latest assessment's date, or its creation."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("situation")
        verbose_name_plural = _("situations")
        indexes = [
            models.Index(fields=["current_level_rank", "name"], name="situation_level_rank"),
            models.Index(fields=["latest_as_of", "name"], name="situation_latest_as_of"),
            models.Index(fields=["next_due"], name="situation_next_due"),
            models.Index(fields=["latest_status"], name="situation_latest_status"),
            models.Index(fields=["name", "id"], name="situation_name_order"),
            models.Index(
                F("overall_rise").desc(),
                F("crime_rise").desc(),
                "name",
                condition=Q(moved=True),
                name="situation_movers",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["name", "country"], name="situation_unique_name"),
            models.CheckConstraint(
                condition=Q(review_cadence_days__gte=1), name="situation_cadence_positive"
            ),
            models.CheckConstraint(
                condition=Q(review_cadence_days__lte=limits.MAX_REVIEW_CADENCE_DAYS),
                name="situation_cadence_at_most_ten_years",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class GroupKind(models.TextChoices):
    """The four groups the Genocide Convention protects, other populations, and records not
    classified yet (those made from the free text of earlier versions)."""

    NATIONAL = "national", _("national group")
    ETHNICAL = "ethnical", _("ethnical group")
    RACIAL = "racial", _("racial group")
    RELIGIOUS = "religious", _("religious group")
    OTHER = "other", _("other population")
    UNCLASSIFIED = "unclassified", _("not yet classified")


#: The kinds of group the Genocide Convention protects as such.
CONVENTION_KINDS = frozenset(
    {GroupKind.NATIONAL, GroupKind.ETHNICAL, GroupKind.RACIAL, GroupKind.RELIGIOUS}
)


class ProtectedGroup(models.Model):
    """A group or population at risk, in one or more situations.

    One record per name and kind: the same group at risk in two situations is linked to both.
    """

    Kind = GroupKind

    name = models.CharField(_("name"), max_length=limits.MAX_GROUP_NAME)
    kind = models.CharField(
        _("kind"), max_length=20, choices=GroupKind.choices, default=GroupKind.UNCLASSIFIED
    )
    description = models.TextField(
        _("description"), blank=True, max_length=limits.MAX_GROUP_DESCRIPTION
    )
    situations = models.ManyToManyField(
        Situation, blank=True, related_name="groups", verbose_name=_("situations")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("group at risk")
        verbose_name_plural = _("groups at risk")
        constraints = [
            models.UniqueConstraint(fields=["name", "kind"], name="group_unique_name_per_kind"),
            models.CheckConstraint(condition=~Q(name=""), name="group_name_not_empty"),
            models.CheckConstraint(condition=Q(kind__in=GroupKind.values), name="group_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_convention_kind(self) -> bool:
        """One of the four kinds of group the Genocide Convention protects."""
        return self.kind in CONVENTION_KINDS


#: Submitted and waiting for the reviewers (its summary drafting, or drafted, or reviewed
#: once at a rung that needs two reviewers).
AWAITING_REVIEW = frozenset(
    {AssessmentStatus.SUBMITTED, AssessmentStatus.IN_REVIEW, AssessmentStatus.SECOND_REVIEW}
)


def is_returned_status(status: str | None) -> bool:
    """Whether an assessment in ``status`` is back with its analysts, returned by a reviewer."""
    return status == AssessmentStatus.RETURNED


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def approved(self) -> "AssessmentQuerySet":
        return self.filter(status=AssessmentStatus.APPROVED)

    def awaiting_review(self) -> "AssessmentQuerySet":
        return self.filter(status__in=AWAITING_REVIEW)

    def drafts(self) -> "AssessmentQuerySet":
        return self.filter(status=AssessmentStatus.DRAFT)

    def returned(self) -> "AssessmentQuerySet":
        return self.filter(status=AssessmentStatus.RETURNED)


class Assessment(models.Model):
    Status = AssessmentStatus

    situation = models.ForeignKey(
        Situation,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("situation"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="authored_assessments",
        verbose_name=_("analyst"),
    )
    as_of = models.DateField(_("as of"))
    posture = models.CharField(
        _("the State's protection posture"), max_length=30, choices=scales.POSTURE_CHOICES
    )
    narrative = models.TextField(_("narrative"), blank=True, max_length=limits.MAX_NARRATIVE)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    revision = models.PositiveIntegerField(
        _("revision"),
        default=0,
        help_text=_("Counts submissions: each submitted version gets its own review."),
    )
    lock_version = models.PositiveIntegerField(
        _("edit version"), default=1, help_text=_("Incremented at each save; guards edits.")
    )
    # Derived at each save by assessments.scoring; stored so that lists need not recompute.
    overall_level = models.CharField(
        _("overall level"),
        max_length=30,
        choices=scales.LEVEL_CHOICES,
        default=scales.Level.INSUFFICIENT_DATA.value,
    )
    # Reasons are stored as rule + parameters (schema 2), worded when shown.
    result = models.JSONField(_("derived result"), default=dict, blank=True)
    # Copies of result["levels"] and result["factor_levels"], written with it, so that the
    # watch and the heatmap read a few bytes per assessment instead of the whole result.
    crime_levels = models.JSONField(_("crimes' levels"), default=dict, blank=True)
    factor_levels = models.JSONField(_("factors' levels"), default=dict, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewing_assessments",
        verbose_name=_("reviewer"),
    )
    copied_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started from"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-as_of", "-pk"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.CheckConstraint(
                condition=Q(reviewer__isnull=True) | ~Q(reviewer=F("author")),
                name="assessment_reviewer_is_not_author",
            ),
            models.CheckConstraint(
                condition=Q(status__in=AssessmentStatus.values),
                name="assessment_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["situation", "status", "-as_of"]),
            # A situation's latest assessment (assessments.derived), the API's newest first.
            models.Index(fields=["situation", "-as_of", "-id"], name="assessment_latest"),
            models.Index(fields=["-as_of", "-id"], name="assessment_newest"),
            # The review queue, oldest first, without reading the other statuses' rows.
            models.Index(
                fields=["updated_at", "id"],
                condition=Q(status__in=sorted(s.value for s in AWAITING_REVIEW)),
                name="assessment_review_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.situation} ({self.as_of:%Y-%m-%d})"

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def is_returned(self) -> bool:
        return is_returned_status(self.status)

    @property
    def awaits_review(self) -> bool:
        return self.status in AWAITING_REVIEW

    @property
    def awaits_second_review(self) -> bool:
        return self.status == self.Status.SECOND_REVIEW

    @property
    def summary_revision(self) -> int | None:
        """The revision whose summary is current: none for a draft (never submitted, or
        edited after approval, which voids the summary its approval was given on)."""
        if not self.revision or self.status == AssessmentStatus.DRAFT:
            return None
        return self.revision


class Participation(models.Model):
    """Who took part in an assessment, and how. One role per person per assessment.

    The unique constraint is the database's four-eyes guard: whoever wrote or edited an
    assessment holds the editor role in it, and so can never be recorded as its reviewer.
    """

    class Role(models.TextChoices):
        EDITOR = "editor", _("wrote or edited")
        REVIEWER = "reviewer", _("reviewed")

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="participations"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "user"], name="participation_one_role_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()} {self.assessment}"


class IndicatorRating(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="ratings")
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("indicator")
    )
    severity = models.CharField(_("severity"), max_length=20, choices=scales.SEVERITY_CHOICES)
    trend = models.CharField(
        _("trend"), max_length=20, choices=scales.TREND_CHOICES, default=scales.Trend.STABLE
    )
    confidence = models.CharField(
        _("confidence"),
        max_length=20,
        choices=scales.CONFIDENCE_CHOICES,
        default=scales.Confidence.MEDIUM,
    )
    note = models.TextField(_("evidence note"), blank=True, max_length=limits.MAX_NOTE)
    # A dissemination mark, not assessment content: it changes no level and voids no approval.
    note_releasable = models.BooleanField(
        _("evidence note releasable"),
        default=False,
        help_text=_("Whether the note may go to partners in a releasable version."),
    )
    # Only ratings of the genocide factors (RF9, RF10) name groups: see assessments.groups.
    groups = models.ManyToManyField(
        ProtectedGroup,
        blank=True,
        related_name="ratings",
        verbose_name=_("groups concerned"),
    )

    class Meta:
        ordering = ["indicator__factor__number", "indicator__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "indicator"], name="rating_one_per_indicator"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.severity}"


class EvidenceSource(models.Model):
    class Reliability(models.TextChoices):
        A = "A", _("A: completely reliable")
        B = "B", _("B: usually reliable")
        C = "C", _("C: fairly reliable")
        D = "D", _("D: not usually reliable")
        E = "E", _("E: unreliable")
        F = "F", _("F: reliability cannot be judged")

    rating = models.ForeignKey(IndicatorRating, on_delete=models.CASCADE, related_name="sources")
    citation = models.CharField(_("source"), max_length=500)
    reliability = models.CharField(_("reliability"), max_length=1, choices=Reliability.choices)
    order = models.PositiveSmallIntegerField(default=0)
    # A dissemination mark, like the note's (IndicatorRating.note_releasable).
    releasable = models.BooleanField(
        _("releasable"),
        default=False,
        help_text=_("Whether the source may go to partners in a releasable version."),
    )

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reliability__in=list("ABCDEF")), name="source_reliability_a_to_f"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reliability} {self.citation}"


class RecommendationResponse(models.Model):
    """The analyst's acceptance or dismissal of one recommended tool, with the reason."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="responses")
    entry = models.ForeignKey(PillarTool, on_delete=models.PROTECT, related_name="+")
    accepted = models.BooleanField(_("accepted"))
    reason = models.TextField(_("reason"), blank=True, max_length=limits.MAX_REASON)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("when"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "entry"], name="response_one_per_tool"),
            # A dismissal needs its reason; an acceptance may give one.
            models.CheckConstraint(
                condition=Q(accepted=True) | ~Q(reason=""), name="response_reason_required"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry}: {'accepted' if self.accepted else 'dismissed'}"


class Comment(models.Model):
    """A remark on an assessment by a reviewer or one of its situation's analysts: questions
    and answers beside the workflow, which it never changes."""

    MAX_LENGTH = limits.MAX_COMMENT

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"), max_length=MAX_LENGTH)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="comment_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.assessment}"


class Transition(models.Model):
    """One step of the workflow: who, when, from, to, what happened and why.

    ``event`` and ``params`` say what happened, worded when shown in the reader's language;
    ``reason`` is what a person wrote (a reviewer's reason, an analyst's answer), as written.
    """

    class Event(models.TextChoices):
        STARTED = "started", _("started")
        STARTED_FROM = "started_from", _("started from an earlier assessment")
        APPROVAL_VOIDED = "approval_voided", _("edited after approval")
        SUBMITTED = "submitted", _("submitted")
        SUMMARY_DRAFTED = "summary_drafted", _("escalation summary drafted")
        FIRST_REVIEW = "first_review", _("first review given")
        APPROVED = "approved", _("approved")
        RETURNED = "returned", _("returned")
        IMPORTED = "imported", _("imported")
        RECOMMENDATION_ACCEPTED = "recommendation_accepted", _("recommendation accepted")
        RECOMMENDATION_DISMISSED = "recommendation_dismissed", _("recommendation dismissed")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="transitions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for the system's own steps (a summary drafted)."),
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    from_status = models.CharField(
        _("from"), max_length=20, choices=AssessmentStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=AssessmentStatus.choices)
    revision = models.PositiveIntegerField(_("revision"))
    event = models.CharField(_("event"), max_length=30, choices=Event.choices)
    params = models.JSONField(_("event details"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True, max_length=limits.MAX_REASON)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class SummaryQuerySet(models.QuerySet["EscalationSummary"]):
    def ready(self) -> "SummaryQuerySet":
        return self.filter(status=EscalationSummary.Status.READY)


class EscalationSummary(models.Model):
    """The snapshot that reviewers act on: drafted once per submitted version, never recomputed.

    The unique constraint makes drafting idempotent: a retried or duplicated task finds the
    row of its version and cannot make a second one.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DRAFTING = "drafting", _("drafting")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="summaries")
    revision = models.PositiveIntegerField(_("revision"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    content = models.JSONField(_("content"), default=dict, blank=True)
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64, blank=True)
    original_content = models.JSONField(
        _("content as first drafted"),
        null=True,
        blank=True,
        help_text=_(
            "Kept when a later version of the app restated the content in a newer shape "
            "(same meaning): what a reviewer decided on, under the hash the decision names."
        ),
    )
    proposed_escalation = models.CharField(
        _("proposed escalation"), max_length=40, choices=scales.ESCALATION_CHOICES, blank=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)
    notified_at = models.DateTimeField(_("reviewers notified"), null=True, blank=True)

    objects = SummaryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("escalation summary")
        verbose_name_plural = _("escalation summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "revision"], name="summary_one_per_version"
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | (~Q(content_hash="") & ~Q(proposed_escalation="")),
                name="summary_ready_has_content",
            ),
        ]
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.assessment} v{self.revision} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED)

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_drafting(self) -> bool:
        return self.status == self.Status.DRAFTING

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED


class FirstReview(models.Model):
    """The first of two reviewers' decisions, at a rung of the ladder that needs two.

    It decides nothing on its own: the assessment awaits a second reviewer, who reads it and
    records the :class:`EscalationDecision`.
    """

    summary = models.OneToOneField(
        EscalationSummary, on_delete=models.PROTECT, related_name="first_review"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The assessment's analyst, copied so the database can refuse self-review."),
    )
    approved = models.BooleanField(_("escalation approved"))
    proposed_level = models.CharField(
        _("proposed escalation"), max_length=40, choices=scales.ESCALATION_CHOICES
    )
    level = models.CharField(
        _("decided escalation"), max_length=40, choices=scales.ESCALATION_CHOICES
    )
    reason = models.TextField(_("reason"), blank=True, max_length=limits.MAX_REASON)
    content_hash = models.CharField(_("content hash decided on"), max_length=64)
    decided_at = models.DateTimeField(_("decided"), auto_now_add=True)

    class Meta:
        verbose_name = _("first review")
        verbose_name_plural = _("first reviews")
        constraints = [
            models.CheckConstraint(
                condition=~Q(reviewer=F("author")), name="first_review_reviewer_is_not_author"
            ),
            models.CheckConstraint(
                condition=(Q(approved=True) & Q(level=F("proposed_level"))) | ~Q(reason=""),
                name="first_review_reason_for_reject_or_change",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.summary}: first review, {'approved' if self.approved else 'rejected'}"


class EscalationDecision(models.Model):
    """A reviewer's decision on exactly one summary content (bound by its hash).

    At a rung that needs two reviewers it is the second one's, and names the first review:
    the database refuses it without one by another reviewer than the author and itself.
    """

    summary = models.OneToOneField(
        EscalationSummary, on_delete=models.PROTECT, related_name="decision"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The assessment's analyst, copied so the database can refuse self-review."),
    )
    approved = models.BooleanField(_("escalation approved"))
    proposed_level = models.CharField(
        _("proposed escalation"), max_length=40, choices=scales.ESCALATION_CHOICES
    )
    level = models.CharField(
        _("decided escalation"), max_length=40, choices=scales.ESCALATION_CHOICES
    )
    reason = models.TextField(_("reason"), blank=True, max_length=limits.MAX_REASON)
    content_hash = models.CharField(_("content hash decided on"), max_length=64)
    decided_at = models.DateTimeField(_("decided"), auto_now_add=True)
    second_review_required = models.BooleanField(
        _("needed two reviewers"),
        default=False,
        help_text=_("Set from the reference data's rungs when the first review was given."),
    )
    first_review = models.OneToOneField(
        FirstReview,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decision",
        verbose_name=_("first review"),
    )
    first_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The first review's reviewer, copied so the database can compare the two."),
    )

    class Meta:
        verbose_name = _("escalation decision")
        verbose_name_plural = _("escalation decisions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(reviewer=F("author")), name="decision_reviewer_is_not_author"
            ),
            models.CheckConstraint(
                condition=(Q(approved=True) & Q(level=F("proposed_level"))) | ~Q(reason=""),
                name="decision_reason_for_reject_or_change",
            ),
            models.CheckConstraint(
                condition=Q(second_review_required=False)
                | (
                    Q(first_review__isnull=False, first_reviewer__isnull=False)
                    & ~Q(first_reviewer=F("reviewer"))
                    & ~Q(first_reviewer=F("author"))
                ),
                name="decision_two_reviewers_where_required",
            ),
            models.CheckConstraint(
                condition=Q(first_review__isnull=True) | Q(second_review_required=True),
                name="decision_first_review_only_where_required",
            ),
        ]
        # The API's decisions and the watch's recent ones, the latest first.
        indexes = [models.Index(fields=["-decided_at", "-id"], name="decision_newest")]

    def __str__(self) -> str:
        return f"{self.summary}: {'approved' if self.approved else 'rejected'} {self.level}"


class SummaryRelease(models.Model):
    """A releasable version ("tearline") of an approved summary, made by a reviewer for a
    named recipient at a confidentiality lower than the situation's: only what the analysts
    marked releasable, under its own hash and the hash of the full summary it was cut from."""

    MAX_RECIPIENT = limits.MAX_NAME

    summary = models.ForeignKey(
        EscalationSummary,
        on_delete=models.PROTECT,
        related_name="releases",
        verbose_name=_("escalation summary"),
    )
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("released by"),
    )
    released_at = models.DateTimeField(_("released"))
    recipient = models.CharField(
        _("released to"),
        max_length=MAX_RECIPIENT,
        help_text=_("The partner the release is for: an office, an organisation, a mission."),
    )
    confidentiality = models.CharField(
        _("confidentiality"), max_length=30, choices=Confidentiality.choices
    )
    content = models.JSONField(_("releasable content"))
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64)
    full_hash = models.CharField(_("hash of the full summary"), max_length=64)

    class Meta:
        ordering = ["-released_at", "-pk"]
        verbose_name = _("summary release")
        verbose_name_plural = _("summary releases")
        constraints = [
            models.CheckConstraint(condition=~Q(recipient=""), name="release_has_recipient"),
            # Strictly confidential is the top of the scale: nothing is released at it.
            models.CheckConstraint(
                condition=Q(confidentiality__in=CONFIDENTIALITY_ORDER[:-1]),
                name="release_confidentiality_valid",
            ),
            models.CheckConstraint(
                condition=~Q(content_hash="") & ~Q(full_hash=""), name="release_has_hashes"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.summary} released to {self.recipient}"


class Notification(models.Model):
    """An email sent once: the key makes every email idempotent, retried or not."""

    key = models.CharField(max_length=200, unique=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    subject = models.CharField(max_length=300)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.key


class NotificationKind(models.TextChoices):
    """What a user may be told of, in the app and by email."""

    SUMMARY_READY = "summary_ready", _("an escalation summary awaits a decision")
    SECOND_REVIEW = "second_review", _("an escalation awaits a second reviewer")
    APPROVED = "approved", _("an assessment of mine was approved")
    RETURNED = "returned", _("an assessment of mine was returned")
    COMMENTED = "commented", _("someone commented on an assessment I work on")
    OVERDUE = "overdue", _("a situation of mine is overdue for reassessment")
    ACTION_OVERDUE = "action_overdue", _("a response action I own or follow is overdue")
    DIGEST = "digest", _("the daily digest of summaries awaiting a decision")


class InboxItem(models.Model):
    """An in-app notification: what happened, as a kind and its parameters (worded when
    shown, in the reader's language), and the page it is about. Made once per key."""

    key = models.CharField(max_length=200, unique=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox"
    )
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    params = models.JSONField(default=dict)
    path = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="inbox_unread")]

    def __str__(self) -> str:
        return self.key


class EmailOptOut(models.Model):
    """A user who turned off the emails of one kind (the in-app notifications stay)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_opt_outs"
    )
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="email_opt_out_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: no {self.kind} email"


class ResponseAction(models.Model):
    """What was done about an approved assessment: one accepted tool, or the approved rung of
    the escalation ladder, with its owner, due date, status and, once done, its observed effect.

    Actions belong to their situation and outlive the assessment that opened them: the next
    assessment shows what was done since the last approval.
    """

    class Kind(models.TextChoices):
        TOOL = "tool", _("policy tool")
        ESCALATION = "escalation", _("escalation")

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        UNDER_WAY = "under_way", _("under way")
        DONE = "done", _("done")
        DROPPED = "dropped", _("dropped")

    class Effect(models.TextChoices):
        NONE = "none", _("none observed")
        SOME = "some", _("some")
        CLEAR = "clear", _("clear")

    situation = models.ForeignKey(
        Situation, on_delete=models.PROTECT, related_name="actions", verbose_name=_("situation")
    )
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.PROTECT,
        related_name="actions",
        verbose_name=_("opened by the assessment"),
    )
    decision = models.ForeignKey(
        EscalationDecision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("opened by the decision"),
        help_text=_(
            "Empty for an action imported with its assessment: the decision that opened it "
            "stays with the office that made it."
        ),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    entry = models.ForeignKey(
        PillarTool,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tool"),
    )
    escalation = models.CharField(
        _("escalation"), max_length=40, choices=scales.ESCALATION_CHOICES, blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="response_actions",
        verbose_name=_("owner"),
    )
    office = models.CharField(
        _("owning office"),
        max_length=limits.MAX_NAME,
        blank=True,
        help_text=_("A named office, when no single person owns the action."),
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    dropped_reason = models.TextField(
        _("why it was dropped"), blank=True, max_length=limits.MAX_REASON
    )
    effect = models.CharField(
        _("observed effect"), max_length=10, choices=Effect.choices, blank=True
    )
    effect_note = models.TextField(_("note on the effect"), blank=True, max_length=limits.MAX_NOTE)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last updated by"),
    )

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("response action")
        verbose_name_plural = _("response actions")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="tool") & Q(entry__isnull=False) & Q(escalation=""))
                | (Q(kind="escalation") & Q(entry__isnull=True) & ~Q(escalation="")),
                name="action_tool_or_escalation",
            ),
            models.UniqueConstraint(
                fields=["assessment", "entry"],
                condition=Q(kind="tool"),
                name="action_one_per_tool",
            ),
            models.UniqueConstraint(
                fields=["assessment", "escalation"],
                condition=Q(kind="escalation"),
                name="action_one_per_rung",
            ),
            models.CheckConstraint(
                condition=Q(owner__isnull=True) | Q(office=""), name="action_one_owner"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "under_way", "done", "dropped"]),
                name="action_status_valid",
            ),
            # Done needs its date and its observed effect; dropped needs its reason.
            models.CheckConstraint(
                condition=~Q(status="done")
                | (Q(done_on__isnull=False) & Q(effect__in=["none", "some", "clear"])),
                name="action_done_has_effect",
            ),
            models.CheckConstraint(
                condition=~Q(status="dropped") | ~Q(dropped_reason=""),
                name="action_dropped_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status="done") | (Q(effect="") & Q(done_on__isnull=True)),
                name="action_effect_only_when_done",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="action_open_due")]

    def __str__(self) -> str:
        return f"{self.situation}: {self.entry or self.escalation} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.PLANNED, self.Status.UNDER_WAY)

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE

    @property
    def is_dropped(self) -> bool:
        return self.status == self.Status.DROPPED

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due_on < today


class ActionSource(models.Model):
    """A source for an action's observed effect, graded A-F like the evidence of a rating."""

    action = models.ForeignKey(ResponseAction, on_delete=models.CASCADE, related_name="sources")
    citation = models.CharField(_("source"), max_length=limits.MAX_CITATION)
    reliability = models.CharField(
        _("reliability"), max_length=1, choices=EvidenceSource.Reliability.choices
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reliability__in=list("ABCDEF")), name="action_source_a_to_f"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reliability} {self.citation}"


class Dissent(models.Model):
    """A recorded disagreement with an assessment, or with the decision on it: the level the
    dissenter would give per crime, and why. Shown beside the decision, in the summary and its
    exports; it never changes the workflow."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="dissents", verbose_name=_("assessment")
    )
    decision = models.ForeignKey(
        EscalationDecision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dissents",
        verbose_name=_("decision dissented from"),
        help_text=_("Empty for a dissent from the assessment itself."),
    )
    revision = models.PositiveIntegerField(_("submission"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    levels = models.JSONField(
        _("levels the dissenter would give"), default=dict, help_text=_("By crime code.")
    )
    reason = models.TextField(_("why"), max_length=limits.MAX_REASON)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("dissent")
        verbose_name_plural = _("dissents")
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="dissent_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.author} dissents on {self.assessment}"


class SummaryPdf(models.Model):
    """A ready summary's PDF in one language, rendered once and served as stored.

    The worker renders it when the summary is ready and again when a decision is made on it
    (the PDF shows the decision); a download renders and stores it when it is missing, in
    another language, or stale. ``content_hash`` is the hash of the content it renders;
    ``inputs`` is a fingerprint of all it shows besides the language (that hash, the decision
    and the dissents): a PDF whose ``inputs`` differ from the summary's is rendered again.
    """

    summary = models.ForeignKey(
        EscalationSummary,
        on_delete=models.CASCADE,
        related_name="pdfs",
        verbose_name=_("escalation summary"),
    )
    language = models.CharField(_("language"), max_length=10)
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64)
    inputs = models.CharField(_("what it shows (fingerprint)"), max_length=64)
    pdf = models.BinaryField(_("PDF"))
    rendered_at = models.DateTimeField(_("rendered"), auto_now=True)

    class Meta:
        ordering = ["summary", "language"]
        verbose_name = _("summary PDF")
        verbose_name_plural = _("summary PDFs")
        constraints = [
            models.UniqueConstraint(
                fields=["summary", "language"], name="summary_pdf_one_per_language"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.summary} PDF ({self.language})"
