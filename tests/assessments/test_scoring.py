"""Tests of the pure scoring module: risk rules, pillar logic, ranking, escalation, changes.

The framework under test is the real 14-factor structure of the UN Framework of Analysis
(2014): factor numbers, kinds, crimes, conduct flags and the seed's indicator counts, with
the 37 pillar/tool entries of the seed data linked at factor level with strength 2.
It is written out below so that these tests read no file and need no database.
"""

import json
import os
import re
from collections.abc import Iterable, Mapping

import pytest
from django.conf import settings as django_settings
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from assessments import wording
from assessments.scoring import (
    CONFIDENCES,
    LEVELS,
    POSTURES,
    SEVERITIES,
    TRENDS,
    AssessmentResult,
    CrimeSpec,
    EscalationThresholds,
    FactorSpec,
    Framework,
    Rating,
    Thresholds,
    ToolLink,
    assess,
    compare,
    level_rank,
    level_rise,
    propose_escalation,
    severity_rank,
)

# Without the project's settings (e.g. `pytest -p no:django`), gettext needs minimal ones.
if not django_settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
    django_settings.configure(USE_I18N=False)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def words(reasons):
    """A reason (rule + parameters), or a tuple of them, in English words."""
    names = {crime.key: crime.name for crime in CRIMES}
    if isinstance(reasons, dict):
        return wording.reason_text(reasons, crimes=names)
    return tuple(wording.reason_text(reason, crimes=names) for reason in reasons)


def pillar_words(recommendation):
    """Why a recommendation's pillar applies, as one sentence."""
    return "; ".join(words(recommendation.pillar_reasons))


# --------------------------------------------------------------------------------------------
# The framework builder
# --------------------------------------------------------------------------------------------

# Indicators listed per factor in the seed data ("1.1".."1.11", ...).
INDICATOR_COUNTS = {1: 11, 2: 8, 3: 10, 4: 9, 5: 8, 6: 11, 7: 14, 8: 12}
INDICATOR_COUNTS |= {9: 6, 10: 8, 11: 7, 12: 7, 13: 10, 14: 5}

CRIMES = (
    CrimeSpec("genocide", "Genocide", specific_factors=(9, 10), conduct_factors=(10,)),
    CrimeSpec(
        "crimes_against_humanity",
        "Crimes against humanity",
        specific_factors=(11, 12),
        conduct_factors=(11,),
    ),
    CrimeSpec("war_crimes", "War crimes", specific_factors=(13, 14), conduct_factors=(13, 14)),
    CrimeSpec("ethnic_cleansing", "Ethnic cleansing"),
)

# (pillar, tool name, risk factors it addresses), as in the seed's pillars.
TOOLS = (
    (1, "Impartial Oversight of Political Transitions", (1, 3, 7, 8)),
    (1, "Professional and Accountable Security Sector", (3, 5, 7, 13)),
    (1, "Rule of Law and Human Rights", (2, 3, 6, 9)),
    (1, "Early Warning and Atrocity Prevention Capacity", (6, 7, 8)),
    (1, "Capacity for Dialogue and Conflict Resolution", (1, 4, 6, 9)),
    (1, "Legitimate and Effective Transitional Justice", (2, 4, 8, 9)),
    (1, "Equitable Distribution of Economic Resources", (1, 4, 8, 9)),
    (1, "Education Relevant to Atrocity Crime Prevention", (4, 5, 7, 9)),
    (2, "International Human Rights Monitoring and Peer Review", (2, 3, 6, 9)),
    (2, "Preventive Diplomacy", (1, 4, 6, 8)),
    (2, "Mediation and Political Dialogue", (1, 4, 6, 13)),
    (2, "Support for a Professional and Accountable Security Sector", (3, 5, 7, 13)),
    (2, "Support for Impartial Institutions for Overseeing Political Transitions", (1, 3, 7, 8)),
    (2, "Support for Independent Judicial and Human Rights Institutions", (2, 3, 6)),
    (2, "Building Early Warning and Atrocity Prevention Capacity", (6, 7, 8)),
    (2, "Building Capacity for Dialogue and Conflict Resolution", (1, 4, 6, 9)),
    (2, "Building Capacity to Counteract Prejudice and Hate Speech", (4, 7, 8, 9, 10)),
    (2, "Support for Legitimate and Effective Transitional Justice", (2, 4, 8, 9)),
    (2, "Denying the Means to Commit Atrocity Crimes", (5, 7)),
    (2, "Dispute Resolution Expertise", (1, 4, 8, 9)),
    (2, "Monitoring or Observer Missions", (6, 7, 8, 11, 13)),
    (
        2,
        "Criminal Investigations, Fact-Finding Missions, & Commissions of Inquiry",
        (2, 10, 11, 12, 13),
    ),
    (2, "Protection of Refugees and Internally Displaced", (1, 6, 7, 13)),
    (2, "Protection of Civilians in Humanitarian Emergencies", (1, 7, 13, 14)),
    (2, "Peacekeeping and Stabilization Assistance", (1, 6, 11, 13, 14)),
    (2, "Gender", (6, 7, 9, 10)),
    (2, "Support for efforts to combat sexual violence", (2, 7, 10, 11, 13)),
    (3, "Preventive Diplomacy", (1, 4, 6, 8)),
    (3, "Mediation and Political Dialogue", (1, 4, 6, 13)),
    (3, "Public Advocacy", (6, 7, 10, 11, 12)),
    (
        3,
        "Criminal Investigations, Fact-Finding Missions, & Commissions of Inquiry",
        (2, 10, 11, 12, 13),
    ),
    (3, "Monitoring or Observer Missions", (6, 7, 11, 13, 14)),
    (3, "Referral to the ICC", (2, 3, 10, 11, 12, 13)),
    (3, "Sanctions", (4, 5, 7, 12)),
    (3, "Protection of Refugees and Internally Displaced", (1, 6, 7, 13)),
    (3, "Protection of Civilians in Humanitarian Emergencies", (1, 7, 13, 14)),
    (3, "UN Charter Chapter VII Authorised Use of Force", (5, 10, 11, 12, 13, 14)),
)
COERCIVE = {"Sanctions", "Referral to the ICC", "UN Charter Chapter VII Authorised Use of Force"}
LAST_RESORT = {"UN Charter Chapter VII Authorised Use of Force"}

