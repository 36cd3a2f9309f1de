"""The framework's reference data through the API: read by everyone signed in (active objects,
by code, with their translations); loaded from a reference data file by framework admins only,
through the same service as ``manage.py load_framework``."""

from typing import Any

from django.db import IntegrityError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import is_framework_admin
from api.errors import Conflict
from framework import selectors
from framework.dataset import DatasetError, validate_dataset
from framework.models import (
    Crime,
    Indicator,
    Pillar,
    PillarTool,
    Report,
    RiskFactor,
    RiskLevel,
    ToolMapping,
)
from framework.services import load_framework


class CrimeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Crime
        fields = ["code", "name", "legally_defined", "legal_basis", "summary", "translations"]


class RiskLevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskLevel
        fields = ["code", "name", "rank", "definition", "translations"]


class ReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = Report
        fields = ["code", "year", "title", "symbol", "translations"]


class EntrySerializer(serializers.ModelSerializer):
    tool = serializers.CharField(source="tool.code")
    tool_name = serializers.CharField(source="tool.name")
    coercive = serializers.BooleanField(source="tool.coercive")
    last_resort = serializers.BooleanField(source="tool.last_resort")

    class Meta:
        model = PillarTool
        fields = [
            "code",
            "tool",
            "tool_name",
            "description",
            "coercive",
            "last_resort",
            "translations",
        ]


class PillarSerializer(serializers.ModelSerializer):
    tools = EntrySerializer(many=True, source="active_entries")
    reports: serializers.Field = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )

    class Meta:
        model = Pillar
        fields = ["code", "number", "title", "summary", "tools", "reports", "translations"]


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["code", "label", "source_confidence", "translations"]


class FactorSerializer(serializers.ModelSerializer):
    indicators = IndicatorSerializer(many=True, source="active_indicators")
    crimes: serializers.Field = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )

    class Meta:
        model = RiskFactor
        fields = [
            "code",
            "number",
            "title",
            "summary",
            "kind",
            "is_conduct",
            "crimes",
            "indicators",
            "translations",
        ]


class MappingSerializer(serializers.ModelSerializer):
    factor = serializers.IntegerField(source="factor.number")
    indicator = serializers.CharField(source="indicator.code", allow_null=True)
    entry = serializers.CharField(source="entry.code")

    class Meta:
        model = ToolMapping
        fields = ["code", "factor", "indicator", "entry", "strength", "rationale"]


class _Reference(viewsets.ReadOnlyModelViewSet):
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"
    filter_backends: list[Any] = []


def _read(kind: str) -> Any:
    return extend_schema_view(
        list=extend_schema(
            summary=f"The framework's {kind}",
            description="The active ones, with their translations (official or working).",
        ),
        retrieve=extend_schema(
            summary=f"One of the framework's {kind}, by code",
            description="An active one; a retired or unknown code is 404.",
        ),
    )


@_read("crimes")
class CrimeViewSet(_Reference):
    serializer_class = CrimeSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[Crime]:
        return Crime.objects.active().order_by("order", "code")


@_read("risk levels")
class RiskLevelViewSet(_Reference):
    serializer_class = RiskLevelSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[RiskLevel]:
        return selectors.risk_levels()


@_read("Secretary-General's reports")
class ReportViewSet(_Reference):
    serializer_class = ReportSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[Report]:
        return selectors.reports()


@_read("pillars, with their tools")
class PillarViewSet(_Reference):
    serializer_class = PillarSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[Pillar]:
        return selectors.pillars_with_tools().order_by("number")


@_read("risk factors, with their indicators")
class FactorViewSet(_Reference):
    serializer_class = FactorSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[RiskFactor]:
        indicators = Indicator.objects.active().order_by("order", "code")
        return (
            RiskFactor.objects.active()
            .prefetch_related(
                Prefetch("indicators", queryset=indicators, to_attr="active_indicators"), "crimes"
            )
            .order_by("number")
        )


@_read("factor-to-tool mappings")
class MappingViewSet(_Reference):
    serializer_class = MappingSerializer

    def get_queryset(self) -> QuerySet[ToolMapping]:
        # The model's order and the code: a page boundary between mappings of the same factor
        # and tool then falls in the same place on every request.
        return (
            ToolMapping.objects.active()
            .select_related("factor", "indicator", "entry")
            .order_by("factor__number", "entry__pillar__number", "entry__order", "code")
        )


class LoadReportSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    lines = serializers.ListField(child=serializers.CharField())


class LoadView(APIView):
    """Framework admins load a reference data file: one transaction, upsert by code."""

    @extend_schema(
        summary="Load reference data",
        description=(
            "Framework admins only. The body is a reference data file (the format of "
            "framework/data/r2p_framework.json). One transaction, upsert by code: a file "
            "with any problem changes nothing and every problem is listed (400); one that "
            "conflicts with the stored data (an existing number under a new code) is 409."
        ),
        request=OpenApiTypes.OBJECT,
        responses={200: LoadReportSerializer},
        examples=[
            OpenApiExample(
                "The bundled file", value={"format_version": "1.1", "...": "..."}, request_only=True
            )
        ],
    )
    def post(self, request: Request) -> Response:
        if not is_framework_admin(request.user):
            raise PermissionDenied(_("Only framework admins load reference data."))
        try:
            dataset = validate_dataset(request.data, "request")
        except DatasetError as exc:
            raise ValidationError({"dataset": exc.problems}) from exc
        try:
            report = load_framework(dataset)
        except IntegrityError as exc:
            raise Conflict(
                _(
                    "The file conflicts with the stored reference data; nothing was loaded. "
                    "Codes identify objects: an existing number or name under a new code is "
                    "refused."
                )
            ) from exc
        data = {
            "created": report.total("created"),
            "updated": report.total("updated"),
            "unchanged": report.total("unchanged"),
            "lines": report.lines(),
        }
        return Response(LoadReportSerializer(data).data)
