"""Inputs at and past the app's bounds (``assessments.limits``): each refused with a message
where it was given, nothing stored, and no value already stored able to take a page down."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import derived, limits, notifications, selectors, workflow
from assessments.models import Assessment, Situation
from tests.assessments.builders import build_assessment, build_situation, edit_form_data


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def situation(framework_data, analyst, reviewer):
    return build_situation(by=reviewer, analysts=[analyst], name="Lakeside Province")


def latest() -> date:
    return timezone.localdate() + timedelta(days=7)


@pytest.mark.django_db
def test_a_far_future_date_already_stored_takes_no_page_or_reminder_down(
    client, situation, analyst, reviewer
):
    # Stored before the bound existed (or by a database restore): the pages still answer.
    assessment = build_assessment(situation, by=analyst, ratings={"7.5": "high"})
    Assessment.objects.filter(pk=assessment.pk).update(as_of=date.max)
    Situation.objects.filter(pk=situation.pk).update(review_cadence_days=3650)
    derived.refresh_situation_summary([situation.pk])  # the stored due date: the last date

    for user in (analyst, reviewer):
        client.force_login(user)
        for url in ("/", "/situations/", f"/situations/{situation.pk}/"):
            assert client.get(url).status_code == 200, (user, url)
    today = timezone.localdate()
    assert notifications.send_overdue_reminders(today) == 0
    assert [row.situation_name for row in selectors.overdue_rows(Situation.objects, today)] == []


def test_the_due_date_of_the_last_date_there_is_is_that_date():
    assert limits.add_days(date(2026, 1, 1), 30) == date(2026, 1, 31)
    assert limits.add_days(date(9999, 12, 31), 90) == date.max


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("9999-12-31", "The date may not be after"),
        ((date.today() + timedelta(days=60)).isoformat(), "The date may not be after"),
        ("1944-12-31", "The date may not be before 1945-01-01."),
    ],
)
def test_starting_an_assessment_outside_the_dates_is_refused_beside_the_field(
    client, situation, analyst, as_of, message
):
    client.force_login(analyst)

    response = client.post(
        reverse("assessments:start", args=[situation.pk]),
        {"as_of": as_of, "posture": "unwilling", "narrative": ""},
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Assessment.objects.exists()


@pytest.mark.django_db
def test_the_latest_and_earliest_dates_themselves_are_accepted(client, situation, analyst):
    client.force_login(analyst)
    url = reverse("assessments:start", args=[situation.pk])

    for as_of in (latest(), limits.EARLIEST_AS_OF):
        response = client.post(url, {"as_of": as_of.isoformat(), "posture": "unwilling"})
        assert response.status_code == 302, as_of

    assert sorted(Assessment.objects.values_list("as_of", flat=True)) == [
        limits.EARLIEST_AS_OF,
        latest(),
    ]


@pytest.mark.django_db
def test_saving_a_draft_with_a_far_future_date_is_refused_and_keeps_the_stored_one(
    client, situation, analyst
):
    draft = build_assessment(situation, by=analyst, ratings={"7.5": "high"})
    client.force_login(analyst)

    response = client.post(
        reverse("assessments:edit", args=[draft.pk]), edit_form_data(draft, as_of="9999-12-31")
    )

    assert response.status_code == 400
    assert "The date may not be after" in response.content.decode()
    stored = Assessment.objects.get(pk=draft.pk)
    assert (stored.as_of, stored.lock_version) == (draft.as_of, draft.lock_version)


@pytest.mark.django_db
def test_the_services_refuse_the_dates_whatever_calls_them(situation, analyst):
    with pytest.raises(workflow.WorkflowError, match="may not be after"):
        workflow.start_assessment(situation, by=analyst, as_of=date.max, posture="unwilling")
    draft = build_assessment(situation, by=analyst)
    with pytest.raises(workflow.WorkflowError, match="may not be before 1945-01-01"):
        workflow.save_assessment(
            draft,
            by=analyst,
            expected_version=draft.lock_version,
            as_of=date(1900, 1, 1),
            posture=draft.posture,
            narrative="",
            ratings={},
        )
    assert Assessment.objects.get().as_of == draft.as_of


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cadence", "message"),
    [
        ("32768", "less than or equal to 3650"),
        ("3651", "less than or equal to 3650"),
        ("0", "greater than or equal to 1"),
    ],
)
def test_a_review_cadence_out_of_range_is_refused_beside_the_field(
    client, situation, reviewer, cadence, message
):
    client.force_login(reviewer)
    data = {
        "name": "Lakeside Province",
        "code": situation.code,
        "country": situation.country.code,
        "region": "",
        "review_cadence_days": cadence,
        "confidentiality": situation.confidentiality,
        "analysts": [str(pk) for pk in situation.analysts.values_list("pk", flat=True)],
    }

    response = client.post(reverse("assessments:situation_edit", args=[situation.pk]), data)

    assert response.status_code == 200  # the form again, with its error
    assert message in response.content.decode()
    assert Situation.objects.get(pk=situation.pk).review_cadence_days == 90


@pytest.mark.django_db
def test_a_narrative_longer_than_its_limit_is_refused_and_nothing_saved(client, situation, analyst):
    draft = build_assessment(situation, by=analyst, narrative="As first written.")
    client.force_login(analyst)
    too_long = "x" * (limits.MAX_NARRATIVE + 1)

    response = client.post(
        reverse("assessments:edit", args=[draft.pk]), edit_form_data(draft, narrative=too_long)
    )

    assert response.status_code == 400
    assert f"has at most {limits.MAX_NARRATIVE} characters" in response.content.decode()
    assert Assessment.objects.get(pk=draft.pk).narrative == "As first written."


# A NUL character anywhere in a request ------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/admin/autocomplete/?app_label=framework&model_name=toolmapping&field_name=entry&term=%00",
        "/situations/?q=%00",
        "/situations/?%00=1",
        "/framework/history/?user=%00",
    ],
)
def test_a_nul_in_the_query_answers_400_with_the_apps_page(client, admin, url):
    client.force_login(admin)

    response = client.get(url)

    assert response.status_code == 400
    page = response.content.decode()
    assert "It held a NUL character, which no field accepts." in page
    assert "<nav" in page  # within the app's layout


@pytest.mark.django_db
def test_a_nul_in_a_form_field_answers_400_and_changes_nothing(client, situation, reviewer):
    client.force_login(reviewer)

    response = client.post(
        reverse("assessments:situation_edit", args=[situation.pk]),
        {"name": "Lake\x00side", "code": situation.code, "country": "SD"},
    )

    assert response.status_code == 400
    assert Situation.objects.get(pk=situation.pk).name == "Lakeside Province"
