"""External statistical forecasts, imported as releases: context beside the analysts' levels.

A release is one imported file of one source (the Early Warning Project's statistical risk
assessment, or a VIEWS country-month forecast), with its model and the date its source issued
it. Its rows give, per country and period, a probability, a rank and/or predicted fatalities.
Nothing here refers to a situation or an assessment: a forecast never changes a level.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class Source(models.TextChoices):
    EWP = "ewp", _("Early Warning Project statistical risk assessment")
    VIEWS = "views", _("VIEWS country-month forecast")


class Granularity(models.TextChoices):
    YEAR = "year", _("year")
    MONTH = "month", _("month")


#: The period a row of each source stands for: EWP forecasts a year, VIEWS a month.
GRANULARITY: dict[str, str] = {Source.EWP: Granularity.YEAR, Source.VIEWS: Granularity.MONTH}


def period_label(period: date, source: str) -> str:
    """A period as its source names it: ``2025`` (a year) or ``2025-11`` (a month)."""
    if GRANULARITY.get(source) == Granularity.YEAR:
        return f"{period:%Y}"
    return f"{period:%Y-%m}"


class ForecastRelease(models.Model):
    Source = Source

    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    model = models.CharField(
        _("model"),
        max_length=100,
        help_text=_("The source's model and version, e.g. “SRA 2025” or “fatalities003”."),
    )
    issued = models.DateField(_("issued"), help_text=_("When the source published it."))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    notes = models.TextField(_("notes"), blank=True, max_length=2000)

    class Meta:
        ordering = ["-issued", "-imported_at", "-pk"]
        verbose_name = _("forecast release")
        verbose_name_plural = _("forecast releases")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "model", "issued"], name="forecast_release_unique"
            ),
            models.CheckConstraint(
                condition=Q(source__in=Source.values), name="forecast_release_source_valid"
            ),
            models.CheckConstraint(condition=~Q(model=""), name="forecast_release_has_model"),
        ]
        indexes = [models.Index(fields=["source", "-issued"], name="forecast_release_latest")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} · {self.model} · {self.issued:%Y-%m-%d}"

    @property
    def granularity(self) -> str:
        return GRANULARITY[self.source]


class CountryForecast(models.Model):
    """One country in one period of a release. ``period`` is the first day of the period: of
    the year for EWP, of the month for VIEWS. ``rank`` is the source's own (1 = highest risk);
    the comparison with the analysts ranks countries itself where the source gives none."""

    release = models.ForeignKey(
        ForecastRelease,
        on_delete=models.CASCADE,
        related_name="rows",
        verbose_name=_("release"),
    )
    country = CountryField(_("country"))
    period = models.DateField(_("period"))
    probability = models.FloatField(_("probability"), null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    predicted_fatalities = models.FloatField(_("predicted fatalities"), null=True, blank=True)

    class Meta:
        ordering = ["release", "period", "rank", "country"]
        verbose_name = _("country forecast")
        verbose_name_plural = _("country forecasts")
        constraints = [
            models.UniqueConstraint(
                fields=["release", "country", "period"], name="country_forecast_unique_period"
            ),
            models.CheckConstraint(
                condition=Q(probability__isnull=True) | Q(probability__gte=0, probability__lte=1),
                name="country_forecast_probability_0_1",
            ),
            models.CheckConstraint(
                condition=Q(rank__isnull=True) | Q(rank__gte=1),
                name="country_forecast_rank_positive",
            ),
            models.CheckConstraint(
                condition=Q(predicted_fatalities__isnull=True) | Q(predicted_fatalities__gte=0),
                name="country_forecast_fatalities_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(probability__isnull=False) | Q(predicted_fatalities__isnull=False),
                name="country_forecast_has_a_figure",
            ),
        ]
        indexes = [models.Index(fields=["release", "period"], name="country_forecast_period")]

    def __str__(self) -> str:
        return f"{self.country} {self.period:%Y-%m}"
