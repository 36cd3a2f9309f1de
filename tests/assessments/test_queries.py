"""Pages run a fixed number of SQL queries, whatever the number of rows they show.

Each page is measured with 10 rows and with 200 under the same bound: a query per row
(an N+1) breaks the bound at 200. The bounds are what the pages ran when these tests were
written, signed in, with the session already warm; they include the session, the user and
the user's groups.
"""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.urls import reverse

from assessments import derived, workflow
from assessments.models import (
    Assessment,
    Dissent,
    EscalationDecision,
    EscalationSummary,
    EvidenceSource,
    IndicatorRating,
    Participation,
    RecommendationResponse,
    Situation,
    Transition,
)
from framework.models import Indicator, PillarTool, RiskFactor
from tests.assessments.builders import (
    SERIOUS_CONCERN,
    build_assessment,
    build_situation,
    draft_summary_now,
    many_actions,
    rating_input,
)

SIZES = [10, 200]

# Measured on SQLite, the same for 10 and 200 rows. Every page starts with the session, the
# user and the user's groups (3 queries).
# + the count, a page of situations with their levels, their analysts, the analysts the filter
# offers (tests/assessments/test_lists.py measures the filtered lists and the exports)
SITUATION_LIST_QUERIES = 8  # + the unread notifications' count
# + the unread count, the count, a page of assessments awaiting review, participations
REVIEW_QUEUE_QUERIES = 7
# + the unread count, situation, assessments, is-assigned check, analysts, factor
# titles and crime names (for the charts of the situation over time), the current external
# forecasts, the groups at risk, the response actions and their sources
SITUATION_DETAIL_QUERIES = 14
# + visibility, assessment, ratings, sources, transitions, responses, their authors, the
# comments (with their authors), participations, the situation's analysts, the summaries
# (with their decisions and reviewers, in one query), factor titles, recommended tools; and
# the is-assigned checks of an analyst of a draft (can_retry_summary, can_edit, can_submit
# and can_respond); the situation's response actions, their sources and its last approval;
# the dissents (with their authors)
ASSESSMENT_DETAIL_QUERIES = 23
# The same page in review, with a ready summary and its earlier versions: the is-assigned
# check runs twice for an analyst (can_retry_summary and can_submit; an assessment in review
# is not editable); a reviewer is also offered the decision form, and told whether the rung
# proposed needs two reviewers (one query of the reference data).
ASSESSMENT_IN_REVIEW_QUERIES = 24  # + the unread notifications' count
# + visibility, the assessment with the same eight prefetches as the detail page (of which
# the edit page uses ratings, sources and participations only), is-assigned, factors,
# indicators
ASSESSMENT_EDIT_QUERIES = 16


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def many_situations(count, *, analyst, other_analyst, reviewer):
    """``count`` situations assigned to both analysts: three through the services, with an
    approved, a submitted and a draft assessment; the rest in bulk, each assessed once."""
    made = [build_situation(by=reviewer, analysts=[analyst, other_analyst]) for _ in range(3)]
    build_assessment(made[0], by=analyst, status="approved", reviewer=reviewer)
    build_assessment(made[1], by=other_analyst, status="submitted")
    build_assessment(made[2], by=analyst, ratings=SERIOUS_CONCERN)
    bulk = Situation.objects.bulk_create(
        Situation(
            code=f"bulk-{n}",
            name=f"Bulk situation {n:03d}",
            country=("SD", "MM", "CD", "ET", "SS")[n % 5],
            region=f"Region {n}",
            review_cadence_days=30 + n % 60,
            created_by=reviewer,
        )
        for n in range(count - 3)
    )
    through = Situation.analysts.through
    through.objects.bulk_create(
        through(situation_id=s.pk, user_id=user.pk)
        for s in bulk
        for user in (analyst, other_analyst)
    )
    assessments = Assessment.objects.bulk_create(
        Assessment(
            situation=s,
            author=analyst,
            as_of=date(2026, 1, 1) + timedelta(days=n),
            posture="unwilling",
            status=("draft", "approved", "submitted")[n % 3],
            revision=0 if n % 3 == 0 else 1,
            reviewer=reviewer if n % 3 == 1 else None,
            overall_level=("low", "serious_concern", "imminent_risk")[n % 3],
        )
        for n, s in enumerate(bulk)
    )
    Participation.objects.bulk_create(
        Participation(assessment=a, user=analyst, role="editor") for a in assessments
    )
    derived.refresh_situation_summary([s.pk for s in bulk])  # as every bulk writer does
    assert Situation.objects.count() == count
    return made


