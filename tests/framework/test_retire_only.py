"""Reference data is retired, never deleted: not in the admin, not in code; and the scoring
refuses to run without the reference data it needs instead of giving a wrong level."""

import pytest
from django.contrib import admin as django_admin
from django.db.models import ProtectedError
from django.urls import reverse

from assessments import workflow
from assessments.models import Assessment
from framework.models import (
    Crime,
    PillarTool,
    ReferenceModel,
    Report,
    RiskFactor,
    RiskLevel,
    ThresholdSet,
    ToolMapping,
)
from tests.assessments.builders import build_assessment, build_situation, edit_form_data

REFERENCE_MODELS = sorted(
    (model for model in django_admin.site._registry if issubclass(model, ReferenceModel)),
    key=lambda model: model.__name__,
)


def test_every_reference_model_of_the_admin_is_checked_here():
    assert {model.__name__ for model in REFERENCE_MODELS} >= {
        "Crime",
        "Indicator",
        "Pillar",
        "PillarTool",
        "PolicyTool",
        "Report",
        "RiskFactor",
        "RiskLevel",
        "ThresholdSet",
        "ToolMapping",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("model", REFERENCE_MODELS, ids=lambda model: model.__name__)
def test_the_admin_offers_no_deletion_of_reference_data(client, admin, model):
    client.force_login(admin)
    obj = model.objects.order_by("pk").first()
    meta = model._meta
    delete_url = reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[obj.pk])
    list_url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")

    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    page = client.get(list_url).content.decode()
    assert 'value="delete_selected"' not in page
    assert 'value="retire_selected"' in page
    refused = client.post(
        list_url, {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
    )
    assert refused.status_code in (200, 302)
    change = client.get(
        reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    ).content.decode()
    assert "deletelink" not in change
    assert 'name="mappings-0-DELETE"' not in change
    assert model.objects.filter(pk=obj.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "code"),
    [
        (Crime, "genocide"),
        (Report, None),
        (ThresholdSet, None),
        (RiskLevel, None),
        (ToolMapping, None),
        (PillarTool, None),
    ],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_deleting_reference_data_in_code_is_refused_and_keeps_its_links(model, code):
    obj = model.objects.get(code=code) if code else model.objects.order_by("pk").first()
    factors = sorted(obj.specific_factors.values_list("pk", flat=True)) if model is Crime else []

    with pytest.raises(ProtectedError, match=r"protected|retired, never deleted"):
        obj.delete()
    with pytest.raises(ProtectedError):
        model.objects.filter(pk=obj.pk).delete()

    assert model.objects.filter(pk=obj.pk).exists()
    if model is Crime:
        assert sorted(obj.specific_factors.values_list("pk", flat=True)) == factors
        assert factors  # genocide's specific factors are still linked to it


@pytest.mark.django_db
def test_an_empty_query_deletes_nothing_and_says_nothing():
    assert Crime.objects.filter(code="no-such-crime").delete() == (0, {})


@pytest.mark.django_db
def test_with_every_crime_retired_a_save_is_refused_with_a_clear_error_and_nothing_changes(
    client, analyst, reviewer
):
    situation = build_situation(by=reviewer, analysts=[analyst])
    draft = build_assessment(situation, by=analyst, ratings={"7.5": "high"})
    before = Assessment.objects.values("lock_version", "result", "overall_level").get(pk=draft.pk)
    Crime.objects.update(is_active=False)
    client.force_login(analyst)

    response = client.post(
        reverse("assessments:edit", args=[draft.pk]),
        edit_form_data(draft, narrative="Edited without crimes to score."),
    )

    assert response.status_code in (400, 409)
    assert "the reference data lacks an active crime" in response.content.decode()
    after = Assessment.objects.values("lock_version", "result", "overall_level").get(pk=draft.pk)
    assert after == before
    assert Assessment.objects.get(pk=draft.pk).narrative != "Edited without crimes to score."


@pytest.mark.django_db
def test_the_service_names_what_is_missing(analyst, reviewer):
    situation = build_situation(by=reviewer, analysts=[analyst])
    draft = build_assessment(situation, by=analyst, ratings={"7.5": "high"})
    RiskFactor.objects.update(is_active=False)
    Crime.objects.update(is_active=False)

    with pytest.raises(workflow.WorkflowError, match="lacks an active crime linked to its"):
        workflow.store_result(draft)
