"""Dissent: recorded by the situation's analysts or a reviewer, shown beside the decision, in
the summary's PDF and JSON, read by a reviewer approving over it; never a block."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from assessments import dissent
from assessments.dissent import DissentError
from assessments.models import Dissent, Transition
from audit.models import AuditEntry
from tests.assessments.builders import decide, summary_of
from tests.assessments.test_summary_languages import pdf_text

REASON = "Militias are arming and three sources corroborate it: genocide is imminent."


def dissent_on(assessment, by, **kwargs):
    return dissent.record_dissent(
        assessment,
        by=by,
        levels=kwargs.pop("levels", {"genocide": "current_crisis", "war_crimes": ""}),
        reason=kwargs.pop("reason", REASON),
        **kwargs,
    )


@pytest.mark.django_db
def test_an_analyst_and_a_reviewer_dissent_and_the_workflow_is_untouched(
    in_review, other_analyst, reviewer
):
    steps = Transition.objects.filter(assessment=in_review).count()

    mine = dissent_on(in_review, other_analyst)
    theirs = dissent_on(in_review, reviewer, levels={"crimes_against_humanity": "low"})

    in_review.refresh_from_db()
    assert in_review.status == "in_review"
    assert Transition.objects.filter(assessment=in_review).count() == steps
    assert mine.levels == {"genocide": "current_crisis"}  # a crime without a view is left out
    assert (mine.revision, mine.decision, theirs.author) == (in_review.revision, None, reviewer)
    assert AuditEntry.objects.filter(action="dissent").count() == 2
    assert [d.pk for d in dissent.dissents_of(in_review)] == [mine.pk, theirs.pk]


@pytest.mark.django_db
def test_who_may_not_see_or_take_part_may_not_dissent(in_review, outsider, admin, analyst):
    from tests.conftest import make_user

    stranger = make_user("stranger", "Analysts")
    for user in (outsider, admin, stranger):
        with pytest.raises(DissentError):
            dissent_on(in_review, user)
    assert not Dissent.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"levels": {}}, "levels"),
        ({"levels": {"genocide": ""}}, "levels"),
        ({"levels": {"genocide": "apocalyptic"}}, "levels"),
        ({"levels": {"piracy": "low"}}, "levels"),
        ({"reason": "   "}, "reason"),
        ({"on_decision": True}, "target"),  # nothing decided yet
    ],
)
@pytest.mark.django_db
def test_a_dissent_the_rules_refuse_records_nothing(in_review, analyst, changes, field):
    with pytest.raises(DissentError) as refused:
        dissent_on(in_review, analyst, **changes)

    assert field in refused.value.errors
    assert not Dissent.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_a_dissent_without_a_reason(in_review, analyst):
    with pytest.raises(IntegrityError), transaction.atomic():
        Dissent.objects.create(assessment=in_review, author=analyst, revision=1, reason="")


@pytest.mark.django_db
def test_a_reviewer_approving_over_a_dissent_reads_it_first(client, in_review, analyst, reviewer):
    dissent_on(in_review, analyst)
    summary = summary_of(in_review)
    client.force_login(reviewer)
    page = client.get(reverse("assessments:detail", args=[in_review.pk])).content.decode()
    assert REASON in page and "I have read the dissent shown above." in page
    form = {
        "decision": "approve",
        "level": summary.proposed_escalation,
        "reason": "",
        "content_hash": summary.content_hash,
    }

    unread = client.post(reverse("assessments:decide", args=[in_review.pk]), form)

    assert unread.status_code == 400
    assert "Read the dissents before approving over them" in unread.content.decode()
    assert not hasattr(summary_of(in_review), "decision")

    read = client.post(
        reverse("assessments:decide", args=[in_review.pk]), {**form, "dissents_read": "on"}
    )
    assert read.status_code == 302
    # A Security Council briefing needs two reviewers: this approval is the first review.
    assert summary_of(in_review).first_review.approved


@pytest.mark.django_db
def test_a_rejection_needs_no_confirmation_and_a_dissent_on_the_decision_follows_it(
    client, in_review, analyst, reviewer
):
    dissent_on(in_review, reviewer)
    returned = decide(in_review, by=reviewer, approve=False, reason="Add a second source.")
    assert returned.status == "returned"

    # The analyst dissents from the decision itself.
    on_decision = dissent_on(returned, analyst, on_decision=True)
    assert on_decision.decision == summary_of(returned).decision


@pytest.mark.django_db
def test_dissents_are_in_the_summarys_pdf_and_json_and_beside_the_decision(
    client, in_review, analyst, reviewer
):
    dissent_on(in_review, analyst)
    decide(in_review, by=reviewer, approve=True, dissents_read=True)
    on_decision = dissent_on(
        in_review, analyst, on_decision=True, levels={"war_crimes": "imminent_risk"}, reason="No."
    )
    client.force_login(reviewer)
    url = reverse("assessments:detail", args=[in_review.pk])

    page = client.get(url).content.decode()
    pdf = client.get(reverse("assessments:summary_pdf", args=[in_review.pk]))
    data = client.get(reverse("assessments:summary_json", args=[in_review.pk])).json()

    assert "2 dissents" in page and "from the reviewer's decision" in page
    text = " ".join(pdf_text(pdf.content).split())
    assert "2 dissents" in text
    assert " ".join(REASON.split()) in text
    assert "Genocide would be current crisis" in text
    assert [d["reason"] for d in data["dissents"]] == [REASON, "No."]
    assert data["dissents"][1]["on"] == "decision"
    assert data["dissents"][1]["levels"] == {"war_crimes": "imminent_risk"}
    assert on_decision.decision_id is not None


@pytest.mark.django_db
def test_the_form_refuses_with_its_errors_and_keeps_what_was_typed(client, in_review, analyst):
    client.force_login(analyst)
    url = reverse("assessments:dissent", args=[in_review.pk])

    refused = client.post(url, {"reason": "Typed, but no level."})

    assert refused.status_code == 400
    body = refused.content.decode()
    assert "The dissent was not recorded:" in body
    assert "Give the level you would give for at least one crime." in body
    assert "Typed, but no level." in body
    assert not Dissent.objects.exists()

    saved = client.post(url, {"level-genocide": "imminent_risk", "reason": REASON})
    assert saved.status_code == 302 and saved.url.endswith("#dissents")
    assert Dissent.objects.get().levels == {"genocide": "imminent_risk"}
