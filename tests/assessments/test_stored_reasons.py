"""Stored results and summaries keep their meaning when their reasons become rule + parameters.

``tests/data/legacy_v1_results.json.gz`` holds results and summaries in the old shape (schema 1,
reasons as English sentences) as the app wrote them before the change: 60 scored cases drawn
at random over every indicator, posture and previous level, and the demo data's results and
summaries. Restated in schema 2, every reason must word the very sentence it was.

``tests/data/demo_export_before_reasons.json.gz`` is the demo data exported before the change:
imported and exported again, its levels and recommendations must come out the same.
"""

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from assessments import wording
from assessments.exchange import (
    assessments_for_export,
    export_document,
    import_assessments,
    known_indicator_codes,
    parse_document,
)
from assessments.migrations._v1_results import restate, restate_result, restate_summary
from assessments.summaries import content_hash
from framework.models import Crime
from tests.assessments.builders import build_situation

DATA = Path(__file__).resolve().parent.parent / "data"


def _load(name: str) -> dict:
    with gzip.open(DATA / name, "rt", encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture(scope="module")
def legacy() -> dict:
    return _load("legacy_v1_results.json.gz")


@pytest.fixture
def crimes(db) -> dict[str, str]:
    return dict(Crime.objects.values_list("code", "name"))


def _pairs_of_result(old: dict, new: dict) -> Iterator[tuple[str, object]]:
    """(old sentence, new reason or reasons) for every reason of an assessment result."""
    for key, sentences in old["level_reasons"].items():
        yield from zip(sentences, new["level_reasons"][key], strict=True)
    for before, after in zip(old["factors"], new["factors"], strict=True):
        yield before["reason"], after["reason"]
    yield from _pairs_of_recommendations(old["recommendations"], new["recommendations"])
    for before, after in zip(old["withheld"], new["withheld"], strict=True):
        yield before["reason"], after["reason"]


def _pairs_of_recommendations(old: list, new: list) -> Iterator[tuple[str, object]]:
    for before, after in zip(old, new, strict=True):
        yield from zip(before["rationales"], after["rationales"], strict=True)
        yield from zip(before["explanation"], after["explanation"], strict=True)
        yield before["pillar_reason"], after["pillar_reasons"]


def _pairs_of_summary(old: dict, new: dict) -> Iterator[tuple[str, object]]:
    for key, sentences in old["level_reasons"].items():
        yield from zip(sentences, new["level_reasons"][key], strict=True)
    for before, after in zip(old["drivers"], new["drivers"], strict=True):
        yield before["reason"], after["reason"]
    for pillar, recs in old["recommendations"].items():
        yield from _pairs_of_recommendations(recs, new["recommendations"][pillar])
    yield from zip(old["escalation"]["reasons"], new["escalation"]["reasons"], strict=True)


def _words(reason: object, crimes: dict[str, str]) -> str:
    if isinstance(reason, list):  # a recommendation's pillar reasons, worded together
        return wording.reasons_text(reason, crimes=crimes)
    assert isinstance(reason, dict)
    assert reason["rule"] != "text", f"no rule read back: {reason['text']!r}"
    return wording.reason_text(reason, crimes=crimes)


def _assert_words_unchanged(pairs: Iterator[tuple[str, object]], crimes: dict[str, str]) -> int:
    count = 0
    for sentence, reason in pairs:
        assert _words(reason, crimes) == sentence
        count += 1
    return count


@pytest.mark.django_db
def test_every_old_result_restated_words_the_same_reasons(legacy, crimes):
    keys_by_name = {name: key for key, name in crimes.items()}
    count = 0
    for case in legacy["cases"]:
        restated = restate_result(case["result"], keys_by_name)
        assert restated["schema"] == 2
        assert restated["levels"] == case["result"]["levels"]
        count += _assert_words_unchanged(_pairs_of_result(case["result"], restated), crimes)
        escalation = [(s, restate(s)) for s in case["escalation"]["reasons"]]
        count += _assert_words_unchanged(iter(escalation), crimes)
    for row in legacy["demo"]["results"]:
        restated = restate_result(row["result"], keys_by_name)
        count += _assert_words_unchanged(_pairs_of_result(row["result"], restated), crimes)

    assert count > 5000  # every reason of every case, not a sample


@pytest.mark.django_db
def test_every_old_summary_restated_words_the_same_reasons(legacy, crimes):
    keys_by_name = {name: key for key, name in crimes.items()}
    for row in legacy["demo"]["summaries"]:
        old = row["content"]

        restated = restate_summary(old, keys_by_name)

        assert restated["schema"] == 2
        assert restated["levels"] == old["levels"]
        assert "confidentiality_label" not in restated["situation"]
        assert "country_name" not in restated["situation"]
        assert "posture_label" not in restated["assessment"]
        assert _assert_words_unchanged(_pairs_of_summary(old, restated), crimes) > 10


def test_a_sentence_no_rule_reads_is_kept_whole_and_words_itself():
    reason = restate("a sentence written by hand")

    assert reason == {"rule": "text", "text": "a sentence written by hand"}
    assert wording.reason_text(reason) == "a sentence written by hand"


@pytest.mark.django_db(transaction=True)
def test_the_migration_restates_stored_rows_and_keeps_the_decided_summary(
    framework_data, legacy, reviewer, analyst
):
    """Old rows in the database, migrated: the same words, and the summary decided on kept."""
    old_result = legacy["demo"]["results"][1]["result"]
    old_summary = legacy["demo"]["summaries"][1]
    situation = build_situation(by=reviewer, analysts=[analyst])
    executor = MigrationExecutor(connection)
    target = [("assessments", "0003_transition_events")]
    executor.migrate(target)
    state = executor.loader.project_state(target).apps
    OldAssessment = state.get_model("assessments", "Assessment")
    OldSummary = state.get_model("assessments", "EscalationSummary")
    assessment = OldAssessment.objects.create(
        situation_id=situation.pk,
        author_id=analyst.pk,
        as_of="2026-05-01",
        posture="perpetrator",
        status="in_review",
        revision=1,
        overall_level=old_result["levels"]["overall"],
        result=old_result,
    )
    summary = OldSummary.objects.create(
        assessment_id=assessment.pk,
        revision=1,
        status="ready",
        content=old_summary["content"],
        content_hash=old_summary["content_hash"],
        proposed_escalation=old_summary["content"]["escalation"]["level"],
    )

    # Every app forward again: those that depend on assessments were unapplied with it.
    call_command("migrate", verbosity=0)

    from assessments.models import Assessment, EscalationSummary

    crimes = dict(Crime.objects.values_list("code", "name"))
    migrated = Assessment.objects.get(pk=assessment.pk).result
    assert migrated["schema"] == 2
    assert _assert_words_unchanged(_pairs_of_result(old_result, migrated), crimes) > 10
    stored = EscalationSummary.objects.get(pk=summary.pk)
    assert stored.content["schema"] == 2
    assert _assert_words_unchanged(
        _pairs_of_summary(old_summary["content"], stored.content), crimes
    )
    # What a reviewer decided on stays stored, under the hash the decision names.
    assert stored.original_content == old_summary["content"]
    assert content_hash(stored.original_content) == old_summary["content_hash"]
    assert stored.content_hash == content_hash(stored.content)
    assert stored.content["restated_from"] == {
        "schema": 1,
        "content_hash": old_summary["content_hash"],
    }


@pytest.mark.django_db
def test_levels_and_recommendations_of_the_demo_export_are_unchanged(admin):
    before = _load("demo_export_before_reasons.json.gz")
    records = parse_document(json.dumps(before), indicator_codes=known_indicator_codes())

    report = import_assessments(records, by=admin, source="demo export")
    after = export_document(assessments_for_export())

    assert len(report.created) == len(before["assessments"]) == len(after["assessments"])
    assert not [note for note in report.notes if "levels recomputed here differ" in note]
    key = lambda a: (a["situation"]["code"], a["as_of"])  # noqa: E731
    for old, new in zip(
        sorted(before["assessments"], key=key), sorted(after["assessments"], key=key), strict=True
    ):
        assert new["levels"] == old["levels"]
        assert new["factor_levels"] == old["factor_levels"]
        assert new["recommendations"] == old["recommendations"]