def many_ratings(count, *, situation, analyst):
    """A draft with ``count`` rated indicators, each with a note and two sources, saved through
    the service, and an answer to each of its recommendations. Indicators are added to
    risk factor 1 when the reference data holds fewer than ``count``."""
    missing = count - Indicator.objects.filter(is_active=True).count()
    if missing > 0:
        factor = RiskFactor.objects.get(number=1)
        Indicator.objects.bulk_create(
            Indicator(
                factor=factor,
                code=f"1.{100 + n}",
                label=f"Added indicator {n} for the query tests",
                order=100 + n,
            )
            for n in range(missing)
        )
    first = list(Indicator.objects.filter(code__in=SERIOUS_CONCERN))
    others = Indicator.objects.filter(is_active=True).exclude(code__in=SERIOUS_CONCERN)
    indicators = first + list(others.order_by("pk")[: count - len(first)])
    ratings = {}
    for n, indicator in enumerate(indicators):
        spec = SERIOUS_CONCERN.get(indicator.code) or (
            ("absent", "low", "moderate")[n % 3],
            ("improving", "stable", "worsening")[n % 3],
            ("low", "medium", "high")[n % 3],
        )
        given = rating_input(spec, code=indicator.code)
        ratings[indicator.code] = replace(
            given, sources=(*given.sources, ("C", f"Local radio on {indicator.code}"))
        )
    assessment = build_assessment(
        situation, by=analyst, ratings=ratings, narrative="Many indicators rated."
    )
    entries = PillarTool.objects.filter(
        code__in=[r["entry"] for r in assessment.result["recommendations"]]
    )
    RecommendationResponse.objects.bulk_create(
        RecommendationResponse(
            assessment=assessment,
            entry=entry,
            accepted=n % 2 == 0,
            reason=f"Reason {n}",
            by=analyst,
        )
        for n, entry in enumerate(entries[:count])
    )
    assert IndicatorRating.objects.filter(assessment=assessment).count() == count
    assert EvidenceSource.objects.filter(rating__assessment=assessment).count() == 2 * count
    return assessment


@pytest.fixture
def situation(reviewer, analyst, other_analyst):
    return build_situation(by=reviewer, analysts=[analyst, other_analyst], name="Rakhine State")


@pytest.mark.django_db
@pytest.mark.parametrize("count", SIZES)
@pytest.mark.parametrize("cast", ["analyst", "reviewer"])
def test_situation_list_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, analyst, other_analyst, reviewer, request, count, cast
):
    many_situations(count, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
    client.force_login(request.getfixturevalue(cast))
    url = reverse("assessments:situations")
    client.get(url)

    with django_assert_max_num_queries(SITUATION_LIST_QUERIES):
        response = client.get(url)

    assert response.context["page"].paginator.count == count
    assert len(response.context["rows"]) == min(count, 50)


@pytest.mark.django_db
@pytest.mark.parametrize("count", SIZES)
def test_review_queue_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, analyst, other_analyst, reviewer, count
):
    many_situations(count, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
    Assessment.objects.filter(status="draft").exclude(ratings__isnull=False).update(
        status="submitted", revision=1
    )
    awaiting = Assessment.objects.filter(status__in=["submitted", "in_review"]).count()
    client.force_login(reviewer)
    url = reverse("assessments:queue")
    client.get(url)

    with django_assert_max_num_queries(REVIEW_QUEUE_QUERIES):
        response = client.get(url)

    assert response.context["page"].paginator.count == awaiting
    assert len(response.context["rows"]) == min(awaiting, 50)
    assert awaiting > count // 2


@pytest.mark.django_db
@pytest.mark.parametrize("count", SIZES)
def test_situation_detail_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, situation, analyst, other_analyst, reviewer, count
):
    build_assessment(situation, by=analyst, status="approved", reviewer=reviewer)
    build_assessment(situation, by=other_analyst, status="returned", reviewer=reviewer)
    build_assessment(situation, by=analyst, ratings=SERIOUS_CONCERN)
    Assessment.objects.bulk_create(
        Assessment(
            situation=situation,
            author=(analyst, other_analyst)[n % 2],
            as_of=date(2025, 1, 1) + timedelta(days=n),
            posture="unwilling",
            status=("draft", "approved")[n % 2],
            reviewer=reviewer if n % 2 else None,
            revision=n % 2,
            overall_level=("low", "serious_concern", "current_crisis")[n % 3],
        )
        for n in range(count - 3)
    )
    many_actions(
        count, situation=situation, analyst=analyst, reviewer=reviewer, due_on=date(2026, 1, 1)
    )
    client.force_login(analyst)
    url = reverse("assessments:situation", kwargs={"pk": situation.pk})
    client.get(url)

    with django_assert_max_num_queries(SITUATION_DETAIL_QUERIES):
        response = client.get(url)

    assert len(response.context["assessments"]) == 2 * count
    assert len(response.context["actions"]) == count
    assert response.content.decode().count('href="/actions/') == count


