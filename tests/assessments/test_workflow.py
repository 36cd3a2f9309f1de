"""The assessment workflow: transitions, the four-eyes rule, no lost work, and what the
analyst sees when there is nothing to score yet.

The path is draft -> submitted -> (the escalation summary is drafted in the background)
-> in review -> approved or returned. Here the worker's step is taken in the test process
with ``draft_summary_now``; the reviewer decides on the summary, never on the assessment
directly.
"""

import html
import re
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.roles import ANALYSTS, REVIEWERS
from assessments import jobs, wording, workflow
from assessments.models import (
    Assessment,
    EscalationDecision,
    EscalationSummary,
    IndicatorRating,
    Participation,
    RecommendationResponse,
    Transition,
)
from assessments.summaries import content_hash
from assessments.workflow import Answer, EditConflict, RatingInput, WorkflowError
from framework.models import Indicator, PillarTool
from tests.assessments.builders import (
    AS_OF,
    RETURN_REASON,
    SERIOUS_CONCERN,
    build_assessment,
    build_situation,
    decide,
    decide_on,
    draft_summary_now,
    edit_assessment,
    edit_form_data,
    field_name,
    summary_of,
)
from tests.conftest import make_user
from tests.database import violates
from tests.races import race

CONFLICT_MESSAGE = "Someone else saved this assessment while you were editing it."
FOUR_EYES_MESSAGE = "You wrote or edited this assessment, so you cannot review it."
NOT_READY_MESSAGE = "Only a ready summary can be decided on."
ALREADY_DECIDED_MESSAGE = "This summary has already been decided on."
NO_SUMMARY_PAGE_MESSAGE = "There is no ready escalation summary to decide on yet."
DRAFTED_REASON = "escalation summary drafted"
ONE_ROLE_PER_PERSON = violates(
    "participation_one_role_per_person",
    "assessments_participation.assessment_id",
    "assessments_participation.user_id",
)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def situation(reviewer, analyst, other_analyst):
    """Assigned to both analysts, so that two people may edit the same assessment."""
    return build_situation(
        by=reviewer, analysts=[analyst, other_analyst], code="mm-rakhine", name="Rakhine State"
    )


@pytest.fixture
def analyst_reviewer(db, situation):
    """An assigned analyst who is also in the Reviewers group."""
    user = make_user("dual", ANALYSTS, REVIEWERS)
    situation.analysts.add(user)
    return user


def steps(assessment):
    """The transitions as (from, to, actor, revision, why); the actor is None for the
    system's own step (the summary drafted). ``why`` is what the timeline says: the words of
    the event, then the reason a person gave."""
    return [
        (
            t.from_status,
            t.to_status,
            t.actor.username if t.actor else None,
            t.revision,
            ": ".join(part for part in (wording.transition_text(t), t.reason) if part),
        )
        for t in Transition.objects.filter(assessment=assessment).select_related("actor")
    ]


def decision_data(summary, **overrides):
    """What the decision form posts: approve at the proposed level, with the hash shown."""
    return {
        "decision": "approve",
        "level": summary.proposed_escalation,
        "reason": "",
        "content_hash": summary.content_hash,
        **overrides,
    }


def record(assessment):
    """Everything that a refused action must leave as it was."""
    stored = Assessment.objects.get(pk=assessment.pk)
    return {
        "assessment": (
            stored.status,
            stored.revision,
            stored.lock_version,
            stored.reviewer_id,
            stored.narrative,
        ),
        "steps": steps(stored),
        "participations": sorted(stored.participations.values_list("user__username", "role")),
        "summaries": sorted(
            EscalationSummary.objects.filter(assessment=stored).values_list(
                "revision", "status", "content_hash", "proposed_escalation"
            )
        ),
        "decisions": sorted(
            EscalationDecision.objects.filter(summary__assessment=stored).values_list(
                "summary__revision", "reviewer__username", "approved", "level", "reason"
            )
        ),
    }


def at_status(situation, analyst, reviewer, status):
    """An assessment by ``analyst`` brought to ``status`` by the services, or one of:
    ``failed`` (submitted, and its summary's drafting failed for good) and ``voided``
    (approved, then edited by the analyst: a draft again, its approval void)."""
    if status == "failed":
        assessment = build_assessment(situation, by=analyst, status="submitted")
        assert workflow.mark_summary_failed(summary_of(assessment).pk, "the drafter crashed")
        return assessment
    if status == "voided":
        assessment = build_assessment(situation, by=analyst, status="approved", reviewer=reviewer)
        edit_assessment(
            assessment, by=analyst, narrative="Edited after approval.", ratings={"7.5": "high"}
        )
        return Assessment.objects.get(pk=assessment.pk)
    needs_reviewer = status in ("in_review", "approved", "returned")
    return build_assessment(
        situation, by=analyst, status=status, reviewer=reviewer if needs_reviewer else None
    )


# The transition table ----------------------------------------------------------------------


@pytest.mark.django_db
def test_assessment_goes_from_draft_to_submitted_to_in_review_to_approved(
    situation, analyst, reviewer
):
    assessment = build_assessment(situation, by=analyst, ratings={"7.5": "high"})
    assert (assessment.status, assessment.revision, assessment.reviewer) == ("draft", 0, None)
    assert not EscalationSummary.objects.filter(assessment=assessment).exists()

    assessment = workflow.submit_assessment(assessment, by=analyst)
    assert (assessment.status, assessment.revision, assessment.reviewer) == ("submitted", 1, None)
    pending = summary_of(assessment)
    assert (pending.revision, pending.status, pending.content_hash) == (1, "pending", "")

    assessment = draft_summary_now(assessment)
    assert (assessment.status, assessment.revision, assessment.reviewer) == ("in_review", 1, None)
    summary = summary_of(assessment)
    assert summary.status == "ready"
    assert summary.content_hash == content_hash(summary.content)
    assert not assessment.participations.filter(role="reviewer").exists()

    assessment = decide(assessment, by=reviewer, approve=True)

    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.status, stored.revision, stored.reviewer) == ("approved", 1, reviewer)
    assert steps(stored) == [
        ("", "draft", "analyst", 0, "started"),
        ("draft", "submitted", "analyst", 1, ""),
        ("submitted", "in_review", None, 1, DRAFTED_REASON),
        ("in_review", "approved", "reviewer", 1, ""),
    ]
    decision = EscalationDecision.objects.get(summary=summary)
    assert (decision.reviewer, decision.author, decision.approved) == (reviewer, analyst, True)
    assert decision.level == decision.proposed_level == summary.proposed_escalation
    assert decision.content_hash == summary.content_hash
    assert EscalationSummary.objects.filter(assessment=stored).count() == 1
    assert set(Participation.objects.filter(assessment=stored).values_list("user", "role")) == {
        (analyst.pk, "editor"),
        (reviewer.pk, "reviewer"),
    }