ICC = "referral-to-the-icc"
SANCTIONS = "sanctions"
USE_OF_FORCE = "un-charter-chapter-vii-authorised-use-of-force"


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def tool_links(
    pillar: int, name: str, factors: Iterable[int], strength: int = 2
) -> tuple[ToolLink, ...]:
    return tuple(
        ToolLink(
            entry_code=f"P{pillar}-{slug(name)}",
            tool_code=slug(name),
            tool_name=name,
            pillar=pillar,
            factor=factor,
            indicator=None,
            strength=strength,
            rationale=f"{name} addresses RF{factor}",
            coercive=name in COERCIVE,
            last_resort=name in LAST_RESORT,
        )
        for factor in factors
    )


def build_framework(
    thresholds: Thresholds | None = None, extra_links: Iterable[ToolLink] = ()
) -> Framework:
    crimes_of = {n: (c.key,) for c in CRIMES for n in c.specific_factors}
    conduct = {n for c in CRIMES for n in c.conduct_factors}
    factors = tuple(
        FactorSpec(
            number=number,
            kind="common" if number <= 8 else "specific",
            crimes=crimes_of.get(number, ()),
            is_conduct=number in conduct,
            indicator_codes=tuple(f"{number}.{i}" for i in range(1, count + 1)),
        )
        for number, count in INDICATOR_COUNTS.items()
    )
    links = tuple(link for row in TOOLS for link in tool_links(*row)) + tuple(extra_links)
    return Framework(factors, CRIMES, links, thresholds or Thresholds())


FRAMEWORK = build_framework()
CODES = tuple(code for factor in FRAMEWORK.factors for code in factor.indicator_codes)
CRIME_KEYS = ("genocide", "crimes_against_humanity", "war_crimes")


# --------------------------------------------------------------------------------------------
# The cast of helpers
# --------------------------------------------------------------------------------------------


def rate(*codes: str, severity: str = "moderate", trend: str = "stable") -> dict[str, Rating]:
    """Rate each indicator code at one severity: rate("1.1", "7.5", severity="high")."""
    return {code: Rating(severity, trend) for code in codes}


def rate_factors(*numbers: int, severity: str = "moderate") -> dict[str, Rating]:
    """Rate the first indicator of each factor: rate_factors(1, 2, 3) rates 1.1, 2.1, 3.1."""
    return rate(*(f"{number}.1" for number in numbers), severity=severity)


def run(
    ratings: Mapping[str, Rating], posture: str = "willing_able", framework: Framework = FRAMEWORK
) -> AssessmentResult:
    return assess(framework, ratings, posture)


def tools(result: AssessmentResult, pillar: int) -> list[str]:
    return [rec.tool_code for rec in result.recommendations[pillar]]


def withheld_tools(result: AssessmentResult) -> dict[str, str]:
    return {item.entry_code: words(item.reason) for item in result.withheld}


def result_at(level: str, posture: str = "unwilling") -> AssessmentResult:
    """An assessment whose overall level is ``level``."""
    ratings = {
        "insufficient_data": {},
        "low": rate("1.1", severity="absent"),
        "serious_concern": rate_factors(1, 2, 3),
        "imminent_risk": rate("11.1"),
        "current_crisis": rate("13.1", severity="high"),
    }[level]
    result = run(ratings, posture)
    assert result.overall == level
    return result


# --------------------------------------------------------------------------------------------
# Factor levels
# --------------------------------------------------------------------------------------------


def test_factor_level_is_highest_assessed_indicator_with_its_drivers():
    result = run(
        rate("7.1", severity="low")
        | rate("7.2", "7.9", severity="high")
        | rate("7.3", severity="not_assessed")
    )
    rf7 = result.factors[7]
    assert rf7.level == "high"
    assert rf7.drivers == ("7.2", "7.9")
    assert (
        words(rf7.reason)
        == "RF7 is high, the highest severity of its 3 assessed indicators (7.2, 7.9)"
    )


def test_factor_with_only_not_assessed_indicators_is_not_assessed():
    result = run(rate("7.1", severity="not_assessed"))
    assert result.factors[7].level is None
    assert result.factors[7].drivers == ()
    assert "not assessed" in words(result.factors[7].reason)


def test_factor_with_absent_indicators_is_absent_not_unassessed():
    assert run(rate("2.1", severity="absent")).factors[2].level == "absent"


def test_codes_outside_the_framework_are_ignored_and_listed():
    result = run(rate("99.1", "1.1"))
    assert result.ignored_codes == ("99.1",)
    assert result.factors[1].level == "moderate"


# --------------------------------------------------------------------------------------------
# Crime levels: every threshold rule and its boundary
# --------------------------------------------------------------------------------------------

