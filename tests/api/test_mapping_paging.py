"""The API's factor-to-tool mappings page every active mapping once, in the reference data's
order, and run as many queries at 500 more mappings as at 10."""

import pytest
from django.conf import settings
from django.urls import reverse

from framework.models import Indicator, PillarTool, ToolMapping
from tests.api.test_resources import client_for

pytestmark = pytest.mark.django_db

MAPPINGS = "api:mapping-list"
SIZES = (10, 500)
PAGE_SIZE = settings.REST_FRAMEWORK["PAGE_SIZE"]
# The token and its user, the token's last use written; the count and the page of mappings
# (with their factors, indicators and tools).
MAPPING_LIST_QUERIES = 4


def more_mappings(count: int) -> None:
    """``count`` more active mappings, in bulk, each from an indicator to a tool it was not yet
    linked to."""
    taken = set(
        ToolMapping.objects.filter(indicator__isnull=False).values_list("indicator_id", "entry_id")
    )
    indicators = list(Indicator.objects.active().order_by("pk"))
    entries = list(PillarTool.objects.order_by("pk"))
    pairs = [
        (indicator, entry)
        for entry in entries
        for indicator in indicators
        if (indicator.pk, entry.pk) not in taken
    ]
    assert len(pairs) >= count
    ToolMapping.objects.bulk_create(
        ToolMapping(
            code=f"added-{indicator.code}-{entry.code}",
            factor_id=indicator.factor_id,
            indicator=indicator,
            entry=entry,
            strength=1 + n % 3,
            rationale=f"Added for the paging tests ({n}).",
        )
        for n, (indicator, entry) in enumerate(pairs[:count])
    )


def every_page(client) -> list[dict]:
    page = client.get(reverse(MAPPINGS)).json()
    shown = list(page["results"])
    while page["next"]:
        page = client.get(page["next"]).json()
        shown += page["results"]
    return shown


def test_the_mappings_run_as_many_queries_with_500_more_as_with_10(
    django_assert_max_num_queries, analyst
):
    client = client_for(analyst)
    url = reverse(MAPPINGS)
    loaded = ToolMapping.objects.active().count()
    counted = []
    for size in SIZES:
        more_mappings(loaded + size - ToolMapping.objects.active().count())
        client.get(url)
        with django_assert_max_num_queries(MAPPING_LIST_QUERIES) as captured:
            response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        data = response.json()
        assert data["count"] == loaded + size
        assert len(data["results"]) == min(loaded + size, PAGE_SIZE)
        counted.append(len(captured))

    assert counted[0] == counted[1]


def test_the_mappings_pages_hold_each_active_mapping_once_in_order(analyst):
    more_mappings(120)
    client = client_for(analyst)

    shown = every_page(client)

    codes = [m["code"] for m in shown]
    assert sorted(codes) == sorted(ToolMapping.objects.active().values_list("code", flat=True))
    assert len(set(codes)) == len(codes)
    by_code = {
        m.code: (m.factor.number, m.entry.pillar.number, m.entry.order)
        for m in ToolMapping.objects.select_related("factor", "entry__pillar")
    }
    keys = [by_code[code] for code in codes]
    assert keys == sorted(keys)