@pytest.mark.django_db
def test_every_transition_is_recorded_with_actor_time_from_to_and_reason(
    situation, analyst, reviewer
):
    before = timezone.now()
    assessment = build_assessment(situation, by=analyst, status="returned", reviewer=reviewer)
    workflow.submit_assessment(assessment, by=analyst)
    after = timezone.now()

    assert steps(assessment) == [
        ("", "draft", "analyst", 0, "started"),
        ("draft", "submitted", "analyst", 1, ""),
        ("submitted", "in_review", None, 1, DRAFTED_REASON),  # the system: summary drafted
        ("in_review", "returned", "reviewer", 1, RETURN_REASON),
        ("returned", "submitted", "analyst", 2, ""),
    ]
    times = list(Transition.objects.filter(assessment=assessment).values_list("at", flat=True))
    assert all(before <= at <= after for at in times)
    assert times == sorted(times)


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "   \n "])
def test_reviewer_cannot_reject_an_escalation_without_a_reason(
    situation, analyst, reviewer, reason
):
    assessment = build_assessment(situation, by=analyst, status="in_review", reviewer=reviewer)
    before = record(assessment)

    with pytest.raises(WorkflowError, match="Give the analyst a reason for rejecting"):
        decide(assessment, by=reviewer, approve=False, reason=reason)

    assert record(assessment) == before
    assert Assessment.objects.get(pk=assessment.pk).status == "in_review"
    assert not EscalationDecision.objects.exists()


@pytest.mark.django_db
def test_reviewer_cannot_change_the_proposed_level_without_a_reason(situation, analyst, reviewer):
    assessment = build_assessment(situation, by=analyst, status="in_review", reviewer=reviewer)
    proposed = summary_of(assessment).proposed_escalation
    other = "none" if proposed != "none" else "keep_monitoring"
    before = record(assessment)

    with pytest.raises(WorkflowError, match="Give a reason for changing the proposed escalation"):
        decide(assessment, by=reviewer, approve=True, level=other)

    assert record(assessment) == before
    decide(assessment, by=reviewer, approve=True, level=other, reason="  The SG asked first.  ")
    decision = EscalationDecision.objects.get()
    assert (decision.proposed_level, decision.level, decision.reason) == (
        proposed,
        other,
        "The SG asked first.",
    )
    assert steps(assessment)[-1] == ("in_review", "approved", "reviewer", 1, "The SG asked first.")


@pytest.mark.django_db
def test_returned_assessment_keeps_the_reason_and_is_resubmitted_as_the_next_revision(
    situation, analyst, reviewer
):
    assessment = build_assessment(situation, by=analyst, status="in_review", reviewer=reviewer)
    first = summary_of(assessment)

    decide(assessment, by=reviewer, approve=False, reason="  Source 7.5 is a single blog post.  ")
    returned = Assessment.objects.get(pk=assessment.pk)
    assert (returned.status, returned.revision) == ("returned", 1)
    assert steps(returned)[-1] == (
        "in_review",
        "returned",
        "reviewer",
        1,
        "Source 7.5 is a single blog post.",
    )
    rejection = EscalationDecision.objects.get(summary=first)
    assert (rejection.approved, rejection.reason) == (False, "Source 7.5 is a single blog post.")

    edit_assessment(returned, by=analyst, narrative="Second source found.", ratings={"7.5": "high"})
    resubmitted = workflow.submit_assessment(returned, by=analyst)

    assert (resubmitted.status, resubmitted.revision, resubmitted.reviewer) == (
        "submitted",
        2,
        None,
    )
    assert steps(resubmitted)[-1] == ("returned", "submitted", "analyst", 2, "")
    assert list(
        EscalationSummary.objects.filter(assessment=assessment)
        .order_by("revision")
        .values_list("revision", "status")
    ) == [(1, "ready"), (2, "pending")]
    # The new version is decided on its own summary; the first keeps its rejection.
    draft_summary_now(resubmitted)
    approved = decide(resubmitted, by=reviewer, approve=True)
    assert (approved.status, approved.revision) == ("approved", 2)
    assert summary_of(approved).decision.approved is True
    assert summary_of(approved, revision=1).decision == rejection


@pytest.mark.django_db
def test_editing_an_approved_assessment_returns_it_to_draft_and_voids_the_approval(
    situation, analyst, reviewer
):
    assessment = build_assessment(
        situation, by=analyst, ratings={"7.5": "moderate"}, status="approved", reviewer=reviewer
    )
    assert assessment.reviewer == reviewer

    edited = edit_assessment(
        assessment, by=analyst, narrative="New clashes.", ratings={"7.5": "high"}
    )

    stored = Assessment.objects.get(pk=edited.pk)
    assert stored.status == "draft"
    assert stored.reviewer is None
    assert stored.narrative == "New clashes."
    assert stored.ratings.get().severity == "high"
    assert steps(stored)[-1] == (
        "approved",
        "draft",
        "analyst",
        1,
        "edited after approval: the approval is void until a new review",
    )
    # The decision stays on record, bound to the content it approved.
    assert summary_of(stored, revision=1).decision.approved is True
    resubmitted = workflow.submit_assessment(stored, by=analyst)
    assert (resubmitted.revision, summary_of(resubmitted).status) == (2, "pending")


@pytest.mark.django_db
def test_approved_assessment_edited_in_the_browser_is_back_to_draft_with_a_warning_first(
    client, situation, analyst, reviewer
):
    assessment = build_assessment(situation, by=analyst, status="approved", reviewer=reviewer)
    client.force_login(analyst)
    url = reverse("assessments:edit", kwargs={"pk": assessment.pk})

    page = client.get(url)
    response = client.post(url, edit_form_data(assessment, narrative="Updated after approval."))

    assert "Saving a change voids the approval" in page.content.decode()
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.status, assessment.reviewer) == ("draft", None)


@pytest.mark.django_db
def test_detail_page_does_not_present_a_voided_approval_as_the_current_escalation(
    client, situation, analyst, reviewer
):
    """An edit after approval voids the approval (PRODUCT.md, "The workflow"): the draft's
    page must not go on saying that its escalation is approved."""
    assessment = at_status(situation, analyst, reviewer, "voided")
    assert assessment.status == "draft"
    client.force_login(analyst)

    response = client.get(reverse("assessments:detail", kwargs={"pk": assessment.pk}))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Escalation approved" not in body
    shown = response.context["assessment"]
    assert (shown.pk, shown.status, shown.reviewer) == (assessment.pk, "draft", None)


INVALID_TRANSITIONS = [
    ("submitted", "submit", "Only a draft or a returned assessment can be submitted; this one "
     "is submitted."),
    ("in_review", "submit", "this one is in review."),
    ("approved", "submit", "this one is approved."),
    # Submitted, its summary not drafted yet (pending), or its drafting failed for good.
    ("submitted", "approve", NOT_READY_MESSAGE),
    ("submitted", "reject", NOT_READY_MESSAGE),
    ("failed", "approve", NOT_READY_MESSAGE),
    ("failed", "reject", NOT_READY_MESSAGE),
    # Decided already: the summary of the current version carries its decision.
    ("approved", "approve", ALREADY_DECIDED_MESSAGE),
    ("approved", "reject", ALREADY_DECIDED_MESSAGE),
    ("returned", "approve", ALREADY_DECIDED_MESSAGE),
    ("returned", "reject", ALREADY_DECIDED_MESSAGE),
    ("voided", "approve", ALREADY_DECIDED_MESSAGE),  # a draft again after an edit
    ("submitted", "edit", "This assessment is submitted and cannot be edited now."),
    ("in_review", "edit", "This assessment is in review and cannot be edited now."),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "action", "message"), INVALID_TRANSITIONS)
