"""Reading forecasts: the latest release of each source at its current period, a situation's
forecasts beside its level, and the divergences among the situations a user may see."""

from datetime import date

import pytest

from assessments.models import Assessment
from assessments.permissions import visible_situations
from forecasts import selectors
from forecasts.divergence import Basis, Rule
from forecasts.services import import_forecasts
from tests.assessments.builders import CRISIS, build_assessment, build_situation
from tests.forecasts.builders import ewp_release, filler_countries, views_release

pytestmark = pytest.mark.django_db

LOW = {"1.1": "low"}
TODAY = date(2025, 11, 20)


def views_months(months: dict[str, dict[str, float]], *, issued=date(2025, 10, 1), model="m"):
    lines = ["country,month,predicted_fatalities"]
    for month, values in months.items():
        lines += [f"{country},{month},{value}" for country, value in values.items()]
    result = import_forecasts("\n".join(lines), source="views", model=model, issued=issued)
    assert result.ok, result.errors
    return result.release


# The current forecast of each source -------------------------------------------------------


def test_the_latest_release_of_each_source_is_the_last_issued_not_the_last_imported():
    newest = ewp_release({"SD": 1}, issued=date(2025, 6, 1), model="SRA 2025")
    ewp_release({"SD": 9}, issued=date(2024, 6, 1), model="SRA 2024")  # imported later
    views = views_release({"SD": 10.0})

    assert set(selectors.latest_releases()) == {newest, views}
    forecasts = selectors.current_forecasts(TODAY)
    assert [f.release for f in forecasts] == [newest, views]  # EWP first, then VIEWS
    assert forecasts[0].rank_of("SD") == 1


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2025, 1, 1), date(2025, 10, 1)),  # before the release: its first month
        (date(2025, 11, 20), date(2025, 12, 1)),  # the first month not yet over
        (date(2025, 12, 31), date(2025, 12, 1)),
        (date(2026, 6, 1), date(2026, 3, 1)),  # every month past: the last one
    ],
)
def test_a_monthly_forecast_is_read_at_its_first_month_not_yet_over(today, expected):
    views_months(
        {
            "2025-10": {"SD": 1.0, "MM": 2.0},
            "2025-12": {"SD": 3.0, "MM": 1.0},
            "2026-03": {"SD": 5.0},
        }
    )

    (forecast,) = selectors.current_forecasts(today)

    assert forecast.period == expected
    assert forecast.period_label == f"{expected:%Y-%m}"
    assert set(forecast.rows) == {
        row.country for row in forecast.release.rows.filter(period=expected)
    }


def test_a_yearly_forecast_is_read_at_this_year_else_its_last():
    text = "country,year,probability\nSD,2024,0.1\nSD,2025,0.2\nMM,2025,0.3\n"
    import_forecasts(text, source="ewp", model="SRA", issued=date(2024, 12, 1))

    (this_year,) = selectors.current_forecasts(date(2025, 11, 20))
    (later,) = selectors.current_forecasts(date(2027, 1, 1))

    assert (this_year.period, this_year.period_label) == (date(2025, 1, 1), "2025")
    assert this_year.ranking.ranks == {"MM": 1, "SD": 2}
    assert this_year.ranking.basis == Basis.PROBABILITY
    assert later.period == date(2025, 1, 1)


def test_no_release_no_forecast():
    assert selectors.current_forecasts(TODAY) == []


# A situation beside its forecasts ----------------------------------------------------------


def test_the_current_level_is_the_latest_approved_else_the_latest():
    approved = Assessment(status="approved", overall_level="current_crisis")
    draft = Assessment(status="draft", overall_level="low")

    assert selectors.current_level([draft, approved]) == ("current_crisis", True)
    assert selectors.current_level([draft]) == ("low", False)
    assert selectors.current_level([]) == (None, False)


