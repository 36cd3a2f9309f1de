"""The rating form on the server: counts per factor and overall, the previous assessment's
values, the JSON answers of saving in place, and the quick widgets' HTML."""

import pytest
from django.forms import Select, Textarea
from django.urls import reverse

from assessments.models import Assessment
from assessments.widgets import QuickSelect, QuickTextarea
from tests.assessments.builders import (
    build_assessment,
    build_situation,
    edit_assessment,
    edit_form_data,
    field_name,
)

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def situation(analyst, reviewer):
    return build_situation(by=reviewer, analysts=[analyst], name="Lakeside")


def edit_url(assessment: Assessment) -> str:
    return reverse("assessments:edit", kwargs={"pk": assessment.pk})


@pytest.mark.django_db
def test_the_form_counts_rated_indicators_per_factor_and_overall(client, situation, analyst):
    draft = build_assessment(
        situation, by=analyst, ratings={"1.1": "low", "1.2": "absent", "7.5": "moderate"}
    )
    client.force_login(analyst)

    page = client.get(edit_url(draft))

    groups = {group.factor.number: group for group in page.context["groups"]}
    assert (groups[1].rated_count, groups[7].rated_count, groups[2].rated_count) == (2, 1, 0)
    assert page.context["rated_count"] == 3
    total = page.context["indicator_count"]
    assert total == sum(len(group.rows) for group in groups.values()) > 100
    body = page.content.decode()
    assert f"3 of {total} indicators rated" in body
    assert f'data-progress-for="factor-1">2/{len(groups[1].rows)}<' in body
    assert "Previously:" not in body  # not started from an earlier assessment


@pytest.mark.django_db
def test_a_draft_started_from_an_earlier_one_shows_its_values_and_marks_the_changes(
    client, situation, analyst, reviewer
):
    earlier = build_assessment(
        situation,
        by=analyst,
        ratings={"1.1": ("moderate", "worsening", "high")},
        status="approved",
        reviewer=reviewer,
    )
    draft = build_assessment(
        situation, by=analyst, as_of=earlier.as_of.replace(day=28), copy_from=earlier
    )
    client.force_login(analyst)
    unchanged = client.get(edit_url(draft))
    edit_assessment(draft, by=analyst, ratings={"1.1": "high", "1.2": "low"})

    changed = client.get(edit_url(draft))

    rows = {row.indicator.code: row for group in changed.context["groups"] for row in group.rows}
    assert rows["1.1"].previous_text() == "Previously: moderate, worsening, high confidence."
    assert rows["1.2"].previous_text() == "Previously: not assessed."
    assert rows["1.1"].changed and rows["1.2"].changed and not rows["1.3"].changed
    first = {r.indicator.code: r for g in unchanged.context["groups"] for r in g.rows}["1.1"]
    assert not first.changed
    assert 'value="changed"' in changed.content.decode()


@pytest.mark.django_db
def test_saving_in_place_answers_with_the_new_version_and_stores_the_ratings(
    client, situation, analyst
):
    draft = build_assessment(situation, by=analyst)
    client.force_login(analyst)
    data = edit_form_data(draft, **{field_name("2.1", "severity"): "low"})

    answer = client.post(edit_url(draft), data, **JSON)

    stored = Assessment.objects.get(pk=draft.pk)
    assert answer.status_code == 200
    assert answer.json()["saved"] is True
    assert answer.json()["lock_version"] == stored.lock_version == draft.lock_version + 1
    assert answer.json()["message"].startswith("Saved at ")
    assert stored.ratings.get().severity == "low"


@pytest.mark.django_db
def test_saving_in_place_over_a_newer_version_is_refused_with_409_and_changes_nothing(
    client, situation, analyst
):
    draft = build_assessment(situation, by=analyst, ratings={"2.1": "low"})
    stale = edit_form_data(draft, **{field_name("2.1", "severity"): "absent"})
    edit_assessment(draft, by=analyst, ratings={"2.1": "high"}, narrative="Newer.")
    client.force_login(analyst)

    answer = client.post(edit_url(draft), stale, **JSON)

    assert answer.status_code == 409
    assert answer.json()["saved"] is False
    assert answer.json()["message"].startswith("Someone else saved this assessment")
    stored = Assessment.objects.get(pk=draft.pk)
    assert (stored.narrative, stored.ratings.get().severity) == ("Newer.", "high")


@pytest.mark.django_db
def test_saving_in_place_with_errors_says_how_many_and_saves_nothing(client, situation, analyst):
    draft = build_assessment(situation, by=analyst)
    client.force_login(analyst)
    data = edit_form_data(
        draft,
        **{field_name("2.1", "severity"): "high", field_name("3.1", "severity"): "moderate"},
    )

    answer = client.post(edit_url(draft), data, **JSON)

    assert answer.status_code == 400
    assert answer.json() == {
        "saved": False,
        "invalid": True,
        "message": "Not saved: 2 fields need correcting. Press Save to see them.",
    }
    assert not Assessment.objects.get(pk=draft.pk).ratings.exists()
    assert Assessment.objects.get(pk=draft.pk).lock_version == draft.lock_version


@pytest.mark.django_db
def test_a_plain_save_returns_to_the_factor_the_analyst_was_on(client, situation, analyst):
    draft = build_assessment(situation, by=analyst)
    client.force_login(analyst)

    kept = client.post(edit_url(draft), {**edit_form_data(draft), "place": "factor-7"})
    draft.refresh_from_db()
    odd = client.post(edit_url(draft), {**edit_form_data(draft), "place": "javascript:x"})

    assert kept.status_code == odd.status_code == 302
    assert kept["Location"] == edit_url(draft) + "#factor-7"
    assert odd["Location"] == edit_url(draft)


@pytest.mark.django_db
def test_an_approved_assessment_is_never_saved_automatically(client, situation, analyst, reviewer):
    approved = build_assessment(
        situation, by=analyst, ratings={"1.1": "low"}, status="approved", reviewer=reviewer
    )
    draft = build_assessment(situation, by=analyst, as_of=approved.as_of.replace(day=28))
    client.force_login(analyst)

    assert 'data-autosave="off"' in client.get(edit_url(approved)).content.decode()
    assert 'data-autosave="on"' in client.get(edit_url(draft)).content.decode()


@pytest.mark.parametrize("value", ["moderate", "", None, "<b>"])
def test_the_quick_select_writes_what_djangos_select_writes(value):
    choices = [("", "—"), ("low", "low"), ("moderate", "moder<ate>"), ("<b>", "a & b")]
    attrs = {"id": "id_x", "aria-label": 'Severity of "1.1"', "aria-invalid": "true"}
    ours = QuickSelect(choices=choices, attrs={"class": "form-select"}).render("x", value, attrs)
    theirs = Select(choices=choices, attrs={"class": "form-select"}).render("x", value, attrs)

    assert ours == "".join(line.strip() for line in theirs.splitlines())


@pytest.mark.parametrize("value", ["A & <b>", "\nstarts with a newline", "", None])
def test_the_quick_textarea_writes_what_djangos_textarea_writes(value):
    attrs = {"id": "id_n", "aria-describedby": "source-help"}
    ours = QuickTextarea(attrs={"rows": 2}).render("n", value, attrs)
    theirs = Textarea(attrs={"rows": 2}).render("n", value, attrs)

    assert ours == theirs
