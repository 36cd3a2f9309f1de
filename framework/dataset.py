"""Reading and validating a framework data file, before anything touches the database.

A file is checked whole; every problem is reported with the file name and the place
in it (``risk_factors[3].indicators[2].label``), so that an admin can fix the file.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEVERITIES = ("low", "moderate", "high")
LEVELS = ("serious_concern", "imminent_risk", "current_crisis")
FACTOR_KINDS = ("common", "specific")
INDICATOR_CONFIDENCES = ("verified_secondary_source", "recalled_high", "recalled_low", "admin")

# kind -> {field: (type, required)}
Spec = dict[str, tuple[type | tuple[type, ...], bool]]

SPECS: dict[str, Spec] = {
    "crimes": {
        "code": (str, True),
        "name": (str, True),
        "legally_defined": (bool, True),
        "legal_basis": (str, False),
        "summary": (str, False),
    },
    "risk_levels": {
        "code": (str, True),
        "name": (str, True),
        "rank": (int, True),
        "definition": (str, False),
    },
    "reports": {
        "code": (str, True),
        "year": (int, True),
        "title": (str, True),
        "symbol": (str, True),
    },
    "pillars": {
        "code": (str, True),
        "number": (int, True),
        "title": (str, True),
        "summary": (str, False),
        "reports": (list, False),
    },
    "tools": {
        "code": (str, True),
        "name": (str, True),
        "coercive": (bool, False),
        "last_resort": (bool, False),
    },
    "pillar_tools": {
        "code": (str, True),
        "pillar": (str, True),
        "tool": (str, True),
        "description": (str, False),
        "order": (int, False),
    },
    "risk_factors": {
        "code": (str, True),
        "number": (int, True),
        "kind": (str, True),
        "crimes": (list, False),
        "is_conduct": (bool, False),
        "title": (str, True),
        "summary": (str, False),
        "verification": (str, False),
        "indicators_complete": (bool, False),
        "indicators": (list, True),
    },
    "indicators": {
        "code": (str, True),
        "label": (str, True),
        "confidence": (str, False),
    },
    "mappings": {
        "code": (str, True),
        "factor": (str, True),
        "indicator": ((str, type(None)), False),
        "entry": (str, True),
        "strength": (int, True),
        "rationale": (str, True),
    },
    "thresholds": {
        "code": (str, True),
        "name": (str, True),
        "crisis_conduct_severity": (str, True),
        "imminent_specific_severity": (str, True),
        "imminent_conduct_severity": (str, True),
        "imminent_common_count": (int, True),
        "imminent_common_severity": (str, True),
        "imminent_enabling_factors": (list, True),
        "imminent_enabling_severity": (str, True),
        "serious_common_count": (int, True),
        "serious_common_severity": (str, True),
        "serious_specific_severity": (str, True),
        "pillar2_min_level": (str, True),
        "pillar3_min_level": (str, True),
        "coercive_min_level": (str, True),
        "sc_briefing_level": (str, False),
        "brief_sg_level": (str, False),
        "brief_sg_rise": (int, False),
        "alert_sa_level": (str, False),
        "alert_sa_rise": (int, False),
        "monitor_level": (str, False),
    },
}

TOP_LEVEL_KINDS = (
    "crimes",
    "risk_levels",
    "reports",
    "pillars",
    "tools",
    "pillar_tools",
    "risk_factors",
    "mappings",
    "thresholds",
)


class DatasetError(Exception):
    """The file was refused; ``problems`` lists every place that is wrong."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(f"{path}: {problem}" for problem in problems))


@dataclass
class Dataset:
    path: str
    meta: dict[str, Any]
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def indicators(self) -> list[dict[str, Any]]:
        """Every indicator, with the code of its factor under ``factor`` and its order."""
        rows = []
        for factor in self.records["risk_factors"]:
            for order, indicator in enumerate(factor["indicators"], start=1):
                rows.append({**indicator, "factor": factor["code"], "order": order})
        return rows


