"""The API's shapes: what each resource reads as, and what each write takes.

Reads are built from the same selectors as the pages; reasons carry their rule and parameters
(as stored) and their words in the reader's language. Writes are validated here for shape and
bounds, then by the same forms and services as the pages.
"""

from typing import Any

from django.contrib.auth.models import User
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.forecast_serializers import WatchDivergenceSerializer
from assessments import limits, scales, wording
from assessments.models import (
    Assessment,
    AssessmentStatus,
    Confidentiality,
    EscalationDecision,
    EscalationSummary,
    EvidenceSource,
    FirstReview,
    GroupKind,
    IndicatorRating,
    Transition,
)

# Shared pieces ------------------------------------------------------------------------------


class ReasonSerializer(serializers.Serializer):
    """One reason: the rule that fired and its parameters (codes and numbers), and its words."""

    rule = serializers.CharField()
    params = serializers.DictField(help_text="The rule's parameters: codes and numbers.")
    text = serializers.CharField(help_text="The reason in words, in the request's language.")


def reason_of(reason: dict[str, Any], crimes: dict[str, str]) -> dict[str, Any]:
    return {
        "rule": reason.get("rule", ""),
        "params": {k: v for k, v in reason.items() if k != "rule"},
        "text": wording.reason_text(reason, crimes=crimes),
    }


class ErrorSerializer(serializers.Serializer):
    """Every refusal: what is wrong in words, a code, and per field for a refused input."""

    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(  # type: ignore[assignment]
        required=False, child=serializers.JSONField()
    )


def _user(user: User | None) -> str | None:
    return user.get_username() if user is not None else None


# Situations ---------------------------------------------------------------------------------


class GroupSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=limits.MAX_GROUP_NAME)
    kind = serializers.ChoiceField(
        choices=GroupKind.choices,
        help_text=(
            "national, ethnical, racial or religious (the Genocide Convention's groups), "
            "other (a population not protected as such) or unclassified."
        ),
    )


class SituationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField()
    country = serializers.CharField(source="country.code", help_text="ISO 3166 alpha-2 code.")
    country_name = serializers.CharField(source="country.name", read_only=True)
    region = serializers.CharField()
    groups = GroupSerializer(many=True, read_only=True, help_text="Its groups at risk.")
    review_cadence_days = serializers.IntegerField()
    confidentiality = serializers.ChoiceField(choices=Confidentiality.choices)
    analysts = serializers.SerializerMethodField()
    level = serializers.CharField(
        allow_null=True,
        help_text="The latest approved assessment's overall level, else the latest one's.",
    )
    level_approved = serializers.SerializerMethodField(
        help_text="Whether the level is an approved assessment's."
    )
    last_assessed = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField(help_text="Not assessed within its review cadence.")
    latest_status = serializers.ChoiceField(choices=AssessmentStatus.choices, allow_null=True)
    url = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()

    def get_analysts(self, situation: Any) -> list[str]:
        return sorted(user.get_username() for user in situation.analysts.all())

    def get_url(self, situation: Any) -> str:
        return reverse("api:situation-detail", args=[situation.pk])

    def get_web_url(self, situation: Any) -> str:
        return reverse("assessments:situation", args=[situation.pk])

    def get_level_approved(self, situation: Any) -> bool:
        return getattr(situation, "approved_level", None) is not None


class SituationWriteSerializer(serializers.Serializer):
    """A situation as sent: the situation form's fields (its rules apply); the code only on
    creation; analysts by username."""

    name = serializers.CharField(max_length=limits.MAX_NAME)
    code = serializers.SlugField(max_length=limits.MAX_CODE, required=False)
    country = serializers.CharField(max_length=2, help_text="ISO 3166 alpha-2 code.")
    region = serializers.CharField(max_length=limits.MAX_REGION, required=False, allow_blank=True)
    groups = serializers.ListField(
        child=GroupSerializer(),
        required=False,
        max_length=500,
        help_text=(
            "Its groups at risk by name and kind, each linked to the group of that name and "
            "kind (made when there is none); the situation's groups become these."
        ),
    )
    review_cadence_days = serializers.IntegerField(
        min_value=1, max_value=limits.MAX_REVIEW_CADENCE_DAYS, required=False
    )
    confidentiality = serializers.ChoiceField(choices=Confidentiality.choices, required=False)
    analysts = serializers.ListField(
        child=serializers.CharField(max_length=limits.MAX_USERNAME),
        required=False,
        max_length=500,
        help_text="Usernames of the analysts assigned to the situation.",
    )


