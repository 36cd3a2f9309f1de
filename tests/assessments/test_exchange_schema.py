"""Validating an exchange file: the exact message for each kind of problem (no database)."""

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from assessments.exchange import ExchangeError, parse_document, validate_document

CODES = {"1.1", "7.5"}


def document() -> dict[str, Any]:
    """An export of one office: every field the format has, in two assessments."""
    return {
        "format": "r2p-assessments",
        "version": 1,
        "exported_at": "2026-03-01T12:00:00+00:00",
        "assessments": [
            {
                "situation": {
                    "code": "darfur",
                    "name": "Darfur",
                    "country": "SD",
                    "region": "North Darfur",
                    "populations_at_risk": "Masalit civilians",
                    "protected_groups": "Masalit",
                    "review_cadence_days": 30,
                    "confidentiality": "internal",
                    "analysts": ["analyst"],
                },
                "as_of": "2026-01-15",
                "posture": "perpetrator",
                "status": "approved",
                "revision": 2,
                "author": "analyst",
                "reviewer": "reviewer",
                "narrative": "Militias attack villages.",
                "ratings": {
                    "7.5": {
                        "severity": "high",
                        "trend": "worsening",
                        "confidence": "high",
                        "note": "Arms flows.",
                        "sources": [{"reliability": "B", "citation": "UN Panel"}],
                    }
                },
                "levels": {"genocide": "low", "overall": "current_crisis"},
                "factor_levels": {"7": "high", "1": None},
                "recommendations": [{"tool": "sanctions", "pillar": 3}],
                "summaries": [{"revision": 1, "status": "ready"}],
            },
            {
                "situation": {"name": "Rakhine", "country": "MM"},
                "as_of": "2026-02-01",
                "posture": "unwilling",
                "status": "draft",
                "ratings": {"1.1": {"severity": "low", "trend": "stable", "confidence": "low"}},
            },
        ],
    }


def problems_of(raw: object) -> list[str]:
    with pytest.raises(ExchangeError) as refused:
        validate_document(raw, indicator_codes=CODES)
    return refused.value.problems


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


A0, A1 = ("assessments", 0), ("assessments", 1)
S0 = (*A0, "situation")
R75 = (*A0, "ratings", "7.5")
BAD_FILES = {
    "missing top-level field": (
        delete_path("version"),
        ["document: missing field 'version'"],
    ),
    "unknown top-level field": (
        set_path("comment", value="hello"),
        ["document: unknown field 'comment'"],
    ),
    "version as a boolean": (
        set_path("version", value=True),
        ["version: True is not a supported version (1, 2)"],
    ),
    "timestamp not a string": (
        set_path("exported_at", value=1767225600),
        ["exported_at: must be a string, not number"],
    ),
    "assessments not an array": (
        set_path("assessments", value={"0": {}}),
        ["assessments: must be an array, not object"],
    ),
    "assessment not an object": (
        set_path(*A1, value=None),
        ["assessments[1]: must be an object, not null"],
    ),
    "every missing field of an assessment": (
        set_path(*A1, value={"narrative": ""}),
        [
            "assessments[1]: missing field 'situation'",
            "assessments[1]: missing field 'as_of'",
            "assessments[1]: missing field 'posture'",
            "assessments[1]: missing field 'status'",
            "assessments[1]: missing field 'ratings'",
        ],
    ),
    "blank situation name": (
        set_path(*S0, "name", value=" "),
        ["assessments[0].situation.name: must not be empty"],
    ),
    "situation name too long": (
        set_path(*S0, "name", value="x" * 201),
        ["assessments[0].situation.name: is longer than 200 characters"],
    ),
    "country as a number": (
        set_path(*S0, "country", value=729),
        ["assessments[0].situation.country: must be a string, not number"],
    ),
    "country by its name": (
        set_path(*S0, "country", value="Sudan"),
        ["assessments[0].situation.country: 'Sudan' is not an ISO 3166-1 alpha-2 country code"],
    ),
    "code not a slug": (
        set_path(*S0, "code", value="north darfur"),
        ["assessments[0].situation.code: 'north darfur' is not a slug (letters, digits, - and _)"],
    ),
    "code given as null": (
        set_path(*S0, "code", value=None),
        ["assessments[0].situation.code: must be a string, not null"],
    ),
    "cadence as a boolean": (
        set_path(*S0, "review_cadence_days", value=True),
        ["assessments[0].situation.review_cadence_days: must be a whole number, not boolean"],
    ),
    "cadence as a fraction": (
        set_path(*S0, "review_cadence_days", value=30.5),
        ["assessments[0].situation.review_cadence_days: must be a whole number, not number"],
    ),
    "cadence of zero days": (
        set_path(*S0, "review_cadence_days", value=0),
        ["assessments[0].situation.review_cadence_days: 0 is less than 1"],
    ),
    "unknown confidentiality": (
        set_path(*S0, "confidentiality", value="secret"),
        [
            "assessments[0].situation.confidentiality: 'secret' is not one of "
            "public, internal, confidential, strictly_confidential"
        ],
    ),
    "analysts not usernames": (
        set_path(*S0, "analysts", value=["analyst", 7]),
        ["assessments[0].situation.analysts: must be an array of usernames"],
    ),
    "date as a number": (
        set_path(*A0, "as_of", value=20260115),
        ["assessments[0].as_of: must be a string, not number"],
    ),
    "negative revision": (
        set_path(*A0, "revision", value=-1),
        ["assessments[0].revision: -1 is less than 0"],
    ),
    "approved at revision zero": (
        set_path(*A0, "revision", value=0),
        ["assessments[0].revision: a approved assessment has revision 1 or more"],
    ),
    "author given as null": (
        set_path(*A0, "author", value=None),
        ["assessments[0].author: must be a string, not null"],
    ),
    "blank reviewer": (
        set_path(*A0, "reviewer", value=""),
        ["assessments[0].reviewer: must not be empty"],
    ),
    "ratings not an object": (
        set_path(*A0, "ratings", value=[]),
        ["assessments[0].ratings: must be an object, not array"],
    ),
    "rating not an object": (
        set_path(*R75, value="high"),
        ['assessments[0].ratings["7.5"]: must be an object, not string'],
    ),
    "unknown rating field": (
        set_path(*R75, "source", value="UN"),
        ["assessments[0].ratings[\"7.5\"]: unknown field 'source'"],
    ),
    "an unknown code's rating is not examined": (
        set_path(*A0, "ratings", "9.9", value={"severity": "severe"}),
        ["assessments[0].ratings[\"9.9\"]: unknown indicator code '9.9'"],
    ),
    "an unknown code is shown as JSON": (
        set_path(*A0, "ratings", 'Ü"1', value={}),
        ['assessments[0].ratings["Ü\\"1"]: unknown indicator code \'Ü"1\''],
    ),
    "sources not an array": (
        set_path(*R75, "sources", value={"reliability": "B"}),
        ['assessments[0].ratings["7.5"].sources: must be an array, not object'],
    ),
    "source without citation": (
        delete_path(*R75, "sources", 0, "citation"),
        ["assessments[0].ratings[\"7.5\"].sources[0]: missing field 'citation'"],
    ),
    "citation too long": (
        set_path(*R75, "sources", 0, "citation", value="x" * 501),
        ['assessments[0].ratings["7.5"].sources[0].citation: is longer than 500 characters'],
    ),
    "level off the scale": (
        set_path(*A0, "levels", "overall", value="dire"),
        [
            "assessments[0].levels[\"overall\"]: 'dire' is not one of "
            "insufficient_data, low, serious_concern, imminent_risk, current_crisis"
        ],
    ),
    "levels given as null": (
        set_path(*A0, "levels", value=None),
        ["assessments[0].levels: must be an object, not null"],
    ),
    "factor level off the scale": (
        set_path(*A0, "factor_levels", "7", value=3),
        [
            'assessments[0].factor_levels["7"]: number is not null or one of '
            "not_assessed, absent, low, moderate, high"
        ],
    ),
    "recommendation not an object": (
        set_path(*A0, "recommendations", 0, value="sanctions"),
        ["assessments[0].recommendations[0]: must be an object, not string"],
    ),
    "problems of two assessments": (
        together(
            set_path(*A0, "posture", value="hostile"),
            set_path(*A1, "ratings", "1.1", "trend", value=None),
        ),
        [
            "assessments[0].posture: 'hostile' is not one of willing_able, "
            "willing_lacks_capacity, unwilling, perpetrator",
            'assessments[1].ratings["1.1"].trend: null is not one of improving, stable, worsening',
        ],
    ),
}