def test_invalid_transition_is_refused_with_a_clear_message_and_changes_nothing(
    situation, analyst, reviewer, status, action, message
):
    """A draft that was never submitted has no summary at all: deciding on it is refused by
    the decide page (see the next test), the only way to reach the service."""
    assessment = at_status(situation, analyst, reviewer, status)
    before = record(assessment)
    latest = EscalationSummary.objects.filter(assessment=assessment).order_by("-revision").first()
    actions = {
        "submit": lambda: workflow.submit_assessment(assessment, by=analyst),
        "approve": lambda: decide_on(latest, by=reviewer, approve=True),
        "reject": lambda: decide_on(latest, by=reviewer, approve=False, reason="Why not."),
        "edit": lambda: edit_assessment(assessment, by=analyst, narrative="Late change."),
    }

    with pytest.raises(WorkflowError) as refused:
        actions[action]()

    assert message in str(refused.value)
    assert not isinstance(refused.value, EditConflict)
    assert record(assessment) == before


DECIDE_PAGE_REFUSALS = [
    ("draft", {}, NO_SUMMARY_PAGE_MESSAGE),
    ("submitted", {}, NO_SUMMARY_PAGE_MESSAGE),
    ("failed", {}, NO_SUMMARY_PAGE_MESSAGE),
    ("approved", {}, ALREADY_DECIDED_MESSAGE),
    ("returned", {"decision": "reject", "reason": "Again."}, ALREADY_DECIDED_MESSAGE),
    ("voided", {}, NO_SUMMARY_PAGE_MESSAGE),  # the approval of its revision is void
    ("in_review", {"content_hash": "0" * 64}, "The summary you read is not the one stored"),
    ("in_review", {"decision": "reject"}, "Give the analyst a reason for rejecting"),
    ("in_review", {"decision": "maybe"}, "Select a valid choice."),
    ("in_review", {"level": "none"}, "Give a reason for changing the proposed escalation."),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "posted", "message"), DECIDE_PAGE_REFUSALS)
def test_decide_page_refuses_with_the_message_and_changes_nothing(
    client, situation, analyst, reviewer, status, posted, message
):
    ratings = {"10.1": "high"}  # current crisis: the proposed escalation is never "none"
    if status in ("draft", "submitted", "in_review"):
        needs_reviewer = status == "in_review"
        assessment = build_assessment(
            situation,
            by=analyst,
            ratings=ratings,
            status=status,
            reviewer=reviewer if needs_reviewer else None,
        )
    else:
        assessment = at_status(situation, analyst, reviewer, status)
    latest = EscalationSummary.objects.filter(assessment=assessment).order_by("-revision").first()
    data = decision_data(latest) if latest else {"decision": "approve", "level": "none"}
    before = record(assessment)
    client.force_login(reviewer)
    detail = reverse("assessments:detail", kwargs={"pk": assessment.pk})

    sent = {**data, **posted}
    response = client.post(
        reverse("assessments:decide", kwargs={"pk": assessment.pk}), sent, follow=True
    )

    assert record(assessment) == before
    form = response.context["decision_form"]
    if status == "in_review":
        # Still to decide: the page comes back with the form as sent, the error inside it.
        assert response.redirect_chain == []
        assert response.status_code in (400, 409)
        assert {name: form[name].value() for name in ("decision", "level", "reason")} == {
            name: sent.get(name, "") for name in ("decision", "level", "reason")
        }
        assert message in " ".join(str(e) for errors in form.errors.values() for e in errors)
        assert message in html.unescape(response.content.decode())
        return
    assert form is None
    errors = [m.message for m in response.context["messages"] if m.level_tag == "error"]
    assert any(message in error for error in errors), errors
    if status in ("approved", "returned"):  # decided meanwhile: the page says why, no form
        assert (response.redirect_chain, response.status_code) == ([], 409)
    else:
        assert response.redirect_chain == [(detail, 302)]


@pytest.mark.django_db
def test_reviewer_decides_on_the_page_and_the_decision_binds_to_the_hash_shown(
    client, situation, analyst, reviewer
):
    assessment = build_assessment(situation, by=analyst, status="in_review", reviewer=reviewer)
    summary = summary_of(assessment)
    client.force_login(reviewer)
    detail = reverse("assessments:detail", kwargs={"pk": assessment.pk})

    page = client.get(detail)
    form = page.context["decision_form"]
    assert form["content_hash"].value() == summary.content_hash
    assert form["level"].value() == summary.proposed_escalation
    response = client.post(
        reverse("assessments:decide", kwargs={"pk": assessment.pk}),
        decision_data(summary, decision="reject", reason="Corroborate 7.5 first."),
        follow=True,
    )

    assert response.redirect_chain == [(detail, 302)]
    assert "Escalation rejected; returned." in response.content.decode()
    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.status, stored.reviewer) == ("returned", reviewer)
    decision = EscalationDecision.objects.get(summary=summary)
    assert (decision.approved, decision.reason, decision.content_hash) == (
        False,
        "Corroborate 7.5 first.",
        summary.content_hash,
    )


@pytest.mark.django_db
def test_assessment_without_a_rated_indicator_cannot_be_submitted(situation, analyst):
    assessment = build_assessment(situation, by=analyst, ratings={"7.5": "not_assessed"})

    with pytest.raises(WorkflowError, match=r"Rate at least one indicator before submitting\."):
        workflow.submit_assessment(assessment, by=analyst)

    assert Assessment.objects.get(pk=assessment.pk).status == "draft"
    assert not EscalationSummary.objects.filter(assessment=assessment).exists()


@pytest.mark.django_db
def test_second_reviewer_cannot_decide_a_summary_already_decided(situation, analyst, reviewer):
    second = make_user("second_reviewer", REVIEWERS)
    assessment = build_assessment(situation, by=analyst, status="in_review", reviewer=reviewer)
    summary = summary_of(assessment)
    decide(assessment, by=reviewer, approve=False, reason=RETURN_REASON)
    before = record(assessment)

    for approve in (True, False):
        with pytest.raises(WorkflowError, match=ALREADY_DECIDED_MESSAGE):
            decide_on(summary, by=second, approve=approve, reason="I disagree.")

    assert record(assessment) == before
    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.status, stored.reviewer) == ("returned", reviewer)
    assert EscalationDecision.objects.get().reviewer == reviewer
    assert not stored.participations.filter(user=second).exists()


@pytest.mark.django_db
def test_two_reviewers_on_the_same_page_the_second_decision_is_refused(
    client, situation, analyst, reviewer
):
    second = make_user("second_reviewer", REVIEWERS)
    assessment = build_assessment(situation, by=analyst, status="in_review", reviewer=reviewer)
    summary = summary_of(assessment)
    first_client, second_client = client, Client()
    first_client.force_login(reviewer)
    second_client.force_login(second)
    detail = reverse("assessments:detail", kwargs={"pk": assessment.pk})
    decide_url = reverse("assessments:decide", kwargs={"pk": assessment.pk})
    # Both read the summary, and both are offered the decision form.
    assert first_client.get(detail).context["decision_form"] is not None
    assert second_client.get(detail).context["decision_form"] is not None

    first_client.post(decide_url, decision_data(summary))
    refused = second_client.post(
        decide_url, decision_data(summary, decision="reject", reason="Too early."), follow=True
    )

    assert escape(ALREADY_DECIDED_MESSAGE) in refused.content.decode()
    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.status, stored.reviewer) == ("approved", reviewer)
    decision = EscalationDecision.objects.get()
    assert (decision.reviewer, decision.approved) == (reviewer, True)
    assert second_client.get(detail).context["decision_form"] is None


