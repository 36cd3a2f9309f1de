"""The watch: where risk sits and moves, what awaits whom, what is overdue, what was decided."""

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from assessments import derived, selectors
from assessments.models import (
    Assessment,
    EscalationDecision,
    EscalationSummary,
    Participation,
    ProtectedGroup,
    Situation,
    Transition,
)
from assessments.selectors import FactorChange, LevelChange
from assessments.views import WATCH_PAGE_SIZE
from tests.assessments.builders import (
    RETURN_REASON,
    SERIOUS_CONCERN,
    build_assessment,
    build_situation,
    many_actions,
)
from tests.assessments.test_queries import many_situations

LOW = {"1.1": "low"}
# SERIOUS_CONCERN plus a conduct factor: genocide (RF10) high is a current crisis; crimes
# against humanity (RF11) or war crimes (RF13) moderate is an imminent risk of that crime.
GENOCIDE_CRISIS = {**SERIOUS_CONCERN, "10.1": "high"}
WAR_CRIMES_IMMINENT = {**SERIOUS_CONCERN, "13.1": "moderate"}
CAH_IMMINENT = {**SERIOUS_CONCERN, "11.1": "moderate"}

JAN, MAR, MAY = date(2026, 1, 1), date(2026, 3, 1), date(2026, 5, 1)

# The session, the user and the user's groups; the visible situations by level; the moving
# situations counted and paged, their last two approved assessments, and the factor titles;
# the crimes' names; what awaits the user (an analyst's drafts and returned assessments, or the
# summaries awaiting a reviewer's decision counted and paged: one query per role held, and the
# count); the overdue situations; the recent decisions; the current external forecasts
# (tests/forecasts/test_pages.py: one more, the levels of the situations their ranks may flag,
# once a forecast is imported); the overdue response actions; the situations with groups at
# risk counted and paged, their groups and the genocide-factor ratings naming them.
WATCH_QUERIES = 20  # with the unread notifications' count


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def approved(situation, ratings, as_of, *, by, reviewer):
    return build_assessment(
        situation, by=by, ratings=ratings, as_of=as_of, status="approved", reviewer=reviewer
    )


def counts(situations=None):
    return [
        (c.level, c.count) for c in selectors.watch_counts(situations or Situation.objects.all())
    ]


# Counts ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_situation_counts_at_its_latest_approved_level_else_its_latest(analyst, reviewer):
    approved_then_draft = build_situation(by=reviewer, analysts=[analyst])
    approved(approved_then_draft, SERIOUS_CONCERN, JAN, by=analyst, reviewer=reviewer)
    build_assessment(approved_then_draft, by=analyst, ratings=GENOCIDE_CRISIS, as_of=MAR)
    rose = build_situation(by=reviewer, analysts=[analyst])
    approved(rose, LOW, JAN, by=analyst, reviewer=reviewer)
    approved(rose, WAR_CRIMES_IMMINENT, MAR, by=analyst, reviewer=reviewer)
    only_a_draft = build_situation(by=reviewer, analysts=[analyst])
    build_assessment(only_a_draft, by=analyst, ratings=LOW)
    empty_draft = build_situation(by=reviewer, analysts=[analyst])
    build_assessment(empty_draft, by=analyst)
    build_situation(by=reviewer, analysts=[analyst])  # never assessed

    assert counts() == [
        ("current_crisis", 0),
        ("imminent_risk", 1),
        ("serious_concern", 1),
        ("low", 1),
        ("insufficient_data", 1),
        (None, 1),
    ]


@pytest.mark.django_db
def test_counts_link_to_the_situation_list_filtered_by_level(client, analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst])
    approved(situation, SERIOUS_CONCERN, JAN, by=analyst, reviewer=reviewer)
    client.force_login(analyst)

    body = client.get(reverse("home")).content.decode()

    situations = reverse("assessments:situations")
    for code in (
        "current_crisis",
        "imminent_risk",
        "serious_concern",
        "low",
        "insufficient_data",
        "none",
    ):
        assert f'href="{situations}?level={code}"' in body
    assert "not assessed yet" in body


# Movers ------------------------------------------------------------------------------------