CRIME_RULES = [
    # (id, ratings, crime, expected level, expected reason or None)
    ("nothing assessed", {}, "genocide", "insufficient_data", None),
    (
        "only not_assessed ratings",
        rate("1.1", "9.1", severity="not_assessed"),
        "genocide",
        "insufficient_data",
        None,
    ),
    (
        "only absent ratings is low, not insufficient",
        rate("1.1", "9.1", severity="absent"),
        "genocide",
        "low",
        "low: 0 common factors at moderate or higher, fewer than 3; "
        "no specific factor at moderate or higher",
    ),
    (
        "another crime's specific factor does not make this crime assessed",
        rate("9.1", severity="high"),
        "crimes_against_humanity",
        "insufficient_data",
        None,
    ),
    (
        "2 common moderate is low",
        rate_factors(1, 2),
        "genocide",
        "low",
        "low: 2 common factors at moderate or higher, fewer than 3; "
        "no specific factor at moderate or higher",
    ),
    ("3 common low is low", rate_factors(1, 2, 3, severity="low"), "genocide", "low", None),
    (
        "exactly 3 common moderate is serious concern",
        rate_factors(1, 2, 3),
        "war_crimes",
        "serious_concern",
        "serious concern: 3 common factors at moderate or higher (RF1, RF2, RF3), at least 3",
    ),
    (
        "specific low is low",
        rate("9.1", severity="low"),
        "genocide",
        "low",
        None,
    ),
    (
        "specific moderate is serious concern",
        rate("9.4"),
        "genocide",
        "serious_concern",
        "serious concern: specific factor RF9 is moderate (9.4)",
    ),
    (
        "non-conduct specific moderate is serious concern",
        rate("12.2"),
        "crimes_against_humanity",
        "serious_concern",
        "serious concern: specific factor RF12 is moderate (12.2)",
    ),
    (
        "another crime's specific moderate leaves this crime low",
        rate("9.4") | rate("1.1", severity="absent"),
        "crimes_against_humanity",
        "low",
        None,
    ),
    (
        "specific high is imminent risk",
        rate("9.2", severity="high"),
        "genocide",
        "imminent_risk",
        "imminent risk: specific factor RF9 is high (9.2)",
    ),
    (
        "non-conduct specific high is imminent, not crisis",
        rate("12.1", severity="high"),
        "crimes_against_humanity",
        "imminent_risk",
        "imminent risk: specific factor RF12 is high (12.1)",
    ),
    ("conduct low is low", rate("10.1", severity="low"), "genocide", "low", None),
    (
        "conduct moderate is imminent risk",
        rate("10.1"),
        "genocide",
        "imminent_risk",
        "imminent risk: conduct factor RF10 is moderate (10.1)",
    ),
    (
        "conduct moderate for crimes against humanity is imminent risk",
        rate("11.3"),
        "crimes_against_humanity",
        "imminent_risk",
        "imminent risk: conduct factor RF11 is moderate (11.3)",
    ),
    (
        "war crimes conduct RF14 moderate is imminent risk",
        rate("14.2"),
        "war_crimes",
        "imminent_risk",
        "imminent risk: conduct factor RF14 is moderate (14.2)",
    ),
    (
        "conduct high is current crisis",
        rate("10.1", severity="high"),
        "genocide",
        "current_crisis",
        "current crisis: conduct factor RF10 is high (10.1)",
    ),
    (
        "crimes against humanity with RF11 high is current crisis",
        rate("11.5", severity="high"),
        "crimes_against_humanity",
        "current_crisis",
        "current crisis: conduct factor RF11 is high (11.5)",
    ),
    (
        "war crimes with RF13 high is current crisis",
        rate("13.1", severity="high"),
        "war_crimes",
        "current_crisis",
        "current crisis: conduct factor RF13 is high (13.1)",
    ),
    (
        "war crimes with RF14 high is current crisis",
        rate("14.1", severity="high"),
        "war_crimes",
        "current_crisis",
        "current crisis: conduct factor RF14 is high (14.1)",
    ),
    (
        "4 common moderate including RF7 is not imminent",
        rate_factors(1, 2, 3, 7),
        "genocide",
        "serious_concern",
        "serious concern: 4 common factors at moderate or higher (RF1, RF2, RF3, RF7), at least 3",
    ),
    (
        "5 common moderate including RF7 is imminent risk",
        rate_factors(1, 2, 3, 4, 7),
        "genocide",
        "imminent_risk",
        "imminent risk: 5 common factors at moderate or higher (RF1, RF2, RF3, RF4, RF7), "
        "at least 5, while enabling circumstances or triggers are moderate or higher: "
        "RF7 is moderate (7.1)",
    ),
    (
        "5 common moderate including RF8 is imminent risk",
        rate_factors(1, 2, 3, 4, 8),
        "war_crimes",
        "imminent_risk",
        None,
    ),
    (
        "5 common moderate without RF7 or RF8 is serious concern",
        rate_factors(1, 2, 3, 4, 5),
        "genocide",
        "serious_concern",
        "serious concern: 5 common factors at moderate or higher (RF1, RF2, RF3, RF4, RF5), "
        "at least 3",
    ),
    (
        "5 common moderate with RF7 only low is serious concern",
        rate_factors(1, 2, 3, 4, 5) | rate_factors(7, severity="low"),
        "genocide",
        "serious_concern",
        None,
    ),
    (
        "all 8 common high is imminent risk",
        rate_factors(*range(1, 9), severity="high"),
        "crimes_against_humanity",
        "imminent_risk",
        None,
    ),
]


@pytest.mark.parametrize(
    ("ratings", "crime", "level", "reason"),
    [pytest.param(*case[1:], id=case[0]) for case in CRIME_RULES],
)
def test_crime_level_rules(ratings, crime, level, reason):
    result = run(ratings)
    assert result.crimes[crime].level == level
    if reason is not None:
        assert reason in words(result.crimes[crime].reasons)


def test_insufficient_data_reason_names_the_crime_and_its_factors():
    reason = words(run({}).crimes["war_crimes"].reasons)[0]
    assert reason == (
        "insufficient data: no indicator of the factors of War crimes "
        "(RF1, RF2, RF3, RF4, RF5, RF6, RF7, RF8, RF13, RF14) has been assessed"
    )


def test_ethnic_cleansing_has_no_specific_factors_and_is_skipped():
    assert set(run(rate("1.1")).crimes) == set(CRIME_KEYS)


def test_every_rule_that_fired_at_the_chosen_level_is_listed():
    ratings = rate("10.2") | rate("9.1", severity="high") | rate_factors(1, 2, 3, 4, 8)
    assert words(run(ratings).crimes["genocide"].reasons) == (
        "imminent risk: conduct factor RF10 is moderate (10.2)",
        "imminent risk: specific factor RF9 is high (9.1)",
        "imminent risk: 5 common factors at moderate or higher (RF1, RF2, RF3, RF4, RF8), "
        "at least 5, while enabling circumstances or triggers are moderate or higher: "
        "RF8 is moderate (8.1)",
    )


