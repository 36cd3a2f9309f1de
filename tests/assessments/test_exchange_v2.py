"""Version 2 of the exchange format: the groups at risk as records, the groups a genocide
rating names, the dissents and the response actions travel with the assessments; version 1
files still import."""

import copy
from datetime import date

import pytest

from assessments import dissent, response
from assessments.exchange import (
    assessments_for_export,
    export_document,
    import_assessments,
    validate_document,
)
from assessments.exchange_schema import FORMAT_VERSION
from assessments.models import (
    Assessment,
    Dissent,
    GroupKind,
    ResponseAction,
    Situation,
)
from assessments.workflow import RatingInput
from framework.models import Indicator
from tests.assessments.builders import (
    CRISIS,
    build_assessment,
    build_situation,
    decide_on,
    second_reviewer,
    summary_of,
)

GROUP = "The Lakeshore people"


def codes() -> set[str]:
    return set(Indicator.objects.values_list("code", flat=True))


@pytest.fixture
def approved(analyst, other_analyst, reviewer):
    """An approved crisis whose genocide rating names a group, with two dissents and its
    actions, one done with an effect and a graded source, one dropped."""
    situation = build_situation(
        by=reviewer,
        analysts=[analyst, other_analyst],
        code="lakeshore",
        name="Lakeshore",
        groups=[(GROUP, GroupKind.ETHNICAL), ("Displaced fishers", GroupKind.OTHER)],
    )
    group = situation.groups.get(name=GROUP)
    ratings = {
        **CRISIS,
        "10.1": RatingInput(severity="high", note="Broadcasts name the group.", groups=(group.pk,)),
    }
    assessment = build_assessment(situation, by=analyst, ratings=ratings, status="in_review")
    dissent.record_dissent(
        assessment,
        by=other_analyst,
        levels={"genocide": "imminent_risk"},
        reason="One broadcast is not a campaign.",
    )
    summary = summary_of(assessment)
    decide_on(summary, by=reviewer, approve=True, second_by=second_reviewer(), dissents_read=True)
    dissent.record_dissent(
        assessment,
        by=other_analyst,
        levels={"war_crimes": "current_crisis"},
        reason="The decision should name war crimes.",
        on_decision=True,
    )
    rung = ResponseAction.objects.get(assessment=assessment, kind="escalation")
    response.update_action(
        rung,
        response.ActionUpdate(
            owner=rung.owner,
            office="",
            due_on=rung.due_on,
            status=ResponseAction.Status.DONE,
            done_on=date(2026, 5, 3),
            effect=ResponseAction.Effect.SOME,
            effect_note="The Council was briefed; a statement followed.",
            sources=(("B", "Council press statement"),),
        ),
        by=reviewer,
    )
    return Assessment.objects.get(pk=assessment.pk)


def exported() -> dict:
    return export_document(assessments_for_export("lakeshore"))


@pytest.mark.django_db
def test_version_2_carries_groups_rating_groups_dissents_and_actions(approved):
    document = exported()

    assert document["version"] == FORMAT_VERSION == 2
    entry = document["assessments"][0]
    assert entry["situation"]["groups"] == [
        {"name": GROUP, "kind": "ethnical", "description": ""},
        {"name": "Displaced fishers", "kind": "other", "description": ""},
    ]
    assert "populations_at_risk" not in entry["situation"]
    assert entry["ratings"]["10.1"]["groups"] == [GROUP]
    assert [(d["author"], d["on"], d["reason"]) for d in entry["dissents"]] == [
        ("other_analyst", "assessment", "One broadcast is not a campaign."),
        ("other_analyst", "decision", "The decision should name war crimes."),
    ]
    rung = next(a for a in entry["actions"] if a["kind"] == "escalation")
    assert (rung["escalation"], rung["status"], rung["effect"], rung["done_on"]) == (
        "request_security_council_briefing",
        "done",
        "some",
        "2026-05-03",
    )
    assert rung["sources"] == [{"reliability": "B", "citation": "Council press statement"}]
    decision = entry["summaries"][0]["decision"]
    assert decision["first_review"]["reviewer"] == "second_reviewer"
    assert decision["reviewer"] == "reviewer"


