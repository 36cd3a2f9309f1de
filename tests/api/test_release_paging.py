"""The API's list of forecast releases pages them, newest issue first, and runs as many
queries at 500 releases as at 10."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from forecasts.models import ForecastRelease
from tests.api.test_resources import client_for

pytestmark = pytest.mark.django_db

RELEASES = "api:forecast-release-list"
SIZES = (10, 500)
PAGE_SIZE = settings.REST_FRAMEWORK["PAGE_SIZE"]
# The token and its user, the token's last use written; the count and the page of releases
# (with who imported each).
RELEASE_LIST_QUERIES = 4


def releases(count: int, *, by, start: int = 0) -> None:
    """``count`` more releases, in bulk, issued a day apart in an order unlike their ids',
    every other one imported by ``by``."""
    ForecastRelease.objects.bulk_create(
        ForecastRelease(
            source=("ewp", "views")[n % 2],
            model=f"Model {n:03d}",
            issued=date(2020, 1, 1) + timedelta(days=(n * 7919) % 10_007),
            imported_by=by if n % 2 else None,
            row_count=n,
        )
        for n in range(start, start + count)
    )


def test_the_releases_run_as_many_queries_at_500_as_at_10(
    django_assert_max_num_queries, analyst, admin
):
    client = client_for(analyst)
    url = reverse(RELEASES)
    counted = []
    for size in SIZES:
        have = ForecastRelease.objects.count()
        releases(size - have, by=admin, start=have)
        client.get(url)
        with django_assert_max_num_queries(RELEASE_LIST_QUERIES) as captured:
            response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        data = response.json()
        assert data["count"] == size
        assert len(data["results"]) == min(size, PAGE_SIZE)
        assert {r["imported_by"] for r in data["results"]} == {"admin", None}
        counted.append(len(captured))

    assert counted[0] == counted[1]


def test_the_releases_page_newest_issue_first(analyst, admin):
    releases(120, by=admin)
    client = client_for(analyst)

    first = client.get(reverse(RELEASES)).json()
    rest = client.get(first["next"]).json()
    last = client.get(rest["next"]).json()

    issued = [r["issued"] for page in (first, rest, last) for r in page["results"]]
    assert issued == sorted(
        (d.isoformat() for d in ForecastRelease.objects.values_list("issued", flat=True)),
        reverse=True,
    )
    assert [len(page["results"]) for page in (first, rest, last)] == [50, 50, 20]
    assert last["next"] is None
    assert client.get(reverse(RELEASES), {"page": "4"}).status_code == 404