def test_a_situation_rated_low_in_the_top_30_is_flagged_on_its_panel(analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst], country="SD")
    build_assessment(situation, by=analyst, ratings=LOW, status="approved", reviewer=reviewer)
    ewp_release({"SD": 4, "MM": 1})
    views_release({"SD": 1.0, **{c: 100.0 + n for n, c in enumerate(filler_countries(40))}})

    panel = selectors.situation_panel(situation, list(situation.assessments.all()), today=TODAY)

    assert (panel.level, panel.approved) == ("low", True)
    ewp, views = panel.contexts
    assert (ewp.release.source, ewp.rank, ewp.row.probability) == ("ewp", 4, 0.2)
    assert ewp.divergence.rule == Rule.FORECAST_HIGH_ANALYSTS_LOW
    assert ewp.probability_percent == pytest.approx(20.0)
    # 40 countries predicted more fatalities: Sudan ranks 41st, outside the top 30.
    assert (views.release.source, views.rank, views.divergence) == ("views", 41, None)
    assert panel.flagged


def test_a_country_the_forecast_does_not_cover_has_no_figure_and_no_flag(analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst], country="NO")
    build_assessment(situation, by=analyst, ratings=LOW, status="approved", reviewer=reviewer)
    ewp_release({"SD": 1})

    panel = selectors.situation_panel(situation, list(situation.assessments.all()), today=TODAY)

    (context,) = panel.contexts
    assert (context.row, context.rank, context.divergence) == (None, None, None)
    assert not panel.flagged


def test_without_forecasts_the_panel_is_empty(analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst])

    panel = selectors.situation_panel(situation, [], today=TODAY)

    assert panel.contexts == [] and panel.level is None and not panel.flagged


# The divergences on the watch --------------------------------------------------------------


def test_the_divergences_are_those_of_the_situations_given_forecast_higher_first(
    analyst, other_analyst, reviewer, settings
):
    settings.FORECAST_TOP_RANK, settings.FORECAST_LOW_RANK = 2, 3
    low_in_top = build_situation(by=reviewer, analysts=[analyst], country="SD", name="Low SD")
    build_assessment(low_in_top, by=analyst, ratings=LOW)  # a draft counts, unapproved
    crisis_ranked_low = build_situation(
        by=reviewer, analysts=[analyst], country="NE", name="Crisis NE"
    )
    build_assessment(
        crisis_ranked_low, by=analyst, ratings=CRISIS, status="approved", reviewer=reviewer
    )
    not_assessed = build_situation(by=reviewer, analysts=[analyst], country="MM")
    hidden = build_situation(by=reviewer, analysts=[other_analyst], country="SD", name="Hidden")
    build_assessment(hidden, by=other_analyst, ratings=LOW)
    ewp_release({"SD": 1, "MM": 2, "ML": 3, "NE": 4})

    found = selectors.divergences(visible_situations(analyst), selectors.current_forecasts(TODAY))

    assert [(d.situation_name, d.level, d.approved, d.divergence.rule) for d in found] == [
        ("Low SD", "low", False, Rule.FORECAST_HIGH_ANALYSTS_LOW),
        ("Crisis NE", "current_crisis", True, Rule.FORECAST_LOW_ANALYSTS_HIGH),
    ]
    assert not_assessed.pk not in {d.situation_id for d in found}
    everyone = selectors.divergences(
        visible_situations(reviewer), selectors.current_forecasts(TODAY)
    )
    assert {d.situation_name for d in everyone} == {"Low SD", "Crisis NE", "Hidden"}


def test_no_forecast_no_divergence_and_no_query_for_levels(
    analyst, reviewer, django_assert_num_queries
):
    situation = build_situation(by=reviewer, analysts=[analyst], country="SD")
    build_assessment(situation, by=analyst, ratings=LOW)

    with django_assert_num_queries(1):
        panel = selectors.watch_panel(visible_situations(reviewer), today=TODAY)

    assert panel.forecasts == [] and panel.divergences == []
