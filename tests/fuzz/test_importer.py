"""The importer (``manage.py import_assessments``) on hostile files: mutations of a valid
export, and JSON of any shape. A file is refused with a message that can be printed and
nothing imported, or imported whole, every assessment as the file gives it; never a crash."""

import copy
import functools
import json
import re
from collections.abc import Iterator
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management import CommandError, call_command
from django.db.models import Model
from hypothesis import event, given, settings
from hypothesis import strategies as st

from assessments import limits, scales
from assessments.exchange import assessments_for_export, export_document
from assessments.exchange_schema import (
    CONFIDENTIALITIES,
    RATED_SEVERITIES,
    RELIABILITIES,
    STATUSES,
    AssessmentEntry,
    RatingEntry,
    SituationEntry,
    SourceEntry,
)
from assessments.models import (
    Assessment,
    EscalationSummary,
    EvidenceSource,
    IndicatorRating,
    Situation,
    Transition,
)
from tests.assessments.builders import build_assessment, build_situation
from tests.fuzz.hostile import (
    DuplicateKeys,
    Nested,
    Raw,
    Rows,
    as_of_range,
    assert_storable,
    dateish,
    hostile_text,
    json_value,
    no_crash_logged,
    rolled_back,
    snapshot,
    to_json,
    watched_models,
)

# The profile tests/fuzz/conftest.py chose: 1,000 examples in CI, 100 elsewhere.
FUZZ = settings.get_profile("fuzz")

#: Every field name of the format, to add where it does not belong.
FIELD_NAMES = sorted(
    {
        name
        for model in (AssessmentEntry, SituationEntry, RatingEntry, SourceEntry)
        for name in model.model_fields
    }
    | {"format", "version", "exported_at", "assessments"}
)
FLOOD = 32_768
INDICATOR_CODES = ("7.5", "1.1", "10.1", "14.1", "99.9", " 7.5", "7.50", "RF7")
IMPORTED = re.compile(
    r"Imported .*: (?P<created>\d+) assessments? created, (?P<skipped>\d+) skipped, "
    r"(?P<situations>\d+) situations? created"
)

Path_ = tuple[int | str, ...]


def hand_written() -> dict[str, Any]:
    """A file as another office might write it by hand: the required fields only."""
    return {
        "format": "r2p-assessments",
        "version": 1,
        "assessments": [
            {
                "situation": {"name": "Rakhine", "country": "MM"},
                "as_of": "2026-02-01",
                "posture": "perpetrator",
                "status": "submitted",
                "ratings": {
                    "7.5": {"severity": "high", "trend": "worsening", "confidence": "medium"}
                },
            }
        ],
    }


@pytest.fixture
def hostile_files(
    analyst: AbstractBaseUser, reviewer: AbstractBaseUser
) -> st.SearchStrategy[bytes]:
    """Files made from two valid ones: an export of two assessments (one approved, with its
    sources) and a hand-written one. What the export was made of is rolled back: no example
    finds it, every example imports into a database without situations or assessments."""
    with rolled_back():
        situation = build_situation(
            by=reviewer,
            analysts=[analyst],
            code="darfur",
            name="Darfur",
            region="North",
            groups=[("Displaced people in the camps.", "other"), ("The Fur.", "unclassified")],
        )
        build_assessment(
            situation,
            by=analyst,
            ratings={"7.5": ("high", "worsening", "high"), "1.1": "moderate"},
            narrative="Militias attack villages.",
            status="approved",
            reviewer=reviewer,
        )
        build_assessment(
            situation,
            by=analyst,
            ratings={"10.1": "low"},
            as_of=date(2026, 5, 2),
            posture="unwilling",
        )
        exported = export_document(assessments_for_export())
    for entry in exported["assessments"]:
        entry["summaries"] = []  # accepted and never imported: no field worth changing
    return files([exported, hand_written()])


def watched() -> list[type[Model]]:
    """The tables an import may write, and the users (it makes none)."""
    return [*watched_models(), get_user_model()]


@pytest.fixture
def rows_before(hostile_files: st.SearchStrategy[bytes], admin: AbstractBaseUser) -> Rows:
    """Every watched row as each example finds it (each one's changes are rolled back)."""
    rows = snapshot(watched())
    assert not rows[Assessment._meta.label] and not rows[Situation._meta.label]
    return rows


# Mutations ----------------------------------------------------------------------------------


