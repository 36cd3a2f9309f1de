"""The situation list and the review queue: search, filters, sorting, pages and exports.

The URL parameters are a contract other pages link with: ``q``, ``level``, ``country``,
``region``, ``analyst``, ``overdue``, ``status``, ``confidentiality``, ``sort``, ``page``.
"""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessments import derived
from assessments.models import Assessment, Participation, Situation
from tests.assessments.builders import build_assessment, build_situation

LIST = "assessments:situations"
CSV = "assessments:situations_csv"
XLSX = "assessments:situations_xlsx"
QUEUE = "assessments:queue"
HEADERS = [
    "Situation",
    "Country",
    "Region",
    "Overall level",
    "Level code",
    "Level approved",
    "Latest assessment",
    "Last assessed",
    "Review",
    "Analysts",
]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def days_ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


def set_level(assessment: Assessment, level: str) -> Assessment:
    """The stored overall level, as if the ratings had derived it (the lists read only it, as
    the situation's current level the write refreshes)."""
    Assessment.objects.filter(pk=assessment.pk).update(overall_level=level)
    derived.refresh_situation_summary([assessment.situation_id])
    return assessment


@pytest.fixture
def four_situations(analyst, other_analyst, reviewer):
    """Four situations, two assigned to each analyst:

    - North Darfur (Sudan, El Fasher; Masalit): approved current crisis 200 days ago, a draft
      (low) 10 days ago; on schedule.
    - Rakhine State (Myanmar, Sittwe; Rohingya): submitted, serious concern, 100 days ago;
      overdue (90-day cadence).
    - Tigray (Ethiopia): strictly confidential, never assessed: overdue.
    - Ituri (DR Congo, Djugu; Hema and Lendu): approved imminent risk 30 days ago; internal.
    """
    darfur = build_situation(
        by=reviewer,
        analysts=[analyst],
        name="North Darfur",
        country="SD",
        region="El Fasher",
        groups=[("Masalit and Zaghawa communities", "other")],
    )
    approved = build_assessment(
        darfur, by=analyst, status="approved", reviewer=reviewer, as_of=days_ago(200)
    )
    set_level(approved, "current_crisis")
    set_level(build_assessment(darfur, by=analyst, as_of=days_ago(10)), "low")
    rakhine = build_situation(
        by=reviewer,
        analysts=[analyst],
        name="Rakhine State",
        country="MM",
        region="Sittwe",
        groups=[("Rohingya", "ethnical")],
    )
    submitted = build_assessment(rakhine, by=analyst, status="submitted", as_of=days_ago(100))
    set_level(submitted, "serious_concern")
    build_situation(
        by=reviewer,
        analysts=[other_analyst],
        name="Tigray",
        country="ET",
        confidentiality="strictly_confidential",
    )
    ituri = build_situation(
        by=reviewer,
        analysts=[other_analyst],
        name="Ituri",
        country="CD",
        region="Djugu",
        groups=[("Hema", "ethnical"), ("Lendu", "ethnical")],
        confidentiality="internal",
    )
    approved = build_assessment(
        ituri, by=other_analyst, status="approved", reviewer=reviewer, as_of=days_ago(30)
    )
    set_level(approved, "imminent_risk")


