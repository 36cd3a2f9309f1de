"""The situation form (create and edit) under hostile posts by those who may manage situations,
and by an analyst who may not: never a server error, nothing stored from a refused post, and an
accepted one stored as sent."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.http import QueryDict
from django.test import Client
from django.urls import resolve, reverse
from hypothesis import event, given, settings
from hypothesis import strategies as st

from assessments import limits
from assessments.models import Confidentiality, Situation
from tests.assessments.builders import build_situation
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
    numberish,
    post_form,
    received,
    rolled_back,
    snapshot,
    urlencoded,
)

# The profile tests/fuzz/conftest.py chose: 1,000 examples in CI, 100 elsewhere.
FUZZ = settings.get_profile("fuzz")

TEXTS = ("region",)


@dataclass
class SituationForms:
    """The two forms as loaded, the people who post them, the edits an example makes, and
    every watched row as each example finds it (each one's changes are rolled back)."""

    clients: dict[str, Client]
    situation: Situation  # the one edited
    create: list[tuple[str, str]]
    edit: list[tuple[str, str]]
    edits: st.SearchStrategy[list[Edit]]
    rows: Rows


def slugs() -> st.SearchStrategy[str]:
    return st.one_of(
        st.from_regex(r"[-a-zA-Z0-9_]{1,20}", fullmatch=True),
        st.sampled_from(["hill-country", "lakeside", "existing", "Existing", "a" * 80, "a" * 81]),
        hostile_text(limits.MAX_CODE),
    )


@pytest.fixture
def situation_forms(
    analyst: AbstractBaseUser,
    other_analyst: AbstractBaseUser,
    reviewer: AbstractBaseUser,
    admin: AbstractBaseUser,
    signed_in: Callable[[AbstractBaseUser], Client],
) -> SituationForms:
    situation = build_situation(
        by=reviewer, analysts=[analyst], code="lakeside", name="Lakeside Province", country="SD"
    )
    # Another situation, whose code and name (in its country) no other may take.
    build_situation(by=reviewer, code="existing", name="Existing place", country="MM")
    analyst_pks = [str(user.pk) for user in (analyst, other_analyst)]
    common = {
        "region": "North",
        "review_cadence_days": "90",
        "confidentiality": "confidential",
    }
    fields: dict[str, st.SearchStrategy[str | bytes]] = {
        "name": st.one_of(
            st.sampled_from(["Hill Country", "Existing place", " Lakeside Province "]),
            hostile_text(limits.MAX_NAME),
        ),
        "code": slugs(),
        "country": st.one_of(
            st.sampled_from(["SD", "MM", "UA", "sd", "XK", "SDN", "EU", ""]), hostile_text()
        ),
        "review_cadence_days": st.one_of(
            st.integers(min_value=1, max_value=limits.MAX_REVIEW_CADENCE_DAYS).map(str),
            numberish(),
        ),
        "confidentiality": choice_or_hostile(Confidentiality.values),
        # Sent twice ("repeat"), a field of several values: analysts, a reviewer, no one.
        "analysts": st.one_of(st.sampled_from([*analyst_pks, str(reviewer.pk)]), numberish()),
        "region": hostile_text(limits.MAX_REGION),
    }
    clients = {
        "reviewer": signed_in(reviewer),
        "admin": signed_in(admin),
        "analyst": signed_in(analyst),  # may not manage situations
    }
    return SituationForms(
        clients=clients,
        situation=situation,
        create=[
            ("name", "Hill Country"),
            ("code", "hill-country"),
            ("country", "SD"),
            *common.items(),
            ("analysts", analyst_pks[0]),
        ],
        edit=[
            ("name", situation.name),
            ("code", situation.code),
            ("country", situation.country.code),
            *common.items(),
            ("analysts", analyst_pks[0]),
        ],
        edits=form_edits(fields),
        rows=snapshot(),
    )


def assert_stored_as_sent(situation: Situation, sent: QueryDict, *, code: str) -> None:
    """The situation holds what was sent as the form reads it: text stripped, numbers read."""
    assert situation.code == code
    assert situation.name == sent["name"].strip()
    assert situation.country.code == sent["country"]
    for name in TEXTS:
        assert getattr(situation, name) == (sent.get(name) or "").strip(), name
    assert situation.review_cadence_days == forms.IntegerField().clean(sent["review_cadence_days"])
    assert 1 <= situation.review_cadence_days <= limits.MAX_REVIEW_CADENCE_DAYS
    assert situation.confidentiality == sent["confidentiality"]
    assert set(situation.analysts.values_list("pk", flat=True)) == {
        int(pk) for pk in sent.getlist("analysts")
    }
    assert_storable([situation])


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_the_situation_form_never_fails_and_stores_only_what_it_accepts(
    situation_forms: SituationForms, data: st.DataObject
) -> None:
    forms_ = situation_forms
    editing = data.draw(st.booleans(), label="editing")
    who = data.draw(st.sampled_from(["reviewer", "reviewer", "admin", "analyst"]), label="who")
    edits = data.draw(forms_.edits, label="edits")
    body = urlencoded(apply_edits(forms_.edit if editing else forms_.create, edits))
    url = (
        reverse("assessments:situation_edit", args=[forms_.situation.pk])
        if editing
        else reverse("assessments:situation_create")
    )
    with rolled_back():
        with no_crash_logged():
            response = post_form(forms_.clients[who], url, body)
        assert_answered(response)
        event(f"{'edit' if editing else 'create'} answered {response.status_code}")
        if response.status_code == 302:
            assert who != "analyst"
            stored = Situation.objects.get(pk=resolve(response.url).kwargs["pk"])
            if editing:
                assert stored.pk == forms_.situation.pk
            sent = received(body)
            code = forms_.situation.code if editing else sent["code"].strip()
            assert_stored_as_sent(stored, sent, code=code)
        else:
            # The form again with its errors (200), a refused request (400), or not allowed.
            assert response.status_code in (200, 400, 403), response.status_code
            assert snapshot() == forms_.rows


@pytest.mark.django_db
@pytest.mark.parametrize("pk", ["9223372036854775808", "-9223372036854775809", "9" * 30])
def test_an_analyst_number_past_any_integer_column_is_refused_beside_the_field(
    situation_forms: SituationForms, pk: str
) -> None:
    # Found by the fuzz test: SQLite's lookup of such a number failed with a server error.
    client = situation_forms.clients["reviewer"]
    body = urlencoded([*situation_forms.create, ("analysts", pk)])

    response = post_form(client, reverse("assessments:situation_create"), body)

    assert response.status_code == 200  # the form again, with its error
    assert f"Select a valid choice. {pk} is not one of the available choices." in (
        response.content.decode()
    )
    assert not Situation.objects.filter(code="hill-country").exists()