@pytest.fixture
def history(analyst, reviewer):
    """Four situations with approved assessments in January, March and May."""
    rising = build_situation(by=reviewer, analysts=[analyst], name="Rising")
    approved(rising, LOW, JAN, by=analyst, reviewer=reviewer)
    approved(rising, SERIOUS_CONCERN, MAR, by=analyst, reviewer=reviewer)
    latest_rising = approved(rising, GENOCIDE_CRISIS, MAY, by=analyst, reviewer=reviewer)
    falling = build_situation(by=reviewer, analysts=[analyst], name="Falling")
    approved(falling, WAR_CRIMES_IMMINENT, MAR, by=analyst, reviewer=reviewer)
    latest_falling = approved(falling, SERIOUS_CONCERN, MAY, by=analyst, reviewer=reviewer)
    # Overall unchanged (imminent risk), but the crimes at imminent risk changed places.
    shifting = build_situation(by=reviewer, analysts=[analyst], name="Shifting")
    approved(shifting, WAR_CRIMES_IMMINENT, MAR, by=analyst, reviewer=reviewer)
    latest_shifting = approved(shifting, CAH_IMMINENT, MAY, by=analyst, reviewer=reviewer)
    # Unchanged between its last two approved assessments; the rise after them is not approved.
    steady = build_situation(by=reviewer, analysts=[analyst], name="Steady")
    approved(steady, LOW, JAN, by=analyst, reviewer=reviewer)
    approved(steady, SERIOUS_CONCERN, MAR, by=analyst, reviewer=reviewer)
    approved(steady, SERIOUS_CONCERN, MAY, by=analyst, reviewer=reviewer)
    build_assessment(
        steady, by=analyst, ratings=GENOCIDE_CRISIS, as_of=date(2026, 6, 1), status="submitted"
    )
    build_assessment(
        steady,
        by=analyst,
        ratings=GENOCIDE_CRISIS,
        as_of=date(2026, 6, 2),
        status="returned",
        reviewer=reviewer,
    )
    once = build_situation(by=reviewer, analysts=[analyst], name="Assessed once")
    approved(once, GENOCIDE_CRISIS, MAY, by=analyst, reviewer=reviewer)
    return {
        "rising": (rising, latest_rising),
        "falling": (falling, latest_falling),
        "shifting": (shifting, latest_shifting),
    }


@pytest.mark.django_db
def test_movers_are_the_situations_whose_level_moved_biggest_rise_first(history):
    found = selectors.movers(Situation.objects.all())

    assert [
        (m.situation_name, m.rise, m.crime_rise, m.before_as_of, m.after_as_of) for m in found
    ] == [
        ("Rising", 2, 2, MAR, MAY),
        ("Shifting", 0, 0, MAR, MAY),
        ("Falling", -1, -1, MAR, MAY),
    ]
    rising, shifting, falling = found
    assert rising.situation_id == history["rising"][0].pk
    assert rising.assessment_id == history["rising"][1].pk
    assert rising.overall == LevelChange("overall", "serious_concern", "current_crisis")
    assert rising.crimes == (LevelChange("genocide", "serious_concern", "current_crisis"),)
    assert rising.factors == (
        FactorChange(
            10, "Signs of an intent to destroy in whole or in part a protected group", None, "high"
        ),
    )
    assert shifting.overall == LevelChange("overall", "imminent_risk", "imminent_risk")
    assert shifting.crimes == (
        LevelChange("crimes_against_humanity", "serious_concern", "imminent_risk"),
        LevelChange("war_crimes", "imminent_risk", "serious_concern"),
    )
    assert [(f.number, f.before, f.after, f.rise) for f in shifting.factors] == [
        (11, None, "moderate", 3),
        (13, "moderate", None, -3),
    ]
    assert falling.overall == LevelChange("overall", "imminent_risk", "serious_concern")
    assert falling.crimes == (LevelChange("war_crimes", "imminent_risk", "serious_concern"),)
    assert [(f.number, f.before, f.after) for f in falling.factors] == [(13, "moderate", None)]


@pytest.mark.django_db
def test_movers_show_on_the_watch_with_their_factors_and_a_link(client, history, analyst):
    client.force_login(analyst)

    response = client.get(reverse("home"))

    body = response.content.decode()
    rising, latest = history["rising"]
    assert [m.situation_name for m in response.context["movers"]] == [
        "Rising",
        "Shifting",
        "Falling",
    ]
    assert f'href="{reverse("assessments:situation", args=[rising.pk])}"' in body
    assert f'href="{reverse("assessments:detail", args=[latest.pk])}"' in body
    assert "rising" in body and "falling" in body
    assert "RF10 Signs of an intent to destroy" in body


