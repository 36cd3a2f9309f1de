"""The API's endpoints: the pages' permission helpers, selectors, forms and services, in JSON.

Whoever may not see a situation gets 404 for it and everything of it, as on the pages; a
write the user's role does not allow is 403; a write the state does not allow (or a stale
version or content hash) is 409, with the same words as on the pages.
"""

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User as AuthUser
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_filters import rest_framework as drf_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from accounts.roles import is_analyst, is_framework_admin, is_reviewer
from api import examples
from api import serializers as s
from assessments import limits, permissions, selectors, services, summary_pdfs, workflow
from assessments.filters import ReviewQueueFilter, SituationFilter
from assessments.forms import SituationForm
from assessments.models import (
    Assessment,
    EscalationDecision,
    EscalationSummary,
    FirstReview,
    IndicatorRating,
    Situation,
    Transition,
)
from assessments.workflow import Answer, RatingInput
from forecasts import selectors as forecast_selectors
from framework.models import Indicator
from framework.selectors import reference_texts


def _user(request: Request) -> AuthUser:
    """The signed-in user (every endpoint requires one: IsAuthenticated)."""
    return cast(AuthUser, request.user)


def _context() -> dict[str, Any]:
    return {"crimes": selectors.crime_names(), "texts": reference_texts()}


