"""The schema of an exchange file (see README, "Exchange format"), as pydantic models.

``ExchangeDocument.model_validate(raw, context={"indicator_codes": codes})`` checks a parsed
file whole, and :func:`problems` words every error of it as a located message
(``assessments[2].ratings["7.5"].severity: 'severe' is not one of absent, low, moderate, high``).

The models are strict (a JSON ``true`` is not a number, a number is not a string) and refuse
unknown fields. A field that may be omitted but not null defaults to ``MISSING``.
"""

import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from django_countries import countries
from pydantic import (
    MISSING,
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    PlainValidator,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError, PydanticKnownError, core_schema

from assessments import limits, scoring
from assessments.models import (
    Assessment,
    Confidentiality,
    EvidenceSource,
    GroupKind,
    ResponseAction,
    Situation,
)

FORMAT_NAME = "r2p-assessments"
#: Version 2 carries the groups at risk as records, the dissents and the response actions;
#: version 1 files (groups as two texts) still import.
FORMAT_VERSION = 2
SUPPORTED_VERSIONS: tuple[int, ...] = (1, 2)

#: Severities an exported rating may have; "not assessed" ratings are not exchanged.
RATED_SEVERITIES: tuple[str, ...] = tuple(
    s for s in scoring.SEVERITIES if s != scoring.Severity.NOT_ASSESSED
)
STATUSES: tuple[str, ...] = tuple(Assessment.Status.values)
GROUP_KINDS: tuple[str, ...] = tuple(GroupKind.values)
ACTION_KINDS: tuple[str, ...] = tuple(ResponseAction.Kind.values)
ACTION_STATUSES: tuple[str, ...] = tuple(ResponseAction.Status.values)
ACTION_EFFECTS: tuple[str, ...] = tuple(ResponseAction.Effect.values)
CONFIDENTIALITIES: tuple[str, ...] = tuple(Confidentiality.values)
RELIABILITIES: tuple[str, ...] = tuple(EvidenceSource.Reliability.values)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_CITATION_MAX = EvidenceSource._meta.get_field("citation").max_length or limits.MAX_CITATION
_CODE_MAX = Situation._meta.get_field("code").max_length or limits.MAX_CODE
_NAME_MAX = Situation._meta.get_field("name").max_length or limits.MAX_NAME
_REGION_MAX = Situation._meta.get_field("region").max_length or limits.MAX_REGION


def json_type(value: object) -> str:
    """The JSON name of a parsed value's type: ``number``, ``array``, ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _shown(value: object) -> str:
    """A value as a message shows it: a string quoted, anything else by its JSON type."""
    return repr(value) if isinstance(value, str) else json_type(value)


# Field types ---------------------------------------------------------------------------------


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be empty")
    return value


def _slug(value: str) -> str:
    if not _SLUG.fullmatch(value):
        raise PydanticCustomError(
            "slug", "{value} is not a slug (letters, digits, - and _)", {"value": repr(value)}
        )
    return value


def _known_country(value: str) -> str:
    if value not in countries:
        raise PydanticCustomError(
            "country", "{value} is not an ISO 3166-1 alpha-2 country code", {"value": repr(value)}
        )
    return value


def _iso_date(value: object) -> date:
    if not isinstance(value, str):
        raise PydanticKnownError("string_type")
    if _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError(
        "iso_date", "{value} is not a date (YYYY-MM-DD)", {"value": repr(value)}
    )


def _assessment_date(value: date) -> date:
    problem = limits.as_of_problem(value)
    if problem:
        raise PydanticCustomError("as_of_range", problem.rstrip(".").lower())
    return value


def _known_indicator(code: str, info: ValidationInfo) -> str:
    """An indicator code the importing database knows (``indicator_codes`` of the context)."""
    known: Collection[str] = (info.context or {}).get("indicator_codes", ())
    if code not in known:
        raise PydanticCustomError(
            "unknown_indicator", "unknown indicator code {code}", {"code": repr(code)}
        )
    return code


def _format_name(value: object) -> str:
    if value != FORMAT_NAME:
        raise PydanticCustomError(
            "format",
            "{value} is not {expected}",
            {"value": repr(value), "expected": repr(FORMAT_NAME)},
        )
    return FORMAT_NAME


def _format_version(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in SUPPORTED_VERSIONS:
        raise PydanticCustomError(
            "version",
            "{value} is not a supported version ({supported})",
            {"value": repr(value), "supported": ", ".join(map(str, SUPPORTED_VERSIONS))},
        )
    return value


@dataclass(frozen=True)
class OneOf:
    """Marks a string that must be one of ``choices``: a ``Literal`` to pydantic, which a type
    checker cannot read from a tuple."""

    choices: tuple[str, ...]

    def __get_pydantic_core_schema__(
        self, source: object, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.literal_schema(list(self.choices))


def _worded(kind: str, template: str) -> WrapValidator:
    """Word every error of a field as one message; ``{shown}`` in it is the value given."""

    def validate(value: object, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError:
            raise PydanticCustomError(kind, template, {"shown": _shown(value)}) from None

    return WrapValidator(validate)


Cadence = Annotated[int, Field(ge=1, le=limits.MAX_REVIEW_CADENCE_DAYS)]
# Free text, each kind at most as long as ``limits`` says.
Populations = Annotated[str, StringConstraints(max_length=limits.MAX_POPULATIONS)]
Narrative = Annotated[str, StringConstraints(max_length=limits.MAX_NARRATIVE)]
Note = Annotated[str, StringConstraints(max_length=limits.MAX_NOTE)]
Text = Annotated[str, StringConstraints(max_length=limits.MAX_USERNAME), AfterValidator(_not_blank)]
Name = Annotated[str, StringConstraints(max_length=_NAME_MAX), AfterValidator(_not_blank)]
Slug = Annotated[
    str, StringConstraints(max_length=_CODE_MAX), AfterValidator(_not_blank), AfterValidator(_slug)
]
Country = Annotated[str, AfterValidator(_known_country)]
IsoDate = Annotated[date, PlainValidator(_iso_date)]
AssessmentDate = Annotated[IsoDate, AfterValidator(_assessment_date)]
IndicatorCode = Annotated[str, AfterValidator(_known_indicator)]
Usernames = Annotated[list[str], _worded("usernames", "must be an array of usernames")]
FactorLevel = Annotated[
    Annotated[str, OneOf(scoring.SEVERITIES)] | None,
    _worded("factor_level", "{shown} is not null or one of " + ", ".join(scoring.SEVERITIES)),
]
Summaries = Annotated[list[Any], _worded("summaries", "must be a list")]


# Models --------------------------------------------------------------------------------------


class _Entry(BaseModel):
    """An object of the file: strict, and closed to unknown fields."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class GroupEntry(_Entry):
    """A group at risk (version 2): one the Genocide Convention protects, or another
    population."""

    name: Annotated[
        str, StringConstraints(max_length=limits.MAX_GROUP_NAME), AfterValidator(_not_blank)
    ]
    kind: Annotated[str, OneOf(GROUP_KINDS)]
    description: Annotated[str, StringConstraints(max_length=limits.MAX_GROUP_DESCRIPTION)] = ""


class SituationEntry(_Entry):
    """A situation as a file names it; the optional fields serve only to create it (and, in
    version 2, to link its groups at risk)."""

    name: Name
    country: Country
    code: Slug | MISSING = MISSING
    region: Annotated[str, StringConstraints(max_length=_REGION_MAX)] = ""
    populations_at_risk: Populations = ""
    protected_groups: Populations = ""
    review_cadence_days: (
        Annotated[int, Field(ge=1, le=limits.MAX_REVIEW_CADENCE_DAYS)] | MISSING
    ) = MISSING
    confidentiality: Annotated[str, OneOf(CONFIDENTIALITIES)] | MISSING = MISSING
    analysts: Usernames = []
    groups: Annotated[list[GroupEntry], Field(max_length=limits.MAX_GROUPS)] = []


class SourceEntry(_Entry):
    reliability: Annotated[str, OneOf(RELIABILITIES)]
    citation: Annotated[
        str, StringConstraints(max_length=_CITATION_MAX), AfterValidator(_not_blank)
    ]


class RatingEntry(_Entry):
    severity: Annotated[str, OneOf(RATED_SEVERITIES)]
    trend: Annotated[str, OneOf(scoring.TRENDS)]
    confidence: Annotated[str, OneOf(scoring.CONFIDENCES)]
    note: Note = ""
    sources: Annotated[list[SourceEntry], Field(max_length=limits.MAX_SOURCES_PER_RATING)] = []
    # Version 2: the names of the situation's groups that this rating (RF9, RF10) concerns.
    groups: Annotated[list[Text], Field(max_length=limits.MAX_GROUPS)] = []


class DissentEntry(_Entry):
    """A dissent (version 2): the level its author would give per crime, and why."""

    author: Text
    revision: Annotated[int, Field(ge=1, le=limits.MAX_REVISION)]
    on: Annotated[str, OneOf(("assessment", "decision"))]
    levels: dict[str, Annotated[str, OneOf(scoring.LEVELS)]]
    reason: Annotated[
        str, StringConstraints(max_length=limits.MAX_REASON), AfterValidator(_not_blank)
    ]
    at: str | MISSING = MISSING


class ActionEntry(_Entry):
    """A response action (version 2): a tool accepted or a rung approved, its owner, due date,
    status and, once done, its observed effect."""

    kind: Annotated[str, OneOf(ACTION_KINDS)]
    entry: Slug | None = None
    escalation: Annotated[str, OneOf(scoring.ESCALATIONS)] | None = None
    owner: Text | None = None
    office: Annotated[str, StringConstraints(max_length=limits.MAX_OFFICE)] = ""
    due_on: IsoDate
    status: Annotated[str, OneOf(ACTION_STATUSES)]
    done_on: IsoDate | None = None
    effect: Annotated[str, OneOf(("", *ACTION_EFFECTS))] = ""
    effect_note: Note = ""
    dropped_reason: Annotated[str, StringConstraints(max_length=limits.MAX_REASON)] = ""
    sources: Annotated[list[SourceEntry], Field(max_length=limits.MAX_SOURCES_PER_RATING)] = []


class AssessmentEntry(_Entry):
    """One assessment of a file. ``levels``, ``factor_levels`` and ``recommendations`` are
    derived by the exporting office: checked for shape, and recomputed on import."""

    situation: SituationEntry
    as_of: AssessmentDate
    posture: Annotated[str, OneOf(scoring.POSTURES)]
    status: Annotated[str, OneOf(STATUSES)]
    narrative: Narrative = ""
    revision: Annotated[int, Field(ge=0, le=limits.MAX_REVISION)] | MISSING = MISSING
    author: Text | MISSING = MISSING
    reviewer: Text | None = None
    ratings: dict[IndicatorCode, RatingEntry]
    levels: dict[str, Annotated[str, OneOf(scoring.LEVELS)]] | MISSING = MISSING
    factor_levels: dict[str, FactorLevel] = {}
    recommendations: list[dict[str, Any]] = []
    # The exporting office's review record: accepted and not imported.
    summaries: Summaries = []
    # Version 2.
    dissents: Annotated[list[DissentEntry], Field(max_length=limits.MAX_EXCHANGED_ITEMS)] = []
    actions: Annotated[list[ActionEntry], Field(max_length=limits.MAX_EXCHANGED_ITEMS)] = []

    @field_validator("revision")
    @classmethod
    def _revised_unless_draft(cls, revision: int, info: ValidationInfo) -> int:
        status = info.data.get("status")
        if status not in (None, Assessment.Status.DRAFT) and revision == 0:
            raise PydanticCustomError(
                "unrevised", "a {status} assessment has revision 1 or more", {"status": status}
            )
        return revision

    @field_validator("ratings")
    @classmethod
    def _rated_unless_draft(
        cls, ratings: dict[str, RatingEntry], info: ValidationInfo
    ) -> dict[str, RatingEntry]:
        status = info.data.get("status")
        if status not in (None, Assessment.Status.DRAFT) and not ratings:
            raise PydanticCustomError(
                "unrated",
                "a {status} assessment needs at least one rated indicator",
                {"status": status},
            )
        return ratings


class ExchangeDocument(_Entry):
    """A whole file. Validate it with the importing database's indicator codes in the context:
    ``model_validate(raw, context={"indicator_codes": codes})``."""

    format: Annotated[str, PlainValidator(_format_name)]
    version: Annotated[int, PlainValidator(_format_version)]
    exported_at: str | MISSING = MISSING
    assessments: list[AssessmentEntry]


# Wording -------------------------------------------------------------------------------------

#: Fields whose keys are data (indicator codes, crime names), shown as ``ratings["7.5"]``.
_MAPS = frozenset({"ratings", "levels", "factor_levels"})

_MUST_BE: dict[str, str] = {
    "model_type": "an object",
    "dict_type": "an object",
    "list_type": "an array",
    "string_type": "a string",
    "int_type": "a whole number",
}


def _key(code: str) -> str:
    """A map key as it appears in a place: ``ratings["7.5"]``."""
    return f"[{json.dumps(code, ensure_ascii=False)}]"


def _place(loc: tuple[int | str, ...]) -> str:
    place = ""
    keyed = False  # the part before is a map field: this part is one of its keys
    for part in loc:
        if isinstance(part, int):
            place, keyed = f"{place}[{part}]", False
        elif keyed:
            place, keyed = place + _key(part), False
        else:
            place, keyed = (f"{place}.{part}" if place else part), part in _MAPS
    return place or "document"


def _located(error: ErrorDetails, loc: tuple[int | str, ...]) -> tuple[tuple[int | str, ...], str]:
    """Where an error is and what it says, in the words of this project."""
    kind, value, ctx = error["type"], error["input"], error.get("ctx", {})
    if kind == "missing":
        return loc[:-1], f"missing field '{loc[-1]}'"
    if kind == "extra_forbidden":
        return loc[:-1], f"unknown field '{loc[-1]}'"
    if kind in _MUST_BE:
        return loc, f"must be {_MUST_BE[kind]}, not {json_type(value)}"
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", ctx["expected"])
        return loc, f"{_shown(value)} is not one of {', '.join(choices)}"
    if kind == "greater_than_equal":
        return loc, f"{value} is less than {ctx['ge']}"
    if kind == "less_than_equal":
        return loc, f"{value} is more than {ctx['le']}"
    if kind == "string_too_long":
        return loc, f"is longer than {ctx['max_length']} characters"
    return loc, error["msg"]  # one of ours, worded where it is raised


#: A document is about seven levels deep; anything far deeper is not one.
MAX_DEPTH = 32


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"contains a lone surrogate ({text[exc.start]!a}) that no text may hold"
    return None


def shape_problems(raw: object) -> list[str]:
    """What no field of any document may hold, wherever it is: text with a NUL character or a
    lone surrogate (in a key or a value; no database stores them), or nesting deeper than
    :data:`MAX_DEPTH`. Walked without recursion, so any parsed value is safe to pass."""
    found: list[str] = []
    stack: list[tuple[object, tuple[int | str, ...]]] = [(raw, ())]
    while stack:
        value, loc = stack.pop()
        if len(loc) > MAX_DEPTH:
            # Where it starts: the rest of the place is only more levels.
            found.append(f"{_place(loc[:6])}...: nested deeper than {MAX_DEPTH} levels")
            continue
        if isinstance(value, str):
            problem = _text_problem(value)
            if problem:
                found.append(f"{_place(loc)}: {problem}")
        elif isinstance(value, dict):
            for key, item in value.items():
                problem = _text_problem(key)
                if problem:
                    found.append(f"{_place(loc)}: a key {problem}")
                    continue
                stack.append((item, (*loc, key)))
        elif isinstance(value, list):
            stack.extend((item, (*loc, index)) for index, item in enumerate(value))
    return sorted(found)


def problems(error: ValidationError) -> list[str]:
    """Every error of a document as ``place: message``, in the order pydantic found them."""
    errors = error.errors(include_url=False)
    # An error of a map's key ends its place with "[key]"; the value under a refused key (an
    # unknown indicator code) is not examined further.
    refused = [e["loc"][:-1] for e in errors if e["loc"][-1:] == ("[key]",)]
    messages = []
    for error_details in errors:
        loc = error_details["loc"]
        if loc[-1:] == ("[key]",):
            loc = loc[:-1]
        elif any(loc[: len(entry)] == entry for entry in refused):
            continue
        place, message = _located(error_details, loc)
        messages.append(f"{_place(place)}: {message}")
    return messages
