"""The assessment page takes its ratings' indicators and factors from the framework structure
the process keeps, not joined to every rating: it still shows each rated indicator under its
factor, in the reader's language, with its sources and their reliability in words, and
follows a change of the reference data at once."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import EvidenceSource
from framework.models import Indicator, RiskFactor
from tests.assessments.builders import SERIOUS_CONCERN, build_assessment, build_situation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def assessment(reviewer, analyst):
    situation = build_situation(by=reviewer, analysts=[analyst], name="Darfur")
    # SERIOUS_CONCERN rates 1.1 and 7.5 moderate and high (stable, medium) and 8.1 high,
    # worsening, high; each with a note and a source graded B.
    return build_assessment(
        situation,
        by=analyst,
        ratings={**SERIOUS_CONCERN, "2.1": "not_assessed"},
        status="submitted",
    )


def ratings_table(body: str) -> str:
    found = re.search(
        r'<table class="table table-sm">\s*<caption id="assessment-detail-table-3', body
    )
    assert found is not None
    return body[found.start() : body.index("</table>", found.start())]


def test_each_rated_indicator_shows_under_its_factor_with_its_sources(client, reviewer, assessment):
    client.force_login(reviewer)

    response = client.get(reverse("assessments:detail", args=[assessment.pk]))

    assert response.status_code == 200
    table = ratings_table(response.content.decode())
    for code, spec in SERIOUS_CONCERN.items():
        indicator = Indicator.objects.select_related("factor").get(code=code)
        factor = indicator.factor
        assert f'<tbody id="factor-{factor.number}">' in table
        assert f"RF{factor.number}. {factor.title}</th>" in table
        severity, trend, confidence = (spec, "stable", "medium") if isinstance(spec, str) else spec
        assert (
            f"<strong>{code}</strong> {indicator.label}</th>"
            f"<td>{severity}</td><td>{trend}</td><td>{confidence}</td>"
        ) in table
        assert f"Field reports on {code}." in table
        assert (
            '<li><abbr title="B: usually reliable">B</abbr> '
            f"OHCHR press briefing on {code}</li>" in table
        )
    # Not assessed is left out; the factors come in their order, each once.
    assert "<strong>2.1</strong>" not in table
    numbers = [int(n) for n in re.findall(r'<tbody id="factor-(\d+)">', table)]
    assert numbers == sorted(set(numbers)) == [1, 7, 8]
    assert (
        table.count("<abbr title=")
        == EvidenceSource.objects.filter(rating__assessment=assessment).count()
    )


def test_the_ratings_read_no_indicator_or_factor_texts_once_the_structure_is_kept(
    client, reviewer, assessment
):
    client.force_login(reviewer)
    url = reverse("assessments:detail", args=[assessment.pk])
    client.get(url)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)

    assert response.status_code == 200
    texts_read = [
        q["sql"]
        for q in captured.captured_queries
        if '"framework_indicator"."translations"' in q["sql"]
        or '"framework_indicator"."label"' in q["sql"]
    ]
    assert texts_read == []


def test_the_page_reads_the_indicators_in_the_readers_language(client, reviewer, assessment):
    indicator = Indicator.objects.get(code="7.5")
    indicator.translations = {"fr": {"status": "working", "label": "Libellé de test 7.5"}}
    indicator.save(update_fields=["translations"])
    factor = RiskFactor.objects.get(number=7)
    factor.translations = {"fr": {"status": "working", "title": "Titre de test RF7"}}
    factor.save(update_fields=["translations"])
    client.force_login(reviewer)
    url = reverse("assessments:detail", args=[assessment.pk])

    english = ratings_table(client.get(url).content.decode())
    french = ratings_table(client.get(url, headers={"accept-language": "fr"}).content.decode())

    assert "Libellé de test 7.5" not in english
    assert "Libellé de test 7.5" in french
    assert "Titre de test RF7" in french


def test_a_changed_indicator_label_shows_on_the_next_view(client, reviewer, assessment):
    client.force_login(reviewer)
    url = reverse("assessments:detail", args=[assessment.pk])
    client.get(url)

    Indicator.objects.filter(code="7.5").update(label="A label changed by the framework admin")
    table = ratings_table(client.get(url).content.decode())

    assert "<strong>7.5</strong> A label changed by the framework admin</th>" in table
