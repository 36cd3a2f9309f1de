"""The decision form (approve or reject an escalation) under hostile posts by a reviewer, and by
people who may not decide: never a server error, nothing stored from a refused post, and an
accepted decision stored as sent. The escalation proposed (a Security Council briefing) needs
two reviewers: another reviewer gave the first review, and the form is the second's."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from hypothesis import event, given, settings
from hypothesis import strategies as st

from assessments import limits, scales
from assessments.models import Assessment, EscalationDecision, EscalationSummary, Transition
from tests.assessments.builders import (
    build_crisis,
    build_situation,
    decide_on,
    second_reviewer,
    summary_of,
)
from tests.fuzz.hostile import (
    Edit,
    Rows,
    apply_edits,
    assert_answered,
    assert_storable,
    choice_or_hostile,
    form_edits,
    hostile_text,
    no_crash_logged,
    post_form,
    received,
    rolled_back,
    snapshot,
    urlencoded,
)

# The profile tests/fuzz/conftest.py chose: 1,000 examples in CI, 100 elsewhere.
FUZZ = settings.get_profile("fuzz")

# Mostly the reviewer, whose decisions may be accepted; sometimes someone who may not decide.
PEOPLE = st.integers(min_value=0, max_value=9).map(
    lambda n: ("first", "author", "admin", "outsider")[n - 6] if n >= 6 else "reviewer"
)


@dataclass
class DecisionForm:
    """An assessment in review with its ready summary, the people who post the form, the
    form as the reviewer loads it, the edits an example makes to it, and every watched row as
    each example finds it (each one's changes are rolled back)."""

    assessment: Assessment
    summary: EscalationSummary
    clients: dict[str, Client]
    loaded: list[tuple[str, str]]
    edits: st.SearchStrategy[list[Edit]]
    rows: Rows


@pytest.fixture
def decision_form(
    analyst: AbstractBaseUser,
    other_analyst: AbstractBaseUser,
    reviewer: AbstractBaseUser,
    admin: AbstractBaseUser,
    signed_in: Callable[[AbstractBaseUser], Client],
) -> DecisionForm:
    situation = build_situation(by=reviewer, analysts=[analyst], name="Lakeside Province")
    assessment = build_crisis(situation, by=analyst, status="in_review")
    summary = summary_of(assessment)
    first = second_reviewer()
    decide_on(summary, by=first, approve=True)
    proposed = summary.proposed_escalation
    known = summary.content_hash
    clients = {
        "reviewer": signed_in(reviewer),
        "first": signed_in(first),  # gave the first review: may not give the second
        "author": signed_in(analyst),  # never decides on their own work
        "admin": signed_in(admin),  # a framework admin, not a reviewer
        "outsider": signed_in(other_analyst),  # not assigned: cannot see it
    }
    return DecisionForm(
        assessment=assessment,
        summary=summary,
        clients=clients,
        loaded=[
            ("decision", "approve"),
            ("level", proposed),
            ("reason", ""),
            ("content_hash", known),
        ],
        edits=form_edits(
            {
                "decision": choice_or_hostile(["approve", "reject"]),
                "level": choice_or_hostile(scales.ESCALATIONS),
                "reason": st.one_of(
                    st.just(""), st.text(max_size=60), hostile_text(limits.MAX_REASON)
                ),
                "content_hash": st.one_of(
                    st.just(known),
                    st.just(known),
                    st.sampled_from([known.upper(), known[:-1], f" {known}", "0" * 64, known * 2]),
                    hostile_text(),
                ),
            }
        ),
        rows=snapshot(),
    )


def assert_decided_as_sent(form: DecisionForm, sent: QueryDict, reviewer_pk: int) -> None:
    """One decision, as sent (the reason stripped), on the content read; the assessment moved
    on as it says."""
    decision = EscalationDecision.objects.get(summary=form.summary)
    approve = sent["decision"] == "approve"
    proposed = form.summary.proposed_escalation
    reason = sent.get("reason", "").strip()
    assert (decision.approved, decision.reviewer_id, decision.reason) == (
        approve,
        reviewer_pk,
        reason,
    )
    assert decision.content_hash == form.summary.content_hash == sent["content_hash"].strip()
    assert decision.level == (sent["level"] if approve else proposed)
    if not approve or decision.level != proposed:
        assert reason, "rejected, or moved off the proposed level, without a reason"
    first = decision.first_review
    assert first is not None and decision.first_reviewer_id == first.reviewer_id != reviewer_pk
    if (approve, decision.level) != (first.approved, first.level):
        assert reason, "decided otherwise than the first reviewer without a reason"
    stored = Assessment.objects.get(pk=form.assessment.pk)
    assert stored.status == ("approved" if approve else "returned")
    assert stored.reviewer_id == reviewer_pk
    assert_storable([decision, *Transition.objects.filter(assessment=stored)])


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_the_decision_form_never_fails_and_stores_only_what_it_accepts(
    decision_form: DecisionForm, reviewer: AbstractBaseUser, data: st.DataObject
) -> None:
    form = decision_form
    who = data.draw(PEOPLE, label="who")
    body = urlencoded(apply_edits(form.loaded, data.draw(form.edits, label="edits")))
    with rolled_back():
        with no_crash_logged():
            response = post_form(
                form.clients[who], reverse("assessments:decide", args=[form.assessment.pk]), body
            )
        assert_answered(response)
        event(f"{who} answered {response.status_code}")
        if response.status_code == 302:
            assert who == "reviewer"
            assert_decided_as_sent(form, received(body), reviewer.pk)
        else:
            # The page again with the form's errors (400), a refused decision (409), a
            # refused request (400), or a page the person may not see (404).
            assert response.status_code in (400, 404, 409), response.status_code
            assert snapshot() == form.rows
