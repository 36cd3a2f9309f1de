"""The timelines of the API (a situation's, newest first; an assessment's, oldest first) page
their steps, and run as many queries at 500 steps as at 10."""

from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, Transition
from tests.api.test_resources import client_for
from tests.assessments.builders import build_assessment, build_situation

pytestmark = pytest.mark.django_db

SIZES = (10, 500)
PAGE_SIZE = settings.REST_FRAMEWORK["PAGE_SIZE"]
# The token and its user, the token's last use written, the user's groups; the visible
# situation or assessment; the count, the page of steps (with their actors) and the crimes'
# names the steps' texts may name.
TIMELINE_QUERIES = 7

START = timezone.make_aware(datetime(2026, 3, 1, 9, 0))


def steps(assessments: list[Assessment], count: int, *, actor, start: int = 0) -> None:
    """``count`` more steps, in bulk, spread over ``assessments``; their times run against the
    order they are written in, so that the timelines are ordered by time and not by id."""
    made = Transition.objects.bulk_create(
        Transition(
            assessment=assessments[n % len(assessments)],
            actor=actor if n % 4 else None,
            from_status="draft",
            to_status="submitted",
            revision=n,
            event="submitted",
            reason=f"Step {n}",
        )
        for n in range(start, start + count)
    )
    for step in made:  # "at" is set on insert: set the times afterwards
        step.at = START + timedelta(minutes=(step.revision * 7919) % 10_007)
    Transition.objects.bulk_update(made, ["at"])


@pytest.fixture
def assessments(reviewer, analyst):
    situation = build_situation(by=reviewer, analysts=[analyst], name="Darfur")
    first = build_assessment(situation, by=analyst)
    second = build_assessment(situation, by=analyst, status="approved", reviewer=reviewer)
    Transition.objects.all().delete()  # only the steps written here
    return [first, second]


def counted_pages(django_assert_max_num_queries, client, url: str) -> tuple[int, dict]:
    client.get(url)
    with django_assert_max_num_queries(TIMELINE_QUERIES) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(captured), response.json()


@pytest.mark.parametrize("name", ["api:situation-timeline", "api:assessment-timeline"])
def test_a_timeline_runs_as_many_queries_at_500_steps_as_at_10(
    django_assert_max_num_queries, assessments, analyst, reviewer, name
):
    client = client_for(analyst)
    pk = assessments[0].situation_id if name == "api:situation-timeline" else assessments[0].pk
    url = reverse(name, args=[pk])
    counted = []
    for size in SIZES:
        have = Transition.objects.count()
        steps(assessments, size - have, actor=reviewer, start=have)
        queries, data = counted_pages(django_assert_max_num_queries, client, url)
        expected = size if name == "api:situation-timeline" else size // 2
        assert data["count"] == expected
        assert len(data["results"]) == min(expected, PAGE_SIZE)
        counted.append(queries)

    assert counted[0] == counted[1]


def test_the_situation_timeline_pages_newest_first(assessments, analyst, reviewer):
    steps(assessments, 120, actor=reviewer)
    client = client_for(analyst)
    url = reverse("api:situation-timeline", args=[assessments[0].situation_id])

    first = client.get(url).json()
    rest = client.get(first["next"]).json()
    last = client.get(rest["next"]).json()

    order = Transition.objects.order_by("-at", "-pk").values_list("pk", flat=True)
    shown = [step["id"] for page in (first, rest, last) for step in page["results"]]
    assert shown == list(order)
    times = [step["at"] for page in (first, rest, last) for step in page["results"]]
    assert times == sorted(times, reverse=True)
    assert [len(page["results"]) for page in (first, rest, last)] == [50, 50, 20]
    assert last["next"] is None
    assert client.get(url, {"page": "4"}).status_code == 404


def test_the_assessment_timeline_pages_oldest_first(assessments, analyst, reviewer):
    steps(assessments, 240, actor=reviewer)
    client = client_for(analyst)
    url = reverse("api:assessment-timeline", args=[assessments[1].pk])

    first = client.get(url).json()
    rest = client.get(first["next"]).json()
    last = client.get(rest["next"]).json()

    mine = Transition.objects.filter(assessment=assessments[1])
    shown = [step["id"] for page in (first, rest, last) for step in page["results"]]
    assert shown == list(mine.order_by("at", "pk").values_list("pk", flat=True))
    times = [step["at"] for page in (first, rest, last) for step in page["results"]]
    assert times == sorted(times)
    assert first["count"] == 120
    assert {step["assessment"] for step in first["results"]} == {assessments[1].pk}
    assert last["next"] is None
    assert client.get(url, {"page": "4"}).status_code == 404
