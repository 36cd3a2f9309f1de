"""The streamed export writes one assessment at a time, and the file it writes parses to
exactly the document the in-memory export builds."""

import json
from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import call_command

from assessments import dissent
from assessments.exchange import (
    assessments_for_export,
    export_document,
    known_indicator_codes,
    parse_document,
    stream_export,
)
from assessments.models import GroupKind
from assessments.workflow import RatingInput
from tests.assessments.builders import (
    CRISIS,
    SERIOUS_CONCERN,
    build_assessment,
    build_situation,
    decide_on,
    second_reviewer,
    summary_of,
)

EXPORTED_AT = datetime(2026, 6, 1, 12, 30, tzinfo=UTC)


@pytest.fixture
def varied(analyst, other_analyst, reviewer):
    """Assessments in every state of two situations, with groups, a genocide rating naming
    one, dissents, a decision, sources and text beyond ASCII."""
    lakeshore = build_situation(
        by=reviewer,
        analysts=[analyst, other_analyst],
        code="lakeshore",
        name="Lakeshore «Nord»",
        groups=[("The Lakeshore people", GroupKind.ETHNICAL), ("Fishers", GroupKind.OTHER)],
    )
    hills = build_situation(by=reviewer, analysts=[analyst], code="hills", name="Hills")
    group = lakeshore.groups.get(name="The Lakeshore people")
    crisis = build_assessment(
        lakeshore,
        by=analyst,
        ratings={
            **CRISIS,
            "10.1": RatingInput(
                severity="high",
                note="Broadcasts name the group: « ils »; 广播.",
                sources=(("B", "Radio monitoring"), ("D", "A witness, unverified")),
                groups=(group.pk,),
            ),
        },
        posture="perpetrator",
        status="in_review",
        narrative='Villages emptied.\nTwo lines, a tab\tand a quote ".',
    )
    dissent.record_dissent(
        crisis, by=other_analyst, levels={"genocide": "imminent_risk"}, reason="Not yet."
    )
    decide_on(
        summary_of(crisis),
        by=reviewer,
        approve=True,
        second_by=second_reviewer(),
        dissents_read=True,
    )
    build_assessment(
        lakeshore,
        by=analyst,
        ratings=SERIOUS_CONCERN,
        as_of=date(2026, 2, 1),
        status="returned",
        reviewer=reviewer,
    )
    build_assessment(hills, by=analyst, ratings={"7.5": "low"}, status="in_review")
    build_assessment(hills, by=analyst, as_of=date(2026, 3, 1))  # an empty draft
    build_assessment(hills, by=analyst, ratings={"2.1": "moderate"}, as_of=date(2026, 4, 1))


def streamed(**kw) -> str:
    return "".join(stream_export(assessments_for_export(), exported_at=EXPORTED_AT, **kw))


@pytest.mark.django_db
@pytest.mark.parametrize("chunk_size", [1, 2, 100])
def test_the_streamed_export_parses_to_the_document_built_in_memory(varied, chunk_size):
    in_memory = export_document(assessments_for_export(), exported_at=EXPORTED_AT)

    text = streamed(chunk_size=chunk_size)

    assert len(in_memory["assessments"]) == 5
    assert json.loads(text) == in_memory
    assert list(json.loads(text)) == ["format", "version", "exported_at", "assessments"]
    # One assessment per line between the header and the end.
    assert len(text.splitlines()) == 2 + len(in_memory["assessments"])
    assert "Lakeshore «Nord»" in text  # kept as written, not escaped
    records = parse_document(text.encode(), indicator_codes=known_indicator_codes())
    assert len(records) == 5


@pytest.mark.django_db
def test_an_export_of_nothing_is_a_valid_empty_document(analyst):
    text = streamed()

    assert json.loads(text) == export_document([], exported_at=EXPORTED_AT)
    assert parse_document(text, indicator_codes=known_indicator_codes()) == []


@pytest.mark.django_db
def test_the_streamed_export_yields_one_chunk_per_assessment(varied):
    chunks = list(stream_export(assessments_for_export(), exported_at=EXPORTED_AT, chunk_size=2))

    assert len(chunks) == 2 + 5  # the header, one per assessment, the end
    assert all(json.loads(chunk.lstrip(",\n"))["situation"] for chunk in chunks[1:-1])


@pytest.mark.django_db
def test_the_command_writes_the_streamed_document_to_a_file_and_to_stdout(varied, tmp_path):
    path = tmp_path / "out.json"
    err = StringIO()

    call_command("export_assessments", "--output", str(path), stderr=err)
    out = StringIO()
    call_command("export_assessments", "--situation", "hills", stdout=out, stderr=StringIO())

    written = json.loads(path.read_text(encoding="utf-8"))
    expected = export_document(assessments_for_export())
    assert written["assessments"] == expected["assessments"]
    assert "Exported 5 assessments to" in err.getvalue()
    hills = json.loads(out.getvalue())
    assert [a["situation"]["code"] for a in hills["assessments"]] == ["hills"] * 3