@pytest.mark.django_db
def test_database_allows_one_decision_per_summary(situation, analyst, reviewer):
    second = make_user("second_reviewer", REVIEWERS)
    assessment = build_assessment(situation, by=analyst, status="approved", reviewer=reviewer)
    summary = summary_of(assessment)

    with (
        pytest.raises(
            IntegrityError,
            match=violates(
                "assessments_escalationdecision_summary_id_key",
                "assessments_escalationdecision.summary_id",
            ),
        ),
        transaction.atomic(),
    ):
        EscalationDecision.objects.create(
            summary=summary,
            reviewer=second,
            author=analyst,
            approved=False,
            proposed_level=summary.proposed_escalation,
            level=summary.proposed_escalation,
            reason="A second opinion.",
            content_hash=summary.content_hash,
        )

    assert EscalationDecision.objects.get().reviewer == reviewer


@pytest.mark.django_db
def test_timeline_on_the_detail_page_shows_every_transition_in_order(
    client, situation, analyst, reviewer
):
    assessment = build_assessment(situation, by=analyst, status="returned", reviewer=reviewer)
    workflow.submit_assessment(assessment, by=analyst)
    client.force_login(reviewer)

    response = client.get(reverse("assessments:detail", kwargs={"pk": assessment.pk}))

    assert response.status_code == 200
    timeline = response.content.decode().split('id="timeline-title"', 1)[1]
    items = re.findall(r"<li><time[^>]*>[^<]*</time>(.*?)</li>", timeline, re.S)
    assert [" ".join(html.unescape(re.sub(r"<[^>]+>", "", item)).split()) for item in items] == [
        "· Analyst · draft: started",
        "· Analyst · draft → submitted",
        f"· system · submitted → in review: {DRAFTED_REASON}",
        f"· Reviewer · in review → returned to the analyst: {RETURN_REASON}",
        "· Analyst · returned to the analyst → submitted",
    ]


# The four-eyes rule ------------------------------------------------------------------------


@pytest.mark.django_db
def test_analyst_without_the_reviewer_role_cannot_review(situation, analyst, other_analyst):
    assessment = build_assessment(situation, by=analyst, status="submitted")
    assessment = draft_summary_now(assessment)
    summary = summary_of(assessment)
    before = record(assessment)

    for attempt in (
        lambda: decide_on(summary, by=other_analyst, approve=True),
        lambda: decide_on(summary, by=other_analyst, approve=False, reason="Weak sources."),
    ):
        with pytest.raises(WorkflowError, match=r"Only reviewers review assessments\."):
            attempt()

    assert record(assessment) == before
    assert Assessment.objects.get(pk=assessment.pk).status == "in_review"


@pytest.mark.django_db
def test_author_who_is_also_a_reviewer_cannot_review_their_own_assessment(
    situation, analyst_reviewer
):
    assessment = build_assessment(situation, by=analyst_reviewer, status="submitted")
    assessment = draft_summary_now(assessment)
    summary = summary_of(assessment)

    with pytest.raises(WorkflowError, match=FOUR_EYES_MESSAGE):
        decide_on(summary, by=analyst_reviewer, approve=True)
    with pytest.raises(WorkflowError, match=FOUR_EYES_MESSAGE):
        decide_on(summary, by=analyst_reviewer, approve=False, reason="Mine to return.")

    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.status, stored.reviewer) == ("in_review", None)
    assert not stored.participations.filter(role="reviewer").exists()
    assert not EscalationDecision.objects.exists()


@pytest.mark.django_db
def test_analyst_who_edited_someone_elses_assessment_cannot_review_it_even_as_a_reviewer(
    situation, analyst, analyst_reviewer
):
    assessment = build_assessment(situation, by=analyst, ratings={"7.5": "moderate"})
    edit_assessment(
        assessment, by=analyst_reviewer, narrative="Added the curfew.", ratings={"8.1": "high"}
    )
    assessment = workflow.submit_assessment(assessment, by=analyst)
    summary = summary_of(draft_summary_now(assessment))

    with pytest.raises(WorkflowError, match=FOUR_EYES_MESSAGE):
        decide_on(summary, by=analyst_reviewer, approve=True)
    with pytest.raises(WorkflowError, match=FOUR_EYES_MESSAGE):
        decide_on(summary, by=analyst_reviewer, approve=False, reason="Needs work.")

    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.status, stored.reviewer) == ("in_review", None)
    assert set(stored.participations.values_list("user__username", "role")) == {
        ("analyst", "editor"),
        ("dual", "editor"),
    }
    assert not EscalationDecision.objects.exists()


@pytest.mark.django_db
def test_claim_review_refuses_the_author_and_the_editors_and_records_a_reviewer(
    situation, analyst, other_analyst, reviewer, analyst_reviewer
):
    assessment = build_assessment(situation, by=analyst, ratings={"7.5": "moderate"})
    edit_assessment(
        assessment, by=analyst_reviewer, narrative="Added the curfew.", ratings={"8.1": "high"}
    )
    assessment = Assessment.objects.get(pk=assessment.pk)

    with pytest.raises(WorkflowError, match=r"Only reviewers review assessments\."):
        workflow.claim_review(assessment, other_analyst)
    with pytest.raises(WorkflowError, match=FOUR_EYES_MESSAGE):
        workflow.claim_review(assessment, analyst_reviewer)
    analyst.groups.add(Group.objects.get(name=REVIEWERS))
    author_as_reviewer = get_user_model().objects.get(pk=analyst.pk)  # roles are cached
    with pytest.raises(WorkflowError, match=FOUR_EYES_MESSAGE):
        workflow.claim_review(assessment, author_as_reviewer)
    workflow.claim_review(assessment, reviewer)
    workflow.claim_review(assessment, reviewer)  # claiming again is harmless

    assert set(assessment.participations.values_list("user__username", "role")) == {
        ("analyst", "editor"),
        ("dual", "editor"),
        ("reviewer", "reviewer"),
    }


@pytest.mark.django_db
def test_analyst_who_answered_a_recommendation_cannot_review_the_assessment(
    situation, analyst, analyst_reviewer
):
    """Accepting or dismissing a recommended tool is the analyst's work on the assessment."""
    assessment = build_assessment(situation, by=analyst, ratings=SERIOUS_CONCERN)
    entry = PillarTool.objects.get(code=assessment.result["recommendations"][0]["entry"])
    workflow.respond_to_recommendation(
        assessment,
        by=analyst_reviewer,
        entry=entry,
        accepted=False,
        reason="Not realistic this quarter.",
    )
    assert assessment.participations.filter(user=analyst_reviewer, role="editor").exists()
    assessment = workflow.submit_assessment(assessment, by=analyst)
    summary = summary_of(draft_summary_now(assessment))

    with pytest.raises(WorkflowError, match=FOUR_EYES_MESSAGE):
        decide_on(summary, by=analyst_reviewer, approve=True)

    assert Assessment.objects.get(pk=assessment.pk).status == "in_review"
    assert not EscalationDecision.objects.exists()


