"""Validating a reference data file: the exact message for each kind of problem (no database)."""

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from framework.dataset import DatasetError, validate_dataset
from framework.management.commands.load_framework import DEFAULT_PATH

BUNDLED = json.loads(Path(DEFAULT_PATH).read_text(encoding="utf-8"))


def problems_of(data: object) -> list[str]:
    with pytest.raises(DatasetError) as refused:
        validate_dataset(data, "framework.json")
    return refused.value.problems


def changed(*changes: Callable[[dict], None]) -> dict:
    data = copy.deepcopy(BUNDLED)
    for change in changes:
        change(data)
    return data


def set_path(*path: str | int, value: object) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def delete_path(*path: str | int) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


def together(*changes: Callable[[dict], None]) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        for one in changes:
            one(data)

    return change


BAD_FILES = {
    "missing field": (
        delete_path("pillars", 0, "code"),
        ["pillars[0]: missing field 'code'"],
    ),
    "missing indicator field": (
        delete_path("risk_factors", 3, "indicators", 2, "label"),
        ["risk_factors[3].indicators[2]: missing field 'label'"],
    ),
    "unknown field": (
        set_path("pillars", 0, "x", value=1),
        ["pillars[0]: unknown field 'x'"],
    ),
    "record not an object": (
        set_path("risk_factors", 0, "indicators", 1, value="1.2"),
        ["risk_factors[0].indicators[1]: must be an object"],
    ),
    "string for a number": (
        set_path("mappings", 0, "strength", value="strong"),
        ["mappings[0].strength: wrong type str"],
    ),
    "boolean for a number": (
        set_path("reports", 0, "year", value=True),
        ["reports[0].year: wrong type bool"],
    ),
    "number for a boolean": (
        set_path("crimes", 0, "legally_defined", value=1),
        ["crimes[0].legally_defined: wrong type int"],
    ),
    "number for a string": (
        set_path("mappings", 0, "indicator", value=7),
        ["mappings[0].indicator: wrong type int"],
    ),
    "null for a field that may only be omitted": (
        set_path("thresholds", 0, "alert_sa_level", value=None),
        ["thresholds[0].alert_sa_level: wrong type NoneType"],
    ),
    "number in a list of codes": (
        set_path("pillars", 0, "reports", 1, value=2013),
        ["pillars[0].reports[1]: wrong type int"],
    ),
    "blank required text": (
        set_path("crimes", 1, "name", value="  "),
        ["crimes[1].name: must not be empty"],
    ),
    "strength out of scale": (
        set_path("mappings", 4, "strength", value=5),
        ["mappings[4].strength: 5 is not 1, 2 or 3"],
    ),
    "unknown factor kind": (
        set_path("risk_factors", 0, "kind", value="general"),
        ["risk_factors[0].kind: 'general' is not one of ('common', 'specific')"],
    ),
    "unknown indicator confidence": (
        set_path("risk_factors", 0, "indicators", 0, "confidence", value="sure"),
        [
            "risk_factors[0].indicators[0].confidence: 'sure' is not one of "
            "('verified_secondary_source', 'recalled_high', 'recalled_low', 'admin')"
        ],
    ),
    "threshold severity": (
        set_path("thresholds", 0, "crisis_conduct_severity", value="severe"),
        [
            "thresholds[0].crisis_conduct_severity: 'severe' is not one of "
            "('low', 'moderate', 'high')"
        ],
    ),
    "threshold level": (
        set_path("thresholds", 0, "monitor_level", value="low"),
        [
            "thresholds[0].monitor_level: 'low' is not one of "
            "('serious_concern', 'imminent_risk', 'current_crisis')"
        ],
    ),
    "threshold count": (
        set_path("thresholds", 0, "imminent_common_count", value=9),
        ["thresholds[0].imminent_common_count: 9 is not between 1 and 8"],
    ),
    "threshold rise": (
        set_path("thresholds", 0, "brief_sg_rise", value=0),
        ["thresholds[0].brief_sg_rise: 0 is not between 1 and 4"],
    ),
    "kind missing": (
        delete_path("tools"),
        ["tools: missing list"],
    ),
    "kind not a list": (
        set_path("crimes", value={"genocide": {}}),
        ["crimes: missing list"],
    ),
    "meta not an object": (
        set_path("meta", value=[]),
        ["meta: must be an object"],
    ),
    "duplicate code": (
        set_path("risk_factors", 1, "indicators", 0, "code", value="1.1"),
        ["indicators[11].code: duplicate code '1.1' (first at indicators[0])"],
    ),
    "duplicate number": (
        set_path("pillars", 2, "number", value=1),
        ["pillars[2].number: duplicate number 1 (first at pillars[0])"],
    ),
    "unknown reference": (
        set_path("mappings", 5, "entry", value="P9-no-such-tool"),
        ["mappings[5].entry: unknown pillar_tools code 'P9-no-such-tool'"],
    ),
    "indicator of another factor": (
        set_path("mappings", 4, "indicator", value="1.1"),
        ["mappings[4].indicator: '1.1' belongs to RF1, not RF3"],
    ),
    "a wrong value and a wrong reference": (
        together(
            set_path("risk_factors", 0, "kind", value="general"),
            set_path("mappings", 5, "entry", value="P9-no-such-tool"),
        ),
        [
            "risk_factors[0].kind: 'general' is not one of ('common', 'specific')",
            "mappings[5].entry: unknown pillar_tools code 'P9-no-such-tool'",
        ],
    ),
    "every record's problems": (
        together(
            delete_path("pillars", 0, "title"),
            set_path("risk_factors", 2, "number", value="3"),
            set_path("risk_factors", 2, "indicators", 0, "label", value=""),
        ),
        [
            "pillars[0]: missing field 'title'",
            "risk_factors[2].number: wrong type str",
            "risk_factors[2].indicators[0].label: must not be empty",
        ],
    ),
}


@pytest.mark.parametrize(("change", "expected"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_is_refused_with_exactly_its_problems(change, expected):
    assert problems_of(changed(change)) == expected


def test_a_file_that_is_not_an_object_is_refused():
    assert problems_of([BUNDLED]) == ["the top level must be a JSON object"]


def test_records_hold_the_fields_the_file_gives_and_no_others():
    data = changed(
        delete_path("thresholds", 0, "monitor_level"),
        delete_path("risk_factors", 0, "indicators", 0, "confidence"),
        set_path("risk_factors", 0, "unverified_candidate_themes", value=["editors' notes"]),
    )

    dataset = validate_dataset(data, "framework.json")

    [thresholds] = dataset.records["thresholds"]
    assert set(thresholds) == set(BUNDLED["thresholds"][0]) - {"monitor_level"}
    given = BUNDLED["risk_factors"][0]["indicators"][0]
    assert dataset.records["risk_factors"][0]["indicators"][0] == {
        name: value for name, value in given.items() if name != "confidence"
    }
    assert set(given) - {"confidence"} <= {"code", "label", "translations"}
    assert "unverified_candidate_themes" not in dataset.records["risk_factors"][0]


def test_bundled_file_reads_back_as_it_is_written():
    dataset = validate_dataset(copy.deepcopy(BUNDLED), "framework.json")

    assert dataset.meta == BUNDLED["meta"]
    assert dataset.records == {kind: BUNDLED[kind] for kind in dataset.records}
