"""A situation over time (its charts and their tables) and two assessments compared."""

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from django.urls import reverse

from assessments import charts, comparison, selectors, trends
from assessments.comparison import RatingState
from assessments.models import Assessment, IndicatorRating
from tests.assessments.builders import build_assessment, build_situation

SVG = "{http://www.w3.org/2000/svg}"
CRIMES = {
    "genocide": "Genocide",
    "crimes_against_humanity": "Crimes against humanity",
    "war_crimes": "War crimes",
}
# Three common factors moderate: serious concern for every crime.
SERIOUS = {"1.1": "moderate", "2.1": "moderate", "3.1": "moderate"}
# See tests/assessments/test_queries.py: + factor titles, crimes, the current external
# forecasts, the groups at risk
SITUATION_PAGE_QUERIES = 12
# + the session, the user, the groups; the situation; the assessments to choose from; the two
# compared, their ratings with indicators and factors, the ratings' sources; factor titles;
# crime names
COMPARE_PAGE_QUERIES = 11  # + the unread notifications' count


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def levels(genocide, humanity, war, overall):
    return {
        "genocide": genocide,
        "crimes_against_humanity": humanity,
        "war_crimes": war,
        "overall": overall,
    }


def unsaved(pk, as_of, status, result_levels, factor_levels):
    """An assessment as the history reads it: its date, its status and the levels stored
    out of its result."""
    return Assessment(
        pk=pk,
        as_of=as_of,
        status=status,
        overall_level=result_levels["overall"],
        result={"levels": result_levels, "factor_levels": factor_levels},
        crime_levels=result_levels,
        factor_levels=factor_levels,
    )


@pytest.fixture
def hand_built_history():
    """Three assessments, given newest first as the situation's relation lists them."""
    return [
        unsaved(
            3,
            date(2026, 3, 5),
            "draft",
            levels("low", "imminent_risk", "serious_concern", "imminent_risk"),
            {"1": "moderate", "7": "high", "8": "low"},
        ),
        unsaved(
            2,
            date(2026, 2, 1),
            "approved",
            levels("low", "serious_concern", "serious_concern", "serious_concern"),
            {"1": "moderate", "7": "moderate", "8": None},
        ),
        unsaved(
            1,
            date(2026, 1, 10),
            "approved",
            levels("insufficient_data", "low", "low", "low"),
            {"1": "low", "7": None, "8": None},
        ),
    ]


# The history as plain data -------------------------------------------------------------------


def test_history_lists_each_assessment_oldest_first_with_its_levels(hand_built_history):
    history = trends.situation_history(hand_built_history, factor_numbers=[1, 2])

    assert history.level_keys == ("genocide", "crimes_against_humanity", "war_crimes", "overall")
    assert history.factor_numbers == (1, 2, 7, 8)
    assert history.rows == (
        trends.HistoryRow(
            assessment_id=1,
            as_of=date(2026, 1, 10),
            approved=True,
            status="approved",
            levels=("insufficient_data", "low", "low", "low"),
            factor_levels=("low", None, None, None),
        ),
        trends.HistoryRow(
            assessment_id=2,
            as_of=date(2026, 2, 1),
            approved=True,
            status="approved",
            levels=("low", "serious_concern", "serious_concern", "serious_concern"),
            factor_levels=("moderate", None, "moderate", None),
        ),
        trends.HistoryRow(
            assessment_id=3,
            as_of=date(2026, 3, 5),
            approved=False,
            status="draft",
            levels=("low", "imminent_risk", "serious_concern", "imminent_risk"),
            factor_levels=("moderate", None, "high", "low"),
        ),
    )


def test_history_takes_the_overall_level_of_an_assessment_without_a_stored_result():
    bare = Assessment(pk=9, as_of=date(2026, 4, 1), status="draft", overall_level="low")

    history = trends.situation_history([bare])

    assert history.level_keys == ("overall",)
    assert history.rows[0].levels == ("low",)
    assert history.rows[0].factor_levels == ()


# The charts ---------------------------------------------------------------------------------


def parse(markup):
    """The chart as XML: it must be well-formed."""
    return ET.fromstring(str(markup))  # noqa: S314 - the app's own output


def texts(svg):
    return [element.text for element in svg.iter(f"{SVG}text")]


