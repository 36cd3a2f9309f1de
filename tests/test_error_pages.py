"""Error pages within the app's layout, saying what happened and offering a way back."""

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment
from r2p_project import errors
from tests.assessments.builders import build_assessment, build_situation


@pytest.fixture
def unassigned_assessment(reviewer, analyst):
    situation = build_situation(by=reviewer, analysts=[analyst])
    return build_assessment(situation, by=analyst)


def _assert_in_layout(response, heading):
    body = response.content.decode()
    assert f"<h1>{heading}</h1>" in body
    assert 'aria-label="Main navigation"' in body
    assert "Go to the start page" in body


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True], ids=["production", "make run"])
def test_a_page_the_user_may_not_see_is_a_404_in_the_layout(
    client, settings, other_analyst, unassigned_assessment, debug
):
    settings.DEBUG = debug
    client.force_login(other_analyst)

    response = client.get(reverse("assessments:detail", args=[unassigned_assessment.pk]))

    assert response.status_code == 404
    _assert_in_layout(response, "Page not found")
    assert unassigned_assessment.situation.name not in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_address_is_a_404_in_the_layout(client, analyst):
    client.force_login(analyst)

    response = client.get("/no/such/page/")

    assert response.status_code == 404
    _assert_in_layout(response, "Page not found")


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True], ids=["production", "make run"])
def test_a_refused_page_is_a_403_in_the_layout(client, settings, analyst, debug):
    settings.DEBUG = debug
    client.force_login(analyst)

    response = client.get(reverse("assessments:queue"))  # reviewers only

    assert response.status_code == 403
    _assert_in_layout(response, "Not allowed")


@pytest.mark.django_db
def test_opening_a_forms_address_leads_to_the_page_the_form_lives_on(client, analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst])
    assessment = build_assessment(situation, by=analyst)
    client.force_login(analyst)
    detail = reverse("assessments:detail", args=[assessment.pk])

    for name in ("submit", "decide", "respond", "summary_retry"):
        response = client.get(reverse(f"assessments:{name}", args=[assessment.pk]))
        assert (response.status_code, response.url) == (302, detail), name
    started = client.get(reverse("assessments:start", args=[situation.pk]))

    assert started.url == reverse("assessments:situation", args=[situation.pk])
    assert Assessment.objects.get(pk=assessment.pk).status == "draft"  # nothing was submitted


@pytest.mark.django_db
def test_a_method_an_address_does_not_take_is_a_405_that_says_so(client, analyst, reviewer):
    client.force_login(analyst)

    response = client.post(reverse("assessments:situations"))

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    _assert_in_layout(response, "Not possible at this address")


@pytest.mark.django_db
def test_a_form_without_its_security_token_is_refused_with_a_page_that_explains(analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst])
    assessment = build_assessment(situation, by=analyst, ratings={"7.5": "moderate"})
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)

    response = client.post(reverse("assessments:submit", args=[assessment.pk]))

    assert response.status_code == 403
    _assert_in_layout(response, "The form could not be accepted")
    assessment.refresh_from_db()
    assert assessment.status == "draft"  # nothing was submitted


def test_a_server_error_page_needs_no_request_context(rf):
    response = errors.server_error(rf.get("/"))

    assert response.status_code == 500
    body = response.content.decode()
    assert "<h1>Something went wrong</h1>" in body
    assert "<title>" in body
