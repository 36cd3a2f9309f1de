"""Two reviewers at the top of the ladder: an escalation proposed or decided at a rung that
needs two (reference data; by default "brief the Secretary-General" and "request a Security
Council briefing") waits after the first review for a second, different reviewer, neither of
whom wrote or edited it. The service, the page, the API and the database refuse otherwise."""

from datetime import date

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import tokens
from accounts.roles import REVIEWERS
from assessments import notifications, workflow
from assessments.models import (
    Assessment,
    EscalationDecision,
    FirstReview,
    ResponseAction,
    Transition,
)
from assessments.workflow import WorkflowError
from audit.models import AuditEntry
from framework.models import ThresholdSet
from tests.assessments.builders import (
    CRISIS,
    SERIOUS_CONCERN,
    build_assessment,
    build_situation,
    decide_on,
    draft_summary_now,
    edit_assessment,
    summary_of,
)
from tests.assessments.test_dissent import dissent_on
from tests.conftest import make_user

SC = "request_security_council_briefing"
SG = "brief_secretary_general"
WHY = "The Council must hear it now: the killings are organised."


@pytest.fixture
def second(db):
    return make_user("second", REVIEWERS)


def reload(assessment):
    return Assessment.objects.get(pk=assessment.pk)


@pytest.mark.django_db
def test_the_first_review_waits_for_a_second_reviewer_whose_decision_concludes(
    django_capture_on_commit_callbacks, in_review, reviewer, second, jobs
):
    summary = summary_of(in_review)
    assert summary.proposed_escalation == SC
    jobs.published.clear()

    with django_capture_on_commit_callbacks(execute=True):
        first = decide_on(summary, by=reviewer, approve=True)

    assert isinstance(first, FirstReview)
    assessment = reload(in_review)
    assert assessment.status == "second_review"
    assert assessment.awaits_review and assessment.awaits_second_review
    step = Transition.objects.filter(assessment=assessment).last()
    assert (step.event, step.params, step.actor) == (
        "first_review",
        {"approved": True, "level": SC},
        reviewer,
    )
    assert AuditEntry.objects.filter(action="first_review").count() == 1
    assert jobs.names() == [workflow.NOTIFY_SECOND_REVIEW_TASK]
    assert not EscalationDecision.objects.exists()
    assert not ResponseAction.objects.exists()  # nothing is opened before the decision

    decision = decide_on(summary, by=second, approve=True)

    assert isinstance(decision, EscalationDecision)
    assert (decision.reviewer, decision.first_reviewer, decision.first_review) == (
        second,
        reviewer,
        first,
    )
    assert decision.second_review_required
    assessment = reload(in_review)
    assert (assessment.status, assessment.reviewer) == ("approved", second)
    assert ResponseAction.objects.filter(kind="escalation", escalation=SC).count() == 1


@pytest.mark.django_db
def test_the_first_reviewer_cannot_give_the_second_review(in_review, reviewer):
    summary = summary_of(in_review)
    decide_on(summary, by=reviewer, approve=True)

    for approve in (True, False):
        with pytest.raises(WorkflowError, match="You gave the first review"):
            decide_on(summary, by=reviewer, approve=approve, reason="Changed my mind.")
    assert reload(in_review).status == "second_review"
    assert not EscalationDecision.objects.exists()


@pytest.mark.django_db
def test_a_reviewer_who_edited_it_can_give_neither_review(analyst, reviewer, second):
    situation = build_situation(by=reviewer, analysts=[analyst])
    assessment = build_assessment(situation, by=analyst, ratings=CRISIS)
    # A reviewer cannot edit (only assigned analysts can); the author stands for the editor.
    assessment = edit_assessment(assessment, by=analyst, narrative="Edited.", ratings=CRISIS)
    assessment = workflow.submit_assessment(assessment, by=analyst)
    assessment = draft_summary_now(assessment)
    summary = summary_of(assessment)
    with pytest.raises(WorkflowError):
        decide_on(summary, by=analyst, approve=True)
    decide_on(summary, by=reviewer, approve=True)
    with pytest.raises(WorkflowError):
        decide_on(summary, by=analyst, approve=True)
    assert reload(assessment).status == "second_review"


