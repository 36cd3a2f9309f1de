"""Fictional demo situations for a local trial (``make run``). Never used in production."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from assessments import dissent, groups, response, scales, selectors, services, workflow
from assessments.models import (
    CONVENTION_KINDS,
    Assessment,
    EscalationDecision,
    EscalationSummary,
    FirstReview,
    GroupKind,
    ResponseAction,
    Situation,
    Transition,
)
from assessments.services import GroupInput
from assessments.workflow import Answer, RatingInput
from forecasts.models import ForecastRelease
from forecasts.services import import_forecasts
from framework.models import Indicator

NOTE = "Fictional demo evidence."

R = tuple[str, str, str]  # severity, trend, confidence


@dataclass(frozen=True)
class DemoAssessment:
    days_ago: int
    posture: str
    narrative: str
    ratings: dict[str, R]
    outcome: str  # draft, submitted, in_review, second_review, approved, returned
    analyst: int = 0  # which of the demo analysts wrote it
    reason: str = ""  # the reviewer's reason for returning it


@dataclass(frozen=True)
class DemoSituation:
    code: str
    name: str
    country: str
    region: str
    populations: tuple[str, ...]  # other populations at risk
    groups: tuple[tuple[str, GroupKind], ...]  # groups the Genocide Convention protects
    cadence: int
    assessments: tuple[DemoAssessment, ...]


def _common(severity: str, numbers: range | tuple[int, ...]) -> dict[str, R]:
    return {f"{n}.1": (severity, "worsening", "medium") for n in numbers}


# A year of history: River Province and Coastal Districts rise, Capital Region and Highlands
# fall, Delta Region holds steady with a rise awaiting a decision, Lake Region's request for a
# Security Council briefing awaits its second reviewer, Northern Plateau waits for its first
# assessment. Returned, submitted, in-review and draft assessments are mixed in.
DEMO: tuple[DemoSituation, ...] = (
    DemoSituation(
        code="demo-river-province",
        name="River Province (demo)",
        country="SS",
        region="River Province",
        populations=("Displaced farming communities along the river",),
        groups=(("The Riverine people (fictional)", GroupKind.ETHNICAL),),
        cadence=30,
        assessments=(
            DemoAssessment(
                330,
                "willing_lacks_capacity",
                "Fictional demo: a disputed land reform, tense but calm.",
                _common("low", (1, 3)),
                "approved",
            ),
            DemoAssessment(
                240,
                "unwilling",
                "Fictional demo: hate speech on local radio and arrests of community leaders.",
                _common("moderate", (1, 2, 4)),
                "approved",
            ),
            DemoAssessment(
                150,
                "unwilling",
                "Fictional demo: militias said to be arming before the elections.",
                {**_common("moderate", (1, 2, 4, 5, 7)), "8.4": ("moderate", "worsening", "low")},
                "returned",
                reason="Demo: the arming rests on a single unverified report; add sources.",
            ),
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
        populations=("Stateless fishing communities",),
        groups=(
            ("Coastal Muslim minority (fictional)", GroupKind.RELIGIOUS),
            ("Coastal Hill people (fictional)", GroupKind.ETHNICAL),
        ),
        cadence=60,
        assessments=(
            DemoAssessment(
                300,
                "willing_lacks_capacity",
                "Fictional demo: restrictions on movement, no violence reported.",
                _common("low", (1, 2, 3)),
                "approved",
            ),
            DemoAssessment(
                200,
                "unwilling",
                "Fictional demo: citizenship rules tightened against the minority.",
                _common("moderate", (1, 2, 3, 4)),
                "approved",
            ),
            DemoAssessment(
                100,
                "unwilling",
                "Fictional demo: shelling of fishing villages by the armed forces.",
                {**_common("moderate", (1, 2, 3, 4)), "13.2": ("moderate", "worsening", "medium")},
                "approved",
            ),
            DemoAssessment(
                45,
                "unwilling",
                "Fictional demo: a calmer month, according to officials.",
                _common("low", (1, 2, 3, 4)),
                "returned",
                analyst=1,
                reason="Demo: officials are the only source; what do the communities report?",
            ),
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
        populations=("Opposition supporters", "Journalists"),
        groups=(),
        cadence=90,
        assessments=(
            DemoAssessment(
                360,
                "unwilling",
                "Fictional demo: a crackdown on protests after a contested vote.",
                {**_common("moderate", (1, 3, 6)), "11.2": ("moderate", "worsening", "medium")},
                "approved",
            ),
            DemoAssessment(
                250,
                "perpetrator",
                "Fictional demo: mass arrests and disappearances of opponents.",
                {**_common("moderate", (1, 3, 6)), "11.2": ("high", "worsening", "high")},
                "approved",
            ),
            DemoAssessment(
                130,
                "willing_lacks_capacity",
                "Fictional demo: a transitional government released detainees.",
                _common("low", (1, 3, 6)),
                "returned",
                reason="Demo: the weak institutions are still there; rate factor 3 again.",
            ),
            DemoAssessment(
                40,
                "willing_lacks_capacity",
                "Fictional demo: a fragile transition with weak institutions.",
                _common("moderate", (1, 3, 6)),
                "approved",
            ),
            DemoAssessment(
                3,
                "willing_lacks_capacity",
                "Fictional demo: first steps of a national dialogue.",
                _common("low", (1, 3)),
                "draft",
                analyst=1,
            ),
        ),
    ),
    DemoSituation(
        code="demo-highlands",
        name="Highlands (demo)",
        country="KG",
        region="Highlands",
        populations=("Seasonal herders",),
        groups=(("Highland speakers of a minority language (fictional)", GroupKind.NATIONAL),),
        cadence=90,
        assessments=(
            DemoAssessment(
                365,
                "willing_able",
                "Fictional demo: quiet seasons, courts settle grazing disputes.",
                {"1.5": ("low", "stable", "medium")},
                "approved",
            ),
            DemoAssessment(
                290,
                "unwilling",
                "Fictional demo: clashes over pastures and a language law.",
                {**_common("moderate", (1, 4, 5)), "9.2": ("moderate", "worsening", "medium")},
                "approved",
            ),
            DemoAssessment(
                200,
                "willing_able",
                "Fictional demo: isolated land disputes, handled by local courts.",
                {"1.5": ("low", "stable", "medium"), "4.3": ("low", "improving", "low")},
                "approved",
            ),
        ),
    ),
    DemoSituation(
        code="demo-delta-region",
        name="Delta Region (demo)",
        country="ML",
        region="Inner delta",
        populations=("Fishing and herding communities",),
        groups=(("Delta pastoralists (fictional)", GroupKind.ETHNICAL),),
        cadence=60,
        assessments=(
            DemoAssessment(
                180,
                "willing_lacks_capacity",
                "Fictional demo: armed groups tax the river trade.",
                _common("moderate", (1, 2, 5)),
                "approved",
                analyst=1,
            ),
            DemoAssessment(
                90,
                "willing_lacks_capacity",
                "Fictional demo: self-defence militias form in the villages.",
                _common("moderate", (1, 2, 5, 6)),
                "approved",
                analyst=1,
            ),
            DemoAssessment(
                20,
                "unwilling",
                "Fictional demo: lists of pastoralist families circulate among militias.",
                {**_common("moderate", (1, 2, 5, 6)), "12.1": ("high", "worsening", "medium")},
                "in_review",
                analyst=1,
            ),
        ),
    ),
    DemoSituation(
        code="demo-lake-region",
        name="Lake Region (demo)",
        country="CF",
        region="Lake prefecture",
        populations=("Displaced herders in camps around the lake",),
        groups=(("The Lakeshore faithful (fictional)", GroupKind.RELIGIOUS),),
        cadence=30,
        assessments=(
            DemoAssessment(
                120,
                "unwilling",
                "Fictional demo: militias recruit along religious lines.",
                _common("moderate", (1, 2, 4)),
                "approved",
            ),
            DemoAssessment(
                8,
                "perpetrator",
                "Fictional demo: army units said to take part in attacks on the camps.",
                {
                    **_common("high", (1, 2, 4, 5, 7)),
                    "8.4": ("high", "worsening", "medium"),
                    "10.8": ("high", "worsening", "medium"),
                },
                "second_review",
            ),
        ),
    ),
    DemoSituation(
        code="demo-northern-plateau",
        name="Northern Plateau (demo)",
        country="NE",
        region="Northern plateau",
        populations=("Nomadic communities", "Returnees"),
        groups=(("Plateau nomads (fictional)", GroupKind.RACIAL),),
        cadence=90,
        assessments=(),
    ),
)


@transaction.atomic
def seed_demo_situations(
    *, analysts: list[User], reviewer: User, second_reviewer: User | None = None
) -> list[tuple[Situation, bool]]:
    """Create the demo situations with their assessments; existing ones are kept as they are.

    At the rungs that need two reviewers, ``second_reviewer`` gives the first review and
    ``reviewer`` concludes; without a second reviewer such an escalation awaits its second.
    """
    reviewers = (reviewer, second_reviewer)
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
            review_cadence_days=spec.cadence,
        )
        named = [(name, GroupKind.OTHER) for name in spec.populations] + list(spec.groups)
        for name, kind in named:
            services.add_group(situation, by=reviewer, given=GroupInput(name=name, kind=kind))
        for item in spec.assessments:
            analyst = analysts[min(item.analyst, len(analysts) - 1)]
            _seed_assessment(situation, item, analyst, reviewers, indicators, today)
        _seed_response(situation, reviewer, today)
        if spec.code == DEMO_DISSENT_SITUATION and len(analysts) > 1:
            _seed_dissent(situation, analysts[1])
        done.append((situation, True))
    seed_demo_forecasts(today)
    return done


DEMO_FORECAST_MODEL = "Demo (fictional figures)"
# A fictional ranking in the Early Warning Project's format, of the demo situations' countries:
# the Highlands (rated low) in its top 30, the Coastal Districts (imminent risk) below rank 100,
# so that the watch shows both kinds of divergence.
DEMO_FORECAST_RANKS = {"SS": 3, "BI": 9, "ML": 12, "NE": 15, "KG": 18, "MM": 112}


def seed_demo_forecasts(today: date) -> bool:
    """Import a fictional forecast release for the demo, once (kept when one exists)."""
    if ForecastRelease.objects.filter(model=DEMO_FORECAST_MODEL).exists():
        return False
    lines = ["country,year,probability,rank"]
    lines += [
        f"{country},{today.year},{round(0.3 / rank, 4)},{rank}"
        for country, rank in DEMO_FORECAST_RANKS.items()
    ]
    result = import_forecasts(
        "\n".join(lines),
        source=ForecastRelease.Source.EWP,
        model=DEMO_FORECAST_MODEL,
        issued=today - timedelta(days=30),
        file_name="demo",
        notes="Fictional demo figures, not the Early Warning Project's.",
    )
    return result.ok


def _seed_assessment(
    situation: Situation,
    item: DemoAssessment,
    analyst: User,
    reviewers: tuple[User, User | None],
    indicators: dict[str, int],
    today: date,
) -> Assessment:
    as_of = today - timedelta(days=item.days_ago)
    assessment = workflow.start_assessment(
        situation, by=analyst, as_of=as_of, posture=item.posture, narrative=item.narrative
    )
    convention_groups = tuple(
        situation.groups.filter(kind__in=CONVENTION_KINDS).values_list("pk", flat=True)
    )
    ratings = {
        indicators[code]: RatingInput(
            severity=severity,
            trend=trend,
            confidence=confidence,
            note=NOTE,
            sources=(("C", "Demo field report"),),
            # The genocide factors' ratings name the groups the Convention protects.
            groups=convention_groups if groups.may_name_groups(int(code.split(".")[0])) else (),
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
        _move_back(assessment, to=as_of)
        return assessment
    if item.outcome == "approved":
        # The analyst accepts the first two tools recommended: their response is tracked.
        accepted = [rec["entry"] for rec in (assessment.result or {}).get("recommendations", [])]
        workflow.respond_to_recommendations(
            assessment,
            by=analyst,
            answers={code: Answer(accepted=True) for code in accepted[:2]},
        )
    assessment = workflow.submit_assessment(assessment, by=analyst)
    if item.outcome == "submitted":
        _move_back(assessment, to=as_of)
        return assessment  # its summary is left to the worker
    # Draft the summary now (what the worker would do) so that the demo shows it in review
    # or decided.
    summary = EscalationSummary.objects.get(assessment=assessment, revision=assessment.revision)
    workflow.draft_summary(summary.pk)
    summary.refresh_from_db()
    if item.outcome in ("approved", "returned", "second_review"):
        _decide(summary, item, reviewers)
    _move_back(assessment, to=as_of)
    return assessment


def _decide(
    summary: EscalationSummary, item: DemoAssessment, reviewers: tuple[User, User | None]
) -> None:
    """Decide as the demo's reviewers would: where the rung needs two, the second demo
    reviewer reviews first and the first concludes (unless the demo leaves it awaiting)."""
    reviewer, second_reviewer = reviewers
    approve = item.outcome != "returned"
    reason = "" if approve else item.reason or "Demo: needs more sources."

    def decide(by: User) -> EscalationDecision | FirstReview:
        return workflow.decide_escalation(
            summary,
            by=by,
            approve=approve,
            level=summary.proposed_escalation,
            reason=reason,
            content_hash=summary.content_hash,
            dissents_read=True,
        )

    if not selectors.second_review_needed(summary.proposed_escalation):
        decide(reviewer)
        return
    decide(second_reviewer or reviewer)
    if item.outcome != "second_review" and second_reviewer is not None:
        decide(reviewer)


def _move_back(assessment: Assessment, *, to: date) -> None:
    """Move every timestamp of ``assessment``'s history back by the same span, so that the
    demo's last step of it falls two days after its as-of date (never in the future): the
    watch's ages and recent decisions then read like a year of work, in their order."""
    now = timezone.now()
    last = timezone.make_aware(datetime.combine(to + timedelta(days=2), time(10)))
    shift = max(now - last, timedelta(0))
    if not shift:
        return
    moved = {"updated_at": F("updated_at") - shift}
    Assessment.objects.filter(pk=assessment.pk).update(created_at=F("created_at") - shift, **moved)
    Transition.objects.filter(assessment=assessment).update(at=F("at") - shift)
    summaries = EscalationSummary.objects.filter(assessment=assessment)
    summaries.update(created_at=F("created_at") - shift, **moved)
    summaries.filter(ready_at__isnull=False).update(ready_at=F("ready_at") - shift)
    summaries.filter(claimed_at__isnull=False).update(claimed_at=F("claimed_at") - shift)
    summaries.filter(notified_at__isnull=False).update(notified_at=F("notified_at") - shift)
    EscalationDecision.objects.filter(summary__assessment=assessment).update(
        decided_at=F("decided_at") - shift
    )
    FirstReview.objects.filter(summary__assessment=assessment).update(
        decided_at=F("decided_at") - shift
    )
    ResponseAction.objects.filter(assessment=assessment).update(
        created_at=F("created_at") - shift,
        updated_at=F("updated_at") - shift,
        due_on=F("due_on") - timedelta(days=shift.days),
    )


