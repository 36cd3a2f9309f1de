"""The demo seeds a fictional forecast once, so that the watch shows both kinds of divergence."""

from io import StringIO

import pytest
from django.core.management import call_command

from assessments.models import Situation
from forecasts import selectors
from forecasts.divergence import Rule
from forecasts.models import CountryForecast, ForecastRelease

pytestmark = pytest.mark.django_db


def test_the_demo_imports_its_fictional_forecast_once_and_the_watch_flags_two_situations(jobs):
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())

    release = ForecastRelease.objects.get()
    assert release.model == "Demo (fictional figures)"
    assert "Fictional" in release.notes
    assert CountryForecast.objects.count() == 6
    panel = selectors.watch_panel(Situation.objects.all())
    assert [(d.situation_name, d.divergence.rule) for d in panel.divergences] == [
        ("Highlands (demo)", Rule.FORECAST_HIGH_ANALYSTS_LOW),
        ("Coastal Districts (demo)", Rule.FORECAST_LOW_ANALYSTS_HIGH),
    ]