@pytest.mark.django_db
def test_a_second_review_that_differs_from_the_first_needs_its_reason(in_review, reviewer, second):
    summary = summary_of(in_review)
    decide_on(summary, by=reviewer, approve=False, reason="One source only; corroborate 10.1.")

    with pytest.raises(WorkflowError, match="otherwise than the first reviewer"):
        decide_on(summary, by=second, approve=True)
    assert reload(in_review).status == "second_review"

    decision = decide_on(summary, by=second, approve=True, reason=WHY)

    assert decision.approved and decision.first_review.approved is False
    assert reload(in_review).status == "approved"


@pytest.mark.django_db
def test_a_second_rejection_returns_it_with_both_reasons_on_record(in_review, reviewer, second):
    summary = summary_of(in_review)
    decide_on(summary, by=reviewer, approve=False, reason="One source only.")
    decide_on(summary, by=second, approve=False, reason="Agreed: corroborate first.")

    assessment = reload(in_review)
    assert assessment.status == "returned"
    reasons = list(
        Transition.objects.filter(assessment=assessment, event__in=["first_review", "returned"])
        .order_by("pk")
        .values_list("reason", flat=True)
    )
    assert reasons == ["One source only.", "Agreed: corroborate first."]


@pytest.mark.django_db
def test_approving_at_a_top_rung_from_a_lower_proposal_needs_two(analyst, reviewer, second):
    situation = build_situation(by=reviewer, analysts=[analyst])
    assessment = build_assessment(
        situation, by=analyst, ratings=SERIOUS_CONCERN, status="in_review"
    )
    summary = summary_of(assessment)
    assert summary.proposed_escalation not in (SG, SC)

    first = decide_on(summary, by=reviewer, approve=True, level=SG, reason=WHY)

    assert isinstance(first, FirstReview)
    assert reload(assessment).status == "second_review"
    decision = decide_on(summary, by=second, approve=True, level=SG, reason=WHY)
    assert decision.level == SG


@pytest.mark.django_db
def test_which_rungs_need_two_reviewers_is_reference_data(in_review, reviewer, analyst, second):
    rungs = ThresholdSet.objects.get(code="default")
    rungs.sc_briefing_second_review = False
    rungs.alert_sa_second_review = True
    rungs.save()

    decision = decide_on(summary_of(in_review), by=reviewer, approve=True)
    assert isinstance(decision, EscalationDecision) and not decision.second_review_required
    assert reload(in_review).status == "approved"

    situation = build_situation(by=reviewer, analysts=[analyst], name="Other Province")
    other = build_assessment(situation, by=analyst, ratings=SERIOUS_CONCERN, status="in_review")
    summary = summary_of(other)
    first = decide_on(summary, by=reviewer, approve=True, level="alert_special_adviser", reason=WHY)
    assert isinstance(first, FirstReview)