# Assessments --------------------------------------------------------------------------------


class SourceSerializer(serializers.Serializer):
    grade = serializers.ChoiceField(
        choices=EvidenceSource.Reliability.choices,
        help_text="The source's reliability, A (reliable) to F (cannot be judged).",
    )
    citation = serializers.CharField(max_length=limits.MAX_CITATION)


class RatingSerializer(serializers.Serializer):
    indicator = serializers.CharField(
        source="indicator.code", help_text="The indicator's code, e.g. 7.5."
    )
    factor = serializers.IntegerField(source="indicator.factor.number")
    severity = serializers.ChoiceField(choices=scales.SEVERITY_CHOICES)
    trend = serializers.ChoiceField(choices=scales.TREND_CHOICES)
    confidence = serializers.ChoiceField(choices=scales.CONFIDENCE_CHOICES)
    note = serializers.CharField()
    sources = serializers.SerializerMethodField()

    @extend_schema_field(SourceSerializer(many=True))
    def get_sources(self, rating: IndicatorRating) -> list[dict[str, str]]:
        return [{"grade": s.reliability, "citation": s.citation} for s in rating.sources.all()]


class RatingWriteSerializer(serializers.Serializer):
    """One indicator's rating as sent; ``not_assessed`` with no note and no source removes it."""

    severity = serializers.ChoiceField(choices=scales.SEVERITY_CHOICES)
    trend = serializers.ChoiceField(choices=scales.TREND_CHOICES, default=scales.Trend.STABLE)
    confidence = serializers.ChoiceField(
        choices=scales.CONFIDENCE_CHOICES, default=scales.Confidence.MEDIUM
    )
    note = serializers.CharField(max_length=limits.MAX_NOTE, allow_blank=True, default="")
    sources = SourceSerializer(
        many=True,
        default=list,
        max_length=limits.MAX_SOURCES_PER_RATING,  # type: ignore[call-arg]
    )


class LevelSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="A crime's key, or 'overall'.")
    level = serializers.ChoiceField(choices=scales.LEVEL_CHOICES)
    reasons = ReasonSerializer(many=True)


class ResponseSerializer(serializers.Serializer):
    accepted = serializers.BooleanField()
    reason = serializers.CharField()
    by = serializers.CharField()
    at = serializers.DateTimeField()


class RecommendationSerializer(serializers.Serializer):
    entry = serializers.CharField(help_text="The pillar-tool code the answers refer to.")
    tool = serializers.CharField()
    tool_name = serializers.CharField()
    pillar = serializers.IntegerField()
    score = serializers.IntegerField()
    rank = serializers.IntegerField()
    coercive = serializers.BooleanField()
    last_resort = serializers.BooleanField()
    rationales = ReasonSerializer(many=True)
    pillar_reasons = ReasonSerializer(many=True)
    response = ResponseSerializer(allow_null=True, help_text="The analysts' answer, if any.")


class AssessmentListSerializer(serializers.ModelSerializer):
    situation = serializers.IntegerField(source="situation_id")
    author = serializers.CharField(source="author.username")
    reviewer = serializers.CharField(source="reviewer.username", allow_null=True)
    url = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = [
            "id",
            "situation",
            "as_of",
            "posture",
            "status",
            "revision",
            "lock_version",
            "overall_level",
            "author",
            "reviewer",
            "created_at",
            "updated_at",
            "url",
            "web_url",
        ]
        read_only_fields = fields

    def get_url(self, assessment: Assessment) -> str:
        return reverse("api:assessment-detail", args=[assessment.pk])

    def get_web_url(self, assessment: Assessment) -> str:
        return reverse("assessments:detail", args=[assessment.pk])


