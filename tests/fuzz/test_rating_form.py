"""The rating form (an assessment's edit page) under hostile posts by its assigned analyst:
never a server error, nothing stored from a refused post, and an accepted one stored as sent."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpResponse, QueryDict
from django.test import Client
from django.urls import reverse
from hypothesis import event, given, settings
from hypothesis import strategies as st

from assessments import limits, scales
from assessments.forms import AssessmentForm, parse_sources
from assessments.models import Assessment, EvidenceSource, IndicatorRating
from framework.models import Indicator
from tests.assessments.builders import build_assessment, build_situation, edit_form_data
from tests.fuzz.hostile import (
    Edit,
    Rows,
    apply_edits,
    as_of_range,
    assert_answered,
    assert_storable,
    choice_or_hostile,
    dateish,
    form_edits,
    form_value,
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

# Two indicators rated in the draft (each with a note and a source), two not rated.
EDITED = ("7.5", "1.1", "2.1", "10.1")
# On the form besides them, as they were loaded: one more active indicator, and one rated
# before it was retired (a form keeps the retired indicators its assessment rated).
KEPT = ("8.1",)
RETIRED_BUT_RATED = "3.1"


@pytest.fixture
def draft(analyst: AbstractBaseUser, reviewer: AbstractBaseUser) -> Assessment:
    """A draft of a situation ``analyst`` is assigned to, on a form of six indicators.

    The other indicators are retired, as an admin may retire them: the form's code is the same
    for every indicator, and 126 of them would make each example several times slower to
    build, validate and render, for fields no example changes.
    """
    situation = build_situation(by=reviewer, analysts=[analyst], name="Lakeside Province")
    assessment = build_assessment(
        situation,
        by=analyst,
        ratings={"7.5": ("high", "worsening", "high"), "1.1": "moderate", RETIRED_BUT_RATED: "low"},
        narrative="As first written.",
    )
    Indicator.objects.exclude(code__in=(*EDITED, *KEPT)).update(is_active=False)
    return assessment


def sources_text() -> st.SearchStrategy[str]:
    """Source lines, "B citation": grades right and wrong, citations of any length."""
    grade = st.one_of(st.sampled_from("ABCDEF"), st.sampled_from(["a", "F:", "G", "", "AB"]))
    line = st.builds(
        lambda g, sep, citation: f"{g}{sep}{citation}",
        grade,
        st.sampled_from([" ", "  ", "\t", ""]),
        hostile_text(limits.MAX_CITATION),
    )
    return st.one_of(
        st.lists(line, max_size=4).map("\n".join),
        st.lists(line, max_size=3).map("\r\n".join),
        hostile_text(limits.MAX_SOURCES),
    )


def fields_of(draft: Assessment) -> tuple[dict[str, st.SearchStrategy[str | bytes]], list[int]]:
    """What each field may be sent as, and the pks of the indicators whose fields change."""
    pks = dict(Indicator.objects.filter(code__in=EDITED).values_list("code", "pk"))
    fields: dict[str, st.SearchStrategy[str | bytes]] = {
        "lock_version": st.one_of(st.just(str(draft.lock_version)), numberish()),
        "as_of": dateish(as_of_range()),
        "posture": choice_or_hostile([p.value for p in scales.Posture]),
        "narrative": st.one_of(st.text(max_size=200), hostile_text(limits.MAX_NARRATIVE)),
        "place": st.one_of(
            st.sampled_from(["factor-7", "header-fields", "factor-٣", f"factor-{'9' * 40}"]),
            hostile_text(),
        ),
        "save_and_view": st.just("1"),
        # Fields of no indicator on the form: ignored, never a crash.
        "i0_severity": form_value(),
        f"i{max(pks.values()) + 10_000}_note": form_value(),
        "i_severity": form_value(),
    }
    for code in EDITED:
        prefix = f"i{pks[code]}"
        fields[f"{prefix}_severity"] = choice_or_hostile([s.value for s in scales.Severity])
        fields[f"{prefix}_trend"] = choice_or_hostile([t.value for t in scales.Trend])
        fields[f"{prefix}_confidence"] = choice_or_hostile([c.value for c in scales.Confidence])
        fields[f"{prefix}_note"] = st.one_of(st.text(max_size=80), hostile_text(limits.MAX_NOTE))
        fields[f"{prefix}_sources"] = sources_text()
    return fields, [pks[code] for code in EDITED]


def accepted(response: HttpResponse) -> bool:
    """Saved (a redirect, or the JSON of saving in place), or refused (400, 409)."""
    if response.status_code == 302:
        return True
    if response.status_code == 200 and response["Content-Type"] == "application/json":
        assert response.json()["saved"] is True
        return True
    assert response.status_code in (400, 409), response.status_code
    if response["Content-Type"] == "application/json":
        assert response.json()["saved"] is False
    return False


def ratings_of(assessment: Assessment) -> dict[int, tuple[object, ...]]:
    """Each stored rating as (severity, trend, confidence, note, [(grade, citation)])."""
    return {
        rating.indicator_id: (
            rating.severity,
            rating.trend,
            rating.confidence,
            rating.note,
            [(s.reliability, s.citation) for s in rating.sources.all()],
        )
        for rating in assessment.ratings.prefetch_related("sources")
    }


def expected_rating(sent: QueryDict, pk: int) -> tuple[object, ...] | None:
    """The rating the form makes of what was sent for indicator ``pk`` (None: no row)."""
    prefix = f"i{pk}"
    note = (sent.get(f"{prefix}_note") or "").strip()
    sources, errors = parse_sources((sent.get(f"{prefix}_sources") or "").strip())
    assert not errors
    severity = sent[f"{prefix}_severity"]
    if severity == scales.Severity.NOT_ASSESSED and not note and not sources:
        return None
    return (severity, sent[f"{prefix}_trend"], sent[f"{prefix}_confidence"], note, sources)


def assert_stored_as_sent(
    draft: Assessment, sent: QueryDict, edited: list[int], before: dict[int, tuple[object, ...]]
) -> None:
    stored = Assessment.objects.get(pk=draft.pk)
    header = AssessmentForm.base_fields
    assert stored.lock_version == draft.lock_version + 1
    assert stored.as_of == header["as_of"].clean(sent.get("as_of"))
    assert stored.posture == sent["posture"]
    assert stored.narrative == (sent.get("narrative") or "").strip()
    after = ratings_of(stored)
    for pk in edited:
        assert after.get(pk) == expected_rating(sent, pk), pk
    others = {pk: rating for pk, rating in after.items() if pk not in edited}
    assert others == {pk: rating for pk, rating in before.items() if pk not in edited}
    ratings = list(IndicatorRating.objects.filter(assessment=stored))
    assert_storable([stored, *ratings, *EvidenceSource.objects.filter(rating__in=ratings)])
    for rating in ratings:
        if rating.severity in (scales.Severity.MODERATE, scales.Severity.HIGH):
            assert rating.note.strip() or rating.sources.exists(), "a high rating without evidence"


@dataclass
class RatingForm:
    """The draft's edit page as its analyst has it: the client, the address, the form's
    data as loaded, the edits an example makes to it, the indicators they change, and every
    watched row as each example finds it (each one's changes are rolled back)."""

    client: Client
    url: str
    loaded: list[tuple[str, str | bytes]]
    edits: st.SearchStrategy[list[Edit]]
    edited: list[int]
    loaded_ratings: dict[int, tuple[object, ...]]
    rows: Rows


@pytest.fixture
def form(
    draft: Assessment, analyst: AbstractBaseUser, signed_in: Callable[[AbstractBaseUser], Client]
) -> RatingForm:
    fields, edited = fields_of(draft)
    client = signed_in(analyst)
    return RatingForm(
        client=client,
        url=reverse("assessments:edit", args=[draft.pk]),
        loaded=list(edit_form_data(draft).items()),
        edits=form_edits(fields),
        edited=edited,
        loaded_ratings=ratings_of(draft),
        rows=snapshot(),
    )


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_the_rating_form_never_fails_and_stores_only_what_it_accepts(
    draft: Assessment, form: RatingForm, data: st.DataObject
) -> None:
    body = urlencoded(apply_edits(form.loaded, data.draw(form.edits, label="edits")))
    wants_json = data.draw(st.sampled_from([True, True, True, False]), label="wants_json")
    with rolled_back():
        with no_crash_logged():
            response = post_form(form.client, form.url, body, wants_json=wants_json)
        assert_answered(response)
        event(f"answered {response.status_code}")
        if accepted(response):
            assert_stored_as_sent(draft, received(body), form.edited, form.loaded_ratings)
        else:
            assert snapshot() == form.rows