def listed(response) -> list[str]:
    assert response.status_code == 200
    return [row.situation.name for row in response.context["rows"]]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list[object]]:
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# --- Search, filters and sorting ------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_shows_every_situation_the_reviewer_may_see_by_name(
    client, reviewer, four_situations
):
    client.force_login(reviewer)

    assert listed(client.get(reverse(LIST))) == ["Ituri", "North Darfur", "Rakhine State", "Tigray"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("darfur", ["North Darfur"]),  # name
        ("cd", ["Ituri"]),  # country code
        ("ethiopia", ["Tigray"]),  # country name
        ("congo", ["Ituri"]),  # part of a country's name
        ("djugu", ["Ituri"]),  # region
        ("zaghawa", ["North Darfur"]),  # a population at risk
        ("rohingya", ["Rakhine State"]),  # a protected group
        ("  sudan ", ["North Darfur"]),  # spaces around are ignored
        ("atlantis", []),
    ],
)
def test_search_finds_situations_by_name_country_region_populations_and_groups(
    client, reviewer, four_situations, query, expected
):
    client.force_login(reviewer)

    assert listed(client.get(reverse(LIST), {"q": query})) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # The approved level wins over a later draft's.
        ({"level": "current_crisis"}, ["North Darfur"]),
        ({"level": "low"}, []),
        # Unapproved: the latest assessment's level.
        ({"level": "serious_concern"}, ["Rakhine State"]),
        ({"level": "imminent_risk"}, ["Ituri"]),
        ({"level": "none"}, ["Tigray"]),
        ({"country": "CD"}, ["Ituri"]),
        ({"region": "fasher"}, ["North Darfur"]),
        ({"overdue": "yes"}, ["Rakhine State", "Tigray"]),
        ({"overdue": "no"}, ["Ituri", "North Darfur"]),
        ({"status": "draft"}, ["North Darfur"]),
        ({"status": "submitted"}, ["Rakhine State"]),
        ({"status": "approved"}, ["Ituri"]),
        ({"confidentiality": "strictly_confidential"}, ["Tigray"]),
        ({"confidentiality": "internal", "overdue": "no"}, ["Ituri"]),
    ],
)
def test_filters_select_the_situations_whose_values_match(
    client, reviewer, four_situations, params, expected
):
    client.force_login(reviewer)

    assert listed(client.get(reverse(LIST), params)) == expected


@pytest.mark.django_db
def test_the_analyst_filter_selects_the_situations_assigned_to_that_analyst(
    client, reviewer, analyst, other_analyst, four_situations
):
    client.force_login(reviewer)

    assert listed(client.get(reverse(LIST), {"analyst": other_analyst.pk})) == ["Ituri", "Tigray"]
    assert listed(client.get(reverse(LIST), {"analyst": analyst.pk, "overdue": "yes"})) == [
        "Rakhine State"
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Ituri", "North Darfur", "Rakhine State", "Tigray"]),
        ("-name", ["Tigray", "Rakhine State", "North Darfur", "Ituri"]),
        # By the country's name: Democratic Republic of the Congo, Ethiopia, Myanmar, Sudan.
        ("country", ["Ituri", "Tigray", "Rakhine State", "North Darfur"]),
        ("-country", ["North Darfur", "Rakhine State", "Tigray", "Ituri"]),
        # By rank on the scale; no assessment ranks below every level.
        ("level", ["Tigray", "Rakhine State", "Ituri", "North Darfur"]),
        ("-level", ["North Darfur", "Ituri", "Rakhine State", "Tigray"]),
        # Never assessed comes last either way.
        ("last_assessed", ["Rakhine State", "Ituri", "North Darfur", "Tigray"]),
        ("-last_assessed", ["North Darfur", "Ituri", "Rakhine State", "Tigray"]),
        # Ties by name.
        ("overdue", ["Ituri", "North Darfur", "Rakhine State", "Tigray"]),
        ("-overdue", ["Rakhine State", "Tigray", "Ituri", "North Darfur"]),
    ],
)
def test_the_list_sorts_by_any_column_either_way(client, reviewer, four_situations, sort, expected):
    client.force_login(reviewer)

    assert listed(client.get(reverse(LIST), {"sort": sort})) == expected


@pytest.mark.django_db
def test_column_headers_link_to_the_other_direction_and_keep_the_filters(
    client, reviewer, four_situations
):
    client.force_login(reviewer)

    body = client.get(reverse(LIST), {"q": "a", "sort": "level", "page": "1"}).content.decode()

    assert 'aria-sort="ascending"' in body
    assert 'href="?q=a&amp;sort=-level"' in body  # the same column the other way, page reset
    assert 'href="?q=a&amp;sort=name"' in body
    assert f'href="{reverse(CSV)}?q=a&amp;sort=level"' in body
    assert f'href="{reverse(XLSX)}?q=a&amp;sort=level"' in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"level": "catastrophic"},
        {"overdue": "maybe"},
        {"status": "closed"},
        {"sort": "colour"},
        {"analyst": "someone"},
        {"country": "XX"},
        {"confidentiality": "secret"},
        {"page": "last-but-one"},
    ],
)
def test_a_bad_filter_value_shows_the_form_error_and_is_ignored(
    client, reviewer, four_situations, params
):
    client.force_login(reviewer)

    response = client.get(reverse(LIST), params)

    assert listed(response) == ["Ituri", "North Darfur", "Rakhine State", "Tigray"]
    if "page" not in params:
        assert response.context["filter"].errors
        assert "Select a valid choice" in response.content.decode()
        assert 'aria-invalid="true"' in response.content.decode()


