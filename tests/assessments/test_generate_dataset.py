"""The synthetic data set: consistent with every constraint and workflow rule, the size asked
for, reproducible from its seed, and shown by the pages like any other data."""

import io
from collections import Counter
from datetime import date
from itertools import pairwise

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from accounts.roles import ANALYSTS, REVIEWERS
from assessments import scales, selectors
from assessments.models import (
    Assessment,
    EscalationDecision,
    EscalationSummary,
    EvidenceSource,
    FirstReview,
    IndicatorRating,
    Participation,
    ProtectedGroup,
    Situation,
    Transition,
)
from assessments.summaries import build_summary_content, content_hash
from assessments.synthetic import (
    FICTIONAL,
    PREFIX,
    BulkWriter,
    GenerationRefused,
    Plan,
    generate,
)
from assessments.workflow import derive_result
from framework.models import Indicator
from tests.assessments.builders import build_assessment, build_situation

TODAY = date(2026, 6, 15)
SMALL = Plan(situations=5, assessments_per_situation=4, seed=1, today=TODAY)

Status = Assessment.Status


@pytest.fixture
def generated(db):
    return generate(SMALL)


def generated_reviewer():
    return get_user_model().objects.get(username=f"{PREFIX}reviewer-0001")


def test_counts_match_the_arguments(generated):
    indicators = Indicator.objects.active().count()

    assert Situation.objects.filter(code__startswith=PREFIX).count() == 5
    assert Assessment.objects.count() == 20
    per_situation = Counter(Assessment.objects.values_list("situation__code", flat=True))
    assert set(per_situation.values()) == {4}
    assert IndicatorRating.objects.count() == 20 * indicators
    per_assessment = Counter(IndicatorRating.objects.values_list("assessment", flat=True))
    assert set(per_assessment.values()) == {indicators}
    assert generated["situations"] == 5
    assert generated["assessments"] == 20
    assert generated["ratings"] == IndicatorRating.objects.count()
    assert generated["sources"] == EvidenceSource.objects.count() > 0
    assert generated["summaries"] == EscalationSummary.objects.count()
    assert generated["decisions"] == EscalationDecision.objects.count()
    assert generated["transitions"] == Transition.objects.count()


def test_analysts_and_reviewers_are_made_and_assigned(generated):
    users = get_user_model().objects.filter(username__startswith=PREFIX)
    analysts = users.filter(groups__name=ANALYSTS)
    reviewers = users.filter(groups__name=REVIEWERS)

    assert analysts.count() >= 3 and reviewers.count() >= 3
    assert not analysts.filter(groups__name=REVIEWERS).exists()
    assert all(not user.has_usable_password() for user in users)
    for situation in Situation.objects.prefetch_related("analysts"):
        assigned = {user.pk for user in situation.analysts.all()}
        assert assigned and assigned <= set(analysts.values_list("pk", flat=True))
        authors = set(situation.assessments.values_list("author", flat=True))
        assert authors <= assigned


def test_everything_shown_is_marked_fictional(generated):
    assert all(FICTIONAL in name for name in Situation.objects.values_list("name", flat=True))
    assert all(FICTIONAL in name for name in ProtectedGroup.objects.values_list("name", flat=True))
    assert all(
        n.startswith("Fictional") for n in Assessment.objects.values_list("narrative", flat=True)
    )
    notes = IndicatorRating.objects.exclude(note="").values_list("note", flat=True)
    assert notes and all(note.startswith("Fictional") for note in notes)
    assert all("Fictional" in c for c in EvidenceSource.objects.values_list("citation", flat=True))
    users = get_user_model().objects.filter(username__startswith=PREFIX)
    assert all(user.get_full_name().endswith(FICTIONAL) for user in users)


def test_every_workflow_state_is_present(generated):
    statuses = set(Assessment.objects.values_list("status", flat=True))

    assert statuses == set(Status.values)
    # A draft again: approved, then edited (its approval voided).
    voided = Transition.objects.filter(event=Transition.Event.APPROVAL_VOIDED)
    assert voided.filter(assessment__status=Status.DRAFT, assessment__revision__gte=1).exists()
    assert EscalationSummary.objects.filter(status=EscalationSummary.Status.PENDING).exists()
    assert EscalationDecision.objects.filter(approved=False).exists()
    # Two reviewers where the rung needs them: decisions that name a first review, and an
    # assessment whose first review awaits its second.
    assert EscalationDecision.objects.filter(second_review_required=True).exists()
    assert FirstReview.objects.filter(decision__isnull=True).exists()


