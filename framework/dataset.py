"""Reading and validating a framework data file, before anything touches the database.

A file is checked whole; every problem is reported with the file name and the place
in it (``risk_factors[3].indicators[2].label``), so that an admin can fix the file.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from django.db import models
from pydantic import MISSING, AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from framework import i18n
from framework.models import (
    Crime,
    Indicator,
    Pillar,
    PillarTool,
    PolicyTool,
    Report,
    RiskFactor,
    RiskLevel,
    TranslatedReference,
)

SEVERITIES = ("low", "moderate", "high")
LEVELS = ("serious_concern", "imminent_risk", "current_crisis")
FACTOR_KINDS = ("common", "specific")
INDICATOR_CONFIDENCES = ("verified_secondary_source", "recalled_high", "recalled_low", "admin")

#: The kinds of record whose texts may be translated, and the model each becomes.
TRANSLATED_KINDS: dict[str, type[TranslatedReference]] = {
    "crimes": Crime,
    "risk_levels": RiskLevel,
    "reports": Report,
    "pillars": Pillar,
    "tools": PolicyTool,
    "pillar_tools": PillarTool,
    "risk_factors": RiskFactor,
    "indicators": Indicator,  # inside risk_factors[*].indicators
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


# The records of a file, as pydantic models --------------------------------------------------


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be empty")
    return value


def _one_of(choices: tuple[str, ...]) -> AfterValidator:
    def check(value: str) -> str:
        if value not in choices:
            raise PydanticCustomError(
                "choice",
                "{value} is not one of {choices}",
                {"value": repr(value), "choices": repr(choices)},
            )
        return value

    return AfterValidator(check)


def _between(low: int, high: int) -> AfterValidator:
    def check(value: int) -> int:
        if not low <= value <= high:
            raise PydanticCustomError(
                "range",
                "{value} is not between {low} and {high}",
                {"value": value, "low": low, "high": high},
            )
        return value

    return AfterValidator(check)


def _strength(value: int) -> int:
    if value not in (1, 2, 3):
        raise PydanticCustomError("strength", "{value} is not 1, 2 or 3", {"value": value})
    return value


#: The text of a required field must not be blank; an optional one may be empty.
Text = Annotated[str, AfterValidator(_not_blank)]
Severity = Annotated[Text, _one_of(SEVERITIES)]
Level = Annotated[Text, _one_of(LEVELS)]
OptionalLevel = Annotated[str, _one_of(LEVELS)]
Count = Annotated[int, _between(1, 8)]
Rise = Annotated[int, _between(1, 4)]


class _Record(BaseModel):
    """One object of the file, addressed by its code.

    Strict (a JSON ``true`` is not a number, a number is not a string) and closed to unknown
    fields. A record keeps the fields the file gives and only those, so a default here only
    says that a field may be omitted (``MISSING`` where no value would be natural).
    """

    model_config = ConfigDict(strict=True, extra="forbid")

    code: Text
    # Notes some files carry for their editors: accepted, and left out of the records.
    unverified_candidate_themes: Any = Field(default=None, exclude=True)


#: ``{"<language>": {"status": "official" | "working", "<field>": "<text>", ...}}``; the
#: languages, fields, statuses and lengths are checked with the file (``_check_translations``).
Translations = dict[str, dict[str, str]]


class _TranslatedRecord(_Record):
    translations: Translations = {}


class CrimeEntry(_TranslatedRecord):
    name: Text
    legally_defined: bool
    legal_basis: str = ""
    summary: str = ""


class RiskLevelEntry(_TranslatedRecord):
    name: Text
    rank: int
    definition: str = ""


class ReportEntry(_TranslatedRecord):
    year: int
    title: Text
    symbol: Text


class PillarEntry(_TranslatedRecord):
    number: int
    title: Text
    summary: str = ""
    reports: list[str] = []


class ToolEntry(_TranslatedRecord):
    name: Text
    coercive: bool = False
    last_resort: bool = False


class PillarToolEntry(_TranslatedRecord):
    pillar: Text
    tool: Text
    description: str = ""
    order: int = 0


class IndicatorEntry(_TranslatedRecord):
    label: Text
    confidence: Annotated[str, _one_of(INDICATOR_CONFIDENCES)] = "admin"


class RiskFactorEntry(_TranslatedRecord):
    number: int
    kind: Annotated[Text, _one_of(FACTOR_KINDS)]
    crimes: list[str] = []
    is_conduct: bool = False
    title: Text
    summary: str = ""
    verification: str = ""
    indicators_complete: bool = True
    indicators: list[IndicatorEntry]


class MappingEntry(_Record):
    factor: Text
    indicator: str | None = None
    entry: Text
    strength: Annotated[int, AfterValidator(_strength)]
    rationale: Text


class ThresholdsEntry(_Record):
    name: Text
    crisis_conduct_severity: Severity
    imminent_specific_severity: Severity
    imminent_conduct_severity: Severity
    imminent_common_count: Count
    imminent_common_severity: Severity
    imminent_enabling_factors: list[str]
    imminent_enabling_severity: Severity
    serious_common_count: Count
    serious_common_severity: Severity
    serious_specific_severity: Severity
    pillar2_min_level: Level
    pillar3_min_level: Level
    coercive_min_level: Level
    sc_briefing_level: OptionalLevel | MISSING = MISSING
    brief_sg_level: OptionalLevel | MISSING = MISSING
    brief_sg_rise: Rise | MISSING = MISSING
    alert_sa_level: OptionalLevel | MISSING = MISSING
    alert_sa_rise: Rise | MISSING = MISSING
    monitor_level: OptionalLevel | MISSING = MISSING
    alert_sa_second_review: bool | MISSING = MISSING
    brief_sg_second_review: bool | MISSING = MISSING
    sc_briefing_second_review: bool | MISSING = MISSING


class DatasetFile(BaseModel):
    """The whole file; other top-level keys than these are ignored."""

    model_config = ConfigDict(strict=True)

    meta: dict[str, Any] = {}
    crimes: list[CrimeEntry]
    risk_levels: list[RiskLevelEntry]
    reports: list[ReportEntry]
    pillars: list[PillarEntry]
    tools: list[ToolEntry]
    pillar_tools: list[PillarToolEntry]
    risk_factors: list[RiskFactorEntry]
    mappings: list[MappingEntry]
    thresholds: list[ThresholdsEntry]


_WRONG_TYPES = frozenset({"string_type", "int_type", "bool_type", "list_type"})
#: Errors of a value that has the right type: a wrong choice, a number out of range.
_VALUE_ERRORS = frozenset({"choice", "range", "strength"})


def _place(loc: tuple[int | str, ...]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)[1:]


def _problem(error: ErrorDetails) -> str:
    """One pydantic error as ``place: message``, in the words of this module."""
    kind, loc, value = error["type"], error["loc"], error["input"]
    if len(loc) == 1 and loc[0] in TOP_LEVEL_KINDS and kind in ("missing", "list_type"):
        return f"{loc[0]}: missing list"
    if kind == "missing":
        return f"{_place(loc[:-1])}: missing field '{loc[-1]}'"
    if kind == "extra_forbidden":
        return f"{_place(loc[:-1])}: unknown field '{loc[-1]}'"
    if kind in ("model_type", "dict_type"):
        return f"{_place(loc)}: must be an object"
    if kind in _WRONG_TYPES:
        return f"{_place(loc)}: wrong type {type(value).__name__}"
    return f"{_place(loc)}: {error['msg']}"  # one of ours, worded where it is raised


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
    """Check each record's shape and values (pydantic), then the codes and references between
    records; raise DatasetError naming every problem."""
    if not isinstance(raw, dict):
        raise DatasetError(name, ["the top level must be a JSON object"])
    problems: list[str] = []
    try:
        document = DatasetFile.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        problems = [_problem(error) for error in errors]
        if any(error["type"] not in _VALUE_ERRORS for error in errors):
            raise DatasetError(name, problems) from exc
        # Only values are wrong: every record has its fields, so codes and references can be
        # checked as well, on the file as it is.
        records = {kind: raw[kind] for kind in TOP_LEVEL_KINDS}
        dataset = Dataset(path=name, meta=raw.get("meta", {}), records=records)
    else:
        dataset = Dataset(
            path=name,
            meta=document.meta,
            records={
                kind: [item.model_dump(exclude_unset=True) for item in getattr(document, kind)]
                for kind in TOP_LEVEL_KINDS
            },
        )
    _check_codes(dataset, problems)
    _check_references(dataset, problems)
    _check_translations(dataset, problems)
    if problems:
        raise DatasetError(name, problems)
    return dataset


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


def _translated_records(dataset: Dataset) -> list[tuple[str, type[TranslatedReference], object]]:
    """Every record that may carry translations, as (its place, its model, the record)."""
    found: list[tuple[str, type[TranslatedReference], object]] = []
    for kind, model in TRANSLATED_KINDS.items():
        if kind == "indicators":
            continue
        for index, item in enumerate(dataset.records[kind]):
            found.append((f"{kind}[{index}]", model, item))
            if kind == "risk_factors" and isinstance(item, Mapping):
                indicators = item.get("indicators")
                for position, indicator in enumerate(
                    indicators if isinstance(indicators, list) else []
                ):
                    found.append((f"{kind}[{index}].indicators[{position}]", Indicator, indicator))
    return found


def _max_length(model: type[models.Model], name: str) -> int | None:
    return getattr(model._meta.get_field(name), "max_length", None)


def _check_translations(dataset: Dataset, problems: list[str]) -> None:
    """Each translation: a language of the app other than English, a status, and non-empty
    texts of the object's translatable fields within their lengths."""
    languages = i18n.translation_languages()
    for place, model, item in _translated_records(dataset):
        translations = item.get("translations", {}) if isinstance(item, Mapping) else {}
        if not isinstance(translations, Mapping):
            continue  # reported with the record's types
        for language, entry in translations.items():
            where = f"{place}.translations.{language}"
            if language == i18n.source_language():
                problems.append(f"{where}: English is the object's own text, not a translation")
                continue
            if language not in languages:
                problems.append(
                    f"{where}: unknown language {language!r} (one of {', '.join(languages)})"
                )
                continue
            if not isinstance(entry, Mapping):
                continue  # reported with the record's types
            _check_translation(where, model, entry, problems)


def _check_translation(
    where: str,
    model: type[TranslatedReference],
    entry: Mapping[str, object],
    problems: list[str],
) -> None:
    fields = model.translatable_fields
    if "status" not in entry:
        problems.append(f"{where}: missing field 'status'")
    elif entry["status"] not in i18n.STATUSES:
        problems.append(f"{where}.status: {entry['status']!r} is not one of {i18n.STATUSES!r}")
    texts = 0
    for name, text in entry.items():
        if name == "status":
            continue
        if name not in fields:
            problems.append(f"{where}: unknown field {name!r} (translatable: {', '.join(fields)})")
            continue
        if not isinstance(text, str):
            continue  # reported with the record's types
        if not text.strip():
            problems.append(f"{where}.{name}: must not be empty")
            continue
        texts += 1
        limit = _max_length(model, name)
        if limit is not None and len(text) > limit:
            problems.append(
                f"{where}.{name}: {len(text)} characters, more than the {limit} allowed"
            )
    if not texts and not any(name in fields for name in entry):
        problems.append(f"{where}: no translated text (give one of {', '.join(fields)})")