# Overdue -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_overdue_rows_count_the_days_since_the_cadence_ran_out(analyst, reviewer):
    month = build_situation(by=reviewer, analysts=[analyst], name="Monthly", review_cadence_days=30)
    build_assessment(month, by=analyst, as_of=date(2026, 4, 1))
    quarter = build_situation(by=reviewer, analysts=[analyst], name="Quarterly")
    build_assessment(quarter, by=analyst, as_of=date(2026, 4, 1))
    never = build_situation(by=reviewer, analysts=[analyst], name="Never assessed")
    Situation.objects.filter(pk=never.pk).update(created_at=datetime(2026, 1, 1, 12, tzinfo=UTC))
    derived.refresh_situation_summary([never.pk])  # its due date follows its creation
    due_today = build_situation(
        by=reviewer, analysts=[analyst], name="Due today", review_cadence_days=60
    )
    build_assessment(due_today, by=analyst, as_of=date(2026, 4, 2))

    rows = selectors.overdue_rows(Situation.objects.all(), date(2026, 6, 1))

    assert [(r.situation_name, r.due, r.days_overdue) for r in rows] == [
        ("Never assessed", date(2026, 4, 1), 61),
        ("Monthly", date(2026, 5, 1), 31),
    ]


# What awaits whom --------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_analyst_awaits_their_drafts_and_what_was_returned_with_the_reason(
    analyst, other_analyst, reviewer
):
    situation = build_situation(by=reviewer, analysts=[analyst, other_analyst], name="Lake")
    draft = build_assessment(situation, by=analyst, as_of=MAR)
    returned = build_assessment(
        situation, by=analyst, as_of=JAN, status="returned", reviewer=reviewer
    )
    build_assessment(situation, by=other_analyst, as_of=MAY)  # someone else's draft
    build_assessment(situation, by=analyst, as_of=MAY, status="approved", reviewer=reviewer)

    awaiting = selectors.awaiting_for(analyst)

    assert [row.assessment.pk for row in awaiting.drafts] == [draft.pk]
    assert [(row.assessment.pk, row.returned_reason) for row in awaiting.returned] == [
        (returned.pk, RETURN_REASON)
    ]
    assert awaiting.decisions == []


@pytest.mark.django_db
def test_a_reviewer_awaits_the_ready_summaries_oldest_first_with_their_age(analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst])
    older = build_assessment(
        situation, by=analyst, as_of=JAN, status="in_review", reviewer=reviewer
    )
    newer = build_assessment(
        situation, by=analyst, as_of=MAR, status="in_review", reviewer=reviewer
    )
    build_assessment(situation, by=analyst, as_of=MAY, status="submitted")  # not drafted yet
    now = datetime(2026, 6, 10, 12, tzinfo=UTC)
    EscalationSummary.objects.filter(assessment=older).update(
        ready_at=datetime(2026, 6, 1, 9, tzinfo=UTC)
    )
    EscalationSummary.objects.filter(assessment=newer).update(
        ready_at=datetime(2026, 6, 9, 9, tzinfo=UTC)
    )

    awaiting = selectors.awaiting_for(reviewer, now=now)

    assert [(row.summary.assessment_id, row.age_days) for row in awaiting.decisions] == [
        (older.pk, 9),
        (newer.pk, 1),
    ]
    assert awaiting.drafts == awaiting.returned == []


@pytest.mark.django_db
def test_recent_decisions_are_the_latest_ten_on_visible_situations(
    analyst, other_analyst, reviewer
):
    mine = build_situation(by=reviewer, analysts=[analyst])
    theirs = build_situation(by=reviewer, analysts=[other_analyst])
    made = [
        approved(mine, LOW, date(2026, 1, 1) + timedelta(days=n), by=analyst, reviewer=reviewer)
        for n in range(11)
    ]
    approved(theirs, LOW, MAY, by=other_analyst, reviewer=reviewer)

    decisions = selectors.recent_decisions(Situation.objects.filter(analysts=analyst))

    assert [d.summary.assessment_id for d in decisions] == [a.pk for a in reversed(made)][:10]