def test_crisis_lists_only_crisis_rules():
    ratings = rate("13.1", "14.2", severity="high") | rate_factors(1, 2, 3)
    assert words(run(ratings).crimes["war_crimes"].reasons) == (
        "current crisis: conduct factor RF13 is high (13.1)",
        "current crisis: conduct factor RF14 is high (14.2)",
    )


def test_thresholds_are_data():
    strict = build_framework(Thresholds(serious_common_count=4, imminent_conduct_severity="high"))
    assert run(rate_factors(1, 2, 3), framework=strict).crimes["genocide"].level == "low"
    assert run(rate("10.1"), framework=strict).crimes["genocide"].level == "serious_concern"


def test_overall_is_the_highest_crime_level_and_names_the_crimes():
    result = run(rate("11.1", "13.1", severity="high") | rate("9.1"))
    assert result.overall == "current_crisis"
    assert result.overall_crimes == ("crimes_against_humanity", "war_crimes")
    assert words(result.overall_reason) == (
        "overall current crisis: set by Crimes against humanity, War crimes"
    )


# --------------------------------------------------------------------------------------------
# Recommendations and pillar logic
# --------------------------------------------------------------------------------------------


def test_nothing_rated_low_or_higher_recommends_nothing():
    result = run(rate("1.1", "7.1", severity="absent"), "willing_lacks_capacity")
    assert result.recommendations == {1: (), 2: (), 3: ()}
    assert result.withheld == ()


def test_score_is_strength_times_weight_of_strongest_driver():
    # Impartial Oversight of Political Transitions links RF1, RF3, RF7, RF8 (strength 2).
    # RF1: 1.1 low and 1.2 high -> 2 x 3 = 6; RF7: 7.1 moderate -> 2 x 2 = 4. Score 10.
    ratings = rate("1.1", severity="low") | rate("1.2", severity="high") | rate("7.1")
    rec = run(ratings).recommendations[1][0]
    assert rec.tool_code == "impartial-oversight-of-political-transitions"
    assert rec.score == 10
    assert rec.drivers == ("1.1", "1.2", "7.1")
    assert words(rec.explanation) == (
        "RF1: strength 2 x weight 3 (strongest driver high) = 6",
        "RF7: strength 2 x weight 2 (strongest driver moderate) = 4",
        "score 10",
    )
    assert words(rec.rationales)[0] == (
        "RF1 (1.1 low, 1.2 high): Impartial Oversight of Political Transitions addresses RF1"
    )


def test_worsening_driver_adds_one_point_and_says_so():
    steady = run(rate("6.1")).recommendations[1][0]
    worse = run(rate("6.1", trend="worsening")).recommendations[1][0]
    assert worse.score == steady.score + 1
    assert "+1: 6.1 is worsening" in words(worse.explanation)


def test_indicator_link_is_active_only_when_that_indicator_is_rated():
    hate_speech = ToolLink(
        entry_code="P1-counter-hate-speech",
        tool_code="counter-hate-speech",
        tool_name="Counter hate speech",
        pillar=1,
        factor=7,
        indicator="7.5",
        strength=3,
        rationale="answers incitement",
    )
    framework = build_framework(extra_links=[hate_speech])
    other = run(rate("7.1", severity="high"), framework=framework)
    assert "counter-hate-speech" not in tools(other, 1)
    result = run(rate("7.5", severity="high") | rate("7.1", severity="low"), framework=framework)
    rec = next(r for r in result.recommendations[1] if r.tool_code == "counter-hate-speech")
    assert rec.drivers == ("7.5",)
    assert rec.score == 9
    assert words(rec.rationales) == ("7.5 (high): answers incitement",)


def test_pillar_one_is_withheld_when_the_state_is_unwilling():
    result = run(rate("1.1"), "unwilling")
    assert result.recommendations[1] == ()
    assert withheld_tools(result)["P1-impartial-oversight-of-political-transitions"] == (
        "Pillar I withheld: the State is unwilling"
    )


def test_pillar_two_applies_to_a_willing_state_lacking_capacity_even_at_low_risk():
    result = run(rate("1.1"), "willing_lacks_capacity")
    assert result.overall == "low"
    assert result.recommendations[2]
    assert pillar_words(result.recommendations[2][0]) == (
        "Pillar II: the State is willing but lacks capacity, so international assistance "
        "helps it protect"
    )


def test_pillar_two_is_withheld_for_a_willing_and_able_state_at_low_risk():
    result = run(rate("1.1"), "willing_able")
    assert result.recommendations[2] == ()
    assert withheld_tools(result)["P2-preventive-diplomacy"] == (
        "Pillar II withheld: the State is willing and able and overall risk is low, "
        "below serious concern"
    )


def test_pillar_three_is_withheld_from_a_willing_and_able_state_even_in_crisis():
    result = run(rate("13.1", severity="high"), "willing_able")
    assert result.overall == "current_crisis"
    assert result.recommendations[3] == ()
    assert withheld_tools(result)[f"P3-{USE_OF_FORCE}"] == (
        "Pillar III withheld: the State is willing and able"
    )


def test_pillar_three_is_withheld_below_imminent_risk():
    result = run(rate_factors(1, 2, 3), "perpetrator")
    assert result.overall == "serious_concern"
    assert result.recommendations[3] == ()
    assert withheld_tools(result)["P3-preventive-diplomacy"] == (
        "Pillar III withheld: overall risk is serious concern, below imminent risk"
    )


def test_coercive_tools_are_withheld_at_imminent_risk():
    result = run(rate("11.1"), "unwilling")
    assert result.overall == "imminent_risk"
    assert "public-advocacy" in tools(result, 3)
    assert not {ICC, USE_OF_FORCE} & set(tools(result, 3))
    assert withheld_tools(result)[f"P3-{ICC}"] == (
        "coercive measure withheld: overall risk is imminent risk, below current crisis"
    )


