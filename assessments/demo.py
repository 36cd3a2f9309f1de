"""Fictional demo situations for a local trial (``make run``). Never used in production."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from assessments import services, workflow
from assessments.models import Assessment, EscalationSummary, Situation
from assessments.workflow import RatingInput
from framework.models import Indicator

NOTE = "Fictional demo evidence."

R = tuple[str, str, str]  # severity, trend, confidence


@dataclass(frozen=True)
class DemoAssessment:
    days_ago: int
    posture: str
    narrative: str
    ratings: dict[str, R]
    outcome: str  # draft, submitted, approved, returned


@dataclass(frozen=True)
class DemoSituation:
    code: str
    name: str
    country: str
    region: str
    populations: str
    groups: str
    cadence: int
    assessments: tuple[DemoAssessment, ...]


def _common(severity: str, numbers: range | tuple[int, ...]) -> dict[str, R]:
    return {f"{n}.1": (severity, "worsening", "medium") for n in numbers}


DEMO: tuple[DemoSituation, ...] = (
    DemoSituation(
        code="demo-river-province",
        name="River Province (demo)",
        country="SS",
        region="River Province",
        populations="Displaced farming communities along the river",
        groups="An ethnic minority of the province",
        cadence=30,
        assessments=(
            DemoAssessment(
                60,
                "unwilling",
                "Fictional demo: tensions rising after disputed local elections.",
                {**_common("moderate", (1, 2, 4, 5, 7)), "8.4": ("moderate", "worsening", "high")},
                "approved",
            ),
            DemoAssessment(
                5,
                "perpetrator",
                "Fictional demo: reports of targeted killings of community leaders.",
                {
                    **_common("high", (1, 2, 4, 5, 7)),
                    "8.4": ("high", "worsening", "high"),
                    "9.1": ("high", "worsening", "medium"),
                    "10.8": ("high", "worsening", "medium"),
                },
                "approved",
            ),
        ),
    ),
    DemoSituation(
        code="demo-coastal-districts",
        name="Coastal Districts (demo)",
        country="MM",
        region="Coastal districts",
        populations="Stateless fishing communities",
        groups="A religious minority",
        cadence=60,
        assessments=(
            DemoAssessment(
                10,
                "unwilling",
                "Fictional demo: emergency laws and militia mobilisation ahead of a census.",
                {**_common("moderate", (1, 2, 3, 4, 6)), "7.1": ("moderate", "worsening", "high")},
                "submitted",
            ),
        ),
    ),
    DemoSituation(
        code="demo-capital-region",
        name="Capital Region (demo)",
        country="BI",
        region="Capital region",
        populations="Opposition supporters and journalists",
        groups="Political opponents",
        cadence=90,
        assessments=(
            DemoAssessment(
                40,
                "willing_lacks_capacity",
                "Fictional demo: a fragile transition with weak institutions.",
                _common("moderate", (1, 3, 6)),
                "approved",
            ),
        ),
    ),
    DemoSituation(
        code="demo-highlands",
        name="Highlands (demo)",
        country="KG",
        region="Highlands",
        populations="Seasonal herders",
        groups="A linguistic minority",
        cadence=90,
        assessments=(
            DemoAssessment(
                200,
                "willing_able",
                "Fictional demo: isolated land disputes, handled by local courts.",
                {"1.5": ("low", "stable", "medium"), "4.3": ("low", "improving", "low")},
                "approved",
            ),
        ),
    ),
)


@transaction.atomic
def seed_demo_situations(*, analysts: list[User], reviewer: User) -> list[tuple[Situation, bool]]:
    """Create the demo situations with their assessments; existing ones are kept as they are."""
    indicators = dict(Indicator.objects.values_list("code", "pk"))
    today = timezone.localdate()
    done = []
    for spec in DEMO:
        situation = Situation.objects.filter(code=spec.code).first()
        if situation is not None:
            done.append((situation, False))
            continue
        situation = services.create_situation(
            by=reviewer,
            analysts=analysts,
            code=spec.code,
            name=spec.name,
            country=spec.country,
            region=spec.region,
            populations_at_risk=spec.populations,
            protected_groups=spec.groups,
            review_cadence_days=spec.cadence,
        )
        for item in spec.assessments:
            _seed_assessment(situation, item, analysts[0], reviewer, indicators, today)
        done.append((situation, True))
    return done


def _seed_assessment(
    situation: Situation,
    item: DemoAssessment,
    analyst: User,
    reviewer: User,
    indicators: dict[str, int],
    today: date,
) -> Assessment:
    as_of = today - timedelta(days=item.days_ago)
    assessment = workflow.start_assessment(
        situation, by=analyst, as_of=as_of, posture=item.posture, narrative=item.narrative
    )
    ratings = {
        indicators[code]: RatingInput(
            severity=severity,
            trend=trend,
            confidence=confidence,
            note=NOTE,
            sources=(("C", "Demo field report"),),
        )
        for code, (severity, trend, confidence) in item.ratings.items()
    }
    assessment = workflow.save_assessment(
        assessment,
        by=analyst,
        expected_version=assessment.lock_version,
        as_of=as_of,
        posture=item.posture,
        narrative=item.narrative,
        ratings=ratings,
    )
    if item.outcome == "draft":
        return assessment
    assessment = workflow.submit_assessment(assessment, by=analyst)
    if item.outcome in ("approved", "returned"):
        # Draft this summary now (what the worker would do) so the demo can show a decision;
        # the summaries of assessments awaiting a decision are left to the worker.
        summary = EscalationSummary.objects.get(assessment=assessment, revision=1)
        workflow.draft_summary(summary.pk)
        summary.refresh_from_db()
        workflow.decide_escalation(
            summary,
            by=reviewer,
            approve=item.outcome == "approved",
            level=summary.proposed_escalation,
            reason="" if item.outcome == "approved" else "Demo: needs more sources.",
            content_hash=summary.content_hash,
        )
    return assessment