class AssessmentSerializer(AssessmentListSerializer):
    """One assessment in full: its ratings, its levels with their reasons, its recommendations
    with the analysts' answers."""

    narrative = serializers.CharField()
    ratings = RatingSerializer(many=True)
    levels = serializers.SerializerMethodField()
    recommendations = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()

    class Meta(AssessmentListSerializer.Meta):
        fields = [
            *AssessmentListSerializer.Meta.fields,
            "narrative",
            "ratings",
            "levels",
            "recommendations",
            "summary",
        ]
        read_only_fields = fields

    @property
    def _crimes(self) -> dict[str, str]:
        crimes: dict[str, str] = self.context["crimes"]
        return crimes

    @extend_schema_field(LevelSerializer(many=True))
    def get_levels(self, assessment: Assessment) -> list[dict[str, Any]]:
        result = assessment.result or {}
        return [
            {
                "key": key,
                "level": level,
                "reasons": [
                    reason_of(r, self._crimes) for r in result.get("level_reasons", {}).get(key, [])
                ],
            }
            for key, level in result.get("levels", {}).items()
        ]

    @extend_schema_field(RecommendationSerializer(many=True))
    def get_recommendations(self, assessment: Assessment) -> list[dict[str, Any]]:
        texts = self.context["texts"]
        result = wording.result_texts(assessment.result or {}, texts)
        answers = {r.entry.code: r for r in assessment.responses.all()}
        rows = []
        for rec in result.get("recommendations", []):
            answer = answers.get(rec["entry"])
            rows.append(
                {
                    **{
                        key: rec[key]
                        for key in (
                            "entry",
                            "tool",
                            "tool_name",
                            "pillar",
                            "score",
                            "rank",
                            "coercive",
                            "last_resort",
                        )
                    },
                    "rationales": [reason_of(r, self._crimes) for r in rec["rationales"]],
                    "pillar_reasons": [reason_of(r, self._crimes) for r in rec["pillar_reasons"]],
                    "response": None
                    if answer is None
                    else {
                        "accepted": answer.accepted,
                        "reason": answer.reason,
                        "by": answer.by.get_username(),
                        "at": serializers.DateTimeField().to_representation(answer.at),
                    },
                }
            )
        return rows

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_summary(self, assessment: Assessment) -> str | None:
        if assessment.summary_revision is None:
            return None
        return reverse("api:assessment-summary", args=[assessment.pk])


class AssessmentStartSerializer(serializers.Serializer):
    as_of = serializers.DateField(validators=[limits.validate_as_of])
    posture = serializers.ChoiceField(choices=scales.POSTURE_CHOICES)
    narrative = serializers.CharField(max_length=limits.MAX_NARRATIVE, allow_blank=True, default="")
    copy_previous = serializers.BooleanField(
        default=False, help_text="Start from the ratings of the situation's latest assessment."
    )


class AssessmentSaveSerializer(serializers.Serializer):
    """A draft saved: the version it was read at (a newer stored one refuses it with 409), the
    header fields to change, and the ratings to change by indicator code (others stay)."""

    lock_version = serializers.IntegerField(min_value=0, max_value=limits.MAX_DATABASE_INTEGER)
    as_of = serializers.DateField(required=False, validators=[limits.validate_as_of])
    posture = serializers.ChoiceField(choices=scales.POSTURE_CHOICES, required=False)
    narrative = serializers.CharField(
        max_length=limits.MAX_NARRATIVE, allow_blank=True, required=False
    )
    ratings = serializers.DictField(child=RatingWriteSerializer(), required=False)


class SubmitSerializer(serializers.Serializer):
    confirm_undecided = serializers.BooleanField(
        default=False,
        help_text="Submit although some recommendations are not answered yet.",
    )


class AnswerSerializer(serializers.Serializer):
    entry = serializers.CharField(max_length=120)
    accepted = serializers.BooleanField()
    reason = serializers.CharField(max_length=limits.MAX_REASON, allow_blank=True, default="")


class AnswersSerializer(serializers.Serializer):
    answers = AnswerSerializer(many=True, max_length=500)  # type: ignore[call-arg]


class DecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    level = serializers.ChoiceField(
        choices=scales.ESCALATION_CHOICES, help_text="The level of escalation approved."
    )
    reason = serializers.CharField(max_length=limits.MAX_REASON, allow_blank=True, default="")
    content_hash = serializers.CharField(
        max_length=64, help_text="The hash of the summary read: a stale one is refused."
    )
    dissents_read = serializers.BooleanField(
        default=False,
        help_text="Approving over a dissent on this submission needs true: you read it.",
    )


# Summaries, decisions, the timeline --------------------------------------------------------


class FirstReviewSerializer(serializers.ModelSerializer):
    """The first of two reviews, at a rung that needs two: it decides nothing on its own."""

    assessment = serializers.IntegerField(source="summary.assessment_id")
    situation = serializers.IntegerField(source="summary.assessment.situation_id")
    summary_revision = serializers.IntegerField(source="summary.revision")
    reviewer = serializers.CharField(source="reviewer.username")
    author = serializers.CharField(source="author.username")

    class Meta:
        model = FirstReview
        fields = [
            "id",
            "assessment",
            "situation",
            "summary_revision",
            "approved",
            "proposed_level",
            "level",
            "reason",
            "content_hash",
            "reviewer",
            "author",
            "decided_at",
        ]
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer):
    assessment = serializers.IntegerField(source="summary.assessment_id")
    situation = serializers.IntegerField(source="summary.assessment.situation_id")
    summary_revision = serializers.IntegerField(source="summary.revision")
    reviewer = serializers.CharField(source="reviewer.username")
    author = serializers.CharField(source="author.username")
    first_review = FirstReviewSerializer(
        allow_null=True, help_text="At a rung that needs two reviewers: the first review."
    )

    class Meta:
        model = EscalationDecision
        fields = [
            "id",
            "assessment",
            "situation",
            "summary_revision",
            "approved",
            "proposed_level",
            "level",
            "reason",
            "content_hash",
            "reviewer",
            "author",
            "decided_at",
            "first_review",
        ]
        read_only_fields = fields