def test_use_of_force_is_always_marked_last_resort():
    result = run(rate("13.1", severity="high"), "perpetrator")
    force = next(r for r in result.recommendations[3] if r.tool_code == USE_OF_FORCE)
    assert force.last_resort and force.coercive
    assert "last resort: only when peaceful means have failed" in words(force.explanation)
    assert pillar_words(force).endswith(
        "; coercive measure: overall risk is current crisis (at least current crisis)"
    )


def test_same_tool_under_two_pillars_is_scored_per_entry():
    result = run(rate("11.1"), "unwilling")
    entries = {rec.entry_code for rec in result.all_recommendations}
    assert {"P2-monitoring-or-observer-missions", "P3-monitoring-or-observer-missions"} <= entries


def test_to_dict_is_json_serialisable_and_keyed_as_documented():
    result = run(rate("13.1", severity="high") | rate("8.2", trend="worsening"), "perpetrator")
    data = json.loads(json.dumps(result.to_dict()))
    assert data["levels"]["war_crimes"] == "current_crisis"
    assert data["levels"]["overall"] == "current_crisis"
    assert data["factor_levels"]["13"] == "high"
    assert data["factor_levels"]["2"] is None
    first = data["recommendations"][0]
    assert {"tool", "entry", "pillar", "score", "rank", "drivers"} <= set(first)
    assert [r["pillar"] for r in data["recommendations"]] == sorted(
        r["pillar"] for r in data["recommendations"]
    )


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

a_rating = st.builds(
    Rating,
    severity=st.sampled_from(SEVERITIES),
    trend=st.sampled_from(TRENDS),
    confidence=st.sampled_from(CONFIDENCES),
)
some_ratings = st.dictionaries(st.sampled_from(CODES), a_rating, max_size=40)
a_posture = st.sampled_from(POSTURES)
PROPERTY = hypothesis_settings(max_examples=200, deadline=None)


def factor_rank(level: str | None) -> int:
    return -1 if level is None else severity_rank(level)


@PROPERTY
@given(ratings=some_ratings, posture=a_posture, data=st.data())
def test_raising_one_indicator_never_lowers_any_level(ratings, posture, data):
    code = data.draw(st.sampled_from(CODES))
    old = ratings.get(code, Rating("not_assessed"))
    higher = data.draw(st.sampled_from(SEVERITIES[severity_rank(old.severity) :]))
    raised = {**ratings, code: Rating(higher, old.trend, old.confidence)}
    before, after = run(ratings, posture), run(raised, posture)
    for number, factor in before.factors.items():
        assert factor_rank(after.factors[number].level) >= factor_rank(factor.level)
    for key, crime in before.crimes.items():
        assert level_rank(after.crimes[key].level) >= level_rank(crime.level)
    assert level_rank(after.overall) >= level_rank(before.overall)


@PROPERTY
@given(ratings=some_ratings, posture=a_posture)
def test_overall_is_always_the_highest_crime_level(ratings, posture):
    result = run(ratings, posture)
    assert result.overall == max((c.level for c in result.crimes.values()), key=level_rank)
    assert all(result.crimes[key].level == result.overall for key in result.overall_crimes)


@PROPERTY
@given(ratings=some_ratings, posture=a_posture)
def test_coercive_tools_never_appear_below_current_crisis(ratings, posture):
    result = run(ratings, posture)
    if level_rank(result.overall) < level_rank("current_crisis"):
        assert not any(rec.coercive for rec in result.all_recommendations)


@PROPERTY
@given(ratings=some_ratings, posture=a_posture)
def test_no_pillar_three_tool_below_imminent_risk(ratings, posture):
    result = run(ratings, posture)
    if level_rank(result.overall) < level_rank("imminent_risk"):
        assert result.recommendations[3] == ()


@PROPERTY
@given(ratings=some_ratings)
def test_a_willing_and_able_state_gets_no_coercive_and_no_pillar_three_tool(ratings):
    result = run(ratings, "willing_able")
    assert result.recommendations[3] == ()
    assert not any(rec.coercive for rec in result.all_recommendations)


@PROPERTY
@given(ratings=some_ratings, posture=a_posture)
def test_ranks_run_one_to_n_with_non_increasing_scores(ratings, posture):
    result = run(ratings, posture)
    assert list(result.recommendations) == [1, 2, 3]
    for pillar, recs in result.recommendations.items():
        assert [rec.rank for rec in recs] == list(range(1, len(recs) + 1))
        assert all(rec.pillar == pillar for rec in recs)
        scores = [rec.score for rec in recs]
        assert scores == sorted(scores, reverse=True)


@PROPERTY
@given(ratings=some_ratings, posture=a_posture)
def test_every_recommendation_is_driven_by_rated_indicators(ratings, posture):
    result = run(ratings, posture)
    for item in (*result.all_recommendations, *result.withheld):
        assert item.drivers
        for code in item.drivers:
            assert severity_rank(ratings[code].severity) >= severity_rank("low")


# --------------------------------------------------------------------------------------------
# Worked examples, one per level, to check by hand
# --------------------------------------------------------------------------------------------


def test_worked_example_low():
    # A willing and able State. 1.1 (armed conflict) moderate and worsening, 4.2 low,
    # 9.1 absent.
    # Common factors at moderate or higher: RF1 only, 1 < 3; RF9 absent -> every crime low.
    # Pillar I applies (willing); Pillar II does not (willing and able, low < serious concern);
    # Pillar III does not. Pillar I scores, strength 2 per link, weight moderate 2, low 1:
    #   Capacity for Dialogue (RF1, RF4, RF6, RF9): RF1 2x2 + RF4 2x1 + 1 worsening (1.1) = 7
    #   Equitable Distribution (RF1, RF4, RF8, RF9): the same = 7
    #   Impartial Oversight (RF1, RF3, RF7, RF8): RF1 2x2 + 1 worsening = 5
    #   Education (RF4, ...) and Transitional Justice (RF4, ...): RF4 2x1 = 2 each
    # Ties are broken by tool code: capacity-... before equitable-...
    ratings = (
        rate("1.1", trend="worsening")
        | rate("4.2", severity="low")
        | rate("9.1", severity="absent")
    )
    result = run(ratings, "willing_able")
    assert result.overall == "low"
    assert words(result.crimes["genocide"].reasons) == (
        "low: 1 common factor at moderate or higher, fewer than 3; "
        "no specific factor at moderate or higher",
    )
    assert [(r.tool_code, r.score) for r in result.recommendations[1]] == [
        ("capacity-for-dialogue-and-conflict-resolution", 7),
        ("equitable-distribution-of-economic-resources", 7),
        ("impartial-oversight-of-political-transitions", 5),
        ("education-relevant-to-atrocity-crime-prevention", 2),
        ("legitimate-and-effective-transitional-justice", 2),
    ]
    top = result.recommendations[1][0]
    assert top.drivers == ("1.1", "4.2")
    assert "+1: 1.1 is worsening" in words(top.explanation)
    assert pillar_words(top) == (
        "Pillar I: the State is willing and able, so the State's own measures come first"
    )
    assert result.recommendations[2] == result.recommendations[3] == ()
    assert all(item.pillar in (2, 3) for item in result.withheld)