def test_level_chart_is_an_svg_image_titled_and_described_with_one_point_per_assessment(
    hand_built_history,
):
    history = trends.situation_history(hand_built_history)

    svg = parse(trends.level_chart(history, crime_names=CRIMES, situation="North Darfur"))

    assert svg.tag == f"{SVG}svg"
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "levels-chart-title levels-chart-desc"
    assert svg.find(f"{SVG}title").text == "Risk levels of North Darfur over time"
    assert svg.find(f"{SVG}title").get("id") == "levels-chart-title"
    assert svg.find(f"{SVG}desc").get("id") == "levels-chart-desc"
    assert "3 assessments" in svg.find(f"{SVG}desc").text
    for key in history.level_keys:
        series = svg.find(f".//{SVG}g[@data-series='{key}']")
        points = [p for p in series if p.get("class") == "point"]
        assert [p.get("data-ref") for p in points] == ["1", "2", "3"]
        assert [p.get("data-approved") for p in points] == ["true", "true", "false"]
    overall = svg.find(f".//{SVG}g[@data-series='overall']")
    assert [p.find(f"{SVG}title").text for p in overall if p.get("class") == "point"] == [
        "Overall, 2026-01-10, approved: low",
        "Overall, 2026-02-01, approved: serious concern",
        "Overall, 2026-03-05, unapproved (draft): imminent risk",
    ]
    words = texts(svg)
    for label in ["insufficient data", "low", "serious concern", "imminent risk"]:
        assert label in words
    assert "current crisis" in words
    assert {"2026-01-10", "2026-03-05", "As of", "Risk level"} <= set(words)
    assert {"Genocide", "Overall", "approved", "unapproved"} <= set(words)


def test_in_a_right_to_left_language_the_charts_run_right_to_left_with_texts_readable(
    hand_built_history,
):
    from django.utils import translation

    history = trends.situation_history(hand_built_history)
    english = parse(trends.level_chart(history, crime_names=CRIMES, situation="North Darfur"))
    with translation.override("ar"):
        arabic = parse(trends.level_chart(history, crime_names=CRIMES, situation="North Darfur"))
        strip = parse(trends.factor_chart(history, situation="North Darfur"))

    def mirrors(svg):
        return [g for g in svg.findall(f"{SVG}g") if "matrix" in (g.get("transform") or "")]

    assert mirrors(english) == []
    for svg in (arabic, strip):
        mirror = mirrors(svg)
        assert [g.get("transform") for g in mirror] == ["matrix(-1 0 0 1 760 0)"]
        assert [child.tag for child in svg][:2] == [f"{SVG}title", f"{SVG}desc"]
        for text in mirror[0].iter(f"{SVG}text"):
            x = float(text.get("x", "0"))
            # Flipped back about its own place: the mirror only moves it, to 760 - x.
            assert text.get("transform").startswith(f"matrix(-1 0 0 1 {2 * x:g} 0)")
    # Each text anchored at one end is anchored at the other: the labels of the values, left
    # of their axis and ending there, stand right of it and start there.
    swapped = {"start": "end", "end": "start", "middle": "middle"}
    before = [t.get("text-anchor", "start") for t in english.iter(f"{SVG}text")]
    after = [t.get("text-anchor", "start") for t in arabic.iter(f"{SVG}text")]
    assert after == [swapped[anchor] for anchor in before]
    assert "end" in before and "start" in before


def test_level_chart_draws_approved_steps_solid_and_steps_to_an_unapproved_one_dotted(
    hand_built_history,
):
    history = trends.situation_history(hand_built_history)

    svg = parse(trends.level_chart(history, crime_names=CRIMES, situation="North Darfur"))

    paths = svg.find(f".//{SVG}g[@data-series='overall']").findall(f"{SVG}path")
    solid = [p for p in paths if p.get("stroke-dasharray") is None]
    dotted = [p for p in paths if p.get("stroke-dasharray") is not None]
    assert [p.get("d").count("M") for p in solid] == [1]  # 2026-01-10 to 2026-02-01
    assert [p.get("d").count("M") for p in dotted] == [1]  # 2026-02-01 to the draft


def test_charts_escape_the_words_they_are_given(hand_built_history):
    history = trends.situation_history(hand_built_history)
    name = 'Kordofan <script>alert("x")</script> & Blue Nile'

    markup = str(trends.level_chart(history, crime_names=CRIMES, situation=name))

    assert "<script>" not in markup
    assert parse(markup).find(f"{SVG}title").text == f"Risk levels of {name} over time"
    strip = parse(trends.factor_chart(history, situation=name))
    assert strip.find(f"{SVG}title").text == f"Risk factor levels of {name} over time"