@pytest.mark.django_db
def test_reviewer_who_reviewed_an_assessment_cannot_then_edit_it(
    situation, analyst, analyst_reviewer
):
    assessment = build_assessment(
        situation, by=analyst, status="returned", reviewer=analyst_reviewer
    )

    with pytest.raises(
        WorkflowError, match=r"You reviewed this assessment, so you cannot edit it\."
    ):
        edit_assessment(assessment, by=analyst_reviewer, narrative="Fixing it myself.")

    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.narrative, stored.lock_version) == (
        assessment.narrative,
        assessment.lock_version,
    )


@pytest.mark.django_db
def test_decide_page_refuses_an_editor_who_is_a_reviewer_with_the_message_and_no_change(
    client, situation, analyst, analyst_reviewer
):
    assessment = build_assessment(situation, by=analyst, ratings={"7.5": "moderate"})
    edit_assessment(
        assessment, by=analyst_reviewer, narrative="Added the curfew.", ratings={"8.1": "high"}
    )
    assessment = workflow.submit_assessment(assessment, by=analyst)
    summary = summary_of(draft_summary_now(assessment))
    before = record(assessment)
    client.force_login(analyst_reviewer)
    detail = reverse("assessments:detail", kwargs={"pk": assessment.pk})

    page = client.get(detail)
    response = client.post(
        reverse("assessments:decide", kwargs={"pk": assessment.pk}),
        decision_data(summary),
        follow=True,
    )

    assert page.status_code == 200
    assert "another reviewer must decide on it" in page.content.decode()
    assert page.context["decision_form"] is None
    decide_url = reverse("assessments:decide", kwargs={"pk": assessment.pk})
    assert f'action="{decide_url}"' not in page.content.decode()
    assert (response.redirect_chain, response.status_code) == ([], 409)
    assert escape(FOUR_EYES_MESSAGE) in response.content.decode()
    assert response.context["decision_form"] is None
    assert record(assessment) == before
    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.status, stored.reviewer) == ("in_review", None)
    assert (
        not Transition.objects.filter(assessment=assessment, actor=analyst_reviewer)
        .filter(to_status__in=["approved", "returned", "in_review"])
        .exists()
    )


@pytest.mark.django_db
def test_database_refuses_a_reviewer_row_for_someone_who_edited_the_assessment(situation, analyst):
    assessment = build_assessment(situation, by=analyst, status="submitted")

    with pytest.raises(IntegrityError, match=ONE_ROLE_PER_PERSON), transaction.atomic():
        Participation.objects.create(assessment=assessment, user=analyst, role="reviewer")

    assert list(assessment.participations.values_list("role", flat=True)) == ["editor"]


@pytest.mark.django_db
def test_database_refuses_an_editor_row_for_someone_who_reviewed_the_assessment(
    situation, analyst, reviewer
):
    assessment = build_assessment(situation, by=analyst, status="approved", reviewer=reviewer)
    assert assessment.participations.filter(user=reviewer, role="reviewer").exists()

    with pytest.raises(IntegrityError, match=ONE_ROLE_PER_PERSON), transaction.atomic():
        Participation.objects.create(assessment=assessment, user=reviewer, role="editor")

    assert sorted(assessment.participations.values_list("user__username", "role")) == [
        ("analyst", "editor"),
        ("reviewer", "reviewer"),
    ]


@pytest.mark.django_db
def test_database_refuses_the_author_as_the_reviewer(situation, analyst, reviewer):
    assessment = build_assessment(situation, by=analyst, status="approved", reviewer=reviewer)

    assessment.reviewer = assessment.author
    with (
        pytest.raises(IntegrityError, match=violates("assessment_reviewer_is_not_author")),
        transaction.atomic(),
    ):
        assessment.save(update_fields=["reviewer"])

    assert Assessment.objects.get(pk=assessment.pk).reviewer == reviewer


@pytest.mark.django_db
def test_database_refuses_a_decision_by_the_author(situation, analyst, reviewer):
    assessment = build_assessment(situation, by=analyst, status="approved", reviewer=reviewer)
    decision = summary_of(assessment).decision

    with (
        pytest.raises(IntegrityError, match=violates("decision_reviewer_is_not_author")),
        transaction.atomic(),
    ):
        EscalationDecision.objects.filter(pk=decision.pk).update(reviewer=analyst)

    assert EscalationDecision.objects.get(pk=decision.pk).reviewer == reviewer


DECISION_ROUNDS = 5


@pytest.mark.postgres
def test_two_reviewers_deciding_at_once_make_exactly_one_decision(
    transactional_db, framework_data, reviewer, analyst, monkeypatch
):
    # No broker: the test drafts each summary itself, as the worker would.
    monkeypatch.setattr(jobs, "publish", lambda name, kwargs: True)
    second = make_user("second_reviewer", REVIEWERS)
    situation = build_situation(by=reviewer, analysts=[analyst])
    choices = {"reviewer": True, "second_reviewer": False}

    def decision_by(user, summary):
        """One reviewer's decision: approval or rejection, as ``choices`` says."""
        approve = choices[user.username]

        def decide_now():
            decide_on(summary, by=user, approve=approve, reason="" if approve else "Too early.")
            return "decided"

        return decide_now

    for round_ in range(DECISION_ROUNDS):
        assessment = build_assessment(
            situation, by=analyst, as_of=AS_OF + timedelta(days=round_), status="submitted"
        )
        summary = summary_of(draft_summary_now(assessment))

        outcomes = race({user.username: decision_by(user, summary) for user in (reviewer, second)})

        assert sorted(outcomes.values()) == [
            f"WorkflowError: {ALREADY_DECIDED_MESSAGE}",
            "decided",
        ], outcomes
        winner = next(name for name, outcome in outcomes.items() if outcome == "decided")
        decision = EscalationDecision.objects.get(summary=summary)
        assert decision.reviewer.username == winner
        stored = Assessment.objects.get(pk=assessment.pk)
        assert stored.status == ("approved" if choices[winner] else "returned")
        assert stored.reviewer.username == winner
        assert steps(stored)[-1][1:3] == (stored.status, winner)
        assert set(stored.participations.values_list("user__username", "role")) == {
            ("analyst", "editor"),
            (winner, "reviewer"),
        }


# No lost work ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_saving_a_stale_version_raises_an_edit_conflict_and_changes_nothing(
    situation, analyst, other_analyst
):
    assessment = build_assessment(situation, by=analyst, ratings={"7.5": "moderate"})
    loaded = assessment.lock_version
    edit_assessment(assessment, by=analyst, narrative="First.", ratings={"7.5": "high"})

    with pytest.raises(EditConflict, match=CONFLICT_MESSAGE):
        edit_assessment(
            assessment,
            by=other_analyst,
            narrative="Second.",
            ratings={"7.5": "low"},
            expected_version=loaded,
        )

    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.narrative, stored.lock_version) == ("First.", loaded + 1)
    assert stored.ratings.get().severity == "high"
    assert not stored.participations.filter(user=other_analyst).exists()