def places(value: Any, path: Path_ = ()) -> Iterator[Path_]:
    """The path of every value in a document, the document itself last."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from places(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from places(item, (*path, index))
    yield path


def at(document: Any, path: Path_) -> Any:
    for part in path:
        document = document[part]
    return document


def _filled_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value)


def like(value: Any) -> st.SearchStrategy[Any]:
    """A replacement near what the field held: text for text, numbers for a number."""
    if isinstance(value, str):
        near = [hostile_text(25_000), dateish(as_of_range()), st.sampled_from(scales.SEVERITIES)]
        return st.one_of(*near, st.just(value.upper()), st.just(f" {value} "))
    if isinstance(value, bool) or value is None:
        return st.one_of(st.booleans(), st.none(), st.integers(-1, 2))
    if isinstance(value, int):
        return st.one_of(
            st.integers(),
            st.sampled_from([0, -1, 2**31, 2**63, 100_001, 3651, True]),
            st.sampled_from([Raw("9" * 5000), Raw("1.5"), Raw("1e2")]),
            st.just(str(value)),
            st.just(float(value)),
        )
    if isinstance(value, dict):
        return st.one_of(st.just({}), st.just([value]), st.just(list(value)))
    if isinstance(value, list):
        return st.one_of(st.just([]), st.just(value * 3), st.just({"0": value}))
    return json_value()


def text(max_size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    """Text any field may hold: no NUL, no lone surrogate; at its limit at times."""
    any_text = st.text(
        alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
        min_size=min_size,
        max_size=min(max_size, 40),
    )
    return st.one_of(any_text, st.just("x" * max_size), st.just("\U0001f642" * max_size))


USERS_HERE = ("admin", "analyst", "reviewer")  # the fixtures' users
USERNAMES = st.sampled_from([*USERS_HERE, "nobody"])
#: For a field of the format, by its name: values it may hold.
VALID: dict[str, st.SearchStrategy[Any]] = {
    "severity": st.sampled_from(RATED_SEVERITIES),
    "trend": st.sampled_from(scales.TRENDS),
    "confidence": st.sampled_from(scales.CONFIDENCES),
    "status": st.sampled_from(STATUSES),
    "posture": st.sampled_from(scales.POSTURES),
    "reliability": st.sampled_from(RELIABILITIES),
    "confidentiality": st.sampled_from(CONFIDENTIALITIES),
    "as_of": st.dates(*as_of_range()).map(date.isoformat),
    "country": st.sampled_from(["SD", "MM", "UA", "CD", "AX"]),
    "code": st.from_regex(r"[-a-zA-Z0-9_]{1,80}", fullmatch=True),
    "name": text(limits.MAX_NAME, min_size=1).filter(str.strip),
    "region": text(limits.MAX_REGION),
    "populations_at_risk": text(limits.MAX_POPULATIONS),
    "protected_groups": text(limits.MAX_POPULATIONS),
    "narrative": text(limits.MAX_NARRATIVE),
    "note": text(limits.MAX_NOTE),
    "citation": text(limits.MAX_CITATION, min_size=1).filter(str.strip),
    "review_cadence_days": st.integers(1, limits.MAX_REVIEW_CADENCE_DAYS),
    "revision": st.integers(1, limits.MAX_REVISION),
    "author": USERNAMES,
    "reviewer": st.one_of(st.none(), USERNAMES),
    "analysts": st.lists(USERNAMES, max_size=3),
}


@st.composite
def mutated(draw: st.DrawFn, document: dict[str, Any], *, hostile: bool = True) -> Any:
    """A valid document changed in one to four places: with values its fields may hold
    (mostly still valid), or, when ``hostile``, in any way at all."""
    document = copy.deepcopy(document)
    for _ in range(draw(st.integers(min_value=1, max_value=4), label="changes")):
        paths = [
            path
            for path in places(document)
            if hostile or (path and path[-1] in VALID) or _filled_list(at(document, path))
        ]
        if not paths:
            break
        path = draw(st.sampled_from(paths), label="at")
        value = at(document, path)
        ops = []
        if path and path[-1] in VALID:
            ops += ["valid", "valid"]
        if _filled_list(value):
            ops.append("copy")  # an assessment twice: the second is skipped
            if path[-1:] == ("sources",):
                ops += ["flood", "flood"]
            elif path[-1:] == ("analysts",):
                ops.append("flood")
        if hostile:
            ops += ["replace", "replace", "hostile", "nest"]
            if path:
                ops.append("delete")
            if isinstance(value, dict) and value:
                ops += ["add", "rename", "repeat_key"]
        op = draw(st.sampled_from(ops), label="op")
        new: Any = value
        if op == "valid":
            new = draw(VALID[str(path[-1])])
        elif op == "replace":
            new = draw(like(value))
        elif op == "hostile":
            new = draw(json_value())
        elif op == "nest":
            new = Nested(draw(st.sampled_from([1, 31, 32, 33, 2000])), value)
        elif op == "add":
            key = draw(st.one_of(st.sampled_from(FIELD_NAMES), hostile_text()))
            new = {**value, key: draw(json_value(max_leaves=3))}
        elif op == "rename":
            old = draw(st.sampled_from(sorted(value)))
            key = draw(
                st.one_of(st.sampled_from(INDICATOR_CODES + tuple(FIELD_NAMES)), hostile_text())
            )
            new = {(key if name == old else name): item for name, item in value.items()}
        elif op == "repeat_key":
            repeated = draw(st.sampled_from(sorted(value)))
            again = draw(st.one_of(st.just(value[repeated]), json_value(max_leaves=3)))
            new = DuplicateKeys([*value.items(), (repeated, again)])
        elif op == "copy":
            new = [*value, copy.deepcopy(draw(st.sampled_from(value)))]
        elif op == "flood":
            # More than a small integer column can number (the order of a rating's sources).
            new = value + value[-1:] * FLOOD
            event("flooded")
        if op == "delete":
            parent = at(document, path[:-1])
            del parent[path[-1]]
        elif not path:
            document = new
        else:
            at(document, path[:-1])[path[-1]] = new
        if op == "flood" or not isinstance(document, dict | list):
            break  # a change enough for a flooded file; nothing left to walk into
    return document


@functools.cache
def entry_like() -> st.SearchStrategy[dict[str, Any]]:
    """An object with the format's field names, holding anything."""
    return st.dictionaries(
        st.one_of(st.sampled_from(FIELD_NAMES), hostile_text()), json_value(), max_size=8
    )