def test_factor_chart_has_a_cell_per_factor_and_assessment_and_marks_the_approved(
    hand_built_history,
):
    history = trends.situation_history(hand_built_history)

    svg = parse(trends.factor_chart(history, situation="North Darfur"))

    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").get("id") == "factors-chart-title"
    rows = svg.findall(f".//{SVG}g[@class='row']")
    assert [row.get("data-series") for row in rows] == ["1", "7", "8"]
    assert [cell.find(f"{SVG}title").text for cell in rows[1]] == [
        "RF7, 2026-01-10, approved: not assessed",
        "RF7, 2026-02-01, approved: moderate",
        "RF7, 2026-03-05, unapproved (draft): high",
    ]
    marked = svg.find(f".//{SVG}g[@class='status']")
    assert [mark.get("data-ref") for mark in marked] == ["1", "2"]
    assert {"RF1", "RF7", "RF8", "2026-01-10", "As of"} <= set(texts(svg))


def test_time_ticks_spread_evenly_between_the_first_and_the_last_date():
    assert charts.time_ticks(date(2026, 1, 1), date(2026, 1, 1)) == [date(2026, 1, 1)]
    assert charts.time_ticks(date(2026, 1, 1), date(2026, 1, 3)) == [
        date(2026, 1, 1),
        date(2026, 1, 2),
        date(2026, 1, 3),
    ]
    assert charts.time_ticks(date(2026, 1, 1), date(2026, 1, 11)) == [
        date(2026, 1, 1),
        date(2026, 1, 3),
        date(2026, 1, 5),
        date(2026, 1, 7),
        date(2026, 1, 9),
        date(2026, 1, 11),
    ]


# The situation page ---------------------------------------------------------------------


@pytest.fixture
def situation(reviewer, analyst):
    return build_situation(by=reviewer, analysts=[analyst], name="North Darfur")


@pytest.fixture
def history_of_three(situation, analyst, reviewer):
    """Approved in January (serious concern), approved in February (genocide in crisis),
    a draft in March (every crime low)."""
    january = build_assessment(
        situation,
        by=analyst,
        ratings=SERIOUS,
        as_of=date(2026, 1, 10),
        status="approved",
        reviewer=reviewer,
    )
    february = build_assessment(
        situation,
        by=analyst,
        ratings={**SERIOUS, "10.1": "high"},
        as_of=date(2026, 2, 1),
        status="approved",
        reviewer=reviewer,
    )
    march = build_assessment(situation, by=analyst, ratings={"1.1": "low"}, as_of=date(2026, 3, 5))
    return january, february, march


@pytest.mark.django_db
def test_situation_page_shows_the_level_chart_and_its_data_table(
    client, analyst, situation, history_of_three
):
    client.force_login(analyst)

    response = client.get(reverse("assessments:situation", kwargs={"pk": situation.pk}))

    assert response.status_code == 200
    history = response.context["history"]
    assert [(row.as_of, row.approved, row.levels) for row in history.rows] == [
        (
            date(2026, 1, 10),
            True,
            ("serious_concern", "serious_concern", "serious_concern", "serious_concern"),
        ),
        (
            date(2026, 2, 1),
            True,
            ("current_crisis", "serious_concern", "serious_concern", "current_crisis"),
        ),
        (date(2026, 3, 5), False, ("low", "low", "low", "low")),
    ]
    assert response.context["level_columns"] == [
        "Genocide",
        "Crimes against humanity",
        "War crimes",
        "Overall",
    ]
    body = response.content.decode()
    table = body[
        body.index('id="levels-table"') : body.index("</table>", body.index("levels-table"))
    ]
    rows = table.split("<tr>")[2:]
    assert len(rows) == 3
    assert "2026-01-10" in rows[0] and "approved" in rows[0]
    assert rows[2].count("<td>low</td>") == 4
    assert "unapproved (draft)" in rows[2]
    assert body.count('class="point"') == 3 * 4  # three assessments, three crimes and overall
    assert 'aria-labelledby="levels-table-caption"' in body
    assert 'id="factors-table"' in body