@pytest.mark.django_db
def test_second_of_two_editors_is_refused_with_a_conflict_and_keeps_what_they_typed(
    client, situation, analyst, other_analyst
):
    assessment = build_assessment(situation, by=analyst, ratings={"7.5": "moderate"})
    url = reverse("assessments:edit", kwargs={"pk": assessment.pk})
    first, second = client, Client()
    first.force_login(analyst)
    second.force_login(other_analyst)
    first_form = first.get(url).context["form"]
    second_form = second.get(url).context["form"]
    loaded = first_form["lock_version"].value()
    assert second_form["lock_version"].value() == loaded == assessment.lock_version

    saved = first.post(url, edit_form_data(assessment, narrative="Curfew extended to Sittwe."))
    typed = edit_form_data(
        assessment,
        lock_version=loaded,
        narrative="Militia reached the camp at dawn.",
        **{
            field_name("8.1", "severity"): "high",
            field_name("8.1", "note"): "Eyewitness calls to the field office.",
            field_name("8.1", "sources"): "C Local radio, 4 May 2026",
        },
    )
    refused = second.post(url, typed)

    assert saved.status_code == 302
    assert refused.status_code == 409
    body = refused.content.decode()
    assert CONFLICT_MESSAGE in body
    assert "Militia reached the camp at dawn." in body
    assert "Eyewitness calls to the field office." in body
    assert "C Local radio, 4 May 2026" in body
    form = refused.context["form"]
    assert form[field_name("8.1", "severity")].value() == "high"
    assert form["narrative"].value() == "Militia reached the camp at dawn."
    stored = Assessment.objects.get(pk=assessment.pk)
    assert stored.narrative == "Curfew extended to Sittwe."
    assert stored.lock_version == loaded + 1
    assert list(stored.ratings.values_list("indicator__code", flat=True)) == ["7.5"]


@pytest.mark.django_db
def test_validation_failure_keeps_everything_typed_and_names_the_field(client, situation, analyst):
    assessment = build_assessment(situation, by=analyst, ratings={"7.5": "moderate"})
    client.force_login(analyst)
    url = reverse("assessments:edit", kwargs={"pk": assessment.pk})
    note_field = field_name("8.1", "note")
    typed = edit_form_data(
        assessment,
        narrative="Checkpoints multiplied around the camps.",
        **{
            field_name("8.1", "severity"): "high",
            field_name("8.1", "trend"): "worsening",
            note_field: "",
            field_name("8.1", "sources"): "",
            field_name("7.5", "sources"): "Z a rumour heard in the market",
        },
    )

    response = client.post(url, typed)

    assert response.status_code == 400
    body = response.content.decode()
    assert "Nothing was saved" in body
    assert f'<a href="#id_{note_field}">Evidence note for 8.1</a>' in body
    assert "A moderate or high severity needs evidence: a note or a source." in body
    assert f'<a href="#id_{field_name("7.5", "sources")}">Sources for 7.5</a>' in body
    assert "line 1: start with a reliability grade A-F, then the source" in body
    form = response.context["form"]
    assert form["narrative"].value() == "Checkpoints multiplied around the camps."
    assert form[field_name("8.1", "severity")].value() == "high"
    assert form[field_name("8.1", "trend")].value() == "worsening"
    assert "Z a rumour heard in the market" in body
    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.narrative, stored.lock_version) == ("", assessment.lock_version)
    assert list(stored.ratings.values_list("indicator__code", flat=True)) == ["7.5"]


ROUNDS = 20


@pytest.mark.postgres
def test_two_simultaneous_saves_of_the_same_version_never_lose_an_update(
    transactional_db, framework_data, reviewer, analyst, other_analyst
):
    situation = build_situation(by=reviewer, analysts=[analyst, other_analyst])
    assessment = build_assessment(situation, by=analyst)
    assert assessment.lock_version == 1
    severities = {"analyst": "moderate", "other_analyst": "high"}
    indicator = Indicator.objects.get(code="7.5").pk
    saves = 0

    def save_as(user, version):
        """One editor's save of the version both loaded."""
        mine = Assessment.objects.select_related("situation").get(pk=assessment.pk)

        def save():
            workflow.save_assessment(
                mine,
                by=user,
                expected_version=version,
                as_of=mine.as_of,
                posture=mine.posture,
                narrative=f"version {version} by {user.username}",
                ratings={
                    indicator: RatingInput(
                        severity=severities[user.username], note="Seen at the camp."
                    )
                },
            )
            return "saved"

        return save

    for _round in range(ROUNDS):
        version = Assessment.objects.get(pk=assessment.pk).lock_version

        outcomes = race(
            {user.username: save_as(user, version) for user in (analyst, other_analyst)}
        )

        saves += list(outcomes.values()).count("saved")
        assert list(outcomes.values()).count("saved") == 1, outcomes
        [refused] = [outcome for outcome in outcomes.values() if outcome != "saved"]
        assert refused.startswith(f"EditConflict: {CONFLICT_MESSAGE}"), outcomes
        winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
        stored = Assessment.objects.get(pk=assessment.pk)
        assert stored.narrative == f"version {version} by {winner}"
        assert stored.lock_version == version + 1
        assert stored.ratings.get(indicator__code="7.5").severity == severities[winner]

    final = Assessment.objects.get(pk=assessment.pk)
    assert final.lock_version == 1 + saves == 1 + ROUNDS
    assert IndicatorRating.objects.filter(assessment=final).count() == 1


# Recommendations ---------------------------------------------------------------------------


@pytest.fixture
def recommended(situation, analyst):
    assessment = build_assessment(situation, by=analyst, ratings=SERIOUS_CONCERN)
    entry = PillarTool.objects.get(code=assessment.result["recommendations"][0]["entry"])
    return assessment, entry


def decisions_data(assessment, **answers):
    """The one decisions form as posted: ``answers`` by pillar-tool code, each
    ``(decision, reason)``; every other recommended tool left undecided."""
    data = {}
    for rec in assessment.result["recommendations"]:
        decision, reason = answers.get(rec["entry"], ("undecided", ""))
        data[f"decision-{rec['entry']}"] = decision
        data[f"reason-{rec['entry']}"] = reason
    return data


def answers_of(assessment):
    return {
        r.entry.code: (r.accepted, r.reason)
        for r in RecommendationResponse.objects.filter(assessment=assessment).select_related(
            "entry"
        )
    }


def answer_events(assessment):
    return Transition.objects.filter(
        assessment=assessment,
        event__in=[
            Transition.Event.RECOMMENDATION_ACCEPTED,
            Transition.Event.RECOMMENDATION_DISMISSED,
        ],
    ).count()