def test_worked_example_serious_concern():
    # A willing State lacking capacity. 1.1, 2.3, 3.4 and 9.2 moderate.
    # Common at moderate or higher: RF1, RF2, RF3 = 3, at least 3 -> serious concern for all;
    # genocide also because its specific factor RF9 is moderate. Nothing is high, no conduct
    # factor is rated -> not imminent. Overall serious concern, set by all three crimes.
    # Pillar II applies twice over (posture; level). Every active link scores 2x2 = 4:
    #   Human Rights Monitoring (RF2, RF3, RF6, RF9): RF2 + RF3 + RF9 = 12
    #   Building Capacity for Dialogue (RF1, RF4, RF6, RF9): RF1 + RF9 = 8
    #   Dispute Resolution Expertise (RF1, RF4, RF8, RF9): RF1 + RF9 = 8
    #   and three more tools at 8, after these by tool code.
    ratings = rate("1.1", "2.3", "3.4", "9.2")
    result = run(ratings, "willing_lacks_capacity")
    assert result.overall == "serious_concern"
    assert words(result.crimes["genocide"].reasons) == (
        "serious concern: 3 common factors at moderate or higher (RF1, RF2, RF3), at least 3",
        "serious concern: specific factor RF9 is moderate (9.2)",
    )
    assert words(result.overall_reason) == (
        "overall serious concern: set by Genocide, Crimes against humanity, War crimes"
    )
    assert [(r.tool_code, r.score) for r in result.recommendations[2][:3]] == [
        ("international-human-rights-monitoring-and-peer-review", 12),
        ("building-capacity-for-dialogue-and-conflict-resolution", 8),
        ("dispute-resolution-expertise", 8),
    ]
    assert result.recommendations[2][0].drivers == ("2.3", "3.4", "9.2")
    assert pillar_words(result.recommendations[2][0]) == (
        "Pillar II: the State is willing but lacks capacity, so international assistance "
        "helps it protect; Pillar II: overall risk is serious concern (at least serious "
        "concern), so international encouragement and assistance are due"
    )
    assert result.recommendations[1][0].tool_code == "rule-of-law-and-human-rights"
    assert result.recommendations[3] == ()


def test_worked_example_imminent_risk():
    # An unwilling State. 11.2 moderate (conduct factor of crimes against humanity),
    # 8.3 high and worsening (a trigger), 1.1 moderate.
    # Crimes against humanity: conduct factor RF11 moderate -> imminent risk.
    # Genocide and war crimes: common at moderate or higher RF1, RF8 = 2 < 3 -> low.
    # Overall imminent risk. Pillar I withheld (unwilling); Pillar II applies (level);
    # Pillar III applies (unwilling, imminent) but not its coercive tools (< current crisis).
    # Pillar III scores: Preventive Diplomacy (RF1, RF4, RF6, RF8) = RF1 2x2 + RF8 2x3 + 1
    # (8.3 worsening) = 11; then the tools with one moderate link at 4, by tool code.
    ratings = rate("11.2", "1.1") | rate("8.3", severity="high", trend="worsening")
    result = run(ratings, "unwilling")
    assert result.overall == "imminent_risk"
    assert words(result.crimes["crimes_against_humanity"].reasons) == (
        "imminent risk: conduct factor RF11 is moderate (11.2)",
    )
    assert result.crimes["genocide"].level == "low"
    assert [(r.tool_code, r.score) for r in result.recommendations[3][:3]] == [
        ("preventive-diplomacy", 11),
        (
            "criminal-investigations-fact-finding-missions-commissions-of-inquiry",
            4,
        ),
        ("mediation-and-political-dialogue", 4),
    ]
    assert result.recommendations[3][0].drivers == ("1.1", "8.3")
    assert pillar_words(result.recommendations[3][0]) == (
        "Pillar III: the State is unwilling and overall risk is imminent risk (at least "
        "imminent risk), calling for a timely and decisive response"
    )
    assert result.recommendations[1] == ()
    withheld = withheld_tools(result)
    assert withheld[f"P3-{ICC}"].startswith("coercive measure withheld")
    assert withheld[f"P3-{USE_OF_FORCE}"].startswith("coercive measure withheld")
    assert f"P3-{SANCTIONS}" not in withheld  # no linked factor (4, 5, 7, 12) is rated


