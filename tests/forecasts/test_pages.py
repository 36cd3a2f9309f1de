"""The forecasts on the situation page and on the watch: labelled with their source, model,
date and period, flagged where they diverge from the analysts, never changing a level, shown
only for situations the user may see, at a fixed number of queries."""

import html
from datetime import date, timedelta

import pytest
from django.urls import reverse

from assessments import selectors as assessment_selectors
from assessments.models import Assessment, Situation
from forecasts.models import ForecastRelease
from forecasts.services import delete_release, import_forecasts
from tests.assessments.builders import CRISIS, build_assessment, build_situation
from tests.assessments.test_queries import SITUATION_DETAIL_QUERIES, many_situations
from tests.assessments.test_watch import WATCH_QUERIES
from tests.forecasts.builders import ewp_release, filler_countries, import_data_file

pytestmark = pytest.mark.django_db

LOW = {"1.1": "low"}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def text_of(response) -> str:
    return " ".join(html.unescape(response.content.decode()).split())


def situation_page(client, situation):
    return client.get(reverse("assessments:situation", kwargs={"pk": situation.pk}))


# The situation page ------------------------------------------------------------------------


def test_the_situation_page_shows_each_forecast_with_source_model_date_and_period(
    client, analyst, reviewer
):
    situation = build_situation(by=reviewer, analysts=[analyst], country="SD")
    build_assessment(situation, by=analyst, ratings=LOW, status="approved", reviewer=reviewer)
    assert import_data_file("ewp_good.csv", "ewp", model="SRA 2025").ok
    assert import_data_file(
        "views_good.csv", "views", model="fatalities003", issued=date(2025, 10, 28)
    ).ok
    client.force_login(analyst)

    response = situation_page(client, situation)

    assert response.status_code == 200
    page = text_of(response)
    assert "External forecasts" in page
    assert "They never change it." in page
    assert "Early Warning Project statistical risk assessment" in page
    assert "model SRA 2025, issued 2025-11-01" in page
    assert "probability 24.1%" in page
    assert "rank given by the source" in page
    assert "VIEWS country-month forecast" in page
    assert "model fatalities003, issued 2025-10-28" in page
    assert "predicted fatalities 1400" in page  # 2025-12, the last month: both are past
    assert "countries ranked here by predicted fatalities" in page
    # Sudan is first in both, rated low by the analysts: both forecasts diverge.
    assert page.count("Divergence: forecast higher than the analysts") == 2
    assert (
        "The forecast ranks the country at 1, within its top 30, while the analysts' level "
        "is low." in page
    )
    assert "1 of 4" in page  # VIEWS 2025-12: Sudan first of its 4 countries by fatalities


def test_a_situation_the_forecasts_agree_with_or_do_not_cover_is_not_flagged(
    client, analyst, reviewer
):
    covered = build_situation(by=reviewer, analysts=[analyst], country="SD")
    crisis = build_assessment(
        covered, by=analyst, ratings=CRISIS, status="approved", reviewer=reviewer
    )
    uncovered = build_situation(by=reviewer, analysts=[analyst], country="FR")
    ewp_release({"SD": 1})
    client.force_login(analyst)

    covered_page = text_of(situation_page(client, covered))
    uncovered_page = text_of(situation_page(client, uncovered))

    assert crisis.overall_level == "current_crisis"
    assert "No divergence." in covered_page and "Divergence:" not in covered_page
    assert "The forecast does not cover this country." in uncovered_page
    assert "Not compared: the forecast does not rank this country." in uncovered_page


def test_without_forecasts_the_situation_page_says_none_was_imported(client, analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst])
    client.force_login(analyst)

    page = text_of(situation_page(client, situation))

    assert "No external forecast has been imported yet." in page


# The watch ---------------------------------------------------------------------------------


@pytest.fixture
def diverging(analyst, other_analyst, reviewer):
    """Two situations in the top of the EWP ranking rated low, one per analyst; a crisis the
    forecast ranks low, assigned to ``analyst``."""
    mine = build_situation(by=reviewer, analysts=[analyst], country="SD", name="Mine (SD)")
    build_assessment(mine, by=analyst, ratings=LOW, status="approved", reviewer=reviewer)
    theirs = build_situation(
        by=reviewer, analysts=[other_analyst], country="MM", name="Theirs (MM)"
    )
    build_assessment(theirs, by=other_analyst, ratings=LOW, status="approved", reviewer=reviewer)
    crisis = build_situation(by=reviewer, analysts=[analyst], country="NO", name="Crisis (NO)")
    build_assessment(crisis, by=analyst, ratings=CRISIS, status="approved", reviewer=reviewer)
    assert import_data_file("ewp_good.csv", "ewp", model="SRA 2025").ok
    return {"mine": mine, "theirs": theirs, "crisis": crisis}


