"""The crimes' and factors' levels stored beside each assessment's result: written wherever the
result is (a save, an import, the generator, the migration that added them), and what the
watch and the heatmap read instead of the whole result."""

import re
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.exchange import (
    assessments_for_export,
    export_document,
    import_assessments,
    validate_document,
)
from assessments.models import Assessment, Situation
from assessments.synthetic import Plan, generate
from framework.models import Indicator
from tests.assessments.builders import (
    SERIOUS_CONCERN,
    build_assessment,
    build_situation,
    edit_assessment,
)

GENOCIDE_CRISIS = {**SERIOUS_CONCERN, "10.1": "high"}
WAR_CRIMES_IMMINENT = {**SERIOUS_CONCERN, "13.1": "moderate"}
JAN, MAR = date(2026, 1, 1), date(2026, 3, 1)
# A column named "result" in a query's text, however its table is aliased.
RESULT_COLUMN = re.compile(r'"result"', re.IGNORECASE)


def assert_levels_match_the_result(assessment: Assessment) -> None:
    stored = Assessment.objects.get(pk=assessment.pk)
    assert stored.result["levels"], "the result holds levels"
    assert stored.crime_levels == stored.result["levels"]
    assert stored.factor_levels == stored.result["factor_levels"]


def approved(situation, ratings, as_of, *, by, reviewer):
    return build_assessment(
        situation, by=by, ratings=ratings, as_of=as_of, status="approved", reviewer=reviewer
    )


# Writes ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_save_and_a_rescore_write_the_levels_beside_the_result(analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst])
    assessment = build_assessment(situation, by=analyst, ratings=SERIOUS_CONCERN)
    assert_levels_match_the_result(assessment)
    before = Assessment.objects.get(pk=assessment.pk).factor_levels

    edit_assessment(assessment, by=analyst, ratings=GENOCIDE_CRISIS)

    stored = Assessment.objects.get(pk=assessment.pk)
    assert stored.factor_levels != before
    assert stored.factor_levels["10"] == "high"
    assert stored.crime_levels["genocide"] == "current_crisis"
    assert_levels_match_the_result(stored)


@pytest.mark.django_db
def test_an_import_writes_the_levels_beside_the_result(analyst, reviewer, admin):
    situation = build_situation(by=reviewer, analysts=[analyst], code="lakeshore")
    approved(situation, GENOCIDE_CRISIS, JAN, by=analyst, reviewer=reviewer)
    document = export_document(assessments_for_export("lakeshore"))
    document["assessments"][0]["situation"].update(code="lakeshore-copy", name="Copy")

    records = validate_document(
        document, indicator_codes=set(Indicator.objects.values_list("code", flat=True))
    )

    report = import_assessments(records, by=admin, source="a partner")

    assert len(report.created) == 1
    imported = Assessment.objects.get(pk=report.created[0].pk)
    assert imported.situation.code == "lakeshore-copy"
    assert imported.crime_levels["genocide"] == "current_crisis"
    assert_levels_match_the_result(imported)


@pytest.mark.django_db
def test_the_generator_writes_the_levels_beside_the_result(db):
    generate(Plan(situations=3, assessments_per_situation=3, seed=1, today=date(2026, 6, 15)))

    generated = list(Assessment.objects.all())
    assert len(generated) == 9
    for assessment in generated:
        assert assessment.crime_levels == assessment.result["levels"]
        assert assessment.factor_levels == assessment.result["factor_levels"]
    assert any(a.factor_levels for a in generated)


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_levels_of_stored_assessments(framework_data, analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst])
    first = approved(situation, GENOCIDE_CRISIS, JAN, by=analyst, reviewer=reviewer)
    second = build_assessment(situation, by=analyst, ratings=WAR_CRIMES_IMMINENT, as_of=MAR)
    executor = MigrationExecutor(connection)
    executor.migrate([("assessments", "0017_summary_pdfs")])
    state = executor.loader.project_state([("assessments", "0017_summary_pdfs")]).apps
    columns = {f.name for f in state.get_model("assessments", "Assessment")._meta.fields}
    assert "crime_levels" not in columns
    assert "factor_levels" not in columns

    # Every app forward again: those that depend on assessments were unapplied with it.
    call_command("migrate", verbosity=0)

    for assessment in (first, second):
        assert_levels_match_the_result(assessment)
    assert Assessment.objects.get(pk=first.pk).crime_levels["genocide"] == "current_crisis"
    assert Assessment.objects.get(pk=second.pk).factor_levels["13"] == "moderate"


# Reads -------------------------------------------------------------------------------------


@pytest.fixture
def moved(analyst, reviewer):
    """Two situations whose level moved between two approved assessments, and a draft."""
    for name, earlier, later in (
        ("Rising", SERIOUS_CONCERN, GENOCIDE_CRISIS),
        ("Falling", WAR_CRIMES_IMMINENT, SERIOUS_CONCERN),
    ):
        situation = build_situation(by=reviewer, analysts=[analyst], name=name)
        approved(situation, earlier, JAN, by=analyst, reviewer=reviewer)
        approved(situation, later, MAR, by=analyst, reviewer=reviewer)
    build_assessment(Situation.objects.get(name="Falling"), by=analyst, ratings=GENOCIDE_CRISIS)


def queries_of(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["reviewer", "analyst"])
def test_the_watch_never_selects_the_result(client, moved, request, role):
    client.force_login(request.getfixturevalue(role))

    queries = queries_of(client, reverse("home"))

    assessments = [sql for sql in queries if "assessments_assessment" in sql]
    assert assessments
    assert [sql for sql in assessments if RESULT_COLUMN.search(sql)] == []
    # The movers' levels come from the stored columns.
    assert any('"crime_levels"' in sql and '"factor_levels"' in sql for sql in assessments)


@pytest.mark.django_db
def test_the_heatmap_never_selects_the_result(client, moved, reviewer):
    client.force_login(reviewer)

    queries = queries_of(client, reverse("assessments:heatmap"))

    assessments = [sql for sql in queries if "assessments_assessment" in sql]
    assert assessments
    assert [sql for sql in assessments if RESULT_COLUMN.search(sql)] == []
    assert any('"factor_levels"' in sql for sql in assessments)