DAMAGES = ("cut", "bom", "utf-16", "latin-1", "nul", "trailing")


def as_file(document: Any, *, ascii_only: bool, damage: str | None, cut: int) -> bytes:
    """The document as a file's bytes, damaged as said: cut short, prefixed, not UTF-8."""
    text = to_json(document, ascii_only=ascii_only)
    content = text.encode("utf-8", "surrogatepass")
    if damage == "cut":
        return content[: cut % (len(content) + 1)]
    if damage == "bom":
        return b"\xef\xbb\xbf" + content
    if damage == "utf-16":
        return text.encode("utf-16", "surrogatepass")
    if damage == "latin-1":
        return text.encode("latin-1", "replace")
    if damage == "nul":
        return content.replace(b" ", b"\x00", 1)
    if damage == "trailing":
        return content + b"\n{}"
    return content


def files(valid: list[dict[str, Any]]) -> st.SearchStrategy[bytes]:
    """A file's bytes: a valid document as it is or mutated, or JSON of any shape; now and
    then damaged as text."""
    documents = st.one_of(
        st.sampled_from(valid),
        st.sampled_from(valid).flatmap(lambda document: mutated(document, hostile=False)),
        st.sampled_from(valid).flatmap(lambda document: mutated(document, hostile=False)),
        st.sampled_from(valid).flatmap(mutated),
        st.sampled_from(valid).flatmap(mutated),
        json_value(),
        st.fixed_dictionaries(
            {
                "format": st.one_of(st.just("r2p-assessments"), json_value(max_leaves=2)),
                "version": st.one_of(st.just(1), json_value(max_leaves=2)),
                "assessments": st.one_of(st.lists(entry_like(), max_size=3), json_value()),
            }
        ),
    )
    return st.builds(
        as_file,
        documents,
        ascii_only=st.booleans(),
        damage=st.sampled_from([None] * 24 + list(DAMAGES)),
        cut=st.integers(min_value=0, max_value=2**16),
    )


# Checks -------------------------------------------------------------------------------------


def first_problem(message: str) -> str:
    """The kind of the first problem a refusal names, for the statistics of a run."""
    lines = message.splitlines()
    problem = lines[1].split(": ", 2)[-1] if len(lines) > 1 else message.split(": ", 1)[-1]
    return re.sub(r"'[^']*'|\d+", "_", problem)[:50]


def as_stored(assessment: Assessment) -> dict[str, Any]:
    """An imported assessment in the file's terms."""
    return {
        "as_of": assessment.as_of.isoformat(),
        "posture": assessment.posture,
        "status": assessment.status,
        "revision": assessment.revision,
        "narrative": assessment.narrative,
        "author": assessment.author.get_username(),
        "reviewer": assessment.reviewer.get_username() if assessment.reviewer else None,
        "ratings": {
            rating.indicator.code: {
                "severity": rating.severity,
                "trend": rating.trend,
                "confidence": rating.confidence,
                "note": rating.note,
                "sources": [
                    {"reliability": s.reliability, "citation": s.citation}
                    for s in rating.sources.all()
                ],
            }
            for rating in assessment.ratings.select_related("indicator")
        },
    }


