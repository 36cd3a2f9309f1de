"""The escalation summary's PDF and JSON in each language asked for (``?lang=``): the level
and the situation's name found in the PDF's text (Arabic in logical order, Chinese shaped
from the CJK font), the PDF's own language and direction, and a language the app does not
speak refused."""

import io

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from assessments import scales
from tests.assessments.builders import build_crisis, build_situation, summary_of

SITUATION = {
    "ar": "ولاية البحيرة",
    "zh-hans": "湖区省",
    "fr": "Région des Lacs",
    "ru": "Озёрный край",
    "es": "Región de los Lagos",
    "en": "Lake District",
}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pdf_text(content: bytes) -> str:
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]
    return " ".join(" ".join(pages).split())


@pytest.mark.django_db
@pytest.mark.parametrize("language", list(SITUATION))
def test_the_summary_pdf_speaks_the_language_asked_for(
    client, framework_data, analyst, reviewer, language
):
    situation = build_situation(by=reviewer, analysts=[analyst], name=SITUATION[language])
    summary = summary_of(build_crisis(situation, by=analyst, status="in_review"))
    client.force_login(reviewer)

    url = reverse("assessments:summary_pdf", args=[summary.assessment_id])
    response = client.get(f"{url}?lang={language}")

    assert response.status_code == 200
    text = pdf_text(response.content)
    with translation.override(language):
        level = scales.level_label(summary.content["levels"]["overall"])
    assert SITUATION[language] in text
    assert level in text


@pytest.mark.django_db
def test_the_reasons_of_a_summary_are_worded_in_the_language_asked_for(
    client, framework_data, analyst, reviewer
):
    situation = build_situation(by=reviewer, analysts=[analyst], name="Lake District")
    summary = summary_of(build_crisis(situation, by=analyst, status="in_review"))
    client.force_login(reviewer)
    url = reverse("assessments:summary_json", args=[summary.assessment_id])

    english = client.get(url).json()["words"]
    french = client.get(f"{url}?lang=fr").json()["words"]

    assert english["language"] == "en" and french["language"] == "fr"
    assert french != {**english, "language": "fr"}
    assert client.get(f"{url}?lang=de").status_code == 404
    pdf = reverse("assessments:summary_pdf", args=[summary.assessment_id])
    assert client.get(f"{pdf}?lang=xx").status_code == 404


@pytest.mark.django_db
def test_each_indicator_s_trend_and_confidence_are_words_of_the_reader_s_language(
    client, framework_data, analyst, reviewer
):
    situation = build_situation(by=reviewer, analysts=[analyst], name="Lake District")
    summary = summary_of(build_crisis(situation, by=analyst, status="in_review"))
    client.force_login(reviewer)

    url = reverse("assessments:summary_pdf", args=[summary.assessment_id])
    text = pdf_text(client.get(f"{url}?lang=fr").content)

    with translation.override("fr"):
        expected = translation.gettext("trend %(trend)s, confidence %(confidence)s") % {
            "trend": scales.trend_label("stable"),
            "confidence": scales.confidence_label("medium"),
        }
    assert expected == "tendance stable, degré de confiance moyen"
    assert expected in text
