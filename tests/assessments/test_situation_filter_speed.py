"""The situation list's filter writes its long selects (every country, the analysts) in
Python, with the markup Django's own select writes; the country filter still filters, keeps
its label, speaks the reader's language, and says what is wrong with an unknown country."""

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation
from django_countries import countries

from assessments.filters import QuickSelect, SituationFilter, country_choices
from assessments.models import Situation
from tests.assessments.builders import build_situation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def situations(reviewer, analyst, other_analyst):
    return [
        build_situation(by=reviewer, analysts=[analyst], name="Darfur", country="SD"),
        build_situation(by=reviewer, analysts=[other_analyst], name="Rakhine", country="MM"),
    ]


CHOICES = [
    ("", "any"),
    ("AX", "Åland Islands"),
    ("CI", "Côte d'Ivoire"),
    ("X<", 'A "quoted" <name> & more'),
    (7, "a number"),
]


@pytest.mark.parametrize("value", [None, "", "CI", "X<", 7, "7", "ZZ", ["AX", "CI"]])
@pytest.mark.parametrize(
    "attrs",
    [
        {"id": "id_country", "class": "form-select"},
        {"id": "id_country", "class": "form-select is-invalid", "aria-invalid": "true"},
        {"id": "x", "required": True, "disabled": False, "data-x": 'a"b'},
    ],
)
def test_a_quick_select_writes_what_djangos_select_writes(value, attrs):
    quick = QuickSelect(choices=CHOICES).render("country", value, attrs)
    django = forms.Select(choices=CHOICES).render("country", value, attrs)

    assert quick == django


def test_a_quick_select_leaves_grouped_choices_to_djangos_select():
    grouped = [("Africa", [("SD", "Sudan")]), ("Asia", [("MM", "Myanmar")])]

    quick = QuickSelect(choices=grouped).render("country", "MM", {"id": "c"})

    assert quick == forms.Select(choices=grouped).render("country", "MM", {"id": "c"})
    assert "<optgroup" in quick


def test_the_country_choices_are_every_country_in_the_readers_language():
    with translation.override("fr"):
        french = country_choices()
        expected = [(str(c.code), str(c.name)) for c in countries]
    with translation.override("en"):
        english = country_choices()

    assert french == expected
    assert len(english) == len(french) > 240
    assert dict(french)["DE"] == "Allemagne"
    assert dict(english)["DE"] == "Germany"


def test_the_country_filter_lists_the_situations_of_that_country(client, reviewer, situations):
    client.force_login(reviewer)

    response = client.get(reverse("assessments:situations"), {"country": "SD"})

    assert response.status_code == 200
    assert [row.situation.name for row in response.context["rows"]] == ["Darfur"]
    body = response.content.decode()
    assert '<label class="form-label small mb-0" for="id_country">Country</label>' in body
    assert '<option value="SD" selected>Sudan</option>' in body
    assert '<option value="" selected>' not in body.split('name="country"')[1].split("</select>")[0]


def test_the_country_select_speaks_the_readers_language(client, reviewer, situations):
    client.force_login(reviewer)

    body = client.get(
        reverse("assessments:situations"), {"country": "DE"}, headers={"accept-language": "fr"}
    ).content.decode()

    assert '<option value="DE" selected>Allemagne</option>' in body


def test_an_unknown_country_is_named_as_refused_and_the_list_shown_whole(
    client, reviewer, situations
):
    client.force_login(reviewer)

    response = client.get(reverse("assessments:situations"), {"country": "ZZ"})

    assert response.status_code == 200
    body = response.content.decode()
    assert "Some filters could not be used and were ignored:" in body
    assert '<a href="#id_country">Country</a>: Select a valid choice. ZZ is not one' in body
    assert 'aria-invalid="true"' in body.split('name="country"')[1].split(">")[0]
    assert len(response.context["rows"]) == Situation.objects.count()


def test_the_analyst_select_offers_only_the_analysts_of_the_listed_situations(
    analyst, other_analyst, reviewer, situations
):
    theirs = Situation.objects.filter(analysts=analyst)

    filterset = SituationFilter({}, queryset=theirs)
    offered = list(filterset.filters["analyst"].queryset)
    everyone = list(
        SituationFilter({}, queryset=Situation.objects.all()).filters["analyst"].queryset
    )

    assert offered == [analyst]
    assert everyone == sorted(
        [analyst, other_analyst], key=lambda u: (u.first_name, u.last_name, u.username)
    )
