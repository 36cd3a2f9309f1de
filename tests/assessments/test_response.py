"""From alert to response: the actions an approval opens, their rules, and where they show."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from assessments import notifications, response, workflow
from assessments.models import Assessment, ResponseAction
from assessments.response import ActionError, ActionUpdate
from assessments.summaries import build_summary_content
from assessments.workflow import Answer
from audit.models import AuditEntry
from tests.assessments.builders import (
    CRISIS,
    bring_to,
    build_assessment,
    build_situation,
    decide,
    summary_of,
)

TODAY = timezone.localdate


def accepted_and_approved(situation, analyst, reviewer, *, accept=2, as_of=date(2026, 5, 1)):
    """A crisis assessment whose analyst accepts the first ``accept`` tools, approved."""
    assessment = build_assessment(situation, by=analyst, ratings=CRISIS, as_of=as_of)
    codes = [rec["entry"] for rec in assessment.result["recommendations"]][:accept]
    assert len(codes) == accept, "the crisis needs enough recommended tools"
    workflow.respond_to_recommendations(
        assessment, by=analyst, answers={code: Answer(accepted=True) for code in codes}
    )
    # One more, dismissed: it opens nothing.
    dismissed = [rec["entry"] for rec in assessment.result["recommendations"]][accept]
    workflow.respond_to_recommendations(
        assessment, by=analyst, answers={dismissed: Answer(accepted=False, reason="Not now.")}
    )
    return bring_to(assessment, "approved", reviewer=reviewer), codes


@pytest.fixture
def situation(analyst, reviewer):
    return build_situation(by=reviewer, analysts=[analyst])


def update(action, **changes):
    values = {
        "owner": action.owner,
        "office": action.office,
        "due_on": action.due_on,
        "status": action.status,
    }
    values.update(changes)
    return ActionUpdate(**values)


# Opening ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_approval_opens_an_action_per_accepted_tool_and_one_for_its_rung(
    situation, analyst, reviewer, settings
):
    settings.RESPONSE_TOOL_DUE_DAYS = 30
    settings.RESPONSE_ESCALATION_DUE_DAYS = 7
    approved, codes = accepted_and_approved(situation, analyst, reviewer)
    decision = summary_of(approved).decision
    assert response.rung_is_an_action(decision.level), decision.level
    day = timezone.localdate(decision.decided_at)

    actions = response.opened_by(approved)

    assert [a.kind for a in actions] == ["escalation", "tool", "tool"]
    rung, *tools = actions
    assert (rung.escalation, rung.owner, rung.due_on) == (
        decision.level,
        reviewer,
        day + timedelta(days=7),
    )
    assert sorted(a.entry.code for a in tools) == sorted(codes)
    assert all(a.due_on == day + timedelta(days=30) and a.owner is None for a in tools)
    assert all(a.status == "planned" and a.situation == situation for a in actions)
    assert all(a.decision == decision for a in actions)
    entry = AuditEntry.objects.filter(action="actions_opened").get()
    assert sorted(entry.data["actions"]) == sorted(a.pk for a in actions)


@pytest.mark.django_db
def test_a_rejection_opens_nothing_and_a_low_rung_is_no_action(situation, analyst, reviewer):
    returned = build_assessment(
        situation, by=analyst, ratings=CRISIS, status="returned", reviewer=reviewer
    )
    quiet = build_assessment(
        situation, by=analyst, ratings={"1.1": "low"}, status="approved", reviewer=reviewer
    )

    assert not ResponseAction.objects.filter(assessment=returned).exists()
    assert summary_of(quiet).decision.level in ("none", "keep_monitoring")
    assert not ResponseAction.objects.filter(assessment=quiet).exists()


@pytest.mark.django_db
def test_approving_an_edited_assessment_again_tracks_each_tool_once(situation, analyst, reviewer):
    approved, codes = accepted_and_approved(situation, analyst, reviewer)
    before = {a.pk for a in response.opened_by(approved)}
    # An edit after approval voids it; approved again, the same tools are not opened twice.
    edited = workflow.save_assessment(
        Assessment.objects.get(pk=approved.pk),
        by=analyst,
        expected_version=approved.lock_version,
        as_of=approved.as_of,
        posture=approved.posture,
        narrative="Edited after approval.",
        ratings={},
    )
    assert edited.status == "draft"
    bring_to(edited, "approved", reviewer=reviewer)

    after = response.opened_by(approved)
    assert {a.pk for a in after} == before
    assert sorted(a.entry.code for a in after if a.kind == "tool") == sorted(codes)


# Updating -----------------------------------------------------------------------------------


@pytest.fixture
def approved_actions(situation, analyst, reviewer):
    approved, _codes = accepted_and_approved(situation, analyst, reviewer)
    return response.opened_by(approved)


@pytest.mark.django_db
def test_done_with_an_effect_and_graded_sources_is_saved_and_logged(approved_actions, analyst):
    tool = approved_actions[1]
    done_on = TODAY() - timedelta(days=1)

    saved = response.update_action(
        tool,
        update(
            tool,
            owner=analyst,
            status="done",
            done_on=done_on,
            effect="some",
            effect_note="Two detained leaders were released.",
            sources=[("B", "OHCHR briefing"), ("D", "Local radio")],
        ),
        by=analyst,
    )

    saved.refresh_from_db()
    assert (saved.status, saved.done_on, saved.effect, saved.owner) == (
        "done",
        done_on,
        "some",
        analyst,
    )
    assert saved.closed_at is not None and saved.updated_by == analyst
    assert [(s.reliability, s.citation) for s in saved.sources.all()] == [
        ("B", "OHCHR briefing"),
        ("D", "Local radio"),
    ]
    logged = AuditEntry.objects.filter(action="action_updated").get()
    assert logged.data["status"] == "done" and logged.data["effect"] == "some"

    # Reopened: the effect, its note and its sources go, and it is open again.
    reopened = response.update_action(saved, update(saved, status="under_way"), by=analyst)
    reopened.refresh_from_db()
    assert (reopened.effect, reopened.effect_note, reopened.done_on) == ("", "", None)
    assert reopened.closed_at is None and not reopened.sources.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"status": "done", "effect": "some"}, "done_on"),
        ({"status": "done", "done_on": date(2026, 5, 2)}, "effect"),
        ({"status": "done", "done_on": date(2999, 1, 1), "effect": "clear"}, "done_on"),
        ({"status": "dropped", "dropped_reason": "  "}, "dropped_reason"),
        ({"status": "under_way", "effect": "clear"}, "effect"),
        ({"status": "planned", "sources": [("A", "A report")]}, "effect"),
        ({"office": "Desk", "owner": "analyst"}, "office"),
        ({"status": "finished"}, "status"),
    ],
)
@pytest.mark.django_db
def test_an_update_the_rules_refuse_changes_nothing_and_names_its_field(
    approved_actions, analyst, changes, field
):
    action = approved_actions[1]
    if changes.get("owner") == "analyst":
        changes["owner"] = analyst

    with pytest.raises(ActionError) as refused:
        response.update_action(action, update(action, **changes), by=analyst)

    assert field in refused.value.errors
    action.refresh_from_db()
    assert (action.status, action.office, action.effect) == ("planned", "", "")


@pytest.mark.django_db
def test_only_the_situations_analysts_and_reviewers_may_update_or_own(
    approved_actions, other_analyst, admin, analyst
):
    action = approved_actions[1]
    for stranger in (other_analyst, admin):
        with pytest.raises(ActionError):
            response.update_action(action, update(action, status="under_way"), by=stranger)
    with pytest.raises(ActionError) as refused:
        response.update_action(action, update(action, owner=other_analyst), by=analyst)
    assert "owner" in refused.value.errors
    action.refresh_from_db()
    assert action.status == "planned" and action.owner is None


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "done"},  # no date, no effect
        {"status": "dropped"},  # no reason
        {"effect": "clear"},  # an effect while planned
        {"office": "Desk", "owner_id": None, "kind": "tool", "entry": None},  # a tool of none
    ],
)
@pytest.mark.django_db
def test_the_database_refuses_what_the_service_refuses(approved_actions, changes):
    action = approved_actions[1]
    ResponseAction.objects.filter(pk=action.pk).update(office="", owner=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        ResponseAction.objects.filter(pk=action.pk).update(**changes)


@pytest.mark.django_db
def test_the_database_refuses_an_owner_and_an_office_at_once(approved_actions, analyst):
    action = approved_actions[1]
    with pytest.raises(IntegrityError), transaction.atomic():
        ResponseAction.objects.filter(pk=action.pk).update(owner=analyst, office="Desk")


# Carried over -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_next_assessment_and_its_summary_see_what_was_done_since_the_last_approval(
    situation, analyst, reviewer, client
):
    approved, _codes = accepted_and_approved(situation, analyst, reviewer, as_of=date(2026, 3, 1))
    rung, done_tool, late_tool = response.opened_by(approved)
    response.update_action(
        done_tool,
        update(
            done_tool,
            status="done",
            done_on=TODAY(),
            effect="clear",
            effect_note="The mission deployed observers.",
            sources=[("B", "Mission report")],
        ),
        by=analyst,
    )
    ResponseAction.objects.filter(pk=late_tool.pk).update(due_on=TODAY() - timedelta(days=3))
    ResponseAction.objects.filter(pk=rung.pk).update(due_on=TODAY() + timedelta(days=3))

    following = build_assessment(situation, by=analyst, ratings=CRISIS, as_of=date(2026, 5, 1))
    record = response.since_last_approval(following)

    assert [a.pk for a in record.completed] == [done_tool.pk]
    assert [a.pk for a in record.open] == [late_tool.pk, rung.pk]
    assert [a.pk for a in record.overdue] == [late_tool.pk]

    client.force_login(analyst)
    page = client.get(reverse("assessments:detail", args=[following.pk])).content.decode()
    assert "The response since the last approval" in page
    assert "The mission deployed observers." in page and "Mission report" in page

    section = build_summary_content(following)["response"]
    assert [a["id"] for a in section["completed"]] == [done_tool.pk]
    assert section["completed"][0]["effect"] == "clear"
    assert section["completed"][0]["sources"] == [
        {"reliability": "B", "citation": "Mission report"}
    ]
    assert [a["id"] for a in section["overdue"]] == [late_tool.pk]

    submitted = bring_to(following, "in_review")
    page = client.get(reverse("assessments:detail", args=[submitted.pk])).content.decode()
    assert "Actions completed:" in page and "Actions overdue:" in page
    pdf = client.get(reverse("assessments:summary_pdf", args=[submitted.pk]))
    assert pdf.status_code == 200


@pytest.mark.django_db
def test_the_approved_assessment_and_the_situation_list_their_actions(
    approved_actions, analyst, client
):
    client.force_login(analyst)
    approved = approved_actions[0].assessment
    page = client.get(reverse("assessments:detail", args=[approved.pk])).content.decode()
    situation_page = client.get(
        reverse("assessments:situation", args=[approved.situation_id])
    ).content.decode()

    for action in approved_actions:
        edit = reverse("assessments:action_edit", args=[action.pk])
        assert edit in page and edit in situation_page
    assert "Response to this approval" in page


# The watch and the reminders ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_watch_lists_overdue_actions_of_the_situations_one_may_see(
    approved_actions, analyst, other_analyst, client
):
    late = approved_actions[1]
    ResponseAction.objects.filter(pk=late.pk).update(due_on=TODAY() - timedelta(days=1))

    client.force_login(analyst)
    seen = client.get(reverse("home"))
    client.force_login(other_analyst)
    unseen = client.get(reverse("home"))

    assert [a.pk for a in seen.context["overdue_actions"]] == [late.pk]
    assert unseen.context["overdue_actions"] == []
    assert "No response action is overdue." in unseen.content.decode()


@pytest.mark.django_db
def test_owners_are_reminded_daily_of_overdue_actions_once(
    django_capture_on_commit_callbacks, approved_actions, analyst, reviewer, jobs, settings
):
    settings.SITE_URL = "http://r2p.example.org"
    rung, owned, unowned = approved_actions
    ResponseAction.objects.filter(pk=rung.pk).update(due_on=TODAY() - timedelta(days=2))
    ResponseAction.objects.filter(pk=owned.pk).update(
        owner=analyst, due_on=TODAY() - timedelta(days=1)
    )
    # Nobody owns the third: the situation's analysts are reminded of it.
    ResponseAction.objects.filter(pk=unowned.pk).update(due_on=TODAY() - timedelta(days=5))
    jobs.published.clear()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        queued = notifications.send_action_reminders()
    assert queued == 2  # the reviewer (who owns the rung) and the analyst
    jobs.run()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.send_action_reminders()
    jobs.run()  # the same day again: nothing more

    sent = {m.to[0]: m for m in mail.outbox}
    assert sorted(sent) == sorted([analyst.email, reviewer.email])
    assert sent[analyst.email].subject == "2 response actions overdue"
    assert f"http://r2p.example.org/actions/{owned.pk}/" in sent[analyst.email].body
    assert f"/actions/{unowned.pk}/" in sent[analyst.email].body
    assert sent[reviewer.email].subject == "1 response action overdue"
    assert analyst.inbox.filter(kind="action_overdue").count() == 1


# The page -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_form_refuses_with_every_problem_and_keeps_what_was_typed(
    approved_actions, analyst, client
):
    action = approved_actions[1]
    client.force_login(analyst)
    url = reverse("assessments:action_edit", args=[action.pk])

    refused = client.post(
        url,
        {
            "due_on": "2026-07-01",
            "status": "done",
            "effect_note": "Observers were deployed.",
            "sources": "Z not graded",
        },
    )

    assert refused.status_code == 200
    form = refused.context["form"]
    assert set(form.errors) >= {"sources"}
    assert "Observers were deployed." in refused.content.decode()
    action.refresh_from_db()
    assert action.status == "planned"

    refused = client.post(url, {"due_on": "2026-07-01", "status": "done"})
    assert set(refused.context["form"].errors) >= {"done_on", "effect"}

    saved = client.post(
        url,
        {
            "owner": str(analyst.pk),
            "due_on": "2026-07-01",
            "status": "done",
            "done_on": TODAY().isoformat(),
            "effect": "some",
            "effect_note": "Observers were deployed.",
            "sources": "B Mission report",
        },
    )
    assert saved.status_code == 302
    assert saved.url.endswith("#response")
    action.refresh_from_db()
    assert (action.status, action.effect, action.owner) == ("done", "some", analyst)


@pytest.mark.django_db
def test_the_rung_reads_as_an_action_done_by_someone(approved_actions, reviewer, client):
    rung = approved_actions[0]
    response.update_action(
        rung,
        update(rung, status="done", done_on=TODAY(), effect="some", effect_note="Met on Monday."),
        by=reviewer,
    )
    following = build_assessment(
        rung.situation, by=rung.assessment.author, ratings=CRISIS, as_of=date(2026, 6, 1)
    )
    following = bring_to(following, "in_review")
    item = summary_of(following).content["response"]["completed"][0]
    assert item["kind"] == "escalation" and item["owner"] == (
        reviewer.get_full_name() or reviewer.get_username()
    )
    client.force_login(reviewer)
    page = client.get(reverse("assessments:detail", args=[following.pk])).content.decode()
    assert f"on {TODAY().isoformat()}, by {item['owner']}" in page
    decide(following, by=reviewer, approve=True)


@pytest.mark.django_db
def test_an_earlier_approved_assessment_does_not_show_the_later_response(
    situation, analyst, reviewer, client
):
    quiet = build_assessment(
        situation,
        by=analyst,
        ratings={"1.1": "low"},
        as_of=date(2026, 1, 1),
        status="approved",
        reviewer=reviewer,
    )
    later, _codes = accepted_and_approved(situation, analyst, reviewer, as_of=date(2026, 3, 1))
    assert not response.opened_by(quiet) and response.opened_by(later)
    client.force_login(analyst)

    page = client.get(reverse("assessments:detail", args=[quiet.pk]))

    assert page.context["since_last_approval"] is None
    assert "The response since the last approval" not in page.content.decode()
