"""Saving the rating form writes in bulk: a save runs as many queries for one changed rating
as for every rating of the framework changed, and still stores exactly what was given."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import workflow
from assessments.exchange import (
    ImportReport,
    assessments_for_export,
    export_document,
    import_assessments,
    known_indicator_codes,
    validate_document,
)
from assessments.models import (
    Assessment,
    EscalationSummary,
    EvidenceSource,
    GroupKind,
    IndicatorRating,
    Situation,
    Transition,
)
from assessments.workflow import RatingInput
from audit import log as audit
from audit.models import AuditEntry
from framework.models import Indicator
from tests.assessments.builders import (
    CRISIS,
    build_assessment,
    build_situation,
    edit_assessment,
    edit_form_data,
    field_name,
)

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def situation(analyst, reviewer):
    return build_situation(by=reviewer, analysts=[analyst], name="Lakeside")


def every_indicator() -> list[str]:
    return list(Indicator.objects.filter(is_active=True).values_list("code", flat=True))


def fully_rated(situation, analyst) -> Assessment:
    """A draft rating every active indicator low, each with a note and one source."""
    return build_assessment(
        situation, by=analyst, ratings={code: "low" for code in every_indicator()}
    )


def queries_of_saving(client, assessment: Assessment, codes: list[str]) -> int:
    """Post the edit form with a new note for each of ``codes``; the queries it ran."""
    data = edit_form_data(
        assessment, **{field_name(code, "note"): f"New evidence on {code}." for code in codes}
    )
    with CaptureQueriesContext(connection) as captured:
        answer = client.post(
            reverse("assessments:edit", kwargs={"pk": assessment.pk}), data, **JSON
        )
    assert answer.status_code == 200, answer.content
    assert answer.json()["saved"] is True
    return len(captured)


@pytest.mark.django_db
def test_a_save_of_every_changed_note_runs_as_many_queries_as_a_save_of_one(
    client, situation, analyst
):
    codes = every_indicator()
    assert len(codes) >= 100  # the framework's full set of indicators
    one = fully_rated(situation, analyst)
    every = fully_rated(situation, analyst)
    client.force_login(analyst)
    # The first save of a process reads the reference data into its cache (framework/cache.py).
    queries_of_saving(client, fully_rated(situation, analyst), codes[:1])

    for_one = queries_of_saving(client, one, codes[:1])
    for_every = queries_of_saving(client, every, codes)

    assert for_one == for_every
    notes = dict(every.ratings.values_list("indicator__code", "note"))
    assert notes == {code: f"New evidence on {code}." for code in codes}
    untouched = dict(one.ratings.values_list("indicator__code", "note"))
    assert untouched[codes[0]] == f"New evidence on {codes[0]}."
    assert untouched[codes[1]] == f"Field reports on {codes[1]}."


@pytest.mark.django_db
def test_a_save_that_adds_changes_and_removes_ratings_runs_as_many_queries_whatever_their_number(
    situation, analyst
):
    codes = every_indicator()
    few, many = codes[:2], codes[:100]

    def save(first: list[str], then: dict[str, RatingInput | str]) -> int:
        draft = build_assessment(situation, by=analyst, ratings={c: "low" for c in first})
        with CaptureQueriesContext(connection) as captured:
            edit_assessment(draft, by=analyst, ratings=then)
        return len(captured)

    def changes(group: list[str]) -> dict[str, RatingInput | str]:
        third = len(group) // 2
        return {
            **{code: "not_assessed" for code in group[:third]},  # removed
            **{code: ("moderate", "worsening", "high") for code in group[third:]},  # changed
            **{code: "high" for code in codes[len(codes) - len(group) :]},  # new
        }

    assert save(few, changes(few)) == save(many, changes(many))


@pytest.mark.django_db
def test_a_bulk_save_stores_each_rating_its_sources_and_marks_as_given(situation, analyst):
    draft = build_assessment(
        situation, by=analyst, ratings={"1.1": "low", "1.2": "moderate", "7.5": "high"}
    )
    IndicatorRating.objects.filter(assessment=draft).update(note_releasable=True)
    EvidenceSource.objects.filter(rating__assessment=draft).update(releasable=True)

    edit_assessment(
        draft,
        by=analyst,
        ratings={
            "1.1": "not_assessed",  # removed
            # A new note: its releasable mark goes; the same source keeps its mark.
            "1.2": RatingInput(
                severity="moderate",
                note="A new note.",
                sources=(("B", "OHCHR press briefing on 1.2"), ("C", "A local radio report")),
            ),
            "7.5": "high",  # unchanged
            "8.1": ("high", "worsening", "low"),  # new
        },
    )

    stored = {r.indicator.code: r for r in IndicatorRating.objects.filter(assessment=draft)}
    assert sorted(stored) == ["1.2", "7.5", "8.1"]
    assert (stored["1.2"].note, stored["1.2"].note_releasable) == ("A new note.", False)
    assert [
        (s.reliability, s.citation, s.releasable, s.order) for s in stored["1.2"].sources.all()
    ] == [
        ("B", "OHCHR press briefing on 1.2", True, 0),
        ("C", "A local radio report", False, 1),
    ]
    assert stored["7.5"].note_releasable is True
    assert [s.releasable for s in stored["7.5"].sources.all()] == [True]
    assert (stored["8.1"].severity, stored["8.1"].trend, stored["8.1"].confidence) == (
        "high",
        "worsening",
        "low",
    )
    assert [s.citation for s in stored["8.1"].sources.all()] == ["OHCHR press briefing on 8.1"]
    assert not EvidenceSource.objects.filter(
        rating__assessment=draft, rating__indicator__code="1.1"
    )
    refreshed = Assessment.objects.get(pk=draft.pk)
    assert refreshed.overall_level == workflow.derive_result(refreshed).overall


def import_copy(count: int, *, analyst, reviewer, admin) -> tuple[int, ImportReport]:
    """Export ``count`` assessments of a fresh situation in three states, then import them
    as a copy of it; the queries the import ran and its report."""
    situation = build_situation(
        by=reviewer,
        analysts=[analyst],
        code=f"origin-{count}",
        name=f"Origin {count}",
        groups=[("The Lakeshore people", GroupKind.ETHNICAL)],
    )
    for day in range(1, count + 1):
        build_assessment(
            situation,
            by=analyst,
            as_of=date(2026, 1, day),
            ratings=CRISIS,
            posture="perpetrator",
            status=("draft", "in_review", "returned")[day % 3],
            reviewer=reviewer,
        )
    document = export_document(assessments_for_export(f"origin-{count}"))
    for entry in document["assessments"]:
        entry["situation"].update(code=f"copy-{count}", name=f"Copy {count}")
    records = validate_document(document, indicator_codes=known_indicator_codes())
    import_assessments([], by=admin)  # the importer's roles, read once per user object
    with CaptureQueriesContext(connection) as captured:
        report = import_assessments(records, by=admin, source="a partner")
    return len(captured), report


@pytest.mark.django_db
def test_an_import_runs_as_many_queries_for_six_assessments_as_for_two(analyst, reviewer, admin):
    for_two, two = import_copy(2, analyst=analyst, reviewer=reviewer, admin=admin)
    for_six, six = import_copy(6, analyst=analyst, reviewer=reviewer, admin=admin)

    assert for_two == for_six
    assert (len(two.created), len(six.created)) == (2, 6)
    copied = Assessment.objects.filter(situation__code="copy-6")
    assert copied.count() == 6
    assert IndicatorRating.objects.filter(assessment__in=copied).count() == 6 * len(CRISIS)
    assert all(a.overall_level == workflow.derive_result(a).overall for a in copied)
    assert Transition.objects.filter(assessment__in=copied, event="imported").count() == 6
    # One audit entry per imported assessment, and the chain still holds.
    entries = AuditEntry.objects.filter(
        action="transition", object_id__in=[str(a.pk) for a in copied]
    )
    assert entries.count() == 6
    assert {e.data["event"] for e in entries} == {"imported"}
    assert audit.verify().broken_at is None
    in_review = copied.filter(status="in_review")
    assert EscalationSummary.objects.filter(assessment__in=in_review, status="pending").count() == (
        in_review.count()
    )


@pytest.mark.django_db
def test_an_import_that_fails_midway_leaves_nothing_behind(analyst, reviewer, admin, monkeypatch):
    situation = build_situation(by=reviewer, analysts=[analyst], code="origin", name="Origin")
    build_assessment(situation, by=analyst, ratings=CRISIS, status="in_review")
    document = export_document(assessments_for_export("origin"))
    document["assessments"][0]["situation"].update(code="copy", name="Copy")
    records = validate_document(document, indicator_codes=known_indicator_codes())
    before = {
        model: model.objects.count()
        for model in (
            Situation,
            Assessment,
            IndicatorRating,
            EvidenceSource,
            Transition,
            AuditEntry,
            EscalationSummary,
        )
    }

    def broken(*args, **kwargs):
        raise workflow.WorkflowError("The reference data is missing.")

    monkeypatch.setattr(workflow, "record_transitions", broken)
    with pytest.raises(workflow.WorkflowError):
        import_assessments(records, by=admin, source="a partner")

    assert {model: model.objects.count() for model in before} == before