@pytest.mark.django_db
@pytest.mark.parametrize("count", SIZES)
@pytest.mark.parametrize("cast", ["analyst", "reviewer"])
def test_assessment_detail_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, situation, analyst, reviewer, request, count, cast
):
    assessment = many_ratings(count, situation=situation, analyst=analyst)
    Transition.objects.bulk_create(
        Transition(
            assessment=assessment,
            actor=analyst,
            from_status="draft",
            to_status="draft",
            revision=0,
            reason=f"note {n}",
        )
        for n in range(count)
    )
    # Earlier approvals of the situation, each with its open action: the page lists them.
    many_actions(
        count, situation=situation, analyst=analyst, reviewer=reviewer, due_on=date(2026, 1, 1)
    )
    Dissent.objects.bulk_create(
        Dissent(
            assessment=assessment,
            author=(analyst, reviewer)[n % 2],
            revision=0,
            levels={"genocide": "imminent_risk"},
            reason=f"Dissent {n}",
        )
        for n in range(count)
    )
    client.force_login(request.getfixturevalue(cast))
    url = reverse("assessments:detail", kwargs={"pk": assessment.pk})
    client.get(url)

    with django_assert_max_num_queries(ASSESSMENT_DETAIL_QUERIES):
        response = client.get(url)

    assert len(response.context["ratings"]) == count
    assert len(response.context["since_last_approval"].open) == count
    assert response.content.decode().count("Dissent ") >= count
    assert response.status_code == 200
    assert response.content.decode().count("<time datetime=") == count + 1


@pytest.mark.django_db
@pytest.mark.parametrize("count", SIZES)
def test_assessment_edit_page_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, situation, analyst, count
):
    assessment = many_ratings(count, situation=situation, analyst=analyst)
    client.force_login(analyst)
    url = reverse("assessments:edit", kwargs={"pk": assessment.pk})
    client.get(url)

    with django_assert_max_num_queries(ASSESSMENT_EDIT_QUERIES):
        response = client.get(url)

    assert response.status_code == 200
    assert response.content.decode().count("Local radio on") >= count


def earlier_versions(count, *, assessment, reviewer):
    """``count`` earlier versions of ``assessment``, each with a ready summary and a decision
    (rejections, and a few approvals at another level), then the current version submitted
    and its summary drafted: the assessment is in review. Made in bulk; the summaries of the
    earlier versions carry a copy of nothing but their hash, as the page lists only them."""
    summaries = EscalationSummary.objects.bulk_create(
        EscalationSummary(
            assessment=assessment,
            revision=n + 1,
            status="ready",
            content={"schema": 1, "n": n},
            content_hash=f"{n:064x}",
            proposed_escalation="keep_monitoring",
        )
        for n in range(count)
    )
    EscalationDecision.objects.bulk_create(
        EscalationDecision(
            summary=summary,
            reviewer=reviewer,
            author=assessment.author,
            approved=n % 5 == 0,
            proposed_level="keep_monitoring",
            level="alert_special_adviser" if n % 5 == 0 else "keep_monitoring",
            reason=f"Reason {n}",
            content_hash=summary.content_hash,
        )
        for n, summary in enumerate(summaries)
    )
    Assessment.objects.filter(pk=assessment.pk).update(status="returned", revision=count)
    assessment = workflow.submit_assessment(
        Assessment.objects.get(pk=assessment.pk), by=assessment.author
    )
    return draft_summary_now(assessment)


@pytest.mark.django_db
@pytest.mark.parametrize("count", SIZES)
@pytest.mark.parametrize("cast", ["analyst", "reviewer"])
def test_assessment_detail_in_review_with_many_summaries_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, situation, analyst, reviewer, request, count, cast
):
    assessment = many_ratings(count, situation=situation, analyst=analyst)
    assessment = earlier_versions(count, assessment=assessment, reviewer=reviewer)
    assert (assessment.status, assessment.revision) == ("in_review", count + 1)
    many_actions(
        count, situation=situation, analyst=analyst, reviewer=reviewer, due_on=date(2026, 1, 1)
    )
    client.force_login(request.getfixturevalue(cast))
    url = reverse("assessments:detail", kwargs={"pk": assessment.pk})
    client.get(url)

    with django_assert_max_num_queries(ASSESSMENT_IN_REVIEW_QUERIES):
        response = client.get(url)

    assert response.status_code == 200
    assert len(response.context["earlier_summaries"]) == count
    assert response.context["summary"].revision == count + 1
    assert (response.context["decision_form"] is not None) == (cast == "reviewer")
    body = response.content.decode()
    assert body.count("?revision=") == 2 * (count + 1)  # PDF and JSON of every version