def test_worked_example_current_crisis():
    # A State that is itself a perpetrator. 10.1 high (genocide's conduct factor),
    # 9.1 high, 7.5 moderate.
    # Genocide: conduct factor RF10 high -> current crisis. Crimes against humanity and war
    # crimes: one common factor (RF7) moderate -> low. Overall current crisis.
    # Pillar III with coercive tools. Scores (strength 2; high 3, moderate 2):
    #   Public Advocacy (RF6, RF7, RF10, RF11, RF12): RF7 4 + RF10 6 = 10
    #   Criminal Investigations (RF2, RF10, ...): RF10 6 = 6
    #   Referral to the ICC (RF2, RF3, RF10, ...): RF10 6 = 6
    #   Chapter VII Use of Force (RF5, RF10, ...): RF10 6 = 6, last resort
    #   Monitoring, Civilians, Refugees, Sanctions: RF7 4 each
    ratings = rate("10.1", "9.1", severity="high") | rate("7.5")
    result = run(ratings, "perpetrator")
    assert result.overall == "current_crisis"
    assert words(result.crimes["genocide"].reasons) == (
        "current crisis: conduct factor RF10 is high (10.1)",
    )
    assert words(result.overall_reason) == "overall current crisis: set by Genocide"
    assert [(r.tool_code, r.score, r.rank) for r in result.recommendations[3][:4]] == [
        ("public-advocacy", 10, 1),
        ("criminal-investigations-fact-finding-missions-commissions-of-inquiry", 6, 2),
        (ICC, 6, 3),
        (USE_OF_FORCE, 6, 4),
    ]
    force = result.recommendations[3][3]
    assert force.last_resort
    assert words(force.explanation)[-1] == "last resort: only when peaceful means have failed"
    assert (SANCTIONS, 4) in [(r.tool_code, r.score) for r in result.recommendations[3]]
    escalation = propose_escalation(current=result, previous_overall=None, posture="perpetrator")
    assert escalation.level == "request_security_council_briefing"


# --------------------------------------------------------------------------------------------
# Escalation
# --------------------------------------------------------------------------------------------

ESCALATION_RULES = [
    # (id, overall, previous overall, posture, expected level, expected first reason)
    (
        "crisis and perpetrator requests a Security Council briefing",
        "current_crisis",
        None,
        "perpetrator",
        "request_security_council_briefing",
        "request a Security Council briefing: overall risk is current crisis (at least current "
        "crisis) and the State is itself a perpetrator",
    ),
    (
        "crisis and unwilling requests a Security Council briefing",
        "current_crisis",
        "current_crisis",
        "unwilling",
        "request_security_council_briefing",
        None,
    ),
    (
        "crisis with a willing State briefs the Secretary-General",
        "current_crisis",
        None,
        "willing_lacks_capacity",
        "brief_secretary_general",
        "brief the Secretary-General: overall risk is current crisis (at least current crisis)",
    ),
    (
        "imminent and unwilling is below the Security Council threshold",
        "imminent_risk",
        "imminent_risk",
        "unwilling",
        "alert_special_adviser",
        "alert the Special Adviser: overall risk is imminent risk (at least imminent risk)",
    ),
    (
        "a rise of two steps briefs the Secretary-General",
        "imminent_risk",
        "low",
        "willing_able",
        "brief_secretary_general",
        "brief the Secretary-General: overall risk rose 2 steps since the previous approved "
        "assessment (at least 2), from low to imminent risk",
    ),
    (
        "a rise of one step alerts the Special Adviser",
        "serious_concern",
        "low",
        "willing_able",
        "alert_special_adviser",
        "alert the Special Adviser: overall risk rose 1 step since the previous approved "
        "assessment (at least 1), from low to serious concern",
    ),
    (
        "serious concern without a rise keeps monitoring",
        "serious_concern",
        "serious_concern",
        "unwilling",
        "keep_monitoring",
        "keep monitoring: overall risk is serious concern (at least serious concern)",
    ),
    (
        "a fall is no rise",
        "serious_concern",
        "current_crisis",
        "willing_able",
        "keep_monitoring",
        None,
    ),
    (
        "insufficient data keeps monitoring",
        "insufficient_data",
        "low",
        "willing_able",
        "keep_monitoring",
        "keep monitoring: there is not enough data to assess the risk",
    ),
    (
        "a rise from insufficient data is no rise",
        "serious_concern",
        "insufficient_data",
        "willing_able",
        "keep_monitoring",
        None,
    ),
    (
        "low and steady is no escalation",
        "low",
        "low",
        "willing_able",
        "none",
        "no escalation: overall risk is low, below serious concern, and it has not risen",
    ),
    (
        "low on a first assessment is no escalation",
        "low",
        None,
        "unwilling",
        "none",
        None,
    ),
]


@pytest.mark.parametrize(
    ("overall", "previous", "posture", "level", "reason"),
    [pytest.param(*case[1:], id=case[0]) for case in ESCALATION_RULES],
)
def test_escalation_rules(overall, previous, posture, level, reason):
    proposal = propose_escalation(
        current=result_at(overall, posture), previous_overall=previous, posture=posture
    )
    assert proposal.level == level
    if reason is not None:
        assert words(proposal.reasons)[0] == reason


def test_escalation_lists_every_rule_that_fired_highest_first():
    proposal = propose_escalation(
        current=result_at("current_crisis"), previous_overall="low", posture="unwilling"
    )
    assert proposal.rise == 3
    assert [reason.split(":")[0] for reason in words(proposal.reasons)] == [
        "request a Security Council briefing",
        "brief the Secretary-General",
        "brief the Secretary-General",
        "alert the Special Adviser",
        "alert the Special Adviser",
        "keep monitoring",
    ]


@pytest.mark.parametrize(
    ("previous", "current", "rise"),
    [
        (None, "current_crisis", 0),
        ("low", "current_crisis", 3),
        ("imminent_risk", "serious_concern", 0),
        ("insufficient_data", "imminent_risk", 0),
        ("low", "insufficient_data", 0),
        ("serious_concern", "imminent_risk", 1),
    ],
)
def test_level_rise_counts_steps_up_only(previous, current, rise):
    assert level_rise(previous, current) == rise


def test_escalation_thresholds_are_data():
    lenient = EscalationThresholds.from_dict(
        {"alert_sa_level": "current_crisis", "alert_sa_rise": 2, "brief_sg_rise": 3}
    )
    proposal = propose_escalation(
        current=result_at("imminent_risk"),
        previous_overall="serious_concern",
        posture="willing_able",
        thresholds=lenient,
    )
    assert proposal.level == "keep_monitoring"
    assert lenient.to_dict()["sc_briefing_postures"] == ["unwilling", "perpetrator"]