# --- Access ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_analyst_list_and_exports_hold_only_the_situations_assigned_to_them(
    client, analyst, other_analyst, four_situations
):
    client.force_login(analyst)

    response = client.get(reverse(LIST))
    body = response.content.decode()
    assert listed(response) == ["North Darfur", "Rakhine State"]
    assert response.context["page"].paginator.count == 2
    assert "of 2 rows" in body
    assert "Tigray" not in body and "Ituri" not in body
    # Nor the name of an analyst of situations they may not see, in the analyst filter.
    assert "Other_analyst" not in body and "other_analyst" not in body
    assert [row[0] for row in csv_rows(client.get(reverse(CSV)))] == [
        "Situation",
        "North Darfur",
        "Rakhine State",
    ]
    assert [row[0] for row in xlsx_rows(client.get(reverse(XLSX)))] == [
        "Situation",
        "North Darfur",
        "Rakhine State",
    ]


@pytest.mark.django_db
def test_analyst_cannot_reach_other_situations_through_filters(
    client, analyst, other_analyst, four_situations
):
    client.force_login(analyst)

    for params in (
        {"q": "tigray"},
        {"level": "none"},
        {"confidentiality": "strictly_confidential"},
        {"country": "CD"},
    ):
        assert listed(client.get(reverse(LIST), params)) == [], params
        assert csv_rows(client.get(reverse(CSV), params)) == [HEADERS], params
    # Another analyst's id is not a choice: the filter is refused, not an empty hint.
    response = client.get(reverse(LIST), {"analyst": other_analyst.pk})
    assert "analyst" in response.context["filter"].errors
    assert listed(response) == ["North Darfur", "Rakhine State"]


@pytest.mark.django_db
def test_signed_in_user_without_a_role_exports_no_row(client, outsider, four_situations):
    client.force_login(outsider)

    assert csv_rows(client.get(reverse(CSV))) == [HEADERS]
    assert xlsx_rows(client.get(reverse(XLSX))) == [HEADERS]


# --- Exports --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_csv_export_holds_the_filtered_rows_with_the_page_columns_and_the_level_code(
    client, reviewer, four_situations
):
    client.force_login(reviewer)

    response = client.get(reverse(CSV), {"sort": "-level", "overdue": "no"})

    today = timezone.localdate()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="situations-{today:%Y-%m-%d}.csv"'
    )
    assert csv_rows(response) == [
        HEADERS,
        [
            "North Darfur",
            "Sudan",
            "El Fasher",
            "current crisis",
            "current_crisis",
            "yes",
            "draft",
            days_ago(10).isoformat(),
            "on schedule",
            "Analyst",
        ],
        [
            "Ituri",
            "Democratic Republic of the Congo",
            "Djugu",
            "imminent risk",
            "imminent_risk",
            "yes",
            "approved",
            days_ago(30).isoformat(),
            "on schedule",
            "Other_analyst",
        ],
    ]


@pytest.mark.django_db
def test_xlsx_export_holds_the_filtered_rows_with_real_dates(client, reviewer, four_situations):
    client.force_login(reviewer)

    response = client.get(reverse(XLSX), {"overdue": "yes"})

    assert response["Content-Disposition"] == (
        f'attachment; filename="situations-{timezone.localdate():%Y-%m-%d}.xlsx"'
    )
    rows = xlsx_rows(response)
    assert rows[0] == HEADERS
    assert rows[1][:7] == [
        "Rakhine State",
        "Myanmar",
        "Sittwe",
        "serious concern",
        "serious_concern",
        "no",
        "submitted",
    ]
    assert rows[1][7].date() == days_ago(100)  # a date cell, not text
    assert rows[1][8:] == ["overdue", "Analyst"]
    assert rows[2] == [
        "Tigray",
        "Ethiopia",
        None,
        "no assessment yet",
        None,
        None,
        None,
        None,
        "overdue",
        "Other_analyst",
    ]


