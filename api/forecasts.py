"""External forecasts through the API: the releases imported, a situation's forecasts beside
its level with any divergence, and importing a release (framework admins, through the same
service as ``manage.py import_forecasts``). Forecasts are context: they never change a level.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import is_framework_admin
from api.forecast_serializers import (
    ImportSerializer,
    ReleaseDetailSerializer,
    ReleaseSerializer,
    SituationForecastsSerializer,
)
from assessments import permissions
from forecasts import selectors, services
from forecasts.models import ForecastRelease


@extend_schema_view(
    list=extend_schema(
        summary="Forecast releases",
        description=(
            "Every release of the Early Warning Project's statistical risk assessment (ewp) "
            "and of VIEWS (views) imported, newest first. Forecasts are context beside the "
            "analysts' levels; they never change them."
        ),
    ),
    retrieve=extend_schema(
        summary="One forecast release, with its rows",
        description="Each country's figures for each period of the release.",
        responses=ReleaseDetailSerializer,
    ),
    create=extend_schema(
        summary="Import a forecast release",
        description=(
            "Framework admins. The CSV is checked whole: any bad row refuses the file, every "
            "problem is listed by line (400, errors.csv), and nothing is stored. A release of "
            "the same source, model and date is refused too."
        ),
        request=ImportSerializer,
        responses={201: ReleaseSerializer},
        examples=[
            OpenApiExample(
                "An EWP release",
                value={
                    "source": "ewp",
                    "model": "SRA 2025",
                    "issued": "2025-11-01",
                    "csv": "country,year,probability,rank\nSD,2026,0.31,1\nMM,2026,0.22,2\n",
                },
                request_only=True,
            )
        ],
    ),
)
class ReleaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ReleaseSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[ForecastRelease]:
        return ForecastRelease.objects.select_related("imported_by")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        release = self.get_object()
        return Response(ReleaseDetailSerializer(release).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not is_framework_admin(request.user):
            raise PermissionDenied(_("Only framework admins import forecasts."))
        given = ImportSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        result = services.import_forecasts(
            data["csv"],
            source=data["source"],
            model=data["model"],
            issued=data["issued"],
            by=request.user,
            file_name=data["file_name"] or "api.csv",
            notes=data["notes"],
        )
        if result.release is None:
            raise ValidationError({"csv": result.errors})
        return Response(ReleaseSerializer(result.release).data, status=status.HTTP_201_CREATED)


class SituationForecastsView(APIView):
    @extend_schema(
        summary="A situation's external forecasts",
        description=(
            "The current forecast of each source for the situation's country, beside the "
            "analysts' level, with a divergence where they disagree (the country in the "
            "forecast's top ranks while the analysts rate it low, or the analysts' level at "
            "the top while the forecast ranks it low). 404 if you may not see the situation."
        ),
        responses=SituationForecastsSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        situation = permissions.get_situation_for_user(request.user, pk)
        assessments = list(situation.assessments.only("status", "overall_level"))
        panel = selectors.situation_panel(situation, assessments)
        return Response(SituationForecastsSerializer(panel).data)
