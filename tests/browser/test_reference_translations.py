"""The reference texts in the reader's language pass axe-core (WCAG 2.1 A and AA) and the
content security policy: official, working and untranslated texts side by side, in French
and in Arabic (right to left), on the framework pages and the assessment pages that show
them."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from accounts.roles import ANALYSTS, REVIEWERS
from framework.dataset import TRANSLATED_KINDS
from framework.models import Crime, Indicator, RiskFactor
from tests.assessments.builders import build_assessment, build_crisis, build_situation
from tests.browser.test_accessibility import audit, sign_in
from tests.conftest import make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def office(framework_data):
    """RF1 and genocide in official French, RF2 and indicator 1.1 in working French and
    Arabic, everything else untranslated; an assessment in review and a draft."""
    for model in TRANSLATED_KINDS.values():
        model.objects.update(translations={})
    RiskFactor.objects.filter(code="RF1").update(
        translations={"fr": {"status": "official", "title": "Situations de conflit armé"}}
    )
    RiskFactor.objects.filter(code="RF2").update(
        translations={
            "fr": {"status": "working", "title": "Violations graves des droits de l'homme"},
            "ar": {"status": "working", "title": "انتهاكات جسيمة لحقوق الإنسان"},
        }
    )
    Indicator.objects.filter(code="1.1").update(
        translations={"fr": {"status": "working", "label": "Conflit armé en cours."}}
    )
    Crime.objects.filter(code="genocide").update(
        translations={"fr": {"status": "official", "name": "Génocide"}}
    )
    analyst = make_user("analyst", ANALYSTS)
    reviewer = make_user("reviewer", REVIEWERS)
    situation = build_situation(by=reviewer, analysts=[analyst], name="Lakeside (test)")
    in_review = build_crisis(situation, by=analyst, status="in_review")
    draft = build_assessment(situation, by=analyst, ratings={"1.1": "low", "2.1": "low"})
    return {"in_review": in_review, "draft": draft}


def speak(page: Page, language: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": language, "url": page.url}])


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_reference_texts_with_their_marks_pass_axe_and_fit_the_width(page, office, language):
    sign_in(page, "analyst")
    speak(page, language)
    paths = [
        reverse("framework:overview"),
        reverse("framework:factors"),
        reverse("framework:pillars"),
        reverse("framework:matrix"),
        reverse("framework:crimes"),
        reverse("framework:reports"),
        reverse("assessments:detail", kwargs={"pk": office["in_review"].pk}),
        reverse("assessments:edit", kwargs={"pk": office["draft"].pk}),
        reverse("assessments:heatmap"),
    ]
    problems: list[str] = []

    for path in paths:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language
        problems += audit(page, f"{path} ({language})")

    page.goto(reverse("framework:factors"))
    assert page.locator('.ref-fallback [lang="en"]').count() > 0
    assert page.locator(".ref-working .ref-mark").count() > 0
    assert not problems, "\n".join(problems)
