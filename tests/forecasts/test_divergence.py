"""The comparison rules, pure: how countries are ranked and when a forecast and the analysts'
level diverge (FORECAST_TOP_RANK 30, FORECAST_LOW_RANK 100 unless said)."""

import pytest

from forecasts.divergence import (
    Basis,
    Divergence,
    Figure,
    Rule,
    divergence,
    rank_countries,
)

TOP, LOW = 30, 100


def flag(level, rank):
    return divergence(level, rank, top_rank=TOP, low_rank=LOW)


# Ranking -----------------------------------------------------------------------------------


def test_the_sources_own_rank_is_used_when_every_row_has_one():
    ranking = rank_countries(
        [Figure("SD", probability=0.1, rank=2), Figure("MM", probability=0.3, rank=1)]
    )

    assert ranking.ranks == {"SD": 2, "MM": 1}
    assert ranking.basis == Basis.SOURCE
    assert ranking.count == 2
    assert ranking.out_of is None  # the source may rank more countries than its file holds


def test_without_ranks_countries_are_ranked_by_predicted_fatalities_highest_first_ties_shared():
    ranking = rank_countries(
        [
            Figure("NE", predicted_fatalities=12.0, probability=0.9),
            Figure("SD", predicted_fatalities=1520.5),
            Figure("MM", predicted_fatalities=310.2),
            Figure("ML", predicted_fatalities=310.2),
            Figure("BF", predicted_fatalities=0.0),
            Figure("TD", probability=0.99),  # no fatalities: not ranked by them
        ]
    )

    assert ranking.basis == Basis.PREDICTED_FATALITIES
    assert ranking.ranks == {"SD": 1, "ML": 2, "MM": 2, "NE": 4, "BF": 5}


def test_without_ranks_or_fatalities_countries_are_ranked_by_probability():
    ranking = rank_countries(
        [Figure("SD", probability=0.2), Figure("MM", probability=0.7), Figure("TD", 0.2)]
    )

    assert ranking.basis == Basis.PROBABILITY
    assert ranking.ranks == {"MM": 1, "SD": 2, "TD": 2}
    assert ranking.out_of == 3


def test_a_partial_rank_is_not_trusted_and_nothing_to_rank_by_ranks_nothing():
    partial = rank_countries([Figure("SD", 0.2, rank=1), Figure("MM", 0.7)])
    nothing = rank_countries([])

    assert (partial.basis, partial.ranks) == (Basis.PROBABILITY, {"MM": 1, "SD": 2})
    assert (nothing.basis, nothing.ranks) == (None, {})


# The rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize("rank", [1, 15, 30])
def test_a_country_in_the_top_30_that_the_analysts_rate_low_is_flagged(rank):
    found = flag("low", rank)

    assert found == Divergence(Rule.FORECAST_HIGH_ANALYSTS_LOW, "low", rank, TOP)


@pytest.mark.parametrize("rank", [31, 100, 160])
def test_a_low_rating_is_not_flagged_outside_the_top_30(rank):
    assert flag("low", rank) is None


@pytest.mark.parametrize("level", ["imminent_risk", "current_crisis"])
@pytest.mark.parametrize("rank", [101, 160])
def test_the_top_of_the_scale_ranked_below_100_is_flagged(level, rank):
    found = flag(level, rank)

    assert found == Divergence(Rule.FORECAST_LOW_ANALYSTS_HIGH, level, rank, LOW)


@pytest.mark.parametrize("level", ["imminent_risk", "current_crisis"])
@pytest.mark.parametrize("rank", [1, 31, 100])
def test_the_top_of_the_scale_ranked_100_or_higher_is_not_flagged(level, rank):
    assert flag(level, rank) is None


@pytest.mark.parametrize("rank", [1, 30, 31, 100, 101, 160])
def test_serious_concern_is_never_flagged(rank):
    assert flag("serious_concern", rank) is None


@pytest.mark.parametrize("rank", [1, 160])
def test_insufficient_data_or_no_assessment_is_not_a_low_rating_and_never_flagged(rank):
    assert flag("insufficient_data", rank) is None
    assert flag(None, rank) is None


@pytest.mark.parametrize("level", ["low", "imminent_risk", "current_crisis"])
def test_no_forecast_for_the_country_no_flag(level):
    assert flag(level, None) is None


def test_the_thresholds_are_parameters():
    assert divergence("low", 31, top_rank=31, low_rank=100) is not None
    assert divergence("low", 31, top_rank=30, low_rank=100) is None
    assert divergence("imminent_risk", 41, top_rank=30, low_rank=40) is not None


def test_each_divergence_says_why_in_words():
    high = flag("low", 12)
    low = flag("current_crisis", 140)

    assert high.reason() == (
        "The forecast ranks the country at 12, within its top 30, while the analysts' level is low."
    )
    assert low.reason() == (
        "The analysts' level is current crisis while the forecast ranks the country at 140, "
        "below rank 100."
    )
    assert high.summary() == "forecast higher than the analysts"
    assert low.summary() == "forecast lower than the analysts"
