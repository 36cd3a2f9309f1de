"""Small things that trip people on the daily work surface: who decided, what was returned,
a second draft of the same day, signing out."""

from datetime import date

import pytest
from django.urls import reverse

from assessments.models import Assessment
from tests.assessments.builders import RETURN_REASON, build_assessment, build_situation


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def situation(analyst, reviewer):
    return build_situation(by=reviewer, analysts=[analyst], name="Lakeside")


@pytest.mark.django_db
def test_an_approved_assessment_names_its_reviewer_as_approver_and_its_author_as_writer(
    client, situation, analyst, reviewer
):
    assessment = build_assessment(
        situation, by=analyst, ratings={"1.1": "low"}, status="approved", reviewer=reviewer
    )
    client.force_login(analyst)

    page = client.get(reverse("assessments:detail", kwargs={"pk": assessment.pk}))

    body = page.content.decode()
    assert page.status_code == 200
    assert '<span id="decided-by">approved by Reviewer</span>' in body
    assert "written by Analyst" in body
    assert "approved by Analyst" not in body


@pytest.mark.django_db
def test_a_returned_assessment_names_the_reviewer_who_returned_it_and_why(
    client, situation, analyst, reviewer
):
    assessment = build_assessment(
        situation, by=analyst, ratings={"1.1": "low"}, status="returned", reviewer=reviewer
    )
    client.force_login(analyst)

    page = client.get(reverse("assessments:detail", kwargs={"pk": assessment.pk}))

    body = page.content.decode()
    assert '<span id="decided-by">returned by Reviewer</span>' in body
    assert f"<strong>Returned by Reviewer, the reviewer:</strong> {RETURN_REASON}" in body


@pytest.mark.django_db
def test_the_situation_list_marks_a_situation_whose_latest_assessment_was_returned(
    client, situation, analyst, reviewer
):
    build_assessment(
        situation, by=analyst, ratings={"1.1": "low"}, status="returned", reviewer=reviewer
    )
    other = build_situation(by=reviewer, analysts=[analyst], name="Riverside")
    build_assessment(other, by=analyst, ratings={"1.1": "low"})
    client.force_login(analyst)

    page = client.get(reverse("assessments:situations"))

    rows = {row.situation.name: row.returned for row in page.context["rows"]}
    assert rows == {"Lakeside": True, "Riverside": False}
    assert (
        page.content.decode().count(
            '<span class="badge text-bg-warning">returned to the analyst</span>'
        )
        == 1
    )


@pytest.mark.django_db
def test_starting_a_second_draft_of_the_same_date_warns_and_still_starts_it(
    client, situation, analyst
):
    build_assessment(situation, by=analyst, as_of=date(2026, 11, 20))
    client.force_login(analyst)
    start = reverse("assessments:start", kwargs={"pk": situation.pk})
    data = {"as_of": "2026-11-20", "posture": "unwilling", "narrative": ""}

    response = client.post(start, data, follow=True)

    assert Assessment.objects.filter(situation=situation, as_of=date(2026, 11, 20)).count() == 2
    warnings = [m.message for m in response.context["messages"] if m.level_tag == "warning"]
    assert warnings == [
        "This situation already has 1 other draft as of 2026-11-20: make sure you are not "
        "assessing it twice."
    ]
    other_day = client.post(start, {**data, "as_of": "2026-11-21"}, follow=True)
    assert not [m for m in other_day.context["messages"] if m.level_tag == "warning"]


@pytest.mark.django_db
def test_signing_out_says_so_on_the_sign_in_page(client, analyst):
    client.force_login(analyst)

    response = client.post(reverse("logout"), follow=True)

    assert response.redirect_chain == [(reverse("login"), 302)]
    assert "You are signed out." in response.content.decode()
    assert "_auth_user_id" not in client.session