# Situations ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="The situations you may see",
        description=(
            "Each with its current level and review status; searched, filtered and sorted "
            "with the situation list's parameters (q, level, country, region, analyst, "
            "overdue, status, confidentiality, sort). An analyst sees the situations they "
            "are assigned to; reviewers and framework admins see all."
        ),
    ),
    retrieve=extend_schema(summary="One situation", description="404 if you may not see it."),
    create=extend_schema(
        summary="Create a situation",
        description="Reviewers and framework admins. The situation form's rules apply.",
        request=s.SituationWriteSerializer,
        examples=[
            OpenApiExample(
                "A new situation",
                value={
                    "name": "North Darfur",
                    "code": "sd-north-darfur",
                    "country": "SD",
                    "region": "Darfur",
                    "groups": [
                        {"name": "Masalit", "kind": "ethnical"},
                        {"name": "Displaced people in the camps", "kind": "other"},
                    ],
                    "review_cadence_days": 30,
                    "confidentiality": "confidential",
                    "analysts": ["analyst"],
                },
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Change a situation",
        description=(
            "Reviewers and framework admins; the fields sent change, the code never does."
        ),
        request=s.SituationWriteSerializer,
    ),
)
class SituationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.SituationSerializer
    filterset_class = SituationFilter
    # The situation list's own search, filters and sort (``sort``), as on the page.
    filter_backends = [drf_filters.DjangoFilterBackend]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Situation]:
        table = selectors.situation_table(permissions.visible_situations(_user(self.request)))
        return table.prefetch_related("analysts", "groups").order_by("name", "pk")

    def get_object(self) -> Situation:
        situation = permissions.get_situation_for_user(_user(self.request), self.kwargs["pk"])
        return self.get_queryset().get(pk=situation.pk)

    def _form_data(self, given: dict[str, Any], situation: Situation | None) -> dict[str, Any]:
        # A new situation starts from the model's defaults, as the form shows them.
        data: dict[str, Any] = {
            name: cast(Any, Situation._meta.get_field(name)).get_default()
            for name in ("review_cadence_days", "confidentiality")
        }
        if situation is not None:
            data = {
                name: getattr(situation, name)
                for name in SituationForm.Meta.fields
                if name != "analysts"
            }
            data["country"] = cast(Any, situation.country).code
            data["analysts"] = [u.pk for u in situation.analysts.all()]
        data.update({k: v for k, v in given.items() if k not in ("analysts", "groups")})
        if "analysts" in given:
            names = set(given["analysts"])
            users = dict(
                get_user_model().objects.filter(username__in=names).values_list("username", "pk")
            )
            missing = sorted(names - set(users))
            if missing:
                raise ValidationError(
                    {"analysts": [_("No such user: %(names)s.") % {"names": ", ".join(missing)}]}
                )
            data["analysts"] = list(users.values())
        return data

    def _save(self, request: Request, situation: Situation | None) -> Situation:
        if not permissions.can_manage_situations(_user(request)):
            raise PermissionDenied(_("Only reviewers and framework admins change situations."))
        given = s.SituationWriteSerializer(data=request.data, partial=situation is not None)
        given.is_valid(raise_exception=True)
        form = SituationForm(
            self._form_data(dict(given.validated_data), situation), instance=situation
        )
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        data = dict(form.cleaned_data)
        analysts = data.pop("analysts")
        with transaction.atomic():
            if situation is None:
                saved = services.create_situation(by=_user(request), analysts=analysts, **data)
            else:
                data.pop("code", None)
                saved = services.update_situation(
                    situation, by=_user(request), analysts=analysts, **data
                )
            if "groups" in given.validated_data:
                services.set_groups(
                    saved,
                    by=_user(request),
                    given=[
                        services.GroupInput(name=g["name"], kind=g["kind"])
                        for g in given.validated_data["groups"]
                    ],
                )
        return saved

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        situation = self._save(request, None)
        shown = self.get_queryset().get(pk=situation.pk)
        return Response(self.get_serializer(shown).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        situation = self._save(request, self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=situation.pk)).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not kwargs.get("partial"):
            return self.http_method_not_allowed(request)
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        summary="Start an assessment of the situation",
        description="The situation's assigned analysts. Optionally from the latest one's ratings.",
        request=s.AssessmentStartSerializer,
        responses={201: s.AssessmentSerializer},
        examples=[
            OpenApiExample(
                "A new draft",
                value={"as_of": "2026-06-01", "posture": "unable", "copy_previous": True},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"], url_path="assessments", filter_backends=[])
    def start(self, request: Request, pk: str) -> Response:
        situation = permissions.get_situation_for_user(_user(request), int(pk))
        if not permissions.can_assess(_user(request), situation):
            raise PermissionDenied(_("Only the analysts assigned to this situation assess it."))
        given = s.AssessmentStartSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        copy_from = situation.assessments.first() if data["copy_previous"] else None
        assessment = workflow.start_assessment(
            situation,
            by=_user(request),
            as_of=data["as_of"],
            posture=data["posture"],
            narrative=data["narrative"],
            copy_from=copy_from,
        )
        return Response(
            s.AssessmentSerializer(_detail(assessment.pk), context=_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="The situation's timeline",
        description="Every step of every assessment of the situation, newest first.",
        responses=s.TimelineEntrySerializer(many=True),
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def timeline(self, request: Request, pk: str) -> Response:
        situation = permissions.get_situation_for_user(_user(request), int(pk))
        entries = (
            Transition.objects.filter(assessment__situation=situation)
            .select_related("actor")
            .order_by("-at", "-pk")
        )
        page = self.paginate_queryset(entries)
        shown = s.TimelineEntrySerializer(page, many=True, context=_context())
        return self.get_paginated_response(shown.data)


def _form_errors(form: SituationForm) -> dict[str, list[str]]:
    return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


# Assessments --------------------------------------------------------------------------------


class IdFilter(drf_filters.NumberFilter):
    """An object's id: a whole number the database can hold, else 400."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", limits.MAX_DATABASE_INTEGER)
        super().__init__(*args, **kwargs)


class AssessmentFilter(drf_filters.FilterSet):
    situation = IdFilter(field_name="situation_id")
    status = drf_filters.ChoiceFilter(choices=Assessment.Status.choices)
    as_of_after = drf_filters.DateFilter(field_name="as_of", lookup_expr="gte")
    as_of_before = drf_filters.DateFilter(field_name="as_of", lookup_expr="lte")

    class Meta:
        model = Assessment
        fields: list[str] = []


#: What the assessment lists do not show: the large text and JSON columns.
LIST_DEFERRED = ("result", "narrative", "crime_levels", "factor_levels")


def _detail(pk: int) -> Assessment:
    ratings = IndicatorRating.objects.select_related("indicator__factor").prefetch_related(
        "sources"
    )
    return (
        Assessment.objects.select_related("situation", "author", "reviewer")
        .prefetch_related(
            Prefetch("ratings", queryset=ratings), "responses__by", "responses__entry"
        )
        .get(pk=pk)
    )


@extend_schema_view(
    list=extend_schema(
        summary="The assessments you may see",
        description="Newest first; filter by situation, status and as-of dates.",
    ),
    retrieve=extend_schema(
        summary="One assessment in full",
        description=(
            "Its ratings, its levels with their reasons (rule, parameters and words), and its "
            "recommendations with the analysts' answers."
        ),
        responses=s.AssessmentSerializer,
    ),
    partial_update=extend_schema(
        summary="Save a draft",
        description=(
            "The situation's assigned analysts, while the assessment is editable. Send the "
            "lock_version you read: if someone saved in between, 409 and nothing is saved. "
            "Ratings are keyed by indicator code; those not sent stay as they are. Saving an "
            "approved assessment voids its approval."
        ),
        request=s.AssessmentSaveSerializer,
        responses=s.AssessmentSerializer,
        examples=[
            OpenApiExample(
                "Two ratings changed",
                value={
                    "lock_version": 3,
                    "narrative": "Sieges of the camps continue.",
                    "ratings": {
                        "7.5": {
                            "severity": "high",
                            "trend": "worsening",
                            "confidence": "high",
                            "note": "Reported by two missions.",
                            "sources": [{"grade": "B", "citation": "OHCHR report, May 2026"}],
                        },
                        "1.1": {"severity": "not_assessed"},
                    },
                },
                request_only=True,
            )
        ],
    ),
)
class AssessmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.AssessmentListSerializer
    filterset_class = AssessmentFilter
    ordering_fields = ["as_of", "updated_at", "created_at"]
    ordering = ["-as_of", "-pk"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Assessment]:
        return (
            permissions.visible_assessments(_user(self.request))
            .select_related("author", "reviewer")
            .defer(*LIST_DEFERRED)
            .order_by("-as_of", "-pk")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), **_context()}

    def _visible(self) -> Assessment:
        return permissions.get_assessment_for_user(_user(self.request), int(self.kwargs["pk"]))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assessment = _detail(self._visible().pk)
        return Response(s.AssessmentSerializer(assessment, context=_context()).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not kwargs.get("partial"):
            return self.http_method_not_allowed(request)
        assessment = self._visible()
        if not workflow.allowed(assessment, workflow.Action.EDIT, _user(request)):
            raise PermissionDenied(_("You may not edit this assessment now."))
        given = s.AssessmentSaveSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        ratings = _rating_inputs(data.get("ratings", {}))
        saved = workflow.save_assessment(
            assessment,
            by=_user(request),
            expected_version=data["lock_version"],
            as_of=data.get("as_of", assessment.as_of),
            posture=data.get("posture", assessment.posture),
            narrative=data.get("narrative", assessment.narrative),
            ratings=ratings,
        )
        return Response(s.AssessmentSerializer(_detail(saved.pk), context=_context()).data)

    @extend_schema(
        summary="Submit for review",
        description=(
            "The situation's assigned analysts. With recommendations still unanswered, send "
            "confirm_undecided: true (else 409 says how many). The escalation summary is then "
            "drafted in the background: poll the summary."
        ),
        request=s.SubmitSerializer,
        responses={200: s.AssessmentListSerializer},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def submit(self, request: Request, pk: str) -> Response:
        assessment = self._visible()
        given = s.SubmitSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        undecided = selectors.undecided_recommendations(assessment)
        if undecided and not given.validated_data["confirm_undecided"]:
            raise workflow.WorkflowError(
                _(
                    "%(count)d recommendations are not answered yet: answer them, or send "
                    "confirm_undecided to submit anyway."
                )
                % {"count": undecided}
            )
        submitted = workflow.submit_assessment(assessment, by=_user(request))
        return Response(s.AssessmentListSerializer(submitted, context=_context()).data)

    @extend_schema(
        summary="Answer recommendations",
        description=(
            "The situation's assigned analysts accept or dismiss recommended tools (by "
            "pillar-tool code); a dismissal needs a reason. All or none."
        ),
        request=s.AnswersSerializer,
        responses={200: s.AssessmentSerializer},
        examples=[
            OpenApiExample(
                "Two answers",
                value={
                    "answers": [
                        {"entry": "RF1-P1-example", "accepted": True, "reason": ""},
                        {"entry": "RF7-P3-example", "accepted": False, "reason": "Too early."},
                    ]
                },
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def recommendations(self, request: Request, pk: str) -> Response:
        assessment = self._visible()
        if not workflow.allowed(assessment, workflow.Action.RESPOND, _user(request)):
            raise PermissionDenied(_("You may not answer this assessment's recommendations now."))
        given = s.AnswersSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        answers = {
            a["entry"]: Answer(accepted=a["accepted"], reason=a["reason"])
            for a in given.validated_data["answers"]
        }
        workflow.respond_to_recommendations(assessment, by=_user(request), answers=answers)
        return Response(s.AssessmentSerializer(_detail(assessment.pk), context=_context()).data)

    @extend_schema(
        summary="Decide on the escalation",
        description=(
            "A reviewer who did not write or edit the assessment approves the escalation (at "
            "the proposed level, or another with a reason) or rejects it with a reason, which "
            "returns the assessment to its analysts. Send the content_hash of the summary you "
            "read: a stale one is refused (409). Approving over a dissent on this submission "
            "needs dissents_read. At a rung that needs two reviewers (reference data), the "
            "first decision is a first review (202) and the assessment awaits a second "
            "reviewer, whose decision concludes (201) and needs a reason where it differs."
        ),
        request=s.DecideSerializer,
        responses={201: s.DecisionSerializer, 202: s.FirstReviewSerializer},
        examples=[
            OpenApiExample(
                "Approve as proposed",
                value={
                    "approve": True,
                    "level": "alert_special_adviser",
                    "reason": "",
                    "content_hash": examples.HASH,
                },
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def decision(self, request: Request, pk: str) -> Response:
        assessment = self._visible()
        given = s.DecideSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        summary = selectors.current_summary(assessment)
        if summary is None or not summary.is_ready:
            raise workflow.WorkflowError(
                _("There is no ready escalation summary to decide on yet.")
            )
        data = given.validated_data
        decision = workflow.decide_escalation(
            summary,
            by=_user(request),
            approve=data["approve"],
            level=data["level"],
            reason=data["reason"],
            content_hash=data["content_hash"],
            dissents_read=data["dissents_read"],
        )
        if isinstance(decision, FirstReview):
            return Response(s.FirstReviewSerializer(decision).data, status=status.HTTP_202_ACCEPTED)
        return Response(s.DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The assessment's escalation summary",
        description=(
            "The summary of its current version (pending, drafting, ready or failed), or a "
            "ready one by ?revision=N. Its content is what the reviewer decides on; its hash "
            "binds the decision."
        ),
        parameters=[OpenApiParameter("revision", int, required=False)],
        responses={200: s.SummarySerializer},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def summary(self, request: Request, pk: str) -> Response:
        summary = _summary(self._visible(), request)
        return Response(s.SummarySerializer(summary, context=_context()).data)

    @extend_schema(
        summary="The summary as PDF",
        description="A ready summary (the latest, or ?revision=N) as PDF; ?lang= its language.",
        parameters=[
            OpenApiParameter("revision", int, required=False),
            OpenApiParameter("lang", str, required=False),
        ],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path="summary/pdf", filter_backends=[])
    def summary_pdf(self, request: Request, pk: str) -> HttpResponse:
        assessment = self._visible()
        summary = _summary(assessment, request, ready=True)
        asked = request.query_params.get("lang", "") or translation.get_language()
        if asked not in dict(settings.LANGUAGES):
            raise ValidationError({"lang": [_("The app does not speak this language.")]})
        pdf = summary_pdfs.summary_pdf(summary, asked)  # as stored, else rendered and stored
        response = HttpResponse(pdf, content_type="application/pdf")
        name = f"summary-{assessment.situation.code}-{assessment.as_of:%Y-%m-%d}"
        response["Content-Disposition"] = f'attachment; filename="{name}-v{summary.revision}.pdf"'
        return response

    @extend_schema(
        summary="The assessment's timeline",
        description="Every step of the assessment, oldest first, with who took it and why.",
        responses=s.TimelineEntrySerializer(many=True),
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def timeline(self, request: Request, pk: str) -> Response:
        assessment = self._visible()
        entries = assessment.transitions.select_related("actor").order_by("at", "pk")
        page = self.paginate_queryset(entries)
        shown = s.TimelineEntrySerializer(page, many=True, context=_context())
        return self.get_paginated_response(shown.data)


def _rating_inputs(given: dict[str, dict[str, Any]]) -> dict[int, RatingInput]:
    ids = dict(Indicator.objects.filter(code__in=given).values_list("code", "pk"))
    unknown = sorted(set(given) - set(ids))
    if unknown:
        raise ValidationError(
            {"ratings": [_("Unknown indicator: %(codes)s.") % {"codes": ", ".join(unknown)}]}
        )
    return {
        ids[code]: RatingInput(
            severity=rating["severity"],
            trend=rating["trend"],
            confidence=rating["confidence"],
            note=rating["note"],
            sources=tuple((src["grade"], src["citation"]) for src in rating["sources"]),
        )
        for code, rating in given.items()
    }


def _summary(assessment: Assessment, request: Request, *, ready: bool = False) -> EscalationSummary:
    revision = request.query_params.get("revision", "")
    if revision and not revision.isdigit():
        raise Http404
    if revision or ready:
        found = selectors.ready_summary(assessment, int(revision) if revision else None)
    else:
        found = selectors.current_summary(assessment) or (
            assessment.summaries.order_by("-revision").first()
        )
    if found is None:
        raise Http404
    return found


# Decisions, the review queue, the watch ----------------------------------------------------


class DecisionFilter(drf_filters.FilterSet):
    situation = IdFilter(field_name="summary__assessment__situation_id")
    approved = drf_filters.BooleanFilter()
    level = drf_filters.CharFilter()

    class Meta:
        model = EscalationDecision
        fields: list[str] = []


#: What ``DecisionSerializer`` and ``FirstReviewSerializer`` read, for ``only()``: their own
#: fields, the summary's revision, the assessment's situation and the usernames; not the
#: summaries' contents or the assessments' results (tens of kilobytes of JSON a row).
REVIEW_FIELDS = (
    "id",
    "approved",
    "proposed_level",
    "level",
    "reason",
    "content_hash",
    "decided_at",
    "summary__revision",
    "summary__assessment__situation_id",
    "reviewer__username",
    "author__username",
)
REVIEW_RELATED = ("summary__assessment", "reviewer", "author")


def _decisions(user: AuthUser) -> QuerySet[EscalationDecision]:
    """The decisions on the situations the user may see, with what the serializer shows.

    The first reviews come in a second query: joined too, they would make a dozen tables,
    past what PostgreSQL reorders, and an analyst's page would be joined over every decision.
    """
    first_reviews = FirstReview.objects.select_related(*REVIEW_RELATED).only(*REVIEW_FIELDS)
    decisions = EscalationDecision.objects.all()
    if not permissions.sees_all_situations(user):
        situations = permissions.visible_situations(user)
        decisions = decisions.filter(summary__assessment__situation__in=situations)
    return (
        decisions.select_related(*REVIEW_RELATED)
        .prefetch_related(Prefetch("first_review", queryset=first_reviews))
        .only(*REVIEW_FIELDS, "first_review")
        .order_by("-decided_at", "-pk")
    )


@extend_schema_view(
    list=extend_schema(
        summary="Escalation decisions",
        description="On the situations you may see, newest first.",
    ),
    retrieve=extend_schema(
        summary="One decision",
        description="With the content hash of the summary it was taken on; 404 if you may "
        "not see its situation.",
    ),
)
class DecisionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.DecisionSerializer
    filterset_class = DecisionFilter
    ordering_fields = ["decided_at"]

    def get_queryset(self) -> QuerySet[EscalationDecision]:
        return _decisions(_user(self.request))


@extend_schema_view(
    list=extend_schema(
        summary="The review queue",
        description=(
            "Reviewers only: assessments awaiting a decision, searched and sorted with the "
            "queue's parameters (q, sort)."
        ),
    )
)
class ReviewQueueViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.AssessmentListSerializer
    filterset_class = ReviewQueueFilter

    def get_queryset(self) -> QuerySet[Assessment]:
        if getattr(self, "swagger_fake_view", False):  # the schema asks for the model only
            return Assessment.objects.none()
        if not is_reviewer(_user(self.request)):
            raise PermissionDenied(_("Only reviewers see the review queue."))
        return selectors.review_queue().defer(*LIST_DEFERRED)


#: Rows per page of the watch's movers and overdue situations.
WATCH_API_PAGE_SIZE = 100


def _watch_page(page: Page[Any]) -> dict[str, int]:
    return {"number": page.number, "pages": page.paginator.num_pages, "count": page.paginator.count}


class WatchView(APIView):
    @extend_schema(
        summary="The watch's figures",
        description=(
            "Over the situations you may see: how many sit at each level (the top first), the "
            "movers between their last two approved assessments, the overdue ones, and where "
            "an external forecast disagrees with the analysts' level. The movers and the "
            f"overdue situations come {WATCH_API_PAGE_SIZE} to a page (movers_page, "
            "overdue_page; a page past the last gives the last)."
        ),
        parameters=[
            OpenApiParameter("movers_page", int, required=False),
            OpenApiParameter("overdue_page", int, required=False),
        ],
        responses=s.WatchSerializer,
    )
    def get(self, request: Request) -> Response:
        situations = permissions.visible_situations(_user(request))
        today = timezone.localdate()
        movers = Paginator(selectors.moving_situations(situations), WATCH_API_PAGE_SIZE).get_page(
            request.query_params.get("movers_page")
        )
        overdue = Paginator(
            selectors.overdue_rows(situations, today), WATCH_API_PAGE_SIZE
        ).get_page(request.query_params.get("overdue_page"))
        data = {
            "counts": selectors.watch_counts(situations),
            "movers": selectors.movers_of(movers.object_list),
            "movers_page": _watch_page(movers),
            "overdue": overdue.object_list,
            "overdue_page": _watch_page(overdue),
            "forecast_divergences": forecast_selectors.watch_panel(
                situations, today=today
            ).divergences,
        }
        return Response(s.WatchSerializer(data).data)


class MeView(APIView):
    @extend_schema(
        summary="Who you are",
        description="Your username, your roles, and the scope of the token you used (if any).",
        responses=s.MeSerializer,
    )
    def get(self, request: Request) -> Response:
        user = _user(request)
        roles = [
            name
            for name, has in (
                ("analyst", is_analyst(user)),
                ("reviewer", is_reviewer(user)),
                ("framework_admin", is_framework_admin(user)),
            )
            if has
        ]
        token = request.auth if isinstance(request.auth, ApiToken) else None
        data = {
            "username": user.get_username(),
            "roles": roles,
            "token_scope": token.scope if token else None,
        }
        return Response(s.MeSerializer(data).data)
