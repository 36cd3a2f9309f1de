"""Loading the reference data: counts, idempotence, and refusal of malformed files."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import models
from django.db.models import ProtectedError

from framework.dataset import read_dataset
from framework.management.commands.load_framework import DEFAULT_PATH
from framework.models import (
    Crime,
    Indicator,
    Pillar,
    PillarTool,
    PolicyTool,
    Report,
    RiskFactor,
    ThresholdSet,
    ToolMapping,
)
from framework.services import load_framework, retire
from tests.assessments.builders import build_assessment, build_situation

BUNDLED = json.loads(Path(DEFAULT_PATH).read_text(encoding="utf-8"))
FRAMEWORK_MODELS = (
    Crime,
    Report,
    Pillar,
    PolicyTool,
    PillarTool,
    RiskFactor,
    Indicator,
    ToolMapping,
    ThresholdSet,
)


def snapshot() -> dict[str, list[tuple]]:
    """Every framework row, every field: what 'left exactly as it was' is checked against."""
    return {
        model.__name__: sorted(
            tuple(str(value) for value in row)
            for row in model.objects.values_list(*[f.attname for f in model._meta.concrete_fields])
        )
        for model in FRAMEWORK_MODELS
    }


def write(tmp_path: Path, data: object, name: str = "framework.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def changed_copy() -> dict:
    data = json.loads(json.dumps(BUNDLED))
    data["risk_factors"][6]["indicators"][4]["label"] = "A label changed by the file."
    return data


@pytest.mark.django_db
def test_bundled_data_loads_with_the_documented_counts():
    assert Pillar.objects.count() == 3
    assert PolicyTool.objects.count() == 31
    assert PillarTool.objects.count() == 37
    assert RiskFactor.objects.count() == 14
    assert RiskFactor.objects.filter(kind="common").count() == 8
    assert RiskFactor.objects.filter(kind="specific").count() == 6
    indicators_in_file = sum(len(f["indicators"]) for f in BUNDLED["risk_factors"])
    assert indicators_in_file == 126
    assert Indicator.objects.count() == indicators_in_file
    assert Report.objects.count() == 12
    assert Crime.objects.count() == 4


@pytest.mark.django_db
def test_six_tools_are_listed_under_both_pillar_two_and_three():
    shared = PolicyTool.objects.filter(entries__pillar__number=2).filter(entries__pillar__number=3)
    assert shared.count() == 6
    diplomacy = PolicyTool.objects.get(code="preventive-diplomacy")
    assert sorted(diplomacy.entries.values_list("pillar__number", flat=True)) == [2, 3]


@pytest.mark.django_db
def test_conduct_factors_and_incomplete_lists_follow_the_product_rules():
    conduct = set(RiskFactor.objects.filter(is_conduct=True).values_list("number", flat=True))
    assert conduct == {10, 11, 13, 14}
    incomplete = set(
        RiskFactor.objects.filter(indicators_complete=False).values_list("number", flat=True)
    )
    assert {10, 11, 12, 14} <= incomplete
    thresholds = ThresholdSet.objects.get(code="default")
    assert thresholds.imminent_common_count == 5
    assert thresholds.serious_common_count == 3
    assert sorted(f.number for f in thresholds.imminent_enabling_factors.all()) == [7, 8]


@pytest.mark.django_db
def test_second_load_creates_and_updates_nothing(capsys):
    report = load_framework(read_dataset(DEFAULT_PATH))

    assert report.total("created") == 0
    assert report.total("updated") == 0
    assert report.total("unchanged") == sum(m.objects.count() for m in FRAMEWORK_MODELS) + 4
    call_command("load_framework")
    out = capsys.readouterr().out
    assert "indicators: 0 created, 0 updated, 126 unchanged" in out
    assert "mappings: 0 created, 0 updated, 155 unchanged" in out


@pytest.mark.django_db
def test_load_updates_by_code_without_duplicating(tmp_path):
    before = Indicator.objects.count()

    report = load_framework(read_dataset(write(tmp_path, changed_copy())))

    assert report.counts["indicators"]["updated"] == 1
    assert Indicator.objects.count() == before
    assert Indicator.objects.get(code="7.5").label == "A label changed by the file."


@pytest.mark.django_db
def test_load_keeps_an_admins_retirement(tmp_path):
    indicator = Indicator.objects.get(code="7.5")
    retire(indicator, reason="duplicate of 7.4")

    load_framework(read_dataset(DEFAULT_PATH))

    indicator.refresh_from_db()
    assert indicator.is_active is False


def _missing_field() -> dict:
    data = changed_copy()
    del data["risk_factors"][3]["indicators"][2]["label"]
    return data


def _unknown_code_in_mapping() -> dict:
    data = changed_copy()
    data["mappings"][5]["entry"] = "P9-no-such-tool"
    return data


def _duplicate_code() -> dict:
    data = changed_copy()
    data["risk_factors"][1]["indicators"][0]["code"] = "1.1"
    return data


def _wrong_type() -> dict:
    data = changed_copy()
    data["mappings"][0]["strength"] = "strong"
    return data


MALFORMED = [
    pytest.param('{"meta": {}, "crimes": [', "line 1, column 25: invalid JSON", id="bad-json"),
    pytest.param(
        _missing_field(), "risk_factors[3].indicators[2]: missing field 'label'", id="missing-field"
    ),
    pytest.param(
        _unknown_code_in_mapping(),
        "mappings[5].entry: unknown pillar_tools code 'P9-no-such-tool'",
        id="unknown-code",
    ),
    pytest.param(
        _duplicate_code(),
        "indicators[11].code: duplicate code '1.1' (first at indicators[0])",
        id="duplicate-code",
    ),
    pytest.param(_wrong_type(), "mappings[0].strength: wrong type str", id="wrong-type"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("content", "place"), MALFORMED)
def test_malformed_file_is_refused_naming_the_place_and_changes_nothing(tmp_path, content, place):
    before = snapshot()
    path = write(tmp_path, content)

    with pytest.raises(CommandError) as refused:
        call_command("load_framework", str(path))

    assert f"{path}: {place}" in str(refused.value)
    assert "nothing was loaded" in str(refused.value)
    assert snapshot() == before


@pytest.mark.django_db
def test_conflict_with_the_database_rolls_back_the_whole_load(tmp_path):
    data = changed_copy()
    data["pillars"][0]["code"] = "P1-renamed"  # keeps number 1, which P1 already holds
    for entry in data["pillar_tools"]:
        if entry["pillar"] == "P1":
            entry["pillar"] = "P1-renamed"
    before = snapshot()

    with pytest.raises(CommandError) as refused:
        call_command("load_framework", str(write(tmp_path, data)))

    assert "conflicts with the database" in str(refused.value)
    assert snapshot() == before
    assert Indicator.objects.get(code="7.5").label != "A label changed by the file."


@pytest.mark.django_db
def test_missing_file_is_refused_with_its_name(tmp_path):
    path = tmp_path / "absent.json"

    with pytest.raises(CommandError, match=r"absent\.json"):
        call_command("load_framework", str(path))


@pytest.mark.django_db
def test_reference_object_in_use_cannot_be_deleted_only_retired():
    factor = RiskFactor.objects.get(code="RF7")
    indicators = sorted(factor.indicators.values_list("code", flat=True))
    assert "7.5" in indicators
    before = snapshot()

    with pytest.raises(ProtectedError, match=r"protected foreign keys: .*'Indicator\.factor'"):
        factor.delete()

    assert snapshot() == before  # the factor, its indicators and mappings are all still there
    assert sorted(factor.indicators.values_list("code", flat=True)) == indicators
    retire(factor, reason="superseded")
    factor.refresh_from_db()
    assert factor.is_active is False
    assert RiskFactor.objects.active().filter(code="RF7").exists() is False
    assert RiskFactor.objects.filter(code="RF7").exists()


@pytest.mark.django_db
def test_indicator_rated_in_an_assessment_cannot_be_deleted_and_the_rating_is_kept(
    reviewer, analyst
):
    situation = build_situation(by=reviewer, analysts=[analyst])
    assessment = build_assessment(situation, by=analyst, ratings={"7.5": "high"})
    indicator = Indicator.objects.get(code="7.5")
    rating = assessment.ratings.get()

    with pytest.raises(
        ProtectedError, match=r"protected foreign keys: .*'IndicatorRating\.indicator'"
    ) as refused:
        indicator.delete()

    assert rating in refused.value.protected_objects
    assert Indicator.objects.filter(code="7.5").exists()
    rating = assessment.ratings.get()
    assert (rating.indicator_id, rating.severity) == (indicator.pk, "high")


def test_every_reference_to_framework_data_is_protected():
    """Whatever app adds a foreign key to reference data, it must retire, never cascade."""
    from django.apps import apps

    framework_models = set(apps.get_app_config("framework").get_models())
    offenders = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.ForeignKey)
        and field.related_model in framework_models
        and not model.__name__.startswith("Historical")
        and field.remote_field.on_delete is not models.PROTECT
    ]
    assert offenders == []
    assert len([m for m in framework_models if not m.__name__.startswith("Historical")]) == 10