@pytest.mark.django_db
def test_a_version_2_file_imports_its_groups_dissents_and_actions(approved, admin):
    document = exported()
    situation = document["assessments"][0]["situation"]
    situation.update(code="lakeshore-copy", name="Lakeshore (copy)")

    records = validate_document(document, indicator_codes=codes())
    report = import_assessments(records, by=admin, source="a partner")

    copy_of = Situation.objects.get(code="lakeshore-copy")
    assert sorted((g.name, g.kind) for g in copy_of.groups.all()) == [
        ("Displaced fishers", "other"),
        (GROUP, "ethnical"),
    ]
    # One record per group: the copy's groups are the original's.
    assert set(copy_of.groups.all()) == set(approved.situation.groups.all())
    imported = report.created[0]
    rating = imported.ratings.get(indicator__code="10.1")
    assert [g.name for g in rating.groups.all()] == [GROUP]
    assert [(d.author.username, d.decision_id, d.reason) for d in imported.dissents.all()] == [
        ("other_analyst", None, "One broadcast is not a campaign."),
        ("other_analyst", None, "The decision should name war crimes."),
    ]
    assert any("dissented from the decision there" in note for note in report.notes)
    actions = ResponseAction.objects.filter(assessment=imported)
    assert actions.count() == ResponseAction.objects.filter(assessment=approved).count()
    rung = actions.get(kind="escalation")
    assert (rung.decision, rung.status, rung.effect, rung.owner.username) == (
        None,
        "done",
        "some",
        "reviewer",
    )
    assert [s.citation for s in rung.sources.all()] == ["Council press statement"]


@pytest.mark.django_db
def test_what_cannot_be_imported_is_left_out_and_named(approved, admin):
    document = exported()
    entry = document["assessments"][0]
    entry["situation"].update(code="lakeshore-copy", name="Lakeshore (copy)")
    entry["dissents"][0]["author"] = "nobody-here"
    rung = next(a for a in entry["actions"] if a["kind"] == "escalation")
    entry["actions"].append(
        {**rung, "kind": "tool", "entry": "P9-no-such-tool", "escalation": None}
    )
    broken = copy.deepcopy(next(a for a in entry["actions"] if a["kind"] == "escalation"))
    broken.update(escalation="brief_secretary_general", effect="", status="done")  # no effect
    entry["actions"].append(broken)
    entry["ratings"]["7.5"] = {
        "severity": "low",
        "trend": "stable",
        "confidence": "low",
        "groups": [GROUP],
    }

    report = import_assessments(
        validate_document(document, indicator_codes=codes()), by=admin, source="a partner"
    )

    imported = report.created[0]
    notes = "\n".join(report.notes)
    assert "no user 'nobody-here' here; dissent left out" in notes
    assert "no tool 'P9-no-such-tool' here; left out" in notes
    assert "incomplete or repeated (refused here); left out" in notes
    assert "7.5 is not of RF9 or RF10; its groups left out" in notes
    assert imported.dissents.count() == 1
    assert not imported.ratings.get(indicator__code="7.5").groups.exists()
    # The file's own actions are in; the unknown tool and the incomplete rung are not.
    expected = ResponseAction.objects.filter(assessment=approved).count()
    assert ResponseAction.objects.filter(assessment=imported).count() == expected


@pytest.mark.django_db
def test_a_version_1_file_still_imports_its_texts_as_groups(admin, analyst):
    document = {
        "format": "r2p-assessments",
        "version": 1,
        "assessments": [
            {
                "situation": {
                    "name": "Old file",
                    "country": "SD",
                    "populations_at_risk": "Displaced people in the camps",
                    "protected_groups": "Masalit; Fur",
                },
                "as_of": "2026-01-15",
                "posture": "unwilling",
                "status": "draft",
                "author": "analyst",
                "ratings": {"7.5": {"severity": "low", "trend": "stable", "confidence": "low"}},
            }
        ],
    }

    report = import_assessments(
        validate_document(document, indicator_codes=codes()), by=admin, source="an old file"
    )

    situation = report.created[0].situation
    assert sorted((g.name, g.kind) for g in situation.groups.all()) == [
        ("Displaced people in the camps", "other"),
        ("Fur", "unclassified"),
        ("Masalit", "unclassified"),
    ]
    assert not Dissent.objects.exists()


@pytest.mark.django_db
def test_an_assessment_awaiting_its_second_review_there_is_in_review_here(analyst, reviewer, admin):
    situation = build_situation(by=reviewer, analysts=[analyst], code="lakeshore", name="L")
    assessment = build_assessment(situation, by=analyst, ratings=CRISIS, status="in_review")
    decide_on(summary_of(assessment), by=reviewer, approve=True)
    document = exported()
    entry = document["assessments"][0]
    assert entry["status"] == "second_review"
    entry["situation"].update(code="lakeshore-copy", name="L (copy)")

    report = import_assessments(
        validate_document(document, indicator_codes=codes()), by=admin, source="a partner"
    )

    imported = report.created[0]
    assert (imported.status, imported.reviewer) == ("in_review", None)
    assert any("awaited its second review there" in note for note in report.notes)