@pytest.mark.django_db
def test_situation_page_without_assessments_says_there_is_nothing_to_chart(
    client, analyst, situation
):
    client.force_login(analyst)

    response = client.get(reverse("assessments:situation", kwargs={"pk": situation.pk}))

    assert "there is nothing to show over time" in response.content.decode()
    assert "<svg" not in response.content.decode()


# Comparing two assessments ------------------------------------------------------------------


@pytest.fixture
def two_assessments(situation, analyst, reviewer):
    before = build_assessment(
        situation,
        by=analyst,
        ratings={
            "1.1": "moderate",
            "2.1": "moderate",
            "3.1": "moderate",
            "7.5": ("high", "stable", "medium"),
        },
        as_of=date(2026, 1, 10),
        posture="unwilling",
        narrative="Sieges of the camps.",
        status="approved",
        reviewer=reviewer,
    )
    after = build_assessment(
        situation,
        by=analyst,
        ratings={
            "1.1": "moderate",
            "2.1": ("moderate", "worsening", "medium"),
            "3.1": ("moderate", "stable", "high"),
            "10.1": "high",
        },
        as_of=date(2026, 2, 1),
        posture="perpetrator",
        narrative="Sieges of the camps.\n",
    )
    IndicatorRating.objects.filter(assessment=after, indicator__code="1.1").update(
        note="New field reports."
    )
    return before, after


def source(code):
    return (("B", f"OHCHR press briefing on {code}"),)


@pytest.mark.django_db
def test_comparison_lists_exactly_what_changed(situation, two_assessments):
    before, after = selectors.assessments_for_comparison(
        situation, two_assessments[1].pk, two_assessments[0].pk
    )

    compared = comparison.compare_assessments(before, after, factor_titles={7: "Enabling"})

    assert (compared.before.pk, compared.after.pk) == (two_assessments[0].pk, two_assessments[1].pk)
    assert [(r.key, r.before, r.after, r.direction) for r in compared.levels] == [
        ("genocide", "serious_concern", "current_crisis", "up"),
        ("crimes_against_humanity", "serious_concern", "serious_concern", "same"),
        ("war_crimes", "serious_concern", "serious_concern", "same"),
        ("overall", "serious_concern", "current_crisis", "up"),
    ]
    assert [r["rule"] for r in compared.levels[0].after_reasons] == ["crisis_conduct_factor"]
    assert [(f.number, f.before, f.after) for f in compared.factors if f.changed] == [
        (7, "high", None),
        (10, None, "high"),
    ]
    assert next(f.title for f in compared.factors if f.number == 7) == "Enabling"
    note = "Field reports on {}."
    assert [(c.code, c.changed, c.before, c.after) for c in compared.indicators] == [
        (
            "1.1",
            ("note",),
            RatingState("moderate", "stable", "medium", note.format("1.1"), source("1.1")),
            RatingState("moderate", "stable", "medium", "New field reports.", source("1.1")),
        ),
        (
            "2.1",
            ("trend",),
            RatingState("moderate", "stable", "medium", note.format("2.1"), source("2.1")),
            RatingState("moderate", "worsening", "medium", note.format("2.1"), source("2.1")),
        ),
        (
            "3.1",
            ("confidence",),
            RatingState("moderate", "stable", "medium", note.format("3.1"), source("3.1")),
            RatingState("moderate", "stable", "high", note.format("3.1"), source("3.1")),
        ),
        (
            "7.5",
            ("severity", "note", "sources"),
            RatingState("high", "stable", "medium", note.format("7.5"), source("7.5")),
            RatingState(),
        ),
        (
            "10.1",
            ("severity", "note", "sources"),
            RatingState(),
            RatingState("high", "stable", "medium", note.format("10.1"), source("10.1")),
        ),
    ]
    assert compared.posture_changed
    assert not compared.narrative_changed  # only a trailing line break differs
    old = {rec["entry"] for rec in before.result["recommendations"]}
    new = {rec["entry"] for rec in after.result["recommendations"]}
    assert [rec.entry for rec in compared.added] == ADDED
    assert [rec.entry for rec in compared.dropped] == DROPPED
    assert set(ADDED) == new - old and set(DROPPED) == old - new


