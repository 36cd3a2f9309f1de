"""The watch pages its long tables in the query: the movers kept on the situation's row, the
situations with groups at risk, the summaries awaiting a decision; one page of rows is built
whatever the number of situations."""

import importlib
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from assessments import derived, selectors
from assessments.models import (
    Assessment,
    EscalationSummary,
    Participation,
    ProtectedGroup,
    Situation,
)
from assessments.views import WATCH_PAGE_SIZE
from tests.assessments.test_queries import many_situations
from tests.assessments.test_watch import WATCH_QUERIES, history, long_history

__all__ = ["history"]  # the fixture, shared with the watch's tests

MOVEMENT = ("previous_approved_assessment_id", "overall_rise", "crime_rise", "moved")


def movement() -> dict[str, tuple[object, ...]]:
    return {
        name: tuple(values)
        for name, *values in Situation.objects.order_by("pk").values_list("name", *MOVEMENT)
    }


@pytest.mark.django_db
def test_each_situation_keeps_how_its_levels_moved_between_its_last_two_approvals(history):
    rising, latest_rising = history["rising"]

    found = movement()

    assert found["Rising"][1:] == (2, 2, True)
    assert found["Rising"][0] == (
        rising.assessments.approved().exclude(pk=latest_rising.pk).order_by("-as_of").first().pk
    )
    assert found["Shifting"][1:] == (0, 0, True)  # the crimes changed places
    assert found["Falling"][1:] == (-1, -1, True)
    assert found["Steady"][1:] == (0, 0, False)  # what came after is not approved
    assert found["Assessed once"] == (None, None, None, False)
    assert [s.name for s in selectors.moving_situations(Situation.objects.all())] == [
        "Rising",
        "Shifting",
        "Falling",
    ]


@pytest.mark.django_db
def test_a_refresh_follows_the_approvals_and_the_migration_fills_the_same(history):
    kept = movement()
    rising, latest_rising = history["rising"]
    # The latest approval voided (edited again): the movement is from January to March.
    Assessment.objects.filter(pk=latest_rising.pk).update(status="draft")
    derived.refresh_situation_summary([rising.pk])
    assert movement()["Rising"][1:] == (1, 3, True)  # low, then a serious concern of each crime
    (mover,) = selectors.movers(Situation.objects.filter(pk=rising.pk))
    assert (mover.rise, mover.crime_rise, mover.after_as_of.month) == (1, 3, 3)
    Assessment.objects.filter(pk=latest_rising.pk).update(status="approved")
    derived.refresh_situation_summary()
    assert movement() == kept

    Situation.objects.update(
        previous_approved_assessment=None, overall_rise=None, crime_rise=None, moved=False
    )
    migration = importlib.import_module("assessments.migrations.0019_situation_movers")
    migration.fill_movement(apps, None)  # it writes through the models, not the schema

    assert movement() == kept


def awaiting_summaries(count: int, *, analyst, reviewer) -> None:
    """``count`` assessments in review, each with its ready summary awaiting a decision, and
    one whose summary is of an earlier revision (not awaiting)."""
    situations = Situation.objects.bulk_create(
        Situation(
            code=f"waiting-{n}",
            name=f"Waiting {n:03d}",
            country="SD",
            review_cadence_days=90,
            created_by=reviewer,
        )
        for n in range(count + 1)
    )
    assessments = Assessment.objects.bulk_create(
        Assessment(
            situation=s,
            author=analyst,
            as_of=date(2026, 1, 1) + timedelta(days=n % 300),
            posture="unwilling",
            status="in_review",
            revision=2 if n == count else 1,
            overall_level="low",
        )
        for n, s in enumerate(situations)
    )
    Participation.objects.bulk_create(
        Participation(assessment=a, user=analyst, role="editor") for a in assessments
    )
    now = timezone.now()
    EscalationSummary.objects.bulk_create(
        EscalationSummary(
            assessment=a,
            revision=1,
            status="ready",
            ready_at=now - timedelta(hours=n),
            content={"schema": 1},
            content_hash=f"{a.pk:064x}",
            proposed_escalation="keep_monitoring",
        )
        for n, a in enumerate(assessments)
    )
    derived.refresh_situation_summary([s.pk for s in situations])


@pytest.mark.django_db
@pytest.mark.parametrize("count", [10, 500])
def test_the_summaries_awaiting_a_decision_are_paged_oldest_first(
    client, django_assert_max_num_queries, analyst, reviewer, count
):
    awaiting_summaries(count, analyst=analyst, reviewer=reviewer)
    client.force_login(reviewer)
    client.get(reverse("home"))
    every = selectors.summaries_awaiting_decision(content=False)
    assert len(every) == count  # the summary of an earlier revision does not await

    with django_assert_max_num_queries(WATCH_QUERIES):
        response = client.get(reverse("home"), {"decisions_page": 2})

    awaiting = response.context["awaiting"]
    page = awaiting.decisions_page
    assert page.paginator.count == count
    # Page 2, or the last page when there is only one.
    assert page.number == (2 if count > WATCH_PAGE_SIZE else 1)
    start = (page.number - 1) * WATCH_PAGE_SIZE
    assert [row.summary.pk for row in awaiting.decisions] == [
        s.pk for s in every[start : start + WATCH_PAGE_SIZE]
    ]
    assert len(awaiting.decisions) == min(count - start, WATCH_PAGE_SIZE)
    nav = 'aria-label="Pages of the summaries awaiting a decision"'
    assert (nav in response.content.decode()) == (count > WATCH_PAGE_SIZE)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [10, 500])
def test_the_movers_and_the_groups_at_risk_are_paged_in_the_query(
    client, django_assert_max_num_queries, analyst, other_analyst, reviewer, count
):
    many_situations(count, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
    long_history(analyst=analyst, reviewer=reviewer)
    group = ProtectedGroup.objects.create(name="Masalit", kind="ethnical", created_by=reviewer)
    group.situations.set(Situation.objects.all())
    client.force_login(reviewer)
    url = reverse("home")
    every_mover = selectors.movers(Situation.objects.all())
    every_group_row = selectors.groups_at_risk(Situation.objects.all())
    last_page = (len(every_mover) - 1) // WATCH_PAGE_SIZE + 1
    client.get(url)

    with django_assert_max_num_queries(WATCH_QUERIES):
        response = client.get(url, {"movers_page": last_page, "groups_at_risk_page": 2})

    movers = response.context["movers"]
    start = (last_page - 1) * WATCH_PAGE_SIZE
    assert [m.situation_id for m in movers] == [
        m.situation_id for m in every_mover[start : start + WATCH_PAGE_SIZE]
    ]
    assert response.context["movers_page"].paginator.count == len(every_mover)
    groups_page = response.context["groups_at_risk_page"]
    assert groups_page.paginator.count == count
    expected = every_group_row[
        (groups_page.number - 1) * WATCH_PAGE_SIZE : groups_page.number * WATCH_PAGE_SIZE
    ]
    assert response.context["groups_at_risk"] == expected
    # The biggest rise first, then the crimes' rise, then by name, on every page.
    keys = [(-m.rise, -m.crime_rise) for m in every_mover]
    assert keys == sorted(keys)