# --------------------------------------------------------------------------------------------
# compare()
# --------------------------------------------------------------------------------------------


def test_compare_first_assessment():
    current = rate("8.1", "1.1")
    changes = compare(None, current, None, run(current), framework=FRAMEWORK)
    assert changes.first_assessment
    assert changes.indicator_changes == ()
    assert changes.new_triggers == ("8.1",)
    assert {c.direction for c in changes.level_changes} == {"new"}
    assert changes.level_changes[-1].key == "overall"


def test_compare_reports_level_changes_moved_indicators_and_new_triggers():
    previous = rate("1.1", "8.2", severity="low") | rate("8.4", severity="absent") | rate("9.1")
    current = (
        rate("1.1", "8.2", severity="low")
        | rate("8.4", "8.7")
        | rate("10.1", severity="high")
        | rate("9.1", severity="absent")
    )
    changes = compare(previous, current, run(previous), run(current), framework=FRAMEWORK)
    assert not changes.first_assessment
    levels = {c.key: (c.from_level, c.to_level, c.direction) for c in changes.level_changes}
    assert levels == {
        "genocide": ("serious_concern", "current_crisis", "up"),
        "crimes_against_humanity": ("low", "low", "same"),
        "war_crimes": ("low", "low", "same"),
        "overall": ("serious_concern", "current_crisis", "up"),
    }
    moved = [
        (c.code, c.from_severity, c.to_severity, c.direction) for c in changes.indicator_changes
    ]
    assert moved == [
        ("8.4", "absent", "moderate", "up"),
        ("8.7", "not_assessed", "moderate", "up"),
        ("9.1", "moderate", "absent", "down"),
        ("10.1", "not_assessed", "high", "up"),
    ]
    # 8.2 was already low before: not new. 8.4 went from absent, 8.7 from unrated.
    assert changes.new_triggers == ("8.4", "8.7")
    data = json.loads(json.dumps(changes.to_dict()))
    assert data["level_changes"][0] == {
        "key": "genocide",
        "from": "serious_concern",
        "to": "current_crisis",
        "direction": "up",
    }


def test_compare_reports_a_level_going_down():
    previous, current = rate("11.1", severity="high"), rate("11.1", severity="low")
    changes = compare(previous, current, run(previous), run(current), framework=FRAMEWORK)
    overall = changes.level_changes[-1]
    assert (overall.from_level, overall.to_level, overall.direction) == (
        "current_crisis",
        "low",
        "down",
    )
    assert changes.new_triggers == ()


# --------------------------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: Rating("severe"), id="unknown severity"),
        pytest.param(lambda: Rating("high", trend="up"), id="unknown trend"),
        pytest.param(lambda: Thresholds(serious_common_count=0), id="zero count"),
        pytest.param(lambda: Thresholds(pillar3_min_level="grave"), id="unknown level"),
        pytest.param(lambda: Thresholds(crisis_conduct_severity="absent"), id="absent threshold"),
        pytest.param(lambda: EscalationThresholds(alert_sa_rise=0), id="zero rise"),
        pytest.param(lambda: run({}, "hostile"), id="unknown posture"),
        pytest.param(
            lambda: build_framework(
                extra_links=[ToolLink("P1-x", "x", "X", 1, 7, "8.1", 2, "wrong factor")]
            ),
            id="indicator of another factor",
        ),
        pytest.param(lambda: ToolLink("P4-x", "x", "X", 4, 1), id="unknown pillar"),
        pytest.param(lambda: ToolLink("P1-x", "x", "X", 1, 1, strength=5), id="strength 5"),
        pytest.param(lambda: Thresholds.from_dict({"bogus": 1}), id="unknown setting"),
    ],
)
def test_invalid_input_is_refused(make):
    with pytest.raises(ValueError, match=r"."):
        make()


def test_stored_thresholds_accept_factor_codes():
    stored = {"code": "default", "imminent_enabling_factors": ["RF7", "RF8"]}
    assert Thresholds.from_dict(stored, ignore_unknown=True) == Thresholds()
    assert Thresholds().to_dict()["imminent_enabling_factors"] == [7, 8]


def test_scales_are_ordered():
    assert LEVELS == (
        "insufficient_data",
        "low",
        "serious_concern",
        "imminent_risk",
        "current_crisis",
    )
    assert SEVERITIES == ("not_assessed", "absent", "low", "moderate", "high")


# --------------------------------------------------------------------------------------------
# Reasons are rules with their parameters, never words
# --------------------------------------------------------------------------------------------


def test_a_reason_is_a_rule_with_its_parameters():
    result = run(rate("10.1", severity="moderate"))

    assert result.crimes["genocide"].reasons == (
        {
            "rule": "imminent_conduct_factor",
            "factor": "RF10",
            "severity": "moderate",
            "indicators": ["10.1"],
        },
    )
    assert result.overall_reason == {
        "rule": "overall_set_by",
        "level": "imminent_risk",
        "crimes": ["genocide"],
    }


def _reasons_in(value):
    """Every reason (a dict with a "rule") anywhere in a stored result or summary."""
    if isinstance(value, dict):
        if "rule" in value:
            yield value
        for item in value.values():
            yield from _reasons_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _reasons_in(item)


@given(ratings=some_ratings, posture=a_posture)
@hypothesis_settings(max_examples=60, deadline=None)
def test_a_stored_result_holds_codes_and_numbers_and_words_every_reason(ratings, posture):
    stored = json.loads(json.dumps(assess(FRAMEWORK, ratings, posture).to_dict()))

    reasons = list(_reasons_in(stored))

    assert stored["schema"] == 2
    assert reasons, "every result explains itself"
    for reason in reasons:
        assert reason["rule"] in wording.RULES
        assert wording.reason_text(reason, crimes={c.key: c.name for c in CRIMES})
    # No sentence is stored: the words come when the result is shown.
    text = json.dumps(stored)
    for phrase in ("imminent risk:", "serious concern:", "withheld:", " x weight ", "set by"):
        assert phrase not in text