def test_levels_rise_and_fall_over_several_years(generated):
    for situation in Situation.objects.all():
        dates = list(situation.assessments.order_by("as_of").values_list("as_of", flat=True))
        assert len(set(dates)) == len(dates)
    first, last = Assessment.objects.order_by("as_of")[0], Assessment.objects.order_by("-as_of")[0]
    # Four assessments at the cadences drawn (30 to 180 days) span months to years.
    assert (last.as_of - first.as_of).days > 180
    assert last.as_of <= TODAY
    assert set(Assessment.objects.values_list("overall_level", flat=True)) >= {
        scales.Level.LOW,
        scales.Level.CURRENT_CRISIS,
    }
    rises = falls = 0
    for situation in Situation.objects.all():
        ranks = [
            scales.level_rank(level)
            for level in situation.assessments.order_by("as_of").values_list(
                "overall_level", flat=True
            )
        ]
        rises += sum(after > before for before, after in pairwise(ranks))
        falls += sum(after < before for before, after in pairwise(ranks))
    assert rises and falls


def test_every_row_passes_the_models_validation_and_the_database_constraints(generated):
    checked = [
        *Situation.objects.all(),
        *ProtectedGroup.objects.all(),
        *Assessment.objects.all(),
        *IndicatorRating.objects.filter(assessment=Assessment.objects.first()),
        *EvidenceSource.objects.all()[:50],
        *EscalationSummary.objects.all(),
        *FirstReview.objects.all(),
        *EscalationDecision.objects.all(),
        *Transition.objects.all(),
        *Participation.objects.all(),
    ]
    for row in checked:
        # Every field's validation, the unique constraints and the check constraints.
        row.full_clean()
    # The foreign keys, checked now rather than at commit (PostgreSQL defers them).
    connection.check_constraints()


def test_the_workflow_rules_hold(generated):
    for assessment in Assessment.objects.prefetch_related("summaries", "participations"):
        summaries = {s.revision: s for s in assessment.summaries.all()}
        assert set(summaries) == set(range(1, assessment.revision + 1))
        reviewers = {
            p.user_id
            for p in assessment.participations.all()
            if p.role == Participation.Role.REVIEWER
        }
        assert assessment.author_id not in reviewers
        current = summaries.get(assessment.revision)
        decision = EscalationDecision.objects.filter(summary=current).first()
        first = FirstReview.objects.filter(summary=current).first()
        if assessment.status == Status.SUBMITTED:
            assert current.status == EscalationSummary.Status.PENDING
        if assessment.status == Status.IN_REVIEW:
            assert current.is_ready and decision is None and first is None
            assert assessment.reviewer is None
        if assessment.status == Status.SECOND_REVIEW:
            assert decision is None and first is not None
            assert selectors.second_review_needed(current.proposed_escalation)
            assert assessment.reviewer_id == first.reviewer_id
        if assessment.status in (Status.APPROVED, Status.RETURNED):
            assert decision.approved == (assessment.status == Status.APPROVED)
            assert assessment.reviewer_id == decision.reviewer_id
            assert decision.second_review_required == (first is not None)
            assert (
                decision.second_review_required
                == selectors.second_review_needed(current.proposed_escalation)
                or decision.level != decision.proposed_level
            )
        for summary in summaries.values():
            for verdict in (*EscalationDecision.objects.filter(summary=summary),
                            *FirstReview.objects.filter(summary=summary)):  # fmt: skip
                assert verdict.content_hash == summary.content_hash
                assert verdict.author_id == assessment.author_id
        steps = list(assessment.transitions.order_by("at", "pk"))
        assert steps[0].from_status == "" and steps[0].to_status == Status.DRAFT
        assert steps[-1].to_status == assessment.status
        for before, after in pairwise(steps):
            assert after.from_status == before.to_status


def test_bulk_writes_are_held_to_the_check_constraints(generated):
    """COPY (PostgreSQL) and the inserts (SQLite) bypass none of the database's constraints:
    a decision by the assessment's own author is refused, as it is to the services."""
    summary = EscalationSummary.objects.ready().filter(decision__isnull=True).first()
    author = summary.assessment.author_id
    row = (
        EscalationDecision.objects.order_by("-pk")[0].pk + 1,
        summary.pk,
        author,
        author,
        True,
        summary.proposed_escalation,
        summary.proposed_escalation,
        "",
        summary.content_hash,
        summary.ready_at,
        False,
        None,
        None,
    )
    columns = (
        "id",
        "summary_id",
        "reviewer_id",
        "author_id",
        "approved",
        "proposed_level",
        "level",
        "reason",
        "content_hash",
        "decided_at",
        "second_review_required",
        "first_review_id",
        "first_reviewer_id",
    )

    refused = pytest.raises(IntegrityError, match="decision_reviewer_is_not_author")
    with refused, transaction.atomic():
        BulkWriter().write(EscalationDecision, columns, [row])
    assert not EscalationDecision.objects.filter(summary=summary).exists()


def test_every_stored_summary_hash_matches_its_content(generated):
    ready = EscalationSummary.objects.ready()

    assert ready.exists()
    for summary in ready:
        assert content_hash(summary.content) == summary.content_hash


def test_summaries_hold_what_the_app_would_draft(generated):
    """The content assembled from the patterns is the app's own drafting of the same data."""
    for summary in EscalationSummary.objects.ready().select_related("assessment__situation"):
        assessment = summary.assessment
        drafted = build_summary_content(assessment)
        drafted["generated_at"] = summary.content["generated_at"]
        drafted["assessment"]["revision"] = summary.revision
        assert drafted == summary.content