@pytest.mark.django_db
def test_analyst_decides_several_recommendations_in_one_form_and_the_reasons_are_kept(
    client, analyst, recommended
):
    assessment, _entry = recommended
    first, second, third, *rest = [r["entry"] for r in assessment.result["recommendations"]]
    assert rest  # some stay undecided
    client.force_login(analyst)
    url = reverse("assessments:respond", kwargs={"pk": assessment.pk})

    response = client.post(
        url,
        decisions_data(
            assessment,
            **{
                first: ("accept", " Envoy on site. "),
                second: ("accept", ""),
                third: ("dismiss", "Donors withdrew."),
            },
        ),
        follow=True,
    )

    assert response.redirect_chain == [
        (
            reverse("assessments:detail", kwargs={"pk": assessment.pk}) + "#recommendations-title",
            302,
        )
    ]
    assert "Your decisions on 3 recommendations are recorded." in response.content.decode()
    assert answers_of(assessment) == {
        first: (True, "Envoy on site."),
        second: (True, ""),
        third: (False, "Donors withdrew."),
    }
    assert answer_events(assessment) == 3
    assert response.context["undecided"] == len(rest)
    # The form shows the answers given, and an answered tool can no longer be undecided.
    form = response.context["decisions_form"]
    assert form[f"decision-{first}"].value() == "accept"
    assert form[f"reason-{third}"].value() == "Donors withdrew."
    assert "undecided" not in dict(form.fields[f"decision-{first}"].choices)
    assert "undecided" in dict(form.fields[f"decision-{rest[0]}"].choices)


@pytest.mark.django_db
def test_changing_one_answer_records_only_that_change(client, analyst, recommended):
    assessment, _entry = recommended
    first, second, *_rest = [r["entry"] for r in assessment.result["recommendations"]]
    client.force_login(analyst)
    url = reverse("assessments:respond", kwargs={"pk": assessment.pk})
    client.post(
        url,
        decisions_data(assessment, **{first: ("accept", "Envoy on site."), second: ("accept", "")}),
    )

    client.post(
        url,
        decisions_data(
            assessment,
            **{first: ("accept", "Envoy on site."), second: ("dismiss", "Envoy withdrawn.")},
        ),
    )

    assert answers_of(assessment) == {
        first: (True, "Envoy on site."),
        second: (False, "Envoy withdrawn."),
    }
    assert answer_events(assessment) == 3  # two answers, then one change
    last = Transition.objects.filter(assessment=assessment).order_by("-pk").first()
    assert (last.event, last.reason) == (
        Transition.Event.RECOMMENDATION_DISMISSED,
        "Envoy withdrawn.",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "  \n "])
def test_a_dismissal_without_a_reason_is_refused_and_the_form_keeps_every_answer(
    client, analyst, recommended, reason
):
    assessment, _entry = recommended
    first, second, *_rest = [r["entry"] for r in assessment.result["recommendations"]]
    client.force_login(analyst)

    response = client.post(
        reverse("assessments:respond", kwargs={"pk": assessment.pk}),
        decisions_data(
            assessment, **{first: ("accept", "Envoy on site."), second: ("dismiss", reason)}
        ),
    )

    assert response.status_code == 400
    assert answers_of(assessment) == {}
    assert answer_events(assessment) == 0
    form = response.context["decisions_form"]
    assert form[f"decision-{first}"].value() == "accept"
    assert form[f"reason-{first}"].value() == "Envoy on site."
    assert form[f"decision-{second}"].value() == "dismiss"
    tool = next(
        r["tool_name"] for r in assessment.result["recommendations"] if r["entry"] == second
    )
    message = f"Give a reason for dismissing {tool}."
    assert form.errors[f"reason-{second}"] == [message]
    page = html.unescape(response.content.decode())
    assert f'id="id_reason-{second}-error">{message}</div>' in page
    assert "The decisions were not saved:" in page


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "  \n "])
def test_the_service_refuses_a_dismissal_without_a_reason_and_accepts_an_acceptance_without(
    analyst, recommended, reason
):
    assessment, entry = recommended

    with pytest.raises(WorkflowError, match="Give a reason for dismissing"):
        workflow.respond_to_recommendation(
            assessment, by=analyst, entry=entry, accepted=False, reason=reason
        )
    assert answers_of(assessment) == {}
    accepted = workflow.respond_to_recommendation(
        assessment, by=analyst, entry=entry, accepted=True, reason=reason
    )

    assert (accepted.accepted, accepted.reason) == (True, "")
    assert answers_of(assessment) == {entry.code: (True, "")}


@pytest.mark.django_db
def test_one_refused_answer_refuses_the_whole_set(analyst, recommended):
    assessment, entry = recommended
    codes = {rec["entry"] for rec in assessment.result["recommendations"]}
    other = PillarTool.objects.exclude(code__in=codes).first()
    before = record(assessment)

    with pytest.raises(WorkflowError, match="not among the assessment's recommendations"):
        workflow.respond_to_recommendations(
            assessment,
            by=analyst,
            answers={entry.code: Answer(accepted=True), other.code: Answer(accepted=True)},
        )

    assert answers_of(assessment) == {}
    assert answer_events(assessment) == 0
    assert record(assessment) == before


@pytest.mark.django_db
def test_database_refuses_a_dismissal_without_a_reason(analyst, recommended):
    assessment, entry = recommended

    with (
        pytest.raises(IntegrityError, match=violates("response_reason_required")),
        transaction.atomic(),
    ):
        RecommendationResponse.objects.create(
            assessment=assessment, entry=entry, accepted=False, reason="", by=analyst
        )
    RecommendationResponse.objects.create(
        assessment=assessment, entry=entry, accepted=True, reason="", by=analyst
    )

    assert answers_of(assessment) == {entry.code: (True, "")}


@pytest.mark.django_db
def test_submitting_with_undecided_recommendations_asks_first_and_says_how_many(
    client, analyst, recommended
):
    assessment, entry = recommended
    total = len(assessment.result["recommendations"])
    workflow.respond_to_recommendation(
        assessment, by=analyst, entry=entry, accepted=True, reason=""
    )
    client.force_login(analyst)
    url = reverse("assessments:submit", kwargs={"pk": assessment.pk})

    asked = client.post(url)

    assert asked.status_code == 200
    assert asked.context["undecided"] == total - 1
    assert f"{total - 1} recommended tools are still undecided" in asked.content.decode()
    assert Assessment.objects.get(pk=assessment.pk).status == "draft"
    assert not EscalationSummary.objects.filter(assessment=assessment).exists()

    confirmed = client.post(url, {"confirm": "undecided"}, follow=True)

    assert confirmed.redirect_chain[-1][1] == 302
    assert Assessment.objects.get(pk=assessment.pk).status == "submitted"


@pytest.mark.django_db
def test_submitting_with_every_recommendation_decided_asks_nothing(client, analyst, recommended):
    assessment, _entry = recommended
    workflow.respond_to_recommendations(
        assessment,
        by=analyst,
        answers={r["entry"]: Answer(accepted=True) for r in assessment.result["recommendations"]},
    )
    client.force_login(analyst)

    response = client.post(reverse("assessments:submit", kwargs={"pk": assessment.pk}))

    assert response.status_code == 302
    assert Assessment.objects.get(pk=assessment.pk).status == "submitted"


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["submitted", "in_review", "approved"])
def test_recommendations_cannot_be_answered_unless_the_assessment_is_a_draft_or_returned(
    situation, analyst, reviewer, status
):
    assessment = build_assessment(
        situation, by=analyst, ratings=SERIOUS_CONCERN, status=status, reviewer=reviewer
    )
    entry = PillarTool.objects.get(code=assessment.result["recommendations"][0]["entry"])
    before = record(assessment)

    with pytest.raises(
        WorkflowError,
        match=r"Recommendations can be answered only in a draft or returned assessment\.",
    ):
        workflow.respond_to_recommendation(
            assessment, by=analyst, entry=entry, accepted=False, reason="Changed my mind."
        )

    assert not RecommendationResponse.objects.filter(assessment=assessment).exists()
    assert record(assessment) == before


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["draft", "returned"])
def test_recommendations_are_answered_in_a_draft_or_returned_assessment_by_an_editor(
    situation, analyst, other_analyst, reviewer, status
):
    assessment = build_assessment(
        situation, by=analyst, ratings=SERIOUS_CONCERN, status=status, reviewer=reviewer
    )
    entry = PillarTool.objects.get(code=assessment.result["recommendations"][0]["entry"])

    response = workflow.respond_to_recommendation(
        assessment, by=other_analyst, entry=entry, accepted=True, reason="Envoy on site."
    )

    assert (response.accepted, response.reason, response.by) == (
        True,
        "Envoy on site.",
        other_analyst,
    )
    assert assessment.participations.filter(user=other_analyst, role="editor").exists()


