"""The exchange format: export, import, the round trip, and refusal of bad files."""

import copy
import json
from collections.abc import Callable
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from assessments import wording
from assessments.exchange import (
    ExchangeError,
    assessments_for_export,
    export_document,
    known_indicator_codes,
    parse_document,
)
from assessments.models import (
    Assessment,
    EscalationDecision,
    EscalationSummary,
    EvidenceSource,
    IndicatorRating,
    Participation,
    Situation,
    Transition,
)
from assessments.workflow import RatingInput
from framework.models import Indicator
from tests.assessments.builders import (
    bring_to,
    build_assessment,
    build_situation,
    draft_summary_now,
)

# What the tests here assess unless they say otherwise: the ratings as a file from another
# office may carry them, a bare severity without a note or a source.
ASSESSED: dict[str, Any] = {
    "as_of": date(2026, 1, 15),
    "posture": "perpetrator",
    "narrative": "Militias attack villages.",
    "ratings": {"7.5": RatingInput("high")},
}


def assessment_in(situation, *, by, **given):
    """``build_assessment`` with the values above, unless ``given`` says otherwise."""
    return build_assessment(situation, by=by, **{**ASSESSED, **given})


def export(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("export_assessments", *args, stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def import_file(path: Path, *, as_user: str = "admin") -> str:
    out = StringIO()
    call_command("import_assessments", str(path), "--as", as_user, stdout=out)
    return out.getvalue()


def write(tmp_path: Path, data: object, name: str = "assessments.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def row_counts() -> dict[str, int]:
    models = (
        Situation,
        Assessment,
        IndicatorRating,
        EvidenceSource,
        Transition,
        Participation,
        EscalationSummary,
        EscalationDecision,
    )
    return {model.__name__: model.objects.count() for model in models}


def wipe_assessments_and_situations() -> None:
    """Delete every row of the assessments app, dependents first (as they are defined)."""
    for model in reversed(list(apps.get_app_config("assessments").get_models())):
        model.objects.all().delete()


def without_timestamps(document: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(document)
    document.pop("exported_at")
    return document


def without_summaries(document: dict[str, Any]) -> dict[str, Any]:
    """The document less its timestamp and each assessment's ``summaries`` (this office's
    review record, which an import does not bring over)."""
    document = without_timestamps(document)
    for assessment in document["assessments"]:
        assessment.pop("summaries")
    return document


def valid_document() -> dict[str, Any]:
    """A file as another office might write it by hand: only the fields the spec requires."""
    return {
        "format": "r2p-assessments",
        "version": 1,
        "assessments": [
            {
                "situation": {"name": "Rakhine", "country": "MM"},
                "as_of": "2026-02-01",
                "posture": "perpetrator",
                "status": "draft",
                "narrative": "Villages burned.",
                "ratings": {
                    "7.5": {
                        "severity": "high",
                        "trend": "worsening",
                        "confidence": "medium",
                        "note": "Satellite imagery.",
                    },
                    "1.1": {"severity": "moderate", "trend": "stable", "confidence": "low"},
                },
            },
            {
                "situation": {"name": "Rakhine", "country": "MM"},
                "as_of": "2026-03-01",
                "posture": "unwilling",
                "status": "submitted",
                "narrative": "",
                "ratings": {
                    "7.5": {
                        "severity": "moderate",
                        "trend": "improving",
                        "confidence": "high",
                        "note": "",
                        "sources": [{"reliability": "B", "citation": "OHCHR report"}],
                    }
                },
            },
        ],
    }


@pytest.fixture
def darfur(reviewer, analyst):
    return build_situation(by=reviewer, analysts=[analyst], code="darfur", name="Darfur")


# Export ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_of_one_situation_lists_only_its_assessments(tmp_path, reviewer, analyst, darfur):
    other = build_situation(
        by=reviewer, analysts=[analyst], code="rakhine", name="Rakhine", country="MM"
    )
    assessment_in(darfur, by=analyst, as_of=date(2026, 1, 15))
    assessment_in(darfur, by=analyst, as_of=date(2026, 2, 15))
    assessment_in(other, by=analyst)
    output = tmp_path / "darfur.json"

    err = StringIO()
    call_command("export_assessments", "--situation", "darfur", "--output", str(output), stderr=err)

    document = json.loads(output.read_text(encoding="utf-8"))
    assert document["format"] == "r2p-assessments"
    assert document["version"] == 2
    assert [(a["situation"]["code"], a["as_of"]) for a in document["assessments"]] == [
        ("darfur", "2026-01-15"),
        ("darfur", "2026-02-15"),
    ]
    assert "Exported 2 assessments" in err.getvalue()
    assert len(export()["assessments"]) == 3


@pytest.mark.django_db
def test_export_of_an_unknown_situation_is_refused(darfur):
    with pytest.raises(CommandError, match="no situation with the code 'nowhere'"):
        call_command("export_assessments", "--situation", "nowhere", stdout=StringIO())


@pytest.mark.django_db
def test_export_holds_the_spec_fields_and_the_stored_levels(reviewer, analyst, darfur):
    assessment = assessment_in(
        darfur,
        by=analyst,
        ratings={
            "7.5": RatingInput(
                "high", "worsening", "high", "Arms flows.", (("B", "Panel of Experts"),)
            ),
            "13.1": RatingInput("high", confidence="low"),
            "1.1": RatingInput("not_assessed", note="No access."),
        },
        status="approved",
        reviewer=reviewer,
    )
    assessment.refresh_from_db()
    summary = EscalationSummary.objects.get(assessment=assessment)

    [exported] = export()["assessments"]

    assert exported["situation"]["name"] == "Darfur"
    assert exported["situation"]["country"] == "SD"
    assert exported["as_of"] == "2026-01-15"
    assert exported["posture"] == "perpetrator"
    assert exported["status"] == "approved"
    assert exported["author"] == "analyst"
    assert exported["reviewer"] == "reviewer"
    assert exported["narrative"] == "Militias attack villages."
    assert exported["ratings"] == {
        "7.5": {
            "severity": "high",
            "trend": "worsening",
            "confidence": "high",
            "note": "Arms flows.",
            "sources": [{"reliability": "B", "citation": "Panel of Experts"}],
        },
        "13.1": {
            "severity": "high",
            "trend": "stable",
            "confidence": "low",
            "note": "",
            "sources": [],
        },
    }
    assert set(exported["levels"]) == {
        "genocide",
        "crimes_against_humanity",
        "war_crimes",
        "overall",
    }
    assert exported["levels"] == assessment.result["levels"]
    assert exported["levels"]["overall"] == assessment.overall_level == "current_crisis"
    assert exported["factor_levels"]["7"] == "high"
    assert exported["factor_levels"]["13"] == "high"
    assert exported["factor_levels"]["1"] is None
    assert exported["recommendations"]
    for rec in exported["recommendations"]:
        assert isinstance(rec["tool"], str)
        assert rec["pillar"] in (1, 2, 3)
        assert isinstance(rec["score"], int)
        assert set(rec["drivers"]) <= {"7.5", "13.1"}
    [exported_summary] = exported["summaries"]
    assert exported_summary["revision"] == 1
    assert exported_summary["status"] == "ready"
    assert exported_summary["content_hash"] == summary.content_hash
    assert exported_summary["content"] == summary.content
    assert exported_summary["proposed_escalation"] == summary.proposed_escalation
    decision = exported_summary["decision"]
    assert decision["approved"] is True
    assert decision["reviewer"] == "reviewer"
    assert decision["level"] == decision["proposed_level"] == summary.proposed_escalation
    assert decision["content_hash"] == summary.content_hash


@pytest.mark.django_db
def test_export_reads_a_fixed_number_of_queries(
    django_assert_num_queries, reviewer, analyst, darfur
):
    made = [
        assessment_in(
            darfur,
            by=analyst,
            as_of=date(2026, 1, day),
            ratings={"7.5": RatingInput("low", sources=(("A", "x"),)), "8.1": RatingInput("low")},
        )
        for day in (1, 2, 3, 4)
    ]
    bring_to(made[0], "approved", reviewer=reviewer)
    bring_to(made[1], "returned", reviewer=reviewer, reason="More sources.")
    bring_to(made[2], "in_review")
    # assessments with situation, author and reviewer; ratings; sources; the groups each
    # rating names; analysts; groups at risk; summaries with their decisions, the decisions'
    # reviewers and first reviews; dissents with their authors; response actions (their
    # sources only where there are actions)
    with django_assert_num_queries(9):
        document = export_document(assessments_for_export())
    assert len(document["assessments"]) == 4
    assert [len(a["summaries"]) for a in document["assessments"]] == [1, 1, 1, 0]
    assert [
        (s["decision"] or {}).get("reviewer")
        for a in document["assessments"][:3]
        for s in a["summaries"]
    ] == ["reviewer", "reviewer", None]


@pytest.mark.django_db
def test_single_assessment_export_view_still_serves_the_assessment(client, analyst, darfur):
    assessment = assessment_in(darfur, by=analyst)
    client.force_login(analyst)

    response = client.get(reverse("assessments:export", args=[assessment.pk]))

    assert response.status_code == 200
    data = response.json()
    assert data["situation"]["code"] == "darfur"
    assert data["ratings"]["7.5"]["severity"] == "high"


# Round trip --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_import_export_round_trip_is_identical(
    tmp_path, reviewer, analyst, other_analyst, admin
):
    darfur = build_situation(
        by=reviewer,
        analysts=[analyst, other_analyst],
        code="darfur",
        name="Darfur",
        region="North Darfur",
        groups=[("Masalit civilians", "other"), ("Masalit", "unclassified")],
        review_cadence_days=30,
        confidentiality="strictly_confidential",
    )
    rakhine = build_situation(
        by=reviewer, analysts=[analyst], code="rakhine", name="Rakhine", country="MM"
    )
    draft = assessment_in(
        darfur,
        by=analyst,
        as_of=date(2026, 3, 1),
        posture="unwilling",
        ratings={
            "1.1": RatingInput("moderate", "worsening", "high", "Emergency law."),
            "7.5": RatingInput("high", sources=(("A", "UN panel"), ("C", "Local radio"))),
            "10.1": RatingInput("low", "improving", "low"),
            "13.2": RatingInput("absent"),
        },
    )
    assessment_in(
        darfur,
        by=other_analyst,
        as_of=date(2026, 1, 1),
        ratings={"8.1": RatingInput("high", note="Elections.")},
        status="approved",
        reviewer=reviewer,
    )
    assessment_in(
        rakhine,
        by=analyst,
        posture="willing_lacks_capacity",
        status="returned",
        reviewer=reviewer,
        reason="More sources.",
    )
    assessment_in(rakhine, by=analyst, as_of=date(2026, 4, 1), status="submitted")
    first = tmp_path / "first.json"
    call_command("export_assessments", "--output", str(first), stderr=StringIO())
    before = json.loads(first.read_text(encoding="utf-8"))
    assert {a["status"] for a in before["assessments"]} == {
        "draft",
        "approved",
        "returned",
        "submitted",
    }
    stored_summaries = {
        (s.assessment.status, s.revision): (s.content_hash, s.decision.approved, s.decision.reason)
        for s in EscalationSummary.objects.select_related("assessment", "decision")
        if s.status == "ready"
    }
    draft_levels = Assessment.objects.get(pk=draft.pk).result["levels"]

    wipe_assessments_and_situations()
    assert row_counts()["Assessment"] == 0
    assert set(row_counts().values()) == {0}

    output = import_file(first)

    assert "4 assessments created, 0 skipped, 2 situations created" in output
    after = export()
    # Everything but the summaries comes back exactly. The summaries are this office's review
    # record: an import into an empty database brings none of them over (the key is accepted
    # and ignored), so the approved and the returned assessments come back without a summary,
    # and the submitted one, which awaits review, gets a pending summary of its own to be
    # drafted here, which is not exported until it is ready.
    assert without_summaries(after) == without_summaries(before)
    exported = {
        (a["status"], s["revision"]): (s["content_hash"], s["decision"]["approved"])
        for a in before["assessments"]
        for s in a["summaries"]
    }
    assert exported == {
        key: (content_hash, approved)
        for key, (content_hash, approved, _reason) in stored_summaries.items()
    }
    assert set(exported) == {("approved", 1), ("returned", 1)}
    for assessment in before["assessments"]:
        for summary in assessment["summaries"]:
            assert len(summary["content_hash"]) == 64
            assert summary["decision"]["content_hash"] == summary["content_hash"]
            assert summary["decision"]["reviewer"] == "reviewer"
    [rejected] = next(a for a in before["assessments"] if a["status"] == "returned")["summaries"]
    assert (rejected["decision"]["approved"], rejected["decision"]["reason"]) == (
        False,
        "More sources.",
    )
    assert [a["summaries"] for a in after["assessments"]] == [[]] * 4
    assert list(
        EscalationSummary.objects.values_list("assessment__status", "revision", "status")
    ) == [("submitted", 1, "pending")]
    assert not EscalationDecision.objects.exists()
    imported = Assessment.objects.get(situation__code="darfur", as_of=date(2026, 3, 1))
    assert imported.result["levels"] == draft_levels
    assert imported.ratings.get(indicator__code="7.5").sources.count() == 2
    situation = Situation.objects.get(code="darfur")
    assert situation.created_by == admin
    assert set(situation.analysts.all()) == {analyst, other_analyst}
    transition = imported.transitions.get()
    assert (transition.from_status, transition.to_status) == ("", "draft")
    assert transition.actor == admin
    assert (transition.event, transition.params) == ("imported", {"source": "first.json"})
    assert wording.transition_text(transition) == "imported from first.json"


@pytest.mark.django_db
def test_reimporting_the_same_file_creates_nothing_new(tmp_path, admin):
    path = write(tmp_path, valid_document())
    import_file(path)
    counts = row_counts()

    output = import_file(path)

    assert "0 assessments created, 2 skipped, 0 situations created" in output
    assert "skipped assessments[0] (rakhine-mm 2026-02-01): already present" in output
    assert row_counts() == counts


@pytest.mark.django_db
def test_import_of_a_hand_written_file_creates_situation_and_assessments(tmp_path, admin, analyst):
    document = valid_document()
    document["assessments"][0]["situation"]["analysts"] = ["analyst", "nobody"]

    output = import_file(write(tmp_path, document))

    assert "2 assessments created, 0 skipped, 1 situation created" in output
    assert "no user 'nobody' here to assign as analyst" in output
    situation = Situation.objects.get()
    assert (situation.code, situation.name, situation.country.code) == (
        "rakhine-mm",
        "Rakhine",
        "MM",
    )
    assert situation.created_by == admin
    assert list(situation.analysts.all()) == [analyst]
    draft, submitted = Assessment.objects.order_by("as_of")
    assert (draft.status, draft.revision, draft.author) == ("draft", 0, admin)
    assert (submitted.status, submitted.revision) == ("submitted", 1)
    assert list(submitted.summaries.values_list("revision", "status")) == [(1, "pending")]
    assert not draft.summaries.exists()
    assert draft.overall_level != "insufficient_data"
    rating = draft.ratings.get(indicator__code="7.5")
    assert (rating.severity, rating.trend, rating.confidence, rating.note) == (
        "high",
        "worsening",
        "medium",
        "Satellite imagery.",
    )
    assert [(s.reliability, s.citation) for s in submitted.ratings.get().sources.all()] == [
        ("B", "OHCHR report")
    ]
    assert Participation.objects.filter(assessment=draft, user=admin, role="editor").exists()


@pytest.mark.django_db
def test_import_ignores_the_summaries_of_the_file_and_drafts_its_own_for_review(
    tmp_path, admin, reviewer
):
    document = valid_document()
    record = document["assessments"][1]
    record["status"] = "in_review"
    record["summaries"] = [
        {
            "revision": 1,
            "status": "ready",
            "content_hash": "f" * 64,
            "content": {"escalation": {"level": "none"}},
            "decision": {"approved": True, "reviewer": "reviewer", "content_hash": "f" * 64},
        }
    ]
    document["assessments"][0]["summaries"] = []

    import_file(write(tmp_path, document))

    draft, in_review = Assessment.objects.order_by("as_of")
    assert not draft.summaries.exists()
    [pending] = in_review.summaries.all()
    assert (pending.revision, pending.status, pending.content_hash) == (1, "pending", "")
    assert not EscalationDecision.objects.exists()
    drafted = draft_summary_now(in_review)
    summary = drafted.summaries.get()
    assert summary.status == "ready"
    assert summary.content_hash != "f" * 64
    # Imported while in review elsewhere: it stays in review, with no second transition.
    assert drafted.status == "in_review"
    assert list(drafted.transitions.values_list("from_status", "to_status")) == [("", "in_review")]


@pytest.mark.django_db
def test_import_adds_to_an_existing_situation_matched_by_name_and_country(
    tmp_path, admin, reviewer, analyst
):
    existing = build_situation(
        by=reviewer, analysts=[analyst], code="myanmar-rakhine", name="Rakhine", country="MM"
    )

    import_file(write(tmp_path, valid_document()))

    assert Situation.objects.get() == existing
    assert existing.assessments.count() == 2


@pytest.mark.django_db
def test_import_of_an_unknown_author_assigns_the_importing_user_and_says_so(tmp_path, admin):
    document = valid_document()
    document["assessments"][0]["author"] = "someone-elsewhere"

    output = import_file(write(tmp_path, document))

    assert "no user 'someone-elsewhere' here; imported as written by 'admin'" in output
    assert Assessment.objects.filter(author=admin).count() == 2


@pytest.mark.django_db
def test_import_notes_levels_that_differ_from_the_file(tmp_path, admin):
    document = valid_document()
    document["assessments"][0]["levels"] = {"overall": "imminent_risk", "genocide": "low"}

    output = import_file(write(tmp_path, document))

    assert "assessments[0] (rakhine-mm 2026-02-01): levels recomputed here differ" in output
    assert "differ: overall imminent_risk -> low\n" in output


@pytest.mark.django_db
def test_import_without_a_superuser_or_as_is_refused(tmp_path, admin):
    path = write(tmp_path, valid_document())

    with pytest.raises(CommandError, match="no superuser to import as"):
        call_command("import_assessments", str(path), stdout=StringIO())

    assert row_counts()["Assessment"] == 0


@pytest.mark.django_db
def test_import_defaults_to_the_first_superuser(tmp_path):
    root = get_user_model().objects.create_superuser("root", "root@example.org", "pw-12345-x")

    out = StringIO()
    call_command("import_assessments", str(write(tmp_path, valid_document())), stdout=out)

    assert "as root: 2 assessments created" in out.getvalue()
    assert Situation.objects.get().created_by == root


@pytest.mark.django_db
def test_import_by_an_analyst_is_refused_and_imports_nothing(tmp_path, analyst):
    before = row_counts()

    with pytest.raises(CommandError, match="Only reviewers and framework admins import"):
        import_file(write(tmp_path, valid_document()), as_user="analyst")

    assert row_counts() == before


# Bad files ---------------------------------------------------------------------------------


def set_path(path: tuple, value: object) -> Callable[[dict], None]:
    def mutate(document: dict) -> None:
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def delete_path(path: tuple) -> Callable[[dict], None]:
    def mutate(document: dict) -> None:
        target = document
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def rename_rating(old: str, new: str) -> Callable[[dict], None]:
    def mutate(document: dict) -> None:
        ratings = document["assessments"][1]["ratings"]
        ratings[new] = ratings.pop(old)

    return mutate


A0, A1 = ("assessments", 0), ("assessments", 1)
BAD_FILES = {
    "missing field": (
        delete_path((*A1, "posture")),
        "assessments[1]: missing field 'posture'",
    ),
    "missing rating field": (
        delete_path((*A0, "ratings", "1.1", "severity")),
        "assessments[0].ratings[\"1.1\"]: missing field 'severity'",
    ),
    "unknown indicator code": (
        rename_rating("7.5", "7.99"),
        "assessments[1].ratings[\"7.99\"]: unknown indicator code '7.99'",
    ),
    "bad severity": (
        set_path((*A0, "ratings", "7.5", "severity"), "severe"),
        "assessments[0].ratings[\"7.5\"].severity: 'severe' is not one of "
        "absent, low, moderate, high",
    ),
    "not assessed is not exchanged": (
        set_path((*A0, "ratings", "7.5", "severity"), "not_assessed"),
        "assessments[0].ratings[\"7.5\"].severity: 'not_assessed' is not one of",
    ),
    "bad trend": (
        set_path((*A0, "ratings", "7.5", "trend"), "up"),
        "assessments[0].ratings[\"7.5\"].trend: 'up' is not one of improving, stable, worsening",
    ),
    "bad confidence": (
        set_path((*A0, "ratings", "1.1", "confidence"), 3),
        'assessments[0].ratings["1.1"].confidence: number is not one of low, medium, high',
    ),
    "bad posture": (
        set_path((*A1, "posture"), "hostile"),
        "assessments[1].posture: 'hostile' is not one of willing_able, willing_lacks_capacity, "
        "unwilling, perpetrator",
    ),
    "bad status": (
        set_path((*A1, "status"), "published"),
        "assessments[1].status: 'published' is not one of draft, submitted, in_review, "
        "second_review, approved, returned",
    ),
    "unknown country": (
        set_path((*A0, "situation", "country"), "XX"),
        "assessments[0].situation.country: 'XX' is not an ISO 3166-1 alpha-2 country code",
    ),
    "bad date": (
        set_path((*A1, "as_of"), "2026-02-30"),
        "assessments[1].as_of: '2026-02-30' is not a date (YYYY-MM-DD)",
    ),
    "date not in ISO form": (
        set_path((*A1, "as_of"), "01/02/2026"),
        "assessments[1].as_of: '01/02/2026' is not a date (YYYY-MM-DD)",
    ),
    "bad source grade": (
        set_path((*A1, "ratings", "7.5", "sources", 0, "reliability"), "Z"),
        "assessments[1].ratings[\"7.5\"].sources[0].reliability: 'Z' is not one of A, B, C",
    ),
    "unknown field": (
        set_path((*A0, "severty"), "high"),
        "assessments[0]: unknown field 'severty'",
    ),
    "wrong type": (
        set_path((*A0, "narrative"), ["a"]),
        "assessments[0].narrative: must be a string, not array",
    ),
    "other format": (
        set_path(("format",), "something-else"),
        "format: 'something-else' is not 'r2p-assessments'",
    ),
    "future version": (
        set_path(("version",), 3),
        "version: 3 is not a supported version (1, 2)",
    ),
    "summaries not a list": (
        set_path((*A0, "summaries"), {"revision": 1}),
        "assessments[0].summaries: must be a list",
    ),
    # The bounds of assessments.limits, as the forms have them.
    "date far in the future": (
        set_path((*A1, "as_of"), "9999-12-31"),
        "assessments[1].as_of: the date may not be after",
    ),
    "date before 1945": (
        set_path((*A1, "as_of"), "1900-01-01"),
        "assessments[1].as_of: the date may not be before 1945-01-01",
    ),
    "revision beyond any count of submissions": (
        set_path((*A1, "revision"), 2**31),
        "assessments[1].revision: 2147483648 is more than 100000",
    ),
    "review cadence beyond ten years": (
        set_path((*A0, "situation", "review_cadence_days"), 32768),
        "assessments[0].situation.review_cadence_days: 32768 is more than 3650",
    ),
    "narrative beyond its limit": (
        set_path((*A0, "narrative"), "x" * 20_000_000),
        "assessments[0].narrative: is longer than 20000 characters",
    ),
    "note beyond its limit": (
        set_path((*A0, "ratings", "1.1", "note"), "x" * 5_001),
        'assessments[0].ratings["1.1"].note: is longer than 5000 characters',
    ),
    "NUL in a string": (
        set_path((*A0, "narrative"), "Villages\x00 burned."),
        "assessments[0].narrative: contains a NUL character",
    ),
    "NUL in a key": (
        set_path((*A0, "ratings", "1.\x001"), {}),
        "assessments[0].ratings: a key contains a NUL character",
    ),
    "lone surrogate": (
        set_path((*A1, "ratings", "7.5", "sources", 0, "citation"), "OHCHR \ud800"),
        'assessments[1].ratings["7.5"].sources[0].citation: contains a lone surrogate '
        "('\\ud800')",
    ),
    "nested too deep to be a document": (
        set_path(
            (*A0, "recommendations"),
            [{"a": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}],
        ),
        "assessments[0].recommendations[0].a[0]...: nested deeper than 32 levels",
    ),
    "submitted without ratings": (
        set_path((*A1, "ratings"), {}),
        "assessments[1].ratings: a submitted assessment needs at least one rated indicator",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize(("mutate", "expected"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_is_refused_with_the_place_and_imports_nothing(tmp_path, admin, mutate, expected):
    document = valid_document()
    mutate(document)
    path = write(tmp_path, document, "bad.json")
    before = row_counts()

    with pytest.raises(CommandError) as refused:
        import_file(path)

    message = str(refused.value)
    assert f"{path} refused (1 problem); nothing was imported" in message
    assert f"{path}: {expected}" in message
    assert row_counts() == before


@pytest.mark.django_db
def test_json_nested_a_thousand_levels_deep_is_refused_not_crashed_on(tmp_path, admin):
    path = write(tmp_path, '{"format": "r2p-assessments", "assessments": ' + "[" * 100_000)
    before = row_counts()

    with pytest.raises(CommandError) as refused:
        import_file(path)

    assert f"{path}: invalid JSON: nested deeper than 32 levels" in str(refused.value)
    assert row_counts() == before


@pytest.mark.django_db
def test_bad_json_is_refused_with_line_and_column(tmp_path, admin):
    path = write(
        tmp_path, '{"format": "r2p-assessments",\n  "version": 1,\n  "assessments": [,]\n}'
    )
    before = row_counts()

    with pytest.raises(CommandError) as refused:
        import_file(path)

    assert f"{path}: line 3, column 19: invalid JSON: Expecting value" in str(refused.value)
    assert row_counts() == before


@pytest.mark.django_db
def test_a_rating_given_twice_is_refused(tmp_path, admin):
    text = json.dumps(valid_document()).replace('"1.1": {', '"7.5": {')

    with pytest.raises(CommandError, match=r'duplicate key "7\.5"'):
        import_file(write(tmp_path, text))

    assert row_counts()["Assessment"] == 0


@pytest.mark.django_db
def test_every_problem_of_a_bad_file_is_listed_and_nothing_is_imported(tmp_path, admin):
    document = valid_document()
    document["assessments"][0]["posture"] = "hostile"
    document["assessments"][0]["ratings"]["7.5"]["trend"] = "up"
    del document["assessments"][1]["as_of"]
    document["assessments"].append("not an assessment")
    path = write(tmp_path, document)
    before = row_counts()

    with pytest.raises(CommandError) as refused:
        import_file(path)

    message = str(refused.value)
    assert "refused (4 problems)" in message
    assert f"{path}: assessments[0].posture: 'hostile'" in message
    assert f"{path}: assessments[0].ratings[\"7.5\"].trend: 'up'" in message
    assert f"{path}: assessments[1]: missing field 'as_of'" in message
    assert f"{path}: assessments[2]: must be an object, not string" in message
    assert row_counts() == before


@pytest.mark.django_db
def test_a_missing_file_is_refused(tmp_path, admin):
    with pytest.raises(CommandError, match="cannot be read"):
        import_file(tmp_path / "absent.json")


def test_validator_is_pure_and_returns_records():
    records = parse_document(json.dumps(valid_document()), indicator_codes={"1.1", "7.5"})

    assert [(r.place, r.situation.name, r.as_of, r.status) for r in records] == [
        ("assessments[0]", "Rakhine", date(2026, 2, 1), "draft"),
        ("assessments[1]", "Rakhine", date(2026, 3, 1), "submitted"),
    ]
    assert records[1].ratings["7.5"].sources[0].citation == "OHCHR report"


def test_validator_names_the_indicator_codes_the_database_does_not_know():
    with pytest.raises(ExchangeError) as refused:
        parse_document(json.dumps(valid_document()), indicator_codes={"7.5"})

    assert refused.value.problems == [
        "assessments[0].ratings[\"1.1\"]: unknown indicator code '1.1'"
    ]


@pytest.mark.django_db
def test_known_indicator_codes_include_retired_ones():
    Indicator.objects.filter(code="7.5").update(is_active=False)

    assert "7.5" in known_indicator_codes()