@pytest.mark.django_db
def test_the_database_refuses_a_decision_that_needed_two_reviewers_without_them(
    in_review, reviewer, second, analyst
):
    summary = summary_of(in_review)
    first = decide_on(summary, by=reviewer, approve=True)
    fields = {
        "summary": summary,
        "author": analyst,
        "approved": True,
        "proposed_level": SC,
        "level": SC,
        "content_hash": summary.content_hash,
    }
    refused = [
        # needed two, and names no first review
        {"reviewer": second, "second_review_required": True},
        # the same reviewer twice
        {
            "reviewer": reviewer,
            "second_review_required": True,
            "first_review": first,
            "first_reviewer": reviewer,
        },
        # the author as the first reviewer
        {
            "reviewer": second,
            "second_review_required": True,
            "first_review": first,
            "first_reviewer": analyst,
        },
        # a first review on a decision said to need only one
        {"reviewer": second, "first_review": first, "first_reviewer": reviewer},
    ]
    for extra in refused:
        with pytest.raises(IntegrityError), transaction.atomic():
            EscalationDecision.objects.create(**fields, **extra)
    other = build_assessment(
        in_review.situation, by=analyst, ratings=CRISIS, status="in_review", as_of=date(2026, 5, 2)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        FirstReview.objects.create(  # the author reviewing first
            **{**fields, "summary": summary_of(other)}, reviewer=analyst
        )
    EscalationDecision.objects.create(
        **fields,
        reviewer=second,
        second_review_required=True,
        first_review=first,
        first_reviewer=reviewer,
    )


@pytest.mark.django_db
def test_the_page_shows_the_first_review_and_refuses_the_first_reviewer(
    client, in_review, reviewer, second
):
    summary = summary_of(in_review)
    url = reverse("assessments:detail", args=[in_review.pk])
    client.force_login(reviewer)
    page = client.get(url).content.decode()
    assert "needs two reviewers: your decision is the first review" in page

    sent = client.post(
        reverse("assessments:decide", args=[in_review.pk]),
        {"decision": "approve", "level": SC, "reason": "", "content_hash": summary.content_hash},
    )
    assert sent.status_code == 302
    assert reload(in_review).status == "second_review"

    page = client.get(url).content.decode()
    assert 'id="first-review"' in page
    assert "You gave the first review; another reviewer must give the second." in page
    assert 'id="decision-form"' not in page
    again = client.post(
        reverse("assessments:decide", args=[in_review.pk]),
        {"decision": "approve", "level": SC, "reason": "", "content_hash": summary.content_hash},
    )
    assert again.status_code == 409
    assert "You gave the first review" in again.content.decode()

    client.force_login(second)
    page = client.get(url).content.decode()
    assert 'id="first-review"' in page and "First review: approve" in page
    assert "Your decision, as second reviewer" in page
    differs = client.post(
        reverse("assessments:decide", args=[in_review.pk]),
        {"decision": "approve", "level": SG, "reason": "", "content_hash": summary.content_hash},
    )
    assert differs.status_code == 400
    assert "otherwise than the first reviewer" in differs.content.decode()
    concluded = client.post(
        reverse("assessments:decide", args=[in_review.pk]),
        {"decision": "approve", "level": SC, "reason": "", "content_hash": summary.content_hash},
    )
    assert concluded.status_code == 302
    assert reload(in_review).status == "approved"
    page = client.get(url).content.decode()
    assert "Escalation approved" in page and 'id="first-review"' in page


def api_client(user) -> APIClient:
    _, raw = tokens.create_token(user, name="test", scope="write")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.mark.django_db
def test_the_api_answers_a_first_review_with_202_and_refuses_its_author_a_second(
    in_review, reviewer, second
):
    summary = summary_of(in_review)
    url = reverse("api:assessment-decision", args=[in_review.pk])
    body = {"approve": True, "level": SC, "content_hash": summary.content_hash}

    first = api_client(reviewer).post(url, body, format="json")
    assert first.status_code == 202, first.json()
    assert (first.json()["reviewer"], first.json()["approved"]) == ("reviewer", True)
    again = api_client(reviewer).post(url, body, format="json")
    assert again.status_code in (403, 409), again.json()
    assert reload(in_review).status == "second_review"

    concluded = api_client(second).post(url, body, format="json")
    assert concluded.status_code == 201, concluded.json()
    assert concluded.json()["first_review"]["reviewer"] == "reviewer"
    assert reload(in_review).status == "approved"


@pytest.mark.django_db
def test_approving_over_a_dissent_needs_it_read_through_the_api_too(
    in_review, reviewer, other_analyst
):
    dissent_on(in_review, other_analyst)
    summary = summary_of(in_review)
    url = reverse("api:assessment-decision", args=[in_review.pk])
    body = {"approve": True, "level": SC, "content_hash": summary.content_hash}

    unread = api_client(reviewer).post(url, body, format="json")
    assert unread.status_code == 409, unread.json()
    assert "dissent" in str(unread.json())
    read = api_client(reviewer).post(url, {**body, "dissents_read": True}, format="json")
    assert read.status_code == 202, read.json()


@pytest.mark.django_db
def test_the_other_reviewers_are_called_to_the_second_review_once(
    django_capture_on_commit_callbacks, in_review, reviewer, second, analyst, jobs
):
    make_user("third", REVIEWERS)
    first = decide_on(summary_of(in_review), by=reviewer, approve=False, reason="One source.")
    jobs.published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.notify_second_review(first.pk) == 2
        assert notifications.notify_second_review(first.pk) == 2  # the fan-out run twice
    jobs.run()

    called = sorted(m.to[0] for m in mail.outbox)
    assert called == ["second@example.org", "third@example.org"]
    assert all(m.subject.startswith("Second review needed: Lakeside Province") for m in mail.outbox)
    assert "would return it to its analysts" in mail.outbox[0].body
    assert "Reason: One source." in mail.outbox[0].body
    assert reviewer.email not in called and analyst.email not in called