@pytest.mark.django_db
def test_a_tool_that_is_not_recommended_cannot_be_answered(analyst, recommended):
    assessment, _entry = recommended
    codes = {rec["entry"] for rec in assessment.result["recommendations"]}
    other = PillarTool.objects.exclude(code__in=codes).first()

    with pytest.raises(WorkflowError, match="not among the assessment's recommendations"):
        workflow.respond_to_recommendation(
            assessment, by=analyst, entry=other, accepted=True, reason="Why not."
        )

    assert not RecommendationResponse.objects.filter(assessment=assessment).exists()


@pytest.mark.django_db
def test_an_analyst_not_assigned_to_the_situation_cannot_answer(reviewer, recommended):
    assessment, entry = recommended
    stranger = make_user("stranger", ANALYSTS)

    with pytest.raises(WorkflowError, match="Only the analysts assigned to this situation"):
        workflow.respond_to_recommendation(
            assessment, by=stranger, entry=entry, accepted=True, reason="Looks right."
        )

    assert not assessment.participations.filter(user=stranger).exists()


@pytest.mark.django_db
def test_detail_page_of_an_approved_assessment_offers_no_answer_that_would_be_refused(
    client, situation, analyst, reviewer
):
    """Answering is refused once the assessment is approved, so the page must not offer it."""
    assessment = build_assessment(
        situation, by=analyst, ratings=SERIOUS_CONCERN, status="approved", reviewer=reviewer
    )
    client.force_login(analyst)

    page = client.get(reverse("assessments:detail", kwargs={"pk": assessment.pk}))

    assert page.status_code == 200
    respond = reverse("assessments:respond", kwargs={"pk": assessment.pk})
    body = page.content.decode()
    assert f'action="{respond}"' not in body
    # The recommendations are shown, only without the form to answer them.
    entry = PillarTool.objects.get(code=assessment.result["recommendations"][0]["entry"])
    assert entry.tool.name in html.unescape(body)


# Starting from the previous assessment -----------------------------------------------------


@pytest.fixture
def previous(situation, analyst, reviewer):
    return build_assessment(
        situation,
        by=analyst,
        ratings={"7.5": ("high", "worsening", "high"), "1.1": ("low", "improving", "low")},
        status="approved",
        reviewer=reviewer,
    )


def rating_rows(assessment):
    return sorted(
        (
            r.indicator.code,
            r.severity,
            r.trend,
            r.confidence,
            r.note,
            *((s.reliability, s.citation, s.order) for s in r.sources.all()),
        )
        for r in assessment.ratings.select_related("indicator").prefetch_related("sources")
    )


@pytest.mark.django_db
def test_new_assessment_can_start_from_the_previous_ratings_and_sources(
    situation, analyst, previous
):
    before = rating_rows(previous)

    new = workflow.start_assessment(
        situation,
        by=analyst,
        as_of=AS_OF + timedelta(days=90),
        posture="perpetrator",
        copy_from=previous,
    )

    assert rating_rows(new) == rating_rows(previous)
    assert len(rating_rows(new)) == 2
    assert new.copied_from == previous
    assert new.status == "draft"
    assert new.overall_level == Assessment.objects.get(pk=previous.pk).overall_level
    assert steps(new) == [("", "draft", "analyst", 0, "started from the assessment of 2026-05-01")]
    assert rating_rows(Assessment.objects.get(pk=previous.pk)) == before


@pytest.mark.django_db
def test_start_page_copies_the_latest_assessment_when_asked_and_starts_empty_otherwise(
    client, situation, analyst, previous
):
    client.force_login(analyst)
    url = reverse("assessments:start", kwargs={"pk": situation.pk})

    copied = client.post(
        url, {"as_of": "2026-08-01", "posture": "unwilling", "copy_previous": "on"}
    )
    empty = client.post(url, {"as_of": "2026-08-02", "posture": "unwilling"})

    with_copy = Assessment.objects.get(as_of=date(2026, 8, 1))
    without = Assessment.objects.get(as_of=date(2026, 8, 2))
    assert copied.url == reverse("assessments:edit", kwargs={"pk": with_copy.pk})
    assert empty.status_code == 302
    assert with_copy.copied_from == previous
    assert rating_rows(with_copy) == rating_rows(previous)
    assert without.copied_from is None
    assert not without.ratings.exists()


@pytest.mark.django_db
def test_assessment_from_another_situation_cannot_be_copied(reviewer, analyst, situation, previous):
    elsewhere = build_situation(by=reviewer, analysts=[analyst], name="Kachin", country="MM")

    with pytest.raises(WorkflowError, match="same situation"):
        workflow.start_assessment(
            elsewhere, by=analyst, as_of=AS_OF, posture="unwilling", copy_from=previous
        )


# Nothing assessed is not "low" -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("with_a_note", [False, True])
def test_detail_page_says_the_data_is_insufficient_when_nothing_is_assessed_not_low(
    client, situation, analyst, with_a_note
):
    assessment = build_assessment(situation, by=analyst)
    if with_a_note:
        # a note without a severity is kept, and still assesses nothing
        workflow.save_assessment(
            assessment,
            by=analyst,
            expected_version=assessment.lock_version,
            as_of=AS_OF,
            posture="unwilling",
            narrative="",
            ratings={
                Indicator.objects.get(code="7.5").pk: RatingInput(
                    severity="not_assessed", note="No access to the area yet."
                )
            },
        )
        assert IndicatorRating.objects.filter(assessment=assessment).count() == 1
    client.force_login(analyst)

    response = client.get(reverse("assessments:detail", kwargs={"pk": assessment.pk}))

    assert response.status_code == 200
    result = response.context["result"]
    assert set(result["levels"].values()) == {"insufficient_data"}
    body = response.content.decode()
    assert "Insufficient data: no indicator has been assessed yet." in body
    assert ">insufficient data</span>" in body
    assert ">low</span>" not in body
    assert "text-bg-success" not in body
    listed = client.get(reverse("assessments:situations"))
    assert listed.status_code == 200
    assert [row.level for row in listed.context["rows"]] == ["insufficient_data"]
    assert ">low</span>" not in listed.content.decode()
    assert ">insufficient data</span>" in listed.content.decode()