def test_assessment_results_are_the_scoring_of_their_ratings(generated):

    for assessment in Assessment.objects.all()[:8]:
        derived = derive_result(assessment)
        assert derived.to_dict() == assessment.result
        assert derived.overall == assessment.overall_level


def snapshot(seed: int) -> dict[str, object]:
    """The generated data without its database ids and password hashes, then rolled back."""
    with transaction.atomic():
        generate(Plan(situations=5, assessments_per_situation=4, seed=seed, today=TODAY))
        data = {
            "situations": list(
                Situation.objects.order_by("code").values_list(
                    "code", "name", "country", "region", "review_cadence_days", "created_at"
                )
            ),
            "assessments": list(
                Assessment.objects.order_by("situation__code", "as_of").values_list(
                    "situation__code",
                    "as_of",
                    "status",
                    "overall_level",
                    "revision",
                    "author__username",
                    "reviewer__username",
                    "updated_at",
                )
            ),
            "ratings": list(
                IndicatorRating.objects.order_by(
                    "assessment__as_of", "indicator__code"
                ).values_list(
                    "assessment__situation__code", "indicator__code", "severity", "trend", "note"
                )
            ),
            "summaries": sorted(EscalationSummary.objects.values_list("content_hash", flat=True)),
            "transitions": list(
                Transition.objects.order_by("assessment__situation__code", "at", "pk").values_list(
                    "event", "from_status", "to_status", "at", "actor__username"
                )
            ),
        }
        transaction.set_rollback(True)
    return data


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    first = snapshot(1)
    again = snapshot(1)
    other = snapshot(2)

    assert first == again
    for part in ("assessments", "ratings", "summaries", "transitions"):
        assert first[part] != other[part]


def test_pages_render_the_generated_data_for_a_reviewer(generated, client):
    client.force_login(generated_reviewer())

    listing = client.get(reverse("assessments:situations"))
    assert listing.status_code == 200
    assert FICTIONAL in listing.content.decode()

    queue = client.get(reverse("assessments:queue"))
    assert queue.status_code == 200
    waiting = Assessment.objects.awaiting_review().select_related("situation").first()
    assert waiting.situation.name in queue.content.decode()

    for status in (Status.APPROVED, Status.SECOND_REVIEW, Status.RETURNED):
        assessment = Assessment.objects.filter(status=status).first()
        detail = client.get(reverse("assessments:detail", args=[assessment.pk]))
        assert detail.status_code == 200
        assert assessment.situation.name in detail.content.decode()


def test_the_command_reports_each_phase(db):
    out = io.StringIO()

    call_command(
        "generate_dataset",
        "--situations",
        "3",
        "--assessments-per-situation",
        "2",
        "--seed",
        "7",
        "--today",
        "2025-03-01",
        stdout=out,
    )

    lines = out.getvalue().splitlines()
    phases = [line.split(":")[0] for line in lines]
    assert phases == [
        "patterns",
        "users",
        "situations",
        "assessments",
        "ratings",
        "sources",
        "summaries",
        "decisions",
        "transitions",
        "committed",
        "analyzed",
    ]
    assert "6 assessments" in out.getvalue()
    assert all(line.endswith(" s)") for line in lines)
    assert Assessment.objects.count() == 6
    assert max(Assessment.objects.values_list("as_of", flat=True)) <= date(2025, 3, 1)


def test_it_refuses_a_database_with_situations_it_did_not_generate(db, reviewer, analyst):
    build_situation(by=reviewer, analysts=[analyst], name="A real situation")

    with pytest.raises(GenerationRefused, match="not generated"):
        generate(SMALL)
    assert not Situation.objects.filter(code__startswith=PREFIX).exists()

    generate(Plan(situations=2, assessments_per_situation=2, force=True, today=TODAY))
    assert Situation.objects.filter(code__startswith=PREFIX).count() == 2
    assert Situation.objects.filter(name="A real situation").exists()


def test_it_refuses_to_generate_twice_into_one_database(generated):
    with pytest.raises(CommandError, match="already holds a generated data set"):
        call_command("generate_dataset", "--situations", "2", "--assessments-per-situation", "2")
    assert Situation.objects.count() == 5


def test_the_app_writes_new_rows_after_a_generation(generated, reviewer, analyst):

    situation = build_situation(by=reviewer, analysts=[analyst], name="After the generation")
    assessment = build_assessment(
        situation, by=analyst, ratings={"1.1": "moderate"}, status="approved", reviewer=reviewer
    )

    assert assessment.pk > max(
        Assessment.objects.exclude(pk=assessment.pk).values_list("pk", flat=True)
    )
    assert EscalationDecision.objects.filter(summary__assessment=assessment).exists()


def test_accounts_sign_in_with_the_password_given(db, client):
    generate(Plan(situations=2, assessments_per_situation=2, password="a-generated-pass-2026"))

    user = generated_reviewer()
    assert user.check_password("a-generated-pass-2026")
