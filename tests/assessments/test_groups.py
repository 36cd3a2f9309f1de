"""Groups at risk as records: who names them, which ratings may name them, where they show,
and the migration that made them from the free texts without losing a word."""

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.template.loader import render_to_string
from django.urls import reverse

from assessments import groups, services, workflow
from assessments.exchange import assessment_to_dict, assessments_for_export
from assessments.models import IndicatorRating, ProtectedGroup
from assessments.services import GroupInput
from assessments.workflow import RatingInput, WorkflowError
from tests.assessments.builders import (
    CRISIS,
    build_assessment,
    build_situation,
    edit_form_data,
    field_name,
    rating_input,
    summary_of,
)
from tests.assessments.test_summary_languages import pdf_text


def _named(spec: str, *group_pks: int) -> RatingInput:
    base = rating_input(spec)
    return RatingInput(
        severity=base.severity,
        trend=base.trend,
        confidence=base.confidence,
        note=base.note,
        sources=base.sources,
        groups=group_pks,
    )


@pytest.fixture
def darfur(reviewer, analyst):
    return build_situation(
        by=reviewer,
        analysts=[analyst],
        name="North Darfur",
        groups=[("Masalit", "ethnical"), ("Displaced people in the camps", "other")],
    )


def _group(situation, name):
    return situation.groups.get(name=name)


# Splitting a text ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Masalit; Fur", ["Masalit", "Fur"]),
        ("Masalit, Fur", ["Masalit", "Fur"]),
        (
            "Fur, Masalit and Zaghawa communities; Rohingya",
            ["Fur, Masalit and Zaghawa communities", "Rohingya"],
        ),
        ("Hema\nLendu\n\nHema", ["Hema", "Lendu"]),
        ("  Yazidi   people  ;;  ", ["Yazidi people"]),
        ("   \n  ", []),
        ("", []),
    ],
)
def test_a_text_splits_into_trimmed_distinct_names(text, names):
    assert groups.split_names(text) == names


def test_a_part_too_long_for_a_name_keeps_every_word_in_the_description():
    part = " ".join(f"word{i}" for i in range(100))

    named = groups.name_part(part, max_name=50)

    assert len(named.name) <= 50
    assert named.description == part
    assert part.startswith(named.name.removesuffix("…"))


# Who names groups ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_assigned_analyst_names_a_group_and_the_same_name_elsewhere_is_one_group(
    reviewer, analyst, darfur
):
    other = build_situation(by=reviewer, analysts=[analyst], name="West Darfur")

    group = services.add_group(
        other, by=analyst, given=GroupInput(name=" masalit ", kind="ethnical")
    )

    assert group == _group(darfur, "Masalit")
    assert set(group.situations.all()) == {darfur, other}


@pytest.mark.django_db
def test_an_unassigned_analyst_cannot_name_a_group(other_analyst, darfur):
    with pytest.raises(WorkflowError, match="Only reviewers and the situation's analysts"):
        services.add_group(darfur, by=other_analyst, given=GroupInput(name="Fur"))

    assert not ProtectedGroup.objects.filter(name="Fur").exists()


@pytest.mark.django_db
def test_a_group_needs_a_name_and_a_known_kind(analyst, darfur):
    with pytest.raises(WorkflowError, match="Give the group a name"):
        services.add_group(darfur, by=analyst, given=GroupInput(name="   "))
    with pytest.raises(WorkflowError, match="kinds of group"):
        services.add_group(darfur, by=analyst, given=GroupInput(name="Fur", kind="political"))


# Which ratings may name groups ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_genocide_factor_rating_names_the_situations_groups(analyst, darfur):
    masalit = _group(darfur, "Masalit")

    assessment = build_assessment(
        darfur, by=analyst, ratings={"10.1": _named("high", masalit.pk), "7.5": "moderate"}
    )

    rating = assessment.ratings.get(indicator__code="10.1")
    assert list(rating.groups.all()) == [masalit]