# No leak -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_analysts_watch_shows_nothing_of_a_situation_not_assigned_to_them(
    client, analyst, other_analyst, reviewer
):
    mine = build_situation(by=reviewer, analysts=[analyst], name="Mine")
    approved(mine, LOW, JAN, by=analyst, reviewer=reviewer)
    hidden = build_situation(
        by=reviewer, analysts=[other_analyst], name="Hidden Valley", review_cadence_days=1
    )
    approved(hidden, SERIOUS_CONCERN, JAN, by=other_analyst, reviewer=reviewer)
    approved(hidden, GENOCIDE_CRISIS, MAR, by=other_analyst, reviewer=reviewer)
    build_assessment(hidden, by=other_analyst, as_of=MAY, status="returned", reviewer=reviewer)
    build_assessment(hidden, by=other_analyst, as_of=date(2026, 6, 1))
    # Even a draft by this analyst on a situation no longer assigned to them stays hidden.
    hidden.analysts.add(analyst)
    build_assessment(hidden, by=analyst, as_of=date(2026, 6, 2))
    hidden.analysts.remove(analyst)
    client.force_login(analyst)

    response = client.get(reverse("home"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Hidden Valley" not in body
    assert reverse("assessments:situation", args=[hidden.pk]) not in body
    for assessment in Assessment.objects.filter(situation=hidden):
        assert reverse("assessments:detail", args=[assessment.pk]) not in body
    assert [(c.level, c.count) for c in response.context["counts"]] == [
        ("current_crisis", 0),
        ("imminent_risk", 0),
        ("serious_concern", 0),
        ("low", 1),
        ("insufficient_data", 0),
        (None, 0),
    ]
    assert response.context["movers"] == []
    assert [r.situation_id for r in response.context["overdue"]] == [mine.pk]
    assert [d.summary.assessment.situation_id for d in response.context["decisions"]] == [mine.pk]
    assert response.context["awaiting"].drafts == []
    assert response.context["awaiting"].returned == []


# The page for each role --------------------------------------------------------------------


@pytest.fixture
def world(analyst, other_analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst], name="Lake Province")
    approved(situation, SERIOUS_CONCERN, JAN, by=analyst, reviewer=reviewer)
    approved(situation, GENOCIDE_CRISIS, MAR, by=analyst, reviewer=reviewer)
    build_assessment(situation, by=analyst, as_of=MAY, status="returned", reviewer=reviewer)
    build_assessment(
        situation, by=analyst, as_of=date(2026, 6, 1), status="in_review", reviewer=reviewer
    )
    build_assessment(situation, by=analyst, as_of=date(2026, 6, 2))
    return situation


@pytest.mark.django_db
def test_the_analyst_lands_on_a_watch_of_their_work(client, world, analyst):
    client.force_login(analyst)

    response = client.get(reverse("home"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "<title>Watch ·" in body
    assert "Your drafts, oldest first" in body
    assert RETURN_REASON in body
    assert "Escalation summaries awaiting a decision" not in body
    assert "Lake Province" in body
    assert 'aria-current="page" href="/"' in body


@pytest.mark.django_db
def test_the_reviewer_lands_on_a_watch_of_the_decisions_awaiting(client, world, reviewer):
    client.force_login(reviewer)

    response = client.get(reverse("home"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Escalation summaries awaiting a decision" in body
    assert len(response.context["awaiting"].decisions) == 1
    assert "Your drafts" not in body
    assert "approved: " in body and "returned to the analyst" in body


@pytest.mark.django_db
def test_the_framework_admin_sees_every_situation_but_awaits_nothing(client, world, admin):
    client.force_login(admin)

    response = client.get(reverse("home"))

    body = response.content.decode()
    assert response.status_code == 200
    assert sum(c.count for c in response.context["counts"]) == 1
    assert "Your drafts" not in body
    assert "Escalation summaries awaiting a decision" not in body
    assert [m.situation_name for m in response.context["movers"]] == ["Lake Province"]


@pytest.mark.django_db
def test_an_outsider_gets_an_empty_watch_as_on_the_situation_list(client, world, outsider):
    client.force_login(outsider)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "Lake Province" not in response.content.decode()
    assert [c.count for c in response.context["counts"]] == [0, 0, 0, 0, 0, 0]
    assert response.context["movers"] == []
    assert response.context["overdue"] == []
    assert response.context["decisions"] == []


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# Queries -----------------------------------------------------------------------------------


def long_history(*, analyst, reviewer, per_situation=4):
    """Every situation gets ``per_situation`` more approved assessments, made in bulk, whose
    levels rise or fall, each with a ready summary and a decision."""
    levels = ("low", "serious_concern", "imminent_risk", "current_crisis")
    situations = list(Situation.objects.order_by("pk"))
    assessments = Assessment.objects.bulk_create(
        Assessment(
            situation=s,
            author=analyst,
            as_of=date(2025, 1, 1) + timedelta(days=30 * k),
            posture="unwilling",
            status="approved",
            revision=1,
            reviewer=reviewer,
            overall_level=levels[(n + k) % 4] if n % 2 else levels[(n - k) % 4],
            # Its result, and the levels stored out of it as the app stores them.
            result={"levels": crimes, "factor_levels": factors},
            crime_levels=crimes,
            factor_levels=factors,
        )
        for n, s in enumerate(situations)
        for k in range(per_situation)
        for crimes, factors in [
            (
                {"genocide": levels[(n + k) % 4], "overall": levels[(n + k) % 4]},
                {"1": ("low", "moderate", "high")[(n + k) % 3], "2": None},
            )
        ]
    )
    Participation.objects.bulk_create(
        Participation(assessment=a, user=analyst, role="editor") for a in assessments
    )
    summaries = EscalationSummary.objects.bulk_create(
        EscalationSummary(
            assessment=a,
            revision=1,
            status="ready",
            content={"schema": 1},
            content_hash=f"{a.pk:064x}",
            proposed_escalation="keep_monitoring",
        )
        for a in assessments
    )
    EscalationDecision.objects.bulk_create(
        EscalationDecision(
            summary=s,
            reviewer=reviewer,
            author=analyst,
            approved=True,
            proposed_level="keep_monitoring",
            level="keep_monitoring",
            content_hash=s.content_hash,
        )
        for s in summaries
    )
    Transition.objects.bulk_create(
        Transition(
            assessment=a,
            actor=reviewer,
            from_status="in_review",
            to_status="approved",
            revision=1,
            event="approved",
        )
        for a in assessments
    )
    derived.refresh_situation_summary([s.pk for s in situations])


@pytest.mark.django_db
@pytest.mark.parametrize("count", [10, 500])
@pytest.mark.parametrize("cast", ["analyst", "reviewer"])
def test_the_watch_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, analyst, other_analyst, reviewer, request, count, cast
):
    made = many_situations(count, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
    build_assessment(made[1], by=analyst, status="in_review", reviewer=reviewer)
    build_assessment(made[2], by=analyst, status="returned", reviewer=reviewer)
    long_history(analyst=analyst, reviewer=reviewer)
    many_actions(
        count, situation=made[1], analyst=analyst, reviewer=reviewer, due_on=date(2026, 1, 1)
    )
    for name in ("Masalit", "Fur"):  # at risk in every situation
        group = ProtectedGroup.objects.create(name=name, kind="ethnical", created_by=reviewer)
        group.situations.set(Situation.objects.all())
    client.force_login(request.getfixturevalue(cast))
    url = reverse("home")
    client.get(url)

    with django_assert_max_num_queries(WATCH_QUERIES):
        response = client.get(url)

    assert response.status_code == 200
    assert sum(c.count for c in response.context["counts"]) == count
    # Each table renders one page of its rows and counts them all.
    assert response.context["movers_page"].paginator.count >= count // 2
    assert len(response.context["movers"]) == min(
        response.context["movers_page"].paginator.count, WATCH_PAGE_SIZE
    )
    assert len(response.context["decisions"]) == 10
    assert response.context["overdue_actions_page"].paginator.count == count
    assert len(response.context["overdue_actions"]) == min(count, WATCH_PAGE_SIZE)


# The demo ----------------------------------------------------------------------------------


def everything() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            User,
            Situation,
            Assessment,
            Transition,
            EscalationSummary,
            EscalationDecision,
            Participation,
        )
    }


@pytest.mark.django_db
def test_seeding_the_demo_twice_creates_nothing_the_second_time_and_yields_movers(jobs):
    call_command("seed_demo", stdout=StringIO())
    first = everything()

    call_command("seed_demo", stdout=StringIO())

    assert everything() == first
    found = selectors.movers(Situation.objects.all())
    assert any(m.rise > 0 for m in found)
    assert any(m.rise < 0 for m in found)
    assert first["Situation"] >= 4
    demo = Situation.objects.filter(code__startswith="demo-")
    assert {
        "demo-river-province",
        "demo-coastal-districts",
        "demo-capital-region",
        "demo-highlands",
    } <= set(demo.values_list("code", flat=True))
    # Several situations have a history of three to six assessments.
    lengths = [s.assessments.count() for s in demo]
    assert sum(3 <= n <= 6 for n in lengths) >= 3
    assert Assessment.objects.returned().exists()
    assert Assessment.objects.drafts().exists()
    assert Assessment.objects.awaiting_review().exists()


@pytest.mark.django_db
def test_the_demos_history_happened_when_its_assessments_did(jobs):
    call_command("seed_demo", stdout=StringIO())
    now = datetime.now(UTC)

    decisions = list(EscalationDecision.objects.select_related("summary__assessment"))
    transitions = list(Transition.objects.select_related("assessment"))

    assert len(decisions) >= 10
    for decision in decisions:
        as_of = decision.summary.assessment.as_of
        decided = decision.decided_at.date()
        assert as_of <= decided <= as_of + timedelta(days=2), (as_of, decided)
    assert all(t.at <= now for t in transitions)
    for transition in transitions:
        assert transition.at.date() <= transition.assessment.as_of + timedelta(days=2)
    newest = selectors.recent_decisions(Situation.objects.all())
    dates = [d.summary.assessment.as_of for d in newest]
    assert dates == sorted(dates, reverse=True)