def test_the_watch_lists_the_divergences_of_the_situations_the_user_may_see_only(
    client, analyst, diverging
):
    client.force_login(analyst)

    response = client.get(reverse("home"))

    rows = response.context["forecasts"].divergences
    assert [(row.situation_name, row.divergence.rule) for row in rows] == [
        ("Mine (SD)", "forecast_high_analysts_low"),
        ("Crisis (NO)", "forecast_low_analysts_high"),
    ]
    page = text_of(response)
    assert "Forecasts and the analysts" in page
    assert "Mine (SD)" in page and "Crisis (NO)" in page
    assert "Theirs (MM)" not in page
    assert (
        "Early Warning Project statistical risk assessment, model SRA 2025, issued 2025-11-01: "
        "period 2025" in page
    )
    # Norway is the source's 160th: the source's own rank stands, of however many countries.
    assert (
        "The analysts' level is current crisis while the forecast ranks the country at 160, "
        "below rank 100." in page
    )
    raw = response.content.decode()
    # Each row of the table names its forecast's source, model and date.
    assert raw.count("model SRA 2025, issued 2025-11-01</span>") == 2
    link = reverse("assessments:situation", kwargs={"pk": diverging["mine"].pk})
    assert f'href="{link}#external-forecasts"' in raw


def test_an_unassigned_analyst_sees_no_other_situations_divergence(
    client, other_analyst, diverging
):
    client.force_login(other_analyst)

    response = client.get(reverse("home"))

    names = [row.situation_name for row in response.context["forecasts"].divergences]
    assert names == ["Theirs (MM)"]
    page = text_of(response)
    assert "Mine (SD)" not in page and "Crisis (NO)" not in page


def test_a_reviewer_sees_every_divergence(client, reviewer, diverging):
    client.force_login(reviewer)

    response = client.get(reverse("home"))

    names = {row.situation_name for row in response.context["forecasts"].divergences}
    assert names == {"Mine (SD)", "Theirs (MM)", "Crisis (NO)"}


def test_the_watch_without_forecasts_says_none_was_imported(client, analyst):
    client.force_login(analyst)

    page = text_of(client.get(reverse("home")))

    assert "Forecasts and the analysts" in page
    assert "No external forecast has been imported yet." in page


def test_the_watch_with_forecasts_but_no_divergence_says_so(client, analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst], country="SD")
    build_assessment(situation, by=analyst, ratings=CRISIS, status="approved", reviewer=reviewer)
    ewp_release({"SD": 1})
    client.force_login(analyst)

    page = text_of(client.get(reverse("home")))

    assert "No divergence among the situations you may see." in page


# Forecasts are context ---------------------------------------------------------------------


def levels_everywhere():
    situations = Situation.objects.all()
    return (
        list(Assessment.objects.order_by("pk").values_list("pk", "overall_level", "result")),
        list(
            assessment_selectors.situation_table(situations)
            .order_by("pk")
            .values_list("pk", "level")
        ),
        [(c.level, c.count) for c in assessment_selectors.watch_counts(situations)],
    )


def test_importing_or_deleting_a_forecast_never_changes_a_level(client, reviewer, diverging):
    before = levels_everywhere()
    assert import_data_file("views_good.csv", "views", model="fatalities003").ok
    client.force_login(reviewer)
    client.get(reverse("home"))
    for situation in diverging.values():
        situation_page(client, situation)

    after_import = levels_everywhere()
    for release in ForecastRelease.objects.all():
        delete_release(release, by=reviewer)

    assert after_import == before
    assert levels_everywhere() == before


# Queries -----------------------------------------------------------------------------------


def every_country_forecast():
    """An EWP ranking of every country, and a VIEWS forecast of 36 months of every country."""
    codes = filler_countries(250)
    ewp_release({code: rank for rank, code in enumerate(codes, start=1)})
    lines = ["country,month,predicted_fatalities,probability"]
    lines += [
        f"{code},{2024 + (m + 11) // 12}-{(m + 11) % 12 + 1:02d},{n * 1.5},{1 / (n + 2):.4f}"
        for m in range(36)
        for n, code in enumerate(codes)
    ]
    result = import_forecasts(
        "\n".join(lines), source="views", model="fatalities003", issued=date(2024, 12, 1)
    )
    assert result.ok, result.errors[:3]
    return result.release


@pytest.mark.parametrize("count", [10, 200])
@pytest.mark.parametrize("cast", ["analyst", "reviewer"])
def test_the_watch_with_forecasts_runs_one_query_more_whatever_the_rows(
    client, django_assert_max_num_queries, analyst, other_analyst, reviewer, request, count, cast
):
    many_situations(count, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
    every_country_forecast()
    client.force_login(request.getfixturevalue(cast))
    client.get(reverse("home"))

    with django_assert_max_num_queries(WATCH_QUERIES + 1):
        response = client.get(reverse("home"))

    assert response.status_code == 200
    assert len(response.context["forecasts"].forecasts) == 2
    assert response.context["forecasts"].divergences  # low-rated situations in the top 30


@pytest.mark.parametrize("count", [10, 200])
def test_the_situation_page_with_forecasts_runs_no_more_queries(
    client, django_assert_max_num_queries, analyst, reviewer, count
):
    situation = build_situation(by=reviewer, analysts=[analyst], country="SD")
    Assessment.objects.bulk_create(
        Assessment(
            situation=situation,
            author=analyst,
            as_of=date(2025, 1, 1) + timedelta(days=n),
            posture="unwilling",
            overall_level="low",
        )
        for n in range(count)
    )
    every_country_forecast()
    client.force_login(analyst)
    situation_page(client, situation)

    with django_assert_max_num_queries(SITUATION_DETAIL_QUERIES):
        response = situation_page(client, situation)

    assert len(response.context["forecasts"].contexts) == 2
