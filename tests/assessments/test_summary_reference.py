"""A process drafts summaries from the reference data it keeps, read again as soon as the
reference data change, whoever changes them and however."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import summaries
from assessments.models import Assessment
from framework.models import Indicator, RiskFactor, ThresholdSet
from tests.assessments.builders import CRISIS, build_assessment, build_situation


@pytest.fixture
def crisis(analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst])
    made = build_assessment(situation, by=analyst, ratings=CRISIS, posture="perpetrator")
    return Assessment.objects.select_related("situation", "author").get(pk=made.pk)


@pytest.mark.django_db
def test_the_reference_data_are_read_once_while_they_do_not_change(crisis):
    first = summaries.build_summary_content(crisis)
    with CaptureQueriesContext(connection) as again:
        second = summaries.build_summary_content(crisis)
    with CaptureQueriesContext(connection) as third:
        summaries.build_summary_content(crisis)

    assert summaries.drafting_reference() is summaries.drafting_reference()
    assert len(again) == len(third)
    assert {k: v for k, v in first.items() if k != "generated_at"} == {
        k: v for k, v in second.items() if k != "generated_at"
    }


@pytest.mark.django_db
def test_a_changed_title_is_in_the_next_summary_even_through_a_queryset_update(crisis):
    summaries.build_summary_content(crisis)
    RiskFactor.objects.filter(number=10).update(title="Incitement, renamed")

    content = summaries.build_summary_content(crisis)

    titles = {d["factor"]: d["title"] for d in content["drivers"]}
    assert titles[10] == "Incitement, renamed"


@pytest.mark.django_db
def test_a_changed_threshold_is_read_again_before_the_next_summary(crisis):
    before = summaries.drafting_reference().escalation
    stored = ThresholdSet.objects.get(code="default")
    stored.sc_briefing_second_review = not stored.sc_briefing_second_review
    stored.save()

    after = summaries.drafting_reference().escalation

    assert after.sc_briefing_second_review is not before.sc_briefing_second_review
    assert after.sc_briefing_second_review is stored.sc_briefing_second_review


@pytest.mark.django_db
def test_a_retired_indicator_still_counts_where_it_is_rated(crisis):
    rated = Indicator.objects.get(code="10.1")
    before = summaries.build_summary_content(crisis)
    Indicator.objects.filter(pk=rated.pk).update(is_active=False)

    after = summaries.build_summary_content(crisis)

    assert after["levels"] == before["levels"]
    assert summaries.drafting_reference().active_indicators.isdisjoint({rated.pk})