DEMO_DISSENT_SITUATION = "demo-river-province"


def _seed_dissent(situation: Situation, analyst: User) -> None:
    """The second analyst dissents from the decision on the situation's latest approval."""
    latest = situation.assessments.approved().order_by("-as_of", "-pk").first()
    if latest is None:
        return
    dissent.record_dissent(
        latest,
        by=analyst,
        levels={"genocide": scales.Level.IMMINENT_RISK.value},
        reason="Fictional demo: the hate speech now names the group and calls for its removal; "
        "genocide should be rated imminent risk.",
        on_decision=True,
    )


DEMO_EFFECTS = (
    (ResponseAction.Effect.SOME, "Fictional demo: the community leaders arrested were released."),
    (ResponseAction.Effect.CLEAR, "Fictional demo: the radio station withdrew the broadcasts."),
    (ResponseAction.Effect.NONE, "Fictional demo: no change was seen on the ground."),
)


def _seed_response(situation: Situation, reviewer: User, today: date) -> None:
    """Close the actions of the situation's earlier approvals (done, each with its observed
    effect); those of its latest approval stay open, some of them overdue."""
    latest = situation.assessments.approved().order_by("-as_of", "-pk").first()
    earlier = ResponseAction.objects.filter(situation=situation).exclude(assessment=latest)
    for number, action in enumerate(earlier.order_by("pk")):
        effect, note = DEMO_EFFECTS[number % len(DEMO_EFFECTS)]
        response.update_action(
            action,
            response.ActionUpdate(
                owner=action.owner,
                office="" if action.owner else "Office of the Special Adviser (demo)",
                due_on=action.due_on,
                status=ResponseAction.Status.DONE,
                done_on=min(action.due_on, today),
                effect=effect,
                effect_note=note,
                sources=(("B", "Demo partner report"),),
            ),
            by=reviewer,
        )