# Unwilling at serious concern, then a perpetrator at current crisis: Pillar II help gives way
# to the international response of Pillar III, its coercive tools included.
ADDED = [
    "P3-criminal-investigations-fact-finding-missions-and-commissions-of-inquiry",
    "P3-mediation-and-political-dialogue",
    "P3-preventive-diplomacy",
    "P3-protection-of-civilians-in-humanitarian-emergencies",
    "P3-protection-of-refugees-and-internally-displaced",
    "P3-public-advocacy",
    "P3-referral-to-the-icc",
    "P3-un-charter-chapter-vii-authorised-use-of-force",
]
DROPPED = [
    "P2-building-early-warning-and-atrocity-prevention-capacity",
    "P2-denying-the-means-to-commit-atrocity-crimes",
    "P2-monitoring-or-observer-missions",
]


def test_default_pair_is_the_latest_and_the_approved_one_before_it():
    def a(pk, status):
        return Assessment(pk=pk, status=status)

    newest_first = [a(5, "draft"), a(4, "returned"), a(3, "approved"), a(2, "approved")]

    assert comparison.default_pair(newest_first) == (3, 5)
    assert comparison.default_pair(newest_first, b=3) == (2, 3)
    assert comparison.default_pair(newest_first, b=2) == (None, 2)
    assert comparison.default_pair([a(2, "draft"), a(1, "draft")]) == (1, 2)
    assert comparison.default_pair(newest_first, a=5) == (4, 5)
    assert comparison.default_pair(newest_first, a=2, b=4) == (2, 4)
    assert comparison.default_pair([a(1, "draft")]) == (None, 1)
    assert comparison.default_pair([]) == (None, None)


def compare_url(situation, **params):
    query = "&".join(f"{name}={value}" for name, value in params.items())
    url = reverse("assessments:compare", kwargs={"pk": situation.pk})
    return f"{url}?{query}" if query else url


@pytest.mark.django_db
def test_compare_page_shows_the_latest_against_the_approved_one_before_it_by_default(
    client, analyst, situation, history_of_three
):
    _january, february, march = history_of_three
    client.force_login(analyst)

    response = client.get(compare_url(situation))

    assert response.status_code == 200
    compared = response.context["comparison"]
    assert (compared.before.pk, compared.after.pk) == (february.pk, march.pk)
    assert response.context["form"].initial == {"a": february.pk, "b": march.pk}
    body = response.content.decode()
    assert "<title>North Darfur: compare two assessments" in body
    assert 'id="indicator-changes"' in body


@pytest.mark.django_db
def test_compare_page_shows_the_earlier_assessment_first_whatever_the_order_asked(
    client, reviewer, situation, two_assessments
):
    before, after = two_assessments
    client.force_login(reviewer)

    response = client.get(compare_url(situation, a=after.pk, b=before.pk))

    compared = response.context["comparison"]
    assert (compared.before.pk, compared.after.pk) == (before.pk, after.pk)
    body = response.content.decode()
    assert "moderate → moderate" not in body
    assert "stable → worsening" in body
    assert "medium → high" in body
    assert "high → not assessed" in body
    assert "New field reports." in body
    assert "current crisis: conduct factor RF10 is high (10.1)" in body  # a reason in words
    assert "unwilling to protect" in body and "itself a perpetrator" in body


@pytest.mark.django_db
def test_compare_page_with_a_single_assessment_says_there_is_nothing_to_compare(
    client, analyst, situation, reviewer
):
    build_assessment(situation, by=analyst, status="approved", reviewer=reviewer)
    client.force_login(analyst)

    response = client.get(compare_url(situation))

    assert response.status_code == 200
    assert response.context["comparison"] is None
    assert "fewer than two assessments" in response.content.decode()


@pytest.mark.django_db
def test_summary_and_assessment_page_link_to_the_comparison(client, analyst, reviewer, situation):
    approved = build_assessment(
        situation, by=analyst, ratings=SERIOUS, status="approved", reviewer=reviewer
    )
    in_review = build_assessment(
        situation,
        by=analyst,
        ratings={**SERIOUS, "7.5": "high"},
        as_of=date(2026, 6, 1),
        status="in_review",
        reviewer=reviewer,
    )
    client.force_login(reviewer)

    body = client.get(reverse("assessments:detail", kwargs={"pk": in_review.pk})).content.decode()

    assert f"{compare_url(situation)}?a={approved.pk}&amp;b={in_review.pk}" in body
    assert f"{compare_url(situation)}?b={in_review.pk}" in body