def as_given(entry: dict[str, Any]) -> dict[str, Any]:
    """A file's assessment as the importer stores it: its defaults filled in, written by the
    importing admin unless its author is a user here, its reviewer kept if a user here other
    than its author; one awaiting its second review there is in review here, without the
    reviewer who gave the first."""
    author = entry.get("author") if entry.get("author") in USERS_HERE else "admin"
    reviewer = entry.get("reviewer")
    second_review = entry["status"] == "second_review"
    if second_review:
        reviewer = None
    return {
        "as_of": entry["as_of"],
        "posture": entry["posture"],
        "status": "in_review" if second_review else entry["status"],
        "revision": entry.get("revision", int(entry["status"] != "draft")),
        "narrative": entry.get("narrative", ""),
        "author": author,
        "reviewer": reviewer if reviewer in USERS_HERE and reviewer != author else None,
        "ratings": {
            code: {"note": "", "sources": [], **rating} for code, rating in entry["ratings"].items()
        },
    }


def assert_imported_as_given(document: dict[str, Any], output: str) -> None:
    """Every assessment imported is one the file gives, as it gives it; every other one of
    the file was skipped; and every value stored fits its column."""
    counts = IMPORTED.search(output)
    assert counts, output
    created = Assessment.objects.select_related("situation", "author")  # none before
    entries = document["assessments"]
    assert len(created) == int(counts["created"])
    assert int(counts["created"]) + int(counts["skipped"]) == len(entries)
    given = [as_given(entry) for entry in entries]
    for assessment in created:
        assert as_stored(assessment) in given, as_stored(assessment)
        if assessment.awaits_review:
            assert EscalationSummary.objects.filter(assessment=assessment).exists()
    situations = list(Situation.objects.filter(assessments__in=created).distinct())
    ratings = list(IndicatorRating.objects.filter(assessment__in=created))
    assert_storable(
        [
            *situations,
            *created,
            *ratings,
            *EvidenceSource.objects.filter(rating__in=ratings),
            *Transition.objects.filter(assessment__in=created),
        ]
    )
    for situation in situations:
        situation.full_clean(validate_unique=False, validate_constraints=False)


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_the_importer_refuses_a_bad_file_whole_and_imports_a_good_one_as_given(
    hostile_files: st.SearchStrategy[bytes], rows_before: Rows, tmp_path: Path, data: st.DataObject
) -> None:
    content = data.draw(hostile_files, label="file")
    # Mostly an admin, who may import; sometimes an analyst, who may not.
    importer = data.draw(st.sampled_from(["admin", "admin", "admin", "analyst"]), label="as")
    path = tmp_path / "assessments.json"
    path.write_bytes(content)
    output = StringIO()
    with rolled_back():
        with no_crash_logged():
            try:
                call_command("import_assessments", str(path), "--as", importer, stdout=output)
            except CommandError as refused:
                event(f"refused: {first_problem(str(refused))}")
                str(refused).encode("utf-8")  # a message the terminal can print
                assert snapshot(watched()) == rows_before
                return
        event("imported")
        output.getvalue().encode("utf-8")
        assert importer == "admin"
        assert_imported_as_given(json.loads(content), output.getvalue())


# Found by the fuzz test ---------------------------------------------------------------------


def with_sources(count: int) -> dict[str, Any]:
    document = hand_written()
    source = {"reliability": "B", "citation": "OHCHR press briefing"}
    document["assessments"][0]["ratings"]["7.5"]["sources"] = [source] * count
    return document


@pytest.mark.django_db
def test_a_rating_with_more_sources_than_the_form_can_hold_is_refused_and_nothing_imported(
    tmp_path: Path, admin: AbstractBaseUser
) -> None:
    # Past 32,767 sources their order overflowed its column: a crash on PostgreSQL.
    path = tmp_path / "assessments.json"
    path.write_text(json.dumps(with_sources(limits.MAX_SOURCES_PER_RATING + 1)))

    with pytest.raises(CommandError) as refused:
        call_command("import_assessments", str(path), "--as", "admin", stdout=StringIO())

    assert (
        f'assessments[0].ratings["7.5"].sources: List should have at most '
        f"{limits.MAX_SOURCES_PER_RATING} items"
    ) in str(refused.value)
    assert not Assessment.objects.exists()


@pytest.mark.django_db
def test_a_rating_with_as_many_sources_as_the_form_can_hold_is_imported(
    tmp_path: Path, admin: AbstractBaseUser
) -> None:
    path = tmp_path / "assessments.json"
    path.write_text(json.dumps(with_sources(limits.MAX_SOURCES_PER_RATING)))

    call_command("import_assessments", str(path), "--as", "admin", stdout=StringIO())

    assert EvidenceSource.objects.count() == limits.MAX_SOURCES_PER_RATING


def test_the_form_holds_at_most_as_many_sources_as_a_file_may_give() -> None:
    shortest = "A x"  # a grade and a one-letter source
    most = "\n".join([shortest] * limits.MAX_SOURCES_PER_RATING)
    assert len(most) <= limits.MAX_SOURCES < len(f"{most}\n{shortest}")