@pytest.mark.django_db
def test_a_rating_of_another_factor_cannot_name_a_group(analyst, darfur):
    masalit = _group(darfur, "Masalit")

    with pytest.raises(WorkflowError, match=r"RF9 and RF10.*7\.5 is of RF7"):
        build_assessment(darfur, by=analyst, ratings={"7.5": _named("high", masalit.pk)})

    assert not IndicatorRating.objects.filter(groups=masalit).exists()


@pytest.mark.django_db
def test_a_rating_cannot_name_a_group_of_another_situation(reviewer, analyst, darfur):
    elsewhere = build_situation(by=reviewer, groups=[("Rohingya", "ethnical")])
    rohingya = _group(elsewhere, "Rohingya")

    with pytest.raises(WorkflowError, match="only name groups at risk in this situation"):
        build_assessment(darfur, by=analyst, ratings={"9.2": _named("high", rohingya.pk)})


@pytest.mark.django_db
def test_unlinking_a_group_removes_its_names_from_the_situations_ratings(analyst, darfur):
    masalit = _group(darfur, "Masalit")
    assessment = build_assessment(darfur, by=analyst, ratings={"10.1": _named("high", masalit.pk)})

    services.unlink_group(masalit, situation=darfur, by=analyst)

    assert not darfur.groups.filter(pk=masalit.pk).exists()
    assert not assessment.ratings.get(indicator__code="10.1").groups.exists()
    assert ProtectedGroup.objects.filter(pk=masalit.pk).exists()


@pytest.mark.django_db
def test_the_rating_form_offers_the_groups_for_rf9_and_rf10_only_and_saves_them(
    client, analyst, darfur
):
    masalit = _group(darfur, "Masalit")
    assessment = build_assessment(darfur, by=analyst)
    client.force_login(analyst)

    page = client.get(reverse("assessments:edit", args=[assessment.pk]))
    assert page.status_code == 200
    assert field_name("10.1", "groups") in page.content.decode()
    assert field_name("7.5", "groups") not in page.content.decode()
    assert "Groups at risk that 10.1 concerns" in page.content.decode()

    data = edit_form_data(assessment)
    data[field_name("10.1", "severity")] = "high"
    data[field_name("10.1", "note")] = "Speeches on the radio."
    data[field_name("10.1", "groups")] = str(masalit.pk)
    response = client.post(reverse("assessments:edit", args=[assessment.pk]), data)

    assert response.status_code == 302
    rating = assessment.ratings.get(indicator__code="10.1")
    assert list(rating.groups.all()) == [masalit]


# Pages ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_situation_page_lists_its_groups_with_their_kind(client, analyst, darfur):
    client.force_login(analyst)

    page = client.get(reverse("assessments:situation", args=[darfur.pk])).content.decode()

    assert "Masalit" in page and "ethnical group" in page
    assert "Displaced people in the camps" in page and "other population" in page
    assert reverse("assessments:situation_groups", args=[darfur.pk]) in page