# Who may see what --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["assessments:situation", "assessments:compare"])
def test_unassigned_analyst_gets_not_found_for_both_pages(
    client, other_analyst, situation, history_of_three, page
):
    client.force_login(other_analyst)

    response = client.get(reverse(page, kwargs={"pk": situation.pk}))

    assert response.status_code == 404


@pytest.mark.django_db
def test_comparing_assessments_of_two_different_situations_is_not_found(
    client, analyst, reviewer, situation, history_of_three
):
    elsewhere = build_situation(by=reviewer, analysts=[analyst])
    foreign = build_assessment(elsewhere, by=analyst)
    january, _february, march = history_of_three
    client.force_login(analyst)

    assert client.get(compare_url(situation, a=january.pk, b=foreign.pk)).status_code == 404
    assert client.get(compare_url(situation, a=foreign.pk, b=march.pk)).status_code == 404
    assert client.get(compare_url(elsewhere, a=january.pk, b=march.pk)).status_code == 404
    assert client.get(compare_url(situation, b=foreign.pk)).status_code == 404
    assert client.get(compare_url(situation, a="x", b=march.pk)).status_code == 404


@pytest.mark.django_db
def test_an_analyst_cannot_compare_an_assessment_of_a_situation_not_assigned_to_them(
    client, analyst, other_analyst, reviewer, situation, history_of_three
):
    theirs = build_situation(by=reviewer, analysts=[other_analyst])
    hidden = build_assessment(theirs, by=other_analyst)
    client.force_login(analyst)

    assert client.get(compare_url(theirs, b=hidden.pk)).status_code == 404
    assert client.get(compare_url(situation, b=hidden.pk)).status_code == 404


# A fixed number of queries -----------------------------------------------------------------


def many_assessments(count, *, situation, analyst, reviewer):
    """``count`` assessments of ``situation``: two through the services (compared on the
    compare page), the rest in bulk with stored results, approved and drafts alternating."""
    first = build_assessment(
        situation, by=analyst, ratings=SERIOUS, status="approved", reviewer=reviewer
    )
    second = build_assessment(
        situation, by=analyst, ratings={**SERIOUS, "10.1": "high"}, as_of=date(2026, 6, 1)
    )
    steps = ("low", "serious_concern", "imminent_risk", "current_crisis")
    Assessment.objects.bulk_create(
        Assessment(
            situation=situation,
            author=analyst,
            as_of=date(2025, 1, 1) + timedelta(days=n),
            posture="unwilling",
            status=("draft", "approved")[n % 2],
            reviewer=reviewer if n % 2 else None,
            revision=n % 2,
            overall_level=steps[n % 4],
            # Its result, and the levels stored out of it as the app stores them.
            result={"levels": crimes, "factor_levels": factors},
            crime_levels=crimes,
            factor_levels=factors,
        )
        for n in range(count - 2)
        for crimes, factors in [
            (
                levels(steps[n % 4], "low", steps[n % 3], steps[n % 4]),
                {str(f): ("low", "high", None)[(n + f) % 3] for f in range(1, 15)},
            )
        ]
    )
    assert situation.assessments.count() == count
    return first, second


@pytest.mark.django_db
@pytest.mark.parametrize("count", [10, 200])
def test_situation_page_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, analyst, reviewer, situation, count
):
    many_assessments(count, situation=situation, analyst=analyst, reviewer=reviewer)
    client.force_login(analyst)
    url = reverse("assessments:situation", kwargs={"pk": situation.pk})
    client.get(url)

    with django_assert_max_num_queries(SITUATION_PAGE_QUERIES):
        response = client.get(url)

    assert len(response.context["history"].rows) == count
    assert response.content.decode().count('class="point"') == 4 * count


@pytest.mark.django_db
@pytest.mark.parametrize("count", [10, 200])
def test_compare_page_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, analyst, reviewer, situation, count
):
    first, second = many_assessments(count, situation=situation, analyst=analyst, reviewer=reviewer)
    client.force_login(analyst)
    url = compare_url(situation, a=first.pk, b=second.pk)
    client.get(url)

    with django_assert_max_num_queries(COMPARE_PAGE_QUERIES):
        response = client.get(url)

    assert response.status_code == 200
    assert [i.code for i in response.context["comparison"].indicators] == ["10.1"]
    assert response.content.decode().count("<option") == 2 * count