@pytest.mark.parametrize(("change", "expected"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_is_refused_with_exactly_its_problems(change, expected):
    raw = document()
    change(raw)

    assert problems_of(raw) == expected


def test_a_top_level_that_is_not_an_object_is_refused():
    assert problems_of([document()]) == ["the top level must be an object, not array"]


def test_a_full_export_becomes_records_with_every_field():
    first, second = validate_document(document(), indicator_codes=CODES)

    situation = first.situation
    assert (situation.code, situation.name, situation.country, situation.region) == (
        "darfur",
        "Darfur",
        "SD",
        "North Darfur",
    )
    assert (situation.review_cadence_days, situation.confidentiality) == (30, "internal")
    assert situation.analysts == ("analyst",)
    assert (first.as_of, first.status, first.revision) == (date(2026, 1, 15), "approved", 2)
    assert (first.author, first.reviewer) == ("analyst", "reviewer")
    rating = first.ratings["7.5"]
    assert (rating.severity, rating.trend, rating.confidence, rating.note) == (
        "high",
        "worsening",
        "high",
        "Arms flows.",
    )
    assert [(s.reliability, s.citation) for s in rating.sources] == [("B", "UN Panel")]
    assert first.levels == {"genocide": "low", "overall": "current_crisis"}
    assert second.place == "assessments[1]"


def test_omitted_fields_take_their_defaults():
    raw = document()
    raw["assessments"][1]["status"] = "submitted"
    raw["assessments"][0]["reviewer"] = None

    first, second = validate_document(raw, indicator_codes=CODES)

    assert first.reviewer is None
    situation = second.situation
    assert (situation.code, situation.region, situation.analysts) == (None, "", ())
    assert (situation.review_cadence_days, situation.confidentiality) == (None, None)
    assert (second.narrative, second.author, second.reviewer, second.levels) == (
        "",
        None,
        None,
        None,
    )
    assert second.revision == 1  # a submitted assessment without one is at its first revision
    assert second.ratings["1.1"].sources == ()


def test_a_key_given_twice_is_refused():
    text = '{"format": "r2p-assessments", "format": "r2p-assessments"}'

    with pytest.raises(ExchangeError) as refused:
        parse_document(text, indicator_codes=CODES)

    assert refused.value.problems == ['invalid JSON: duplicate key "format" in an object']


def test_a_file_that_is_not_utf8_is_refused():
    with pytest.raises(ExchangeError) as refused:
        parse_document(b'{"format": "\xff"}', indicator_codes=CODES)

    assert refused.value.problems == ["is not UTF-8 text (byte 12)"]


def test_invalid_json_is_refused_with_line_and_column():
    with pytest.raises(ExchangeError) as refused:
        parse_document(json.dumps(document())[:-1], indicator_codes=CODES)

    [problem] = refused.value.problems
    assert problem.startswith("line 1, column ")
    assert ": invalid JSON: Expecting" in problem
