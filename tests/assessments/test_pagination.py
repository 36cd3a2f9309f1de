"""Every list pages its rows, keeps its filters and sort across pages, copes with a page that
does not exist, and runs as many queries at 500 rows as at 10; the situation columns every
list reads (current level, latest assessment, next due date) follow each kind of write."""

import json
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import derived, services, workflow
from assessments.exchange import import_assessments, known_indicator_codes, parse_document
from assessments.filters import PAGE_SIZE
from assessments.models import Assessment, Participation, ProtectedGroup, Situation
from assessments.synthetic import Plan, generate
from assessments.views import WATCH_PAGE_SIZE
from tests.assessments.builders import (
    build_assessment,
    build_situation,
    decide,
    draft_summary_now,
    edit_assessment,
    many_actions,
)
from tests.assessments.test_exchange import valid_document
from tests.assessments.test_queries import many_situations

SIZES = (10, 500)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def grow_to(size: int, *, analyst, other_analyst, reviewer) -> None:
    """``size`` situations in all: the first call builds :func:`many_situations`' ten (three
    through the services), later ones add the rest in bulk alike, each assessed once."""
    have = Situation.objects.count()
    if not have:
        many_situations(SIZES[0], analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
        have = SIZES[0]
    added = Situation.objects.bulk_create(
        Situation(
            code=f"more-{n}",
            name=f"More situation {n:03d}",
            country=("SD", "MM", "CD", "ET", "SS")[n % 5],
            review_cadence_days=30 + n % 60,
            created_by=reviewer,
        )
        for n in range(have, size)
    )
    through = Situation.analysts.through
    through.objects.bulk_create(
        through(situation_id=s.pk, user_id=user.pk)
        for s in added
        for user in (analyst, other_analyst)
    )
    made = Assessment.objects.bulk_create(
        Assessment(
            situation=s,
            author=analyst,
            as_of=date(2026, 1, 1) + timedelta(days=n % 300),
            posture="unwilling",
            status=("draft", "approved", "submitted")[n % 3],
            revision=0 if n % 3 == 0 else 1,
            reviewer=reviewer if n % 3 == 1 else None,
            overall_level=("low", "serious_concern", "imminent_risk")[n % 3],
        )
        for n, s in enumerate(added)
    )
    Participation.objects.bulk_create(
        Participation(assessment=a, user=analyst, role="editor") for a in made
    )
    derived.refresh_situation_summary([s.pk for s in added])
    assert Situation.objects.count() == size


def queries_of(client, url: str, params: dict[str, str] | None = None) -> tuple[int, object]:
    """The number of queries a second request runs (the first warms the caches), and it."""
    client.get(url, params or {})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content[:300]
    return len(captured), response


def situation_names(response) -> list[str]:
    return [row.situation.name for row in response.context["rows"]]


# The situation list ------------------------------------------------------------------------


@pytest.mark.django_db
def test_situation_list_runs_as_many_queries_at_500_rows_as_at_10(
    client, analyst, other_analyst, reviewer
):
    client.force_login(reviewer)
    counted = []
    for size in SIZES:
        grow_to(size, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
        queries, response = queries_of(client, reverse("assessments:situations"))
        assert len(response.context["rows"]) == min(size, PAGE_SIZE)
        assert response.context["page"].paginator.count == size
        counted.append(queries)

    assert counted[0] == counted[1]


@pytest.mark.django_db
def test_situation_list_page_two_holds_the_rest_with_the_filters_and_sort_kept(
    client, analyst, other_analyst, reviewer
):
    many_situations(120, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
    client.force_login(reviewer)
    params = {"q": "bulk", "sort": "-name"}

    first = client.get(reverse("assessments:situations"), params)
    last = client.get(reverse("assessments:situations"), {**params, "page": "3"})

    bulk = sorted((n for n in Situation.objects.values_list("name", flat=True)), reverse=True)
    bulk = [name for name in bulk if name.startswith("Bulk")]
    assert situation_names(first) == bulk[:50]
    assert situation_names(last) == bulk[100:]
    body = first.content.decode()
    assert '<nav aria-label="Pages of situations">' in body
    assert 'aria-current="page"' in body
    assert 'href="?q=bulk&amp;sort=-name&amp;page=2"' in body


@pytest.mark.django_db
def test_situation_list_sorts_by_level_on_the_stored_column_across_pages(
    client, analyst, other_analyst, reviewer
):
    many_situations(120, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
    client.force_login(reviewer)

    pages = [
        client.get(reverse("assessments:situations"), {"sort": "-level", "page": str(n)})
        for n in (1, 2, 3)
    ]

    ranks = [row.situation.current_level_rank for page in pages for row in page.context["rows"]]
    assert len(ranks) == 120
    assert ranks == sorted(ranks, reverse=True)


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["99", "0", "-1", "two"])
def test_a_page_out_of_range_shows_the_nearest_page_not_an_error(
    client, analyst, other_analyst, reviewer, page
):
    many_situations(60, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
    client.force_login(reviewer)

    response = client.get(reverse("assessments:situations"), {"page": page})

    assert response.status_code == 200
    expected = 1 if page == "two" else 2  # not a number: the first; out of range: the last
    assert response.context["page"].number == expected


# The review queue ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_review_queue_runs_as_many_queries_at_500_rows_as_at_10(
    client, analyst, other_analyst, reviewer
):
    client.force_login(reviewer)
    counted = []
    for size in SIZES:
        grow_to(size, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
        queries, response = queries_of(client, reverse("assessments:queue"))
        waiting = Assessment.objects.awaiting_review().count()
        assert response.context["page"].paginator.count == waiting
        assert len(response.context["rows"]) == min(waiting, PAGE_SIZE)
        counted.append(queries)

    assert counted[0] == counted[1]


@pytest.mark.django_db
def test_review_queue_never_reads_the_results_of_the_queued_assessments(
    client, analyst, other_analyst, reviewer
):
    many_situations(30, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
    client.force_login(reviewer)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("assessments:queue"))

    assert response.status_code == 200
    assert response.context["rows"]
    queue_queries = [q["sql"] for q in captured if '"assessments_assessment"."as_of"' in q["sql"]]
    assert queue_queries
    assert not any('"assessments_assessment"."result"' in sql for sql in queue_queries)
    assert not any('"assessments_assessment"."narrative"' in sql for sql in queue_queries)


@pytest.mark.django_db
def test_review_queue_page_two_keeps_the_search_and_sort(client, analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst], name="Kivu")
    Assessment.objects.bulk_create(
        Assessment(
            situation=situation,
            author=analyst,
            as_of=date(2026, 1, 1) + timedelta(days=n),
            posture="unwilling",
            status="submitted",
            revision=1,
        )
        for n in range(70)
    )
    client.force_login(reviewer)
    params = {"q": "kivu", "sort": "-as_of"}

    first = client.get(reverse("assessments:queue"), params)
    second = client.get(reverse("assessments:queue"), {**params, "page": "2"})

    dates = [date(2026, 1, 1) + timedelta(days=n) for n in range(69, -1, -1)]
    assert [a.as_of for a, _edited in first.context["rows"]] == dates[:50]
    assert [a.as_of for a, _edited in second.context["rows"]] == dates[50:]
    assert 'href="?q=kivu&amp;sort=-as_of&amp;page=2"' in first.content.decode()


# The watch: its tables and the heatmap -------------------------------------------------------


@pytest.mark.django_db
def test_heatmap_renders_one_page_and_runs_as_many_queries_at_500_rows_as_at_10(
    client, analyst, other_analyst, reviewer
):
    client.force_login(reviewer)
    counted = []
    for size in SIZES:
        grow_to(size, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
        queries, response = queries_of(client, reverse("assessments:heatmap"), {"sort": "-RF7"})
        assert len(response.context["rows"]) == min(size, PAGE_SIZE)
        assert response.context["page"].paginator.count == size
        counted.append(queries)

    assert counted[0] == counted[1]


@pytest.mark.django_db
def test_heatmap_page_two_keeps_the_filters_and_the_sort(client, analyst, other_analyst, reviewer):
    many_situations(120, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
    client.force_login(reviewer)
    params = {"q": "bulk", "sort": "-name"}

    first = client.get(reverse("assessments:heatmap"), params)
    second = client.get(reverse("assessments:heatmap"), {**params, "page": "2"})
    beyond = client.get(reverse("assessments:heatmap"), {**params, "page": "40"})

    names = [row.situation.name for row in first.context["rows"]]
    names += [row.situation.name for row in second.context["rows"]]
    names += [row.situation.name for row in beyond.context["rows"]]  # the last page
    assert names == [f"Bulk situation {n:03d}" for n in range(116, -1, -1)]
    body = first.content.decode()
    assert '<nav aria-label="Pages of the heatmap">' in body
    assert 'href="?q=bulk&amp;sort=-name&amp;page=2"' in body


@pytest.mark.django_db
def test_the_watch_pages_each_table_on_its_own_with_the_same_queries_at_500_as_at_10(
    client, analyst, other_analyst, reviewer
):
    client.force_login(reviewer)
    counted = []
    for size in SIZES:
        grow_to(size, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
        group, _ = ProtectedGroup.objects.get_or_create(
            name="Masalit", kind="ethnical", defaults={"created_by": reviewer}
        )
        group.situations.set(Situation.objects.all())
        queries, response = queries_of(client, reverse("home"))
        assert response.context["groups_at_risk_page"].paginator.count == size
        assert len(response.context["groups_at_risk"]) == min(size, WATCH_PAGE_SIZE)
        counted.append(queries)

    assert counted[0] == counted[1]
    second = client.get(reverse("home"), {"groups_at_risk_page": "2", "overdue_page": "1"})
    shown = [row.situation_name for row in second.context["groups_at_risk"]]
    everything = sorted(Situation.objects.values_list("name", flat=True))
    assert shown == everything[WATCH_PAGE_SIZE : 2 * WATCH_PAGE_SIZE]
    body = second.content.decode()
    assert '<nav aria-label="Pages of the groups at risk">' in body
    # The other table's page is kept; the link goes to its table.
    assert 'href="?groups_at_risk_page=3&amp;overdue_page=1#groups-at-risk-title"' in body


# The framework's history -------------------------------------------------------------------


@pytest.mark.django_db
def test_framework_history_page_out_of_range_shows_its_last_page(client, admin):
    client.force_login(admin)

    first = client.get(reverse("framework:history"))
    beyond = client.get(reverse("framework:history"), {"page": "100000"})

    assert beyond.status_code == 200
    assert beyond.context["page"].number == first.context["page"].paginator.num_pages


# The API -----------------------------------------------------------------------------------


def api_queries(client, url: str, params: dict[str, str] | None = None) -> tuple[int, dict]:
    client.get(url, params or {})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content[:300]
    return len(captured), response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["api:situation-list", "api:assessment-list", "api:review-queue-list"]
)
def test_api_lists_run_as_many_queries_at_500_rows_as_at_10(
    client, analyst, other_analyst, reviewer, name
):
    client.force_login(reviewer)
    counted = []
    for size in SIZES:
        grow_to(size, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
        queries, data = api_queries(client, reverse(name))
        assert len(data["results"]) == min(data["count"], 50)
        counted.append(queries)

    assert counted[0] == counted[1]


@pytest.mark.django_db
def test_api_decisions_run_as_many_queries_at_500_rows_as_at_10(client, analyst, reviewer):
    client.force_login(reviewer)
    counted = []
    for size in SIZES:
        situation = build_situation(by=reviewer, analysts=[analyst])
        many_actions(
            size, situation=situation, analyst=analyst, reviewer=reviewer, due_on=date(2026, 1, 1)
        )
        queries, data = api_queries(client, reverse("api:decision-list"))
        assert len(data["results"]) == min(data["count"], 50)
        counted.append(queries)

    assert counted[0] == counted[1]


@pytest.mark.django_db
def test_api_situation_page_two_holds_the_rest_with_the_filters_and_sort_kept(
    client, analyst, other_analyst, reviewer
):
    many_situations(120, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
    client.force_login(reviewer)
    params = {"q": "bulk", "sort": "-name"}

    first = client.get(reverse("api:situation-list"), params).json()
    rest = client.get(first["next"]).json()
    last = client.get(rest["next"]).json()

    names = [s["name"] for s in first["results"] + rest["results"] + last["results"]]
    assert first["count"] == 117
    assert names == [f"Bulk situation {n:03d}" for n in range(116, -1, -1)]
    assert "q=bulk" in first["next"] and "sort=-name" in first["next"]
    assert last["next"] is None


@pytest.mark.django_db
def test_api_page_out_of_range_answers_404_with_a_reason(client, analyst, reviewer):
    build_situation(by=reviewer, analysts=[analyst])
    client.force_login(reviewer)

    response = client.get(reverse("api:situation-list"), {"page": "5"})

    assert response.status_code == 404
    assert response.json()["detail"]


# The situation's derived columns, after each kind of write -------------------------------


def columns(situation: Situation) -> dict[str, object]:
    fresh = Situation.objects.get(pk=situation.pk)
    return {
        "latest": fresh.latest_assessment_id,
        "approved": fresh.approved_assessment_id,
        "level": fresh.current_level,
        "rank": fresh.current_level_rank,
        "as_of": fresh.latest_as_of,
        "status": fresh.latest_status,
        "due": fresh.next_due,
    }


def recomputed(situation: Situation) -> dict[str, object]:
    """What a full refresh finds: the columns must already hold it."""
    derived.refresh_situation_summary()
    return columns(situation)


@pytest.mark.django_db
def test_a_new_situation_is_due_its_cadence_after_its_creation(analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst], review_cadence_days=30)

    assert columns(situation) == {
        "latest": None,
        "approved": None,
        "level": None,
        "rank": -1,
        "as_of": None,
        "status": None,
        "due": timezone.localdate() + timedelta(days=30),
    }


@pytest.mark.django_db
def test_columns_follow_start_save_submit_draft_and_approval(analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst], review_cadence_days=30)

    draft = build_assessment(situation, by=analyst, as_of=date(2026, 3, 1))
    assert columns(situation)["latest"] == draft.pk
    assert columns(situation)["status"] == "draft"
    assert columns(situation)["level"] == "insufficient_data"
    assert columns(situation)["due"] == date(2026, 3, 31)

    saved = edit_assessment(draft, by=analyst, ratings={"10.1": "high", "1.1": "moderate"})
    assert columns(situation)["level"] == saved.overall_level != "insufficient_data"
    assert columns(situation) == recomputed(situation)

    workflow.submit_assessment(saved, by=analyst)
    assert columns(situation)["status"] == "submitted"
    in_review = draft_summary_now(saved)
    assert columns(situation)["status"] == "in_review"
    approved = decide(in_review, by=reviewer, approve=True)
    assert columns(situation) == {
        "latest": approved.pk,
        "approved": approved.pk,
        "level": approved.overall_level,
        "rank": derived.level_rank(approved.overall_level),
        "as_of": date(2026, 3, 1),
        "status": "approved",
        "due": date(2026, 3, 31),
    }
    assert columns(situation) == recomputed(situation)


@pytest.mark.django_db
def test_the_approved_level_stays_current_while_a_newer_draft_is_written(analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst])
    approved = build_assessment(
        situation,
        by=analyst,
        ratings={"10.1": "high", "1.1": "moderate", "8.4": "moderate"},
        posture="perpetrator",
        as_of=date(2026, 1, 1),
        status="approved",
        reviewer=reviewer,
    )
    newer = build_assessment(situation, by=analyst, as_of=date(2026, 4, 1))

    found = columns(situation)
    assert (found["approved"], found["level"]) == (approved.pk, approved.overall_level)
    assert (found["latest"], found["as_of"], found["status"]) == (
        newer.pk,
        date(2026, 4, 1),
        "draft",
    )
    assert found == recomputed(situation)


@pytest.mark.django_db
def test_columns_follow_a_return_and_a_voided_approval(analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst])
    returned = build_assessment(situation, by=analyst, status="returned", reviewer=reviewer)
    assert columns(situation)["status"] == "returned"
    assert columns(situation)["approved"] is None

    approved = build_assessment(
        situation, by=analyst, as_of=date(2026, 5, 2), status="approved", reviewer=reviewer
    )
    assert columns(situation)["approved"] == approved.pk
    edit_assessment(approved, by=analyst, narrative="Reopened.")  # voids the approval

    found = columns(situation)
    assert (found["latest"], found["status"], found["approved"]) == (approved.pk, "draft", None)
    assert found["level"] == Assessment.objects.get(pk=approved.pk).overall_level
    assert returned.pk != approved.pk
    assert found == recomputed(situation)


@pytest.mark.django_db
def test_a_changed_cadence_moves_the_due_date(analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst], review_cadence_days=90)
    build_assessment(situation, by=analyst, as_of=date(2026, 2, 1))

    services.update_situation(
        Situation.objects.get(pk=situation.pk),
        by=reviewer,
        analysts=[analyst],
        review_cadence_days=10,
    )

    assert columns(situation)["due"] == date(2026, 2, 11)
    assert columns(situation) == recomputed(situation)


@pytest.mark.django_db
def test_an_import_sets_the_columns_of_the_situations_it_writes(reviewer):
    records = parse_document(json.dumps(valid_document()), indicator_codes=known_indicator_codes())

    import_assessments(records, by=reviewer)

    situation = Situation.objects.get(name="Rakhine")
    latest = Assessment.objects.get(situation=situation, as_of=date(2026, 3, 1))
    found = columns(situation)
    assert (found["latest"], found["status"], found["as_of"]) == (
        latest.pk,
        "submitted",
        date(2026, 3, 1),
    )
    assert found["level"] == latest.overall_level
    assert found == recomputed(situation)


@pytest.mark.django_db
def test_a_refresh_of_situations_written_in_bulk_runs_a_bounded_number_of_queries(
    analyst, other_analyst, reviewer
):
    many_situations(300, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
    Situation.objects.update(current_level=None, current_level_rank=-1, latest_status=None)

    with CaptureQueriesContext(connection) as captured:
        refreshed = derived.refresh_situation_summary()

    assert refreshed == 300
    # The situations, the assessments, then the updates in batches: never a query per row.
    assert len(captured) < 20
    assert not Situation.objects.filter(latest_assessment__isnull=False, current_level=None)


@pytest.mark.django_db
def test_a_generated_data_set_holds_the_derived_columns_the_app_keeps():
    generate(Plan(situations=5, assessments_per_situation=4, seed=1, today=date(2026, 6, 15)))
    stored = {s.pk: columns(s) for s in Situation.objects.all()}

    derived.refresh_situation_summary()

    assert stored == {s.pk: columns(s) for s in Situation.objects.all()}
    assert all(found["latest"] is not None for found in stored.values())
    assert any(found["approved"] is not None for found in stored.values())