@pytest.mark.django_db
def test_exports_write_every_row_the_filters_select_not_one_page(client, reviewer):
    Situation.objects.bulk_create(
        Situation(code=f"s-{n}", name=f"Situation {n:03d}", country="SD", created_by=reviewer)
        for n in range(120)
    )
    client.force_login(reviewer)

    assert len(client.get(reverse(LIST)).context["rows"]) == 50
    assert len(csv_rows(client.get(reverse(CSV)))) == 121
    assert len(xlsx_rows(client.get(reverse(XLSX), {"q": "situation 1"}))) == 1 + 20


@pytest.mark.django_db
def test_exports_write_a_cell_that_looks_like_a_formula_as_text(client, reviewer, analyst):
    build_situation(
        by=reviewer,
        analysts=[analyst],
        name='=HYPERLINK("http://evil.example","Darfur")',
        region="+1-2",
    )
    build_situation(by=reviewer, name="@SUM(A1)", region="-3")
    client.force_login(reviewer)

    rows = csv_rows(client.get(reverse(CSV)))
    assert [row[:3] for row in rows[1:]] == [
        ['\'=HYPERLINK("http://evil.example","Darfur")', "Sudan", "'+1-2"],
        ["'@SUM(A1)", "Sudan", "'-3"],
    ]
    workbook = load_workbook(io.BytesIO(client.get(reverse(XLSX)).content))
    cells = [row[:3] for row in workbook.active.iter_rows(min_row=2)]
    assert [[c.value for c in row] for row in cells] == [[r[0], r[1], r[2]] for r in rows[1:]]
    assert all(c.data_type == "s" for row in cells for c in row)


# --- Pages ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_pages_by_fifty_and_page_links_keep_the_filters(client, reviewer):
    Situation.objects.bulk_create(
        Situation(code=f"s-{n}", name=f"Situation {n:03d}", country="SD", created_by=reviewer)
        for n in range(120)
    )
    client.force_login(reviewer)

    first = client.get(reverse(LIST), {"q": "situation", "sort": "-name"})
    third = client.get(reverse(LIST), {"q": "situation", "sort": "-name", "page": "3"})

    assert listed(first)[:2] == ["Situation 119", "Situation 118"]
    assert len(listed(first)) == 50
    assert listed(third) == [f"Situation {n:03d}" for n in range(19, -1, -1)]
    body = first.content.decode()
    assert '<nav aria-label="Pages of situations">' in body
    assert 'href="?q=situation&amp;sort=-name&amp;page=2"' in body
    assert 'aria-current="page"' in body
    assert "1\u201350 of 120 rows" in body  # an en dash
    # Past the end: the last page; not a number: the first.
    assert listed(client.get(reverse(LIST), {"page": "99"})) == listed(
        client.get(reverse(LIST), {"page": "3"})
    )
    assert len(listed(client.get(reverse(LIST), {"page": "x"}))) == 50


# --- Review queue ---------------------------------------------------------------------------


@pytest.fixture
def queue(analyst, other_analyst, reviewer):
    """Three assessments awaiting review, and one draft that does not."""
    darfur = build_situation(by=reviewer, analysts=[analyst], name="North Darfur", country="SD")
    rakhine = build_situation(
        by=reviewer, analysts=[other_analyst], name="Rakhine State", country="MM"
    )
    a = set_level(
        build_assessment(darfur, by=analyst, status="submitted", as_of=days_ago(5)), "low"
    )
    b = set_level(
        build_assessment(
            rakhine, by=other_analyst, status="in_review", reviewer=reviewer, as_of=days_ago(40)
        ),
        "current_crisis",
    )
    c = set_level(
        build_assessment(darfur, by=analyst, status="submitted", as_of=days_ago(20)),
        "serious_concern",
    )
    build_assessment(rakhine, by=other_analyst)
    return {"a": a, "b": b, "c": c}


