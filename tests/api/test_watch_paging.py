"""The watch's API pages its movers and its overdue situations in the query."""

import pytest
from django.urls import reverse
from django.utils import timezone

from api.views import WATCH_API_PAGE_SIZE
from assessments import selectors
from assessments.models import Situation
from tests.api.test_resources import client_for
from tests.assessments.test_queries import many_situations
from tests.assessments.test_watch import long_history

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("count", [10, 500])
def test_the_watch_pages_its_movers_and_overdue_situations(
    django_assert_max_num_queries, analyst, other_analyst, reviewer, count
):
    many_situations(count, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
    long_history(analyst=analyst, reviewer=reviewer)
    every_mover = selectors.movers(Situation.objects.all())
    every_overdue = selectors.overdue_rows(Situation.objects.all(), timezone.localdate())
    client = client_for(reviewer)
    url = reverse("api:watch")
    client.get(url)

    # The token and its user; the counts; the moving situations counted and paged, their
    # assessments and the factor titles; the overdue situations; the current forecasts.
    with django_assert_max_num_queries(10):
        second = client.get(url, {"movers_page": 2, "overdue_page": 2}).json()
    first = client.get(url).json()

    size = WATCH_API_PAGE_SIZE
    for name, every in (("movers", every_mover), ("overdue", every_overdue)):
        pages = max(1, -(-len(every) // size))
        assert first[f"{name}_page"] == {"number": 1, "pages": pages, "count": len(every)}
        assert second[f"{name}_page"]["number"] == min(2, pages)
        assert len(first[name]) == min(len(every), size)
    assert [m["situation"] for m in first["movers"]] == [m.situation_id for m in every_mover[:size]]
    start = (second["movers_page"]["number"] - 1) * size
    assert [m["situation"] for m in second["movers"]] == [
        m.situation_id for m in every_mover[start : start + size]
    ]