def read_dataset(path: str | Path) -> Dataset:
    """Parse and validate the file at ``path``; raise DatasetError naming every problem."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise DatasetError(name, [f"cannot be read: {exc.strerror or exc}"]) from exc
    except UnicodeDecodeError as exc:
        raise DatasetError(name, [f"is not UTF-8 text (byte {exc.start})"]) from exc
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DatasetError(
            name, [f"line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}"]
        ) from exc
    return validate_dataset(raw, name)


def validate_dataset(raw: object, name: str) -> Dataset:
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise DatasetError(name, ["the top level must be a JSON object"])
    meta = raw.get("meta", {})
    if not isinstance(meta, dict):
        problems.append("meta: must be an object")
        meta = {}
    dataset = Dataset(path=name, meta=meta)
    for kind in TOP_LEVEL_KINDS:
        items = raw.get(kind)
        if not isinstance(items, list):
            problems.append(f"{kind}: missing list")
            dataset.records[kind] = []
            continue
        dataset.records[kind] = [
            item
            for index, item in enumerate(items)
            if _check_fields(item, SPECS[kind], f"{kind}[{index}]", problems)
        ]
    if problems:
        raise DatasetError(name, problems)

    for index, factor in enumerate(dataset.records["risk_factors"]):
        for position, indicator in enumerate(factor["indicators"]):
            _check_fields(
                indicator,
                SPECS["indicators"],
                f"risk_factors[{index}].indicators[{position}]",
                problems,
            )
    if problems:
        raise DatasetError(name, problems)

    _check_codes(dataset, problems)
    _check_values(dataset, problems)
    _check_references(dataset, problems)
    if problems:
        raise DatasetError(name, problems)
    return dataset


def _check_fields(item: object, spec: Spec, place: str, problems: list[str]) -> bool:
    if not isinstance(item, dict):
        problems.append(f"{place}: must be an object")
        return False
    ok = True
    for key, (expected, required) in spec.items():
        if key not in item:
            if required:
                problems.append(f"{place}: missing field '{key}'")
                ok = False
            continue
        value = item[key]
        # bool is a subclass of int: an int field must not take true/false.
        wrong_bool = isinstance(value, bool) and expected is int
        if wrong_bool or not isinstance(value, expected):
            problems.append(f"{place}.{key}: wrong type {type(value).__name__}")
            ok = False
        elif isinstance(value, str) and required and not value.strip():
            problems.append(f"{place}.{key}: must not be empty")
            ok = False
    unknown = sorted(set(item) - set(spec))
    ignored = {"unverified_candidate_themes"}
    for key in unknown:
        if key not in ignored:
            problems.append(f"{place}: unknown field '{key}'")
            ok = False
    return ok


def _check_codes(dataset: Dataset, problems: list[str]) -> None:
    kinds: list[tuple[str, list[dict[str, Any]]]] = [
        (kind, dataset.records[kind]) for kind in TOP_LEVEL_KINDS
    ]
    for kind, items in kinds:
        _check_unique(items, "code", kind, problems)
    _check_unique(dataset.indicators, "code", "indicators", problems)
    _check_unique(dataset.records["pillars"], "number", "pillars", problems)
    _check_unique(dataset.records["risk_factors"], "number", "risk_factors", problems)
    _check_unique(dataset.records["risk_levels"], "rank", "risk_levels", problems)


def _check_unique(items: list[dict[str, Any]], key: str, kind: str, problems: list[str]) -> None:
    seen: dict[object, int] = {}
    for index, item in enumerate(items):
        value = item[key]
        if value in seen:
            problems.append(
                f"{kind}[{index}].{key}: duplicate {key} {value!r} (first at {kind}[{seen[value]}])"
            )
        else:
            seen[value] = index


def _check_values(dataset: Dataset, problems: list[str]) -> None:
    for index, factor in enumerate(dataset.records["risk_factors"]):
        if factor["kind"] not in FACTOR_KINDS:
            problems.append(
                f"risk_factors[{index}].kind: {factor['kind']!r} is not one of {FACTOR_KINDS}"
            )
        for position, indicator in enumerate(factor["indicators"]):
            confidence = indicator.get("confidence", "admin")
            if confidence not in INDICATOR_CONFIDENCES:
                problems.append(
                    f"risk_factors[{index}].indicators[{position}].confidence: "
                    f"{confidence!r} is not one of {INDICATOR_CONFIDENCES}"
                )
    for index, mapping in enumerate(dataset.records["mappings"]):
        if not 1 <= mapping["strength"] <= 3:
            problems.append(f"mappings[{index}].strength: {mapping['strength']} is not 1, 2 or 3")
    for index, item in enumerate(dataset.records["thresholds"]):
        for key, value in item.items():
            place = f"thresholds[{index}].{key}"
            if key.endswith("_severity") and value not in SEVERITIES:
                problems.append(f"{place}: {value!r} is not one of {SEVERITIES}")
            if key.endswith("_level") and value not in LEVELS:
                problems.append(f"{place}: {value!r} is not one of {LEVELS}")
            if key.endswith("_count") and not 1 <= value <= 8:
                problems.append(f"{place}: {value} is not between 1 and 8")
            if key.endswith("_rise") and not 1 <= value <= 4:
                problems.append(f"{place}: {value} is not between 1 and 4")


def _check_references(dataset: Dataset, problems: list[str]) -> None:
    records = dataset.records
    codes = {kind: {item["code"] for item in records[kind]} for kind in TOP_LEVEL_KINDS}
    indicator_factor = {row["code"]: row["factor"] for row in dataset.indicators}

    def refer(place: str, value: object, kind: str) -> None:
        if value not in codes[kind]:
            problems.append(f"{place}: unknown {kind} code {value!r}")

    for index, pillar in enumerate(records["pillars"]):
        for position, report in enumerate(pillar.get("reports", [])):
            refer(f"pillars[{index}].reports[{position}]", report, "reports")
    for index, entry in enumerate(records["pillar_tools"]):
        refer(f"pillar_tools[{index}].pillar", entry["pillar"], "pillars")
        refer(f"pillar_tools[{index}].tool", entry["tool"], "tools")
    for index, factor in enumerate(records["risk_factors"]):
        for position, crime in enumerate(factor.get("crimes", [])):
            refer(f"risk_factors[{index}].crimes[{position}]", crime, "crimes")
    for index, mapping in enumerate(records["mappings"]):
        place = f"mappings[{index}]"
        refer(f"{place}.factor", mapping["factor"], "risk_factors")
        refer(f"{place}.entry", mapping["entry"], "pillar_tools")
        indicator = mapping.get("indicator")
        if indicator is not None:
            if indicator not in indicator_factor:
                problems.append(f"{place}.indicator: unknown indicator code {indicator!r}")
            elif indicator_factor[indicator] != mapping["factor"]:
                problems.append(
                    f"{place}.indicator: {indicator!r} belongs to {indicator_factor[indicator]}, "
                    f"not {mapping['factor']}"
                )
    for index, item in enumerate(records["thresholds"]):
        for position, factor in enumerate(item["imminent_enabling_factors"]):
            place = f"thresholds[{index}].imminent_enabling_factors[{position}]"
            refer(place, factor, "risk_factors")