@pytest.mark.django_db
def test_adding_a_group_without_a_name_shows_the_form_again_with_what_was_typed(
    client, analyst, darfur
):
    client.force_login(analyst)
    url = reverse("assessments:situation_groups", args=[darfur.pk])

    response = client.post(
        url,
        {"add": "1", "new-name": "", "new-kind": "religious", "new-description": "Yazidi faith"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page
    assert "Yazidi faith" in page
    assert darfur.groups.count() == 2


@pytest.mark.django_db
def test_adding_and_editing_a_group_on_its_pages(client, analyst, darfur):
    client.force_login(analyst)

    added = client.post(
        reverse("assessments:situation_groups", args=[darfur.pk]),
        {"add": "1", "new-name": "Fur", "new-kind": "ethnical", "new-description": ""},
    )
    fur = _group(darfur, "Fur")
    edited = client.post(
        reverse("assessments:group_edit", args=[darfur.pk, fur.pk]),
        {"name": "Fur people", "kind": "ethnical", "description": "Farmers of Jebel Marra"},
    )

    assert added.status_code == edited.status_code == 302
    fur.refresh_from_db()
    assert (fur.name, fur.description) == ("Fur people", "Farmers of Jebel Marra")


@pytest.mark.django_db
def test_renaming_a_group_to_another_groups_name_is_refused_on_the_form(client, analyst, darfur):
    client.force_login(analyst)
    services.add_group(darfur, by=analyst, given=GroupInput(name="Fur", kind="ethnical"))
    fur = _group(darfur, "Fur")

    response = client.post(
        reverse("assessments:group_edit", args=[darfur.pk, fur.pk]),
        {"name": "Masalit", "kind": "ethnical", "description": "typed"},
    )

    assert response.status_code == 400
    assert "already has this name" in response.content.decode()
    assert "typed" in response.content.decode()


@pytest.mark.django_db
def test_the_search_finds_situations_by_a_group_name(client, reviewer, darfur):
    client.force_login(reviewer)

    page = client.get(reverse("assessments:situations"), {"q": "masal"}).content.decode()

    assert "North Darfur" in page


# Summary, PDF, watch, exchange ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_summary_says_which_groups_are_at_risk_and_which_ratings_name_them(
    client, analyst, reviewer, darfur
):
    masalit = _group(darfur, "Masalit")
    assessment = build_assessment(
        darfur,
        by=analyst,
        ratings={**CRISIS, "10.1": _named("high", masalit.pk)},
        status="in_review",
        reviewer=reviewer,
    )

    content = summary_of(assessment).content
    assert content["situation"]["groups"] == [
        {
            "id": _group(darfur, "Displaced people in the camps").pk,
            "name": "Displaced people in the camps",
            "kind": "other",
            "indicators": [],
        },
        {
            "id": masalit.pk,
            "name": "Masalit",
            "kind": "ethnical",
            "indicators": [{"code": "10.1", "severity": "high"}],
        },
    ]
    assert "populations_at_risk" not in content["situation"]
    client.force_login(reviewer)
    pdf = client.get(reverse("assessments:summary_pdf", args=[assessment.pk]))
    text = " ".join(pdf_text(pdf.content).split())
    assert "Groups at risk" in text
    assert "Masalit (ethnical group): named by 10.1 (high)" in text


@pytest.mark.django_db
def test_a_summary_stored_with_the_free_texts_still_shows_them(analyst, reviewer, darfur):
    assessment = build_assessment(darfur, by=analyst, status="in_review", reviewer=reviewer)
    summary = summary_of(assessment)
    content = {**summary.content, "situation": dict(summary.content["situation"])}
    del content["situation"]["groups"]
    content["situation"]["populations_at_risk"] = "Displaced people in Zamzam"
    content["situation"]["protected_groups"] = "Masalit; Fur"

    html = render_to_string(
        "assessments/_summary.html",
        {"summary": summary, "summary_content": content, "crime_names": {}},
    )

    assert "Displaced people in Zamzam" in html
    assert "Masalit; Fur" in html


@pytest.mark.django_db
def test_the_watch_shows_the_groups_at_risk_and_marks_those_a_genocide_rating_names(
    client, analyst, reviewer, darfur
):
    masalit = _group(darfur, "Masalit")
    build_assessment(
        darfur,
        by=analyst,
        ratings={**CRISIS, "9.2": _named("moderate", masalit.pk)},
        status="approved",
        reviewer=reviewer,
    )
    client.force_login(reviewer)

    page = client.get(reverse("home")).content.decode()

    table = page[page.index('id="watch-groups"') :]
    table = table[: table.index("</table>")]
    assert "North Darfur" in table
    assert re.search(r'class="group-named">.*Masalit</strong>', table)
    assert "Displaced people in the camps" in table
    assert not re.search(r'class="group-named">.*Displaced', table)


@pytest.mark.django_db
def test_the_export_carries_the_groups_as_records(analyst, darfur):
    assessment = build_assessment(darfur, by=analyst, ratings={"7.5": "moderate"})

    exported = assessment_to_dict(assessments_for_export().get(pk=assessment.pk))

    assert sorted((g["name"], g["kind"]) for g in exported["situation"]["groups"]) == [
        ("Displaced people in the camps", "other"),
        ("Masalit", "ethnical"),
    ]
    assert "protected_groups" not in exported["situation"]


# API -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_shows_a_situations_groups_and_sets_them(client, reviewer, darfur):
    client.force_login(reviewer)
    url = reverse("api:situation-detail", args=[darfur.pk])

    shown = client.get(url).json()
    changed = client.patch(
        url,
        {"groups": [{"name": "Masalit", "kind": "ethnical"}, {"name": "Fur", "kind": "ethnical"}]},
        content_type="application/json",
    )

    assert {(g["name"], g["kind"]) for g in shown["groups"]} == {
        ("Masalit", "ethnical"),
        ("Displaced people in the camps", "other"),
    }
    assert "populations_at_risk" not in shown
    assert changed.status_code == 200, changed.content
    assert sorted(g["name"] for g in changed.json()["groups"]) == ["Fur", "Masalit"]
    assert sorted(darfur.groups.values_list("name", flat=True)) == ["Fur", "Masalit"]


# The migration -------------------------------------------------------------------------------

AWKWARD = {
    "semicolons": (
        "Fur, Masalit and Zaghawa communities; Rohingya;  Yazidi ",
        "Displaced people in Zamzam; Returnees, mostly women",
    ),
    "commas": ("Hema, Lendu, Hema", "Herders\nFarmers\n\n  \nFarmers"),
    "unicode": ("Ngäbe-Buglé; Rohingya; الإيزيديون; 羌族", "Déplacés internes à Goma"),
    "long": (
        " ".join(f"community{i}" for i in range(600))[:4990],
        "; ".join(f"population {i} of the valley" for i in range(180))[:4990],
    ),
    "blank": ("   \n  ", ""),
}


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_the_texts_into_groups_without_losing_a_word_and_back(
    framework_data, reviewer
):
    before = [("assessments", "0012_summary_releases")]
    after = [("assessments", "0014_groups_from_text")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    OldSituation = executor.loader.project_state(before).apps.get_model("assessments", "Situation")
    made = {
        key: OldSituation.objects.create(
            code=key,
            name=f"Situation {key}",
            country="SD",
            protected_groups=protected,
            populations_at_risk=populations,
            created_by_id=reviewer.pk,
        ).pk
        for key, (protected, populations) in AWKWARD.items()
    }

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new_apps = executor.loader.project_state(after).apps
    Situation = new_apps.get_model("assessments", "Situation")
    Group = new_apps.get_model("assessments", "ProtectedGroup")
    for key, (protected, populations) in AWKWARD.items():
        situation = Situation.objects.get(pk=made[key])
        for text, kinds in ((protected, {"unclassified"}), (populations, {"other"})):
            found = situation.groups.filter(kind__in=kinds)
            words = " ".join(f"{g.name} {g.description}" for g in found)
            missing = set(re.findall(r"\w+", text)) - set(re.findall(r"\w+", words))
            assert not missing, f"{key}: lost {sorted(missing)[:5]}"
            assert all(len(g.name) <= 200 and g.name.strip() for g in found)
    assert not Situation.objects.get(pk=made["blank"]).groups.exists()
    # One group for a name repeated in a text and for one name in two situations.
    assert Group.objects.filter(name="Hema").count() == 1
    assert Group.objects.get(name="Rohingya", kind="unclassified").situations.count() == 2
    assert Group.objects.filter(name="Farmers", kind="other").count() == 1
    assert Group.objects.filter(name="Fur, Masalit and Zaghawa communities").exists()

    executor = MigrationExecutor(connection)
    executor.migrate([("assessments", "0013_protected_groups")])
    back = executor.loader.project_state([("assessments", "0013_protected_groups")]).apps
    for key, (protected, populations) in AWKWARD.items():
        situation = back.get_model("assessments", "Situation").objects.get(pk=made[key])
        for original, restored in (
            (protected, situation.protected_groups),
            (populations, situation.populations_at_risk),
        ):
            assert set(re.findall(r"\w+", original)) <= set(re.findall(r"\w+", restored)), key

    call_command("migrate", verbosity=0)


@pytest.mark.django_db
def test_groups_named_in_a_draft_are_kept_when_a_new_draft_starts_from_it(analyst, darfur):
    masalit = _group(darfur, "Masalit")
    first = build_assessment(darfur, by=analyst, ratings={"10.1": _named("high", masalit.pk)})

    second = workflow.start_assessment(
        darfur, by=analyst, as_of=first.as_of, posture="unwilling", copy_from=first
    )

    assert list(second.ratings.get(indicator__code="10.1").groups.all()) == [masalit]


# Groups at risk in situations a user may not see -----------------------------------------------


@pytest.fixture
def hidden_group(reviewer, other_analyst):
    """A group at risk only in a situation the analyst is not assigned to, described there."""
    rakhine = build_situation(by=reviewer, analysts=[other_analyst], name="Rakhine")
    return services.add_group(
        rakhine,
        by=other_analyst,
        given=GroupInput(
            name="Rohingya", kind="ethnical", description="Informant network in Sittwe camp 4."
        ),
    )


@pytest.mark.django_db
def test_an_analyst_cannot_link_by_name_a_group_at_risk_only_where_they_may_not_see(
    client, analyst, darfur, hidden_group
):
    with pytest.raises(WorkflowError, match="recorded where you may not see it"):
        services.add_group(darfur, by=analyst, given=GroupInput(name="rohingya", kind="ethnical"))
    assert not darfur.groups.filter(pk=hidden_group.pk).exists()

    # Through the page: the form says why, and nothing of the group's description shows.
    client.force_login(analyst)
    url = reverse("assessments:situation_groups", args=[darfur.pk])
    response = client.post(
        url, {"add": "1", "new-name": "Rohingya", "new-kind": "ethnical", "new-description": ""}
    )
    body = response.content.decode()
    assert "recorded where you may not see it" in body
    assert "Sittwe" not in body
    assert not darfur.groups.filter(pk=hidden_group.pk).exists()


@pytest.mark.django_db
def test_a_reviewer_links_it_and_then_the_analyst_sees_it_but_cannot_change_it(
    reviewer, analyst, darfur, hidden_group
):
    services.add_group(darfur, by=reviewer, given=GroupInput(name="Rohingya", kind="ethnical"))
    assert darfur.groups.filter(pk=hidden_group.pk).exists()

    with pytest.raises(WorkflowError, match="also at risk in situations you may not see"):
        services.update_group(
            hidden_group,
            situation=darfur,
            by=analyst,
            given=GroupInput(name="Rohingya", kind="ethnical", description="Changed."),
        )
    hidden_group.refresh_from_db()
    assert hidden_group.description == "Informant network in Sittwe camp 4."
    # A reviewer, who sees every situation, may change it.
    services.update_group(
        hidden_group,
        situation=darfur,
        by=reviewer,
        given=GroupInput(name="Rohingya", kind="ethnical", description="Changed."),
    )
    hidden_group.refresh_from_db()
    assert hidden_group.description == "Changed."


@pytest.mark.django_db
def test_a_group_at_risk_nowhere_any_more_is_linked_again_by_a_reviewer_only(
    reviewer, analyst, other_analyst, darfur, hidden_group
):
    rakhine = hidden_group.situations.get()
    services.unlink_group(hidden_group, situation=rakhine, by=other_analyst)

    with pytest.raises(WorkflowError, match="recorded where you may not see it"):
        services.add_group(darfur, by=analyst, given=GroupInput(name="Rohingya", kind="ethnical"))
    linked = services.add_group(
        darfur, by=reviewer, given=GroupInput(name="Rohingya", kind="ethnical")
    )

    assert linked == hidden_group
    assert list(hidden_group.situations.all()) == [darfur]
