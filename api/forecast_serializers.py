"""The shapes of the external forecasts in the API (api/forecasts.py serves them)."""

from typing import Any

from rest_framework import serializers

from forecasts.models import CountryForecast, ForecastRelease, Source
from forecasts.selectors import CountryContext

#: The largest file the API takes, as text (the service bounds its rows too).
MAX_CSV_CHARACTERS = 2_000_000


class CountryForecastSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code")

    class Meta:
        model = CountryForecast
        fields = ["country", "period", "probability", "rank", "predicted_fatalities"]


class ReleaseSerializer(serializers.ModelSerializer):
    imported_by = serializers.SerializerMethodField()

    class Meta:
        model = ForecastRelease
        fields = [
            "id",
            "source",
            "model",
            "issued",
            "imported_by",
            "imported_at",
            "file_name",
            "row_count",
            "notes",
        ]
        read_only_fields = fields

    def get_imported_by(self, release: ForecastRelease) -> str | None:
        user = release.imported_by
        return user.get_username() if user is not None else None


class ReleaseDetailSerializer(ReleaseSerializer):
    rows = CountryForecastSerializer(many=True, read_only=True)

    class Meta(ReleaseSerializer.Meta):
        fields = [*ReleaseSerializer.Meta.fields, "rows"]
        read_only_fields = fields


class ImportSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=Source.choices)  # type: ignore[assignment]
    model = serializers.CharField(max_length=100, help_text="E.g. “SRA 2025”, “fatalities003”.")
    issued = serializers.DateField(help_text="When the source published it.")
    notes = serializers.CharField(max_length=2000, allow_blank=True, default="")
    file_name = serializers.CharField(max_length=255, allow_blank=True, default="")
    csv = serializers.CharField(
        max_length=MAX_CSV_CHARACTERS,
        trim_whitespace=False,
        help_text=(
            "The file's text. EWP: country,year,probability,rank. VIEWS: country,month,"
            "predicted_fatalities,probability (month as YYYY-MM)."
        ),
    )


class DivergenceSerializer(serializers.Serializer):
    rule = serializers.CharField()
    rank = serializers.IntegerField()
    threshold = serializers.IntegerField()
    reason = serializers.CharField()


class ContextSerializer(serializers.Serializer):
    """One source's current forecast for a country."""

    source = serializers.CharField(source="release.source")  # type: ignore[assignment]
    model = serializers.CharField(source="release.model")
    issued = serializers.DateField(source="release.issued")
    release = serializers.IntegerField(source="release.pk")
    period = serializers.DateField(source="forecast.period")
    covered = serializers.SerializerMethodField()
    probability = serializers.FloatField(source="row.probability", allow_null=True, default=None)
    predicted_fatalities = serializers.FloatField(
        source="row.predicted_fatalities", allow_null=True, default=None
    )
    rank = serializers.IntegerField(allow_null=True, help_text="1 = the highest risk.")
    divergence = serializers.SerializerMethodField()

    def get_covered(self, context: CountryContext) -> bool:
        return context.row is not None

    def get_divergence(self, context: CountryContext) -> dict[str, Any] | None:
        found = context.divergence
        if found is None:
            return None
        return {
            "rule": str(found.rule),
            "rank": found.rank,
            "threshold": found.threshold,
            "reason": found.reason(),
        }


class SituationForecastsSerializer(serializers.Serializer):
    level = serializers.CharField(allow_null=True, help_text="The analysts' level.")
    level_approved = serializers.BooleanField(source="approved")
    top_rank = serializers.IntegerField()
    low_rank = serializers.IntegerField()
    forecasts = ContextSerializer(many=True, source="contexts")


class WatchDivergenceSerializer(serializers.Serializer):
    situation = serializers.IntegerField(source="situation_id")
    situation_name = serializers.CharField()
    country = serializers.CharField()
    level = serializers.CharField()
    level_approved = serializers.BooleanField(source="approved")
    forecast = ContextSerializer(source="context")