class SummarySerializer(serializers.ModelSerializer):
    assessment = serializers.IntegerField(source="assessment_id")
    decision = serializers.SerializerMethodField()
    pdf = serializers.SerializerMethodField()
    words = serializers.SerializerMethodField()

    class Meta:
        model = EscalationSummary
        fields = [
            "id",
            "assessment",
            "revision",
            "status",
            "proposed_escalation",
            "content",
            "content_hash",
            "words",
            "error",
            "created_at",
            "ready_at",
            "decision",
            "pdf",
        ]
        read_only_fields = fields

    @extend_schema_field(DecisionSerializer(allow_null=True))
    def get_decision(self, summary: EscalationSummary) -> dict[str, Any] | None:
        decision = getattr(summary, "decision", None)
        return DecisionSerializer(decision).data if decision is not None else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_pdf(self, summary: EscalationSummary) -> str | None:
        if not summary.is_ready:
            return None
        base = reverse("api:assessment-summary-pdf", args=[summary.assessment_id])
        return f"{base}?revision={summary.revision}"

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_words(self, summary: EscalationSummary) -> dict[str, Any] | None:
        """Every reason of the content in words, in the request's language."""
        if not summary.is_ready:
            return None
        return wording.summary_words(summary.content, crimes=self.context["crimes"])


class TimelineEntrySerializer(serializers.ModelSerializer):
    assessment = serializers.IntegerField(source="assessment_id")
    from_status = serializers.ChoiceField(
        choices=AssessmentStatus.choices, allow_blank=True, help_text="Empty: the first step."
    )
    actor = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()

    class Meta:
        model = Transition
        fields = [
            "id",
            "assessment",
            "at",
            "actor",
            "event",
            "from_status",
            "to_status",
            "revision",
            "params",
            "reason",
            "text",
        ]
        read_only_fields = fields

    def get_actor(self, transition: Transition) -> str | None:
        return _user(transition.actor)

    def get_text(self, transition: Transition) -> str:
        return wording.transition_text(transition, self.context.get("texts"))


# The watch ----------------------------------------------------------------------------------


class LevelCountSerializer(serializers.Serializer):
    level = serializers.CharField(allow_null=True, help_text="None: not assessed yet.")
    count = serializers.IntegerField()


class LevelChangeSerializer(serializers.Serializer):
    key = serializers.CharField()
    before = serializers.CharField(allow_null=True)
    after = serializers.CharField(allow_null=True)


class MoverSerializer(serializers.Serializer):
    situation = serializers.IntegerField(source="situation_id")
    situation_name = serializers.CharField()
    assessment = serializers.IntegerField(source="assessment_id")
    before_as_of = serializers.DateField()
    after_as_of = serializers.DateField()
    overall = LevelChangeSerializer()
    crimes = LevelChangeSerializer(many=True)


class OverdueSerializer(serializers.Serializer):
    situation = serializers.IntegerField(source="situation_id")
    situation_name = serializers.CharField()
    due = serializers.DateField()
    days_overdue = serializers.IntegerField()


class WatchPageSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="This page's number, from 1.")
    pages = serializers.IntegerField(help_text="How many pages there are.")
    count = serializers.IntegerField(help_text="How many rows there are on all pages.")


class WatchSerializer(serializers.Serializer):
    counts = LevelCountSerializer(many=True)
    movers = MoverSerializer(many=True, help_text="A page of them (``movers_page``).")
    movers_page = WatchPageSerializer()
    overdue = OverdueSerializer(many=True, help_text="A page of them (``overdue_page``).")
    overdue_page = WatchPageSerializer()
    forecast_divergences = WatchDivergenceSerializer(
        many=True,
        help_text="Where an external forecast and the analysts' level disagree (context only).",
    )


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    token_scope = serializers.CharField(allow_null=True)
