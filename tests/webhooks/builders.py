"""Builders for webhook tests: endpoints, and the deliveries a real decision queues."""

from collections.abc import Iterable

from assessments.models import Assessment
from tests.assessments.builders import build_assessment, decide_on, second_reviewer, summary_of
from webhooks.models import SUBSCRIBABLE_EVENTS, Delivery, Endpoint

DELIVER_TASK = "webhooks.deliver"


def build_endpoint(
    url: str,
    *,
    events: Iterable[str] = SUBSCRIBABLE_EVENTS,
    clearance: str = "strictly_confidential",
    active: bool = True,
    name: str = "Partner early-warning system",
) -> Endpoint:
    return Endpoint.objects.create(
        name=name, url=url, events=list(events), clearance=clearance, is_active=active
    )


def published_deliveries(jobs) -> list[int]:
    """The ids of the deliveries whose task was published (in order)."""
    return [kwargs["delivery_id"] for name, kwargs in jobs.published if name == DELIVER_TASK]


def approved(situation, *, analyst, reviewer, capture, **assessment_options) -> Assessment:
    """An assessment of ``situation`` approved by ``reviewer``; what the decision queued is
    published (``capture``: the test's ``django_capture_on_commit_callbacks``)."""
    assessment = build_assessment(situation, by=analyst, status="in_review", **assessment_options)
    with capture(execute=True):
        decide_on(summary_of(assessment), by=reviewer, approve=True, second_by=second_reviewer())
    return Assessment.objects.get(pk=assessment.pk)


def deliveries_of(event: str) -> list[Delivery]:
    return list(Delivery.objects.filter(event=event).order_by("pk"))