def queued(response) -> list[tuple[str, date]]:
    assert response.status_code == 200
    return [(a.situation.name, a.as_of) for a, _edited in response.context["rows"]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "rakhine"}, [("Rakhine State", 40)]),
        ({"q": "sudan"}, [("North Darfur", 5), ("North Darfur", 20)]),
        ({"q": "other_"}, [("Rakhine State", 40)]),  # the author
        ({"sort": "as_of"}, [("Rakhine State", 40), ("North Darfur", 20), ("North Darfur", 5)]),
        ({"sort": "-as_of"}, [("North Darfur", 5), ("North Darfur", 20), ("Rakhine State", 40)]),
        ({"sort": "-level"}, [("Rakhine State", 40), ("North Darfur", 20), ("North Darfur", 5)]),
        ({"sort": "situation"}, [("North Darfur", 5), ("North Darfur", 20), ("Rakhine State", 40)]),
        # Oldest submission first, as before.
        ({}, [("North Darfur", 5), ("Rakhine State", 40), ("North Darfur", 20)]),
        (
            {"sort": "-submitted_at"},
            [("North Darfur", 20), ("Rakhine State", 40), ("North Darfur", 5)],
        ),
    ],
)
def test_review_queue_searches_and_sorts(client, reviewer, queue, params, expected):
    client.force_login(reviewer)

    assert queued(client.get(reverse(QUEUE), params)) == [
        (name, days_ago(days)) for name, days in expected
    ]


@pytest.mark.django_db
def test_review_queue_shows_a_bad_sort_as_an_error(client, reviewer, queue):
    client.force_login(reviewer)

    response = client.get(reverse(QUEUE), {"sort": "urgency"})

    assert len(queued(response)) == 3
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.django_db
def test_review_queue_pages_by_fifty(client, reviewer, analyst):
    situation = build_situation(by=reviewer, analysts=[analyst])
    Assessment.objects.bulk_create(
        Assessment(
            situation=situation,
            author=analyst,
            as_of=date(2026, 1, 1) + timedelta(days=n),
            posture="unwilling",
            status="submitted",
            revision=1,
        )
        for n in range(60)
    )
    client.force_login(reviewer)

    response = client.get(reverse(QUEUE), {"sort": "as_of", "page": "2"})

    assert [a.as_of for a, _edited in response.context["rows"]] == [
        date(2026, 1, 1) + timedelta(days=n) for n in range(50, 60)
    ]
    assert '<nav aria-label="Pages of the review queue">' in response.content.decode()


# --- Queries --------------------------------------------------------------------------------

SIZES = [10, 200]
# Every page starts with the session, the user and the user's groups (3 queries).
# + the count, the page of situations with their levels, their analysts, the analysts the
# filter offers; one more when an analyst filter is validated.
SITUATION_LIST_QUERIES = 8  # + the unread notifications' count
FILTERED_SITUATION_LIST_QUERIES = 9  # + the unread notifications' count
# + the count, the page of assessments, their participations
REVIEW_QUEUE_QUERIES = 7  # + the unread notifications' count
# + the situations with their levels, their analysts
SITUATION_EXPORT_QUERIES = 5


def many_assessed_situations(count, *, analyst, other_analyst, reviewer):
    """``count`` situations assigned to ``analyst`` (and ``other_analyst`` for every second
    one), three through the services, the rest in bulk with three assessments each; and as
    many again assigned to ``other_analyst`` only, which ``analyst`` must never see."""
    made = [build_situation(by=reviewer, analysts=[analyst, other_analyst]) for _ in range(3)]
    build_assessment(made[0], by=analyst, status="approved", reviewer=reviewer)
    build_assessment(made[1], by=other_analyst, status="submitted")
    build_assessment(made[2], by=analyst)
    bulk = Situation.objects.bulk_create(
        Situation(
            code=f"bulk-{n}",
            name=f"Bulk situation {n:03d}",
            country=("SD", "MM", "CD", "ET", "SS")[n % 5],
            region=f"Region {n}",
            review_cadence_days=30 + n % 60,
            created_by=reviewer,
        )
        for n in range(2 * count - 3)
    )
    through = Situation.analysts.through
    through.objects.bulk_create(
        through(situation_id=s.pk, user_id=user.pk)
        for n, s in enumerate(bulk)
        for user in (
            ((analyst, other_analyst) if n % 2 else (analyst,))
            if n < count - 3
            else (other_analyst,)
        )
    )
    assessments = Assessment.objects.bulk_create(
        Assessment(
            situation=s,
            author=analyst,
            as_of=date(2026, 1, 1) + timedelta(days=n + k * 30),
            posture="unwilling",
            status=("approved", "submitted", "draft")[k] if n % 4 else "approved",
            revision=0 if k == 2 and n % 4 else 1,
            reviewer=reviewer if k == 0 or n % 4 == 0 else None,
            overall_level=("low", "serious_concern", "imminent_risk", "current_crisis")[n % 4],
        )
        for n, s in enumerate(bulk)
        for k in range(3)
    )
    Participation.objects.bulk_create(
        Participation(assessment=a, user=analyst, role="editor") for a in assessments
    )
    derived.refresh_situation_summary([s.pk for s in bulk])  # as every bulk writer does
    assert Situation.objects.filter(analysts=analyst).count() == count


@pytest.mark.django_db
@pytest.mark.parametrize("count", SIZES)
@pytest.mark.parametrize("cast", ["analyst", "reviewer"])
def test_situation_list_runs_a_fixed_number_of_queries_filtered_or_not(
    client, django_assert_max_num_queries, analyst, other_analyst, reviewer, request, count, cast
):
    many_assessed_situations(count, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
    user = request.getfixturevalue(cast)
    client.force_login(user)
    url = reverse(LIST)
    client.get(url)

    with django_assert_max_num_queries(SITUATION_LIST_QUERIES):
        response = client.get(url, {"sort": "-level", "page": "2"})
    with django_assert_max_num_queries(FILTERED_SITUATION_LIST_QUERIES):
        filtered = client.get(
            url,
            {
                "q": "situation",
                "level": "low",
                "overdue": "yes",
                "status": "approved",
                "analyst": analyst.pk,
                "sort": "country",
            },
        )

    expected = count if cast == "analyst" else 2 * count
    assert response.context["page"].paginator.count == expected
    assert len(response.context["rows"]) == (min(50, expected - 50) if expected > 50 else expected)
    assert filtered.status_code == 200
    assert not filtered.context["filter"].errors


@pytest.mark.django_db
@pytest.mark.parametrize("count", SIZES)
@pytest.mark.parametrize("export", [CSV, XLSX])
def test_situation_exports_run_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, analyst, other_analyst, reviewer, count, export
):
    many_assessed_situations(count, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
    client.force_login(analyst)
    url = reverse(export)
    client.get(reverse(LIST))

    with django_assert_max_num_queries(SITUATION_EXPORT_QUERIES):
        response = client.get(url, {"sort": "-last_assessed"})
        rows = csv_rows(response) if export == CSV else xlsx_rows(response)  # streamed

    assert len(rows) == 1 + count
    assert {row[0] for row in rows[1:]} == set(
        Situation.objects.filter(analysts=analyst).values_list("name", flat=True)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("count", SIZES)
def test_review_queue_runs_a_fixed_number_of_queries_searched_or_not(
    client, django_assert_max_num_queries, analyst, other_analyst, reviewer, count
):
    many_assessed_situations(count, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
    awaiting = Assessment.objects.awaiting_review().count()
    client.force_login(reviewer)
    url = reverse(QUEUE)
    client.get(url)

    with django_assert_max_num_queries(REVIEW_QUEUE_QUERIES):
        response = client.get(url, {"sort": "-level"})
    with django_assert_max_num_queries(REVIEW_QUEUE_QUERIES):
        searched = client.get(url, {"q": "bulk", "sort": "situation", "page": "2"})

    assert response.context["page"].paginator.count == awaiting
    assert len(response.context["rows"]) == min(50, awaiting)
    assert searched.status_code == 200
    assert awaiting > count
