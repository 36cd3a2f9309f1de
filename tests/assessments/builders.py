"""Small builders for situations and assessments, going through the real services.

    situation = build_situation(by=reviewer, analysts=[analyst])
    assessment = build_assessment(
        situation,
        by=analyst,
        ratings={"7.5": "high", "8.1": ("moderate", "worsening", "high")},
        status="approved",
        reviewer=reviewer,
    )

Every rating gets an evidence note and one graded source, as the edit form demands for a
moderate or high severity, so what the builders make is what an analyst could have made.
"""

from collections.abc import Iterable, Mapping
from datetime import date
from itertools import count

from django.contrib.auth.models import AbstractBaseUser

from assessments import services, workflow
from assessments.forms import format_sources
from assessments.models import Assessment, EscalationSummary, Situation
from assessments.workflow import RatingInput
from framework.models import Indicator

AS_OF = date(2026, 5, 1)
RETURN_REASON = "The evidence for the triggers is a single unverified report."
# Three common factors at moderate or higher: serious concern, with tools to recommend.
SERIOUS_CONCERN = {"1.1": "moderate", "7.5": "high", "8.1": ("high", "worsening", "high")}
_numbers = count(1)

RatingSpec = str | tuple[str, ...]


def build_situation(
    *,
    by: AbstractBaseUser,
    analysts: Iterable[AbstractBaseUser] = (),
    code: str | None = None,
    name: str | None = None,
    country: str = "SD",
    **kw: object,
) -> Situation:
    """A situation created by ``by`` (a reviewer or framework admin) via the service."""
    number = next(_numbers)
    return services.create_situation(
        by=by,
        analysts=list(analysts),
        code=code or f"situation-{number}",
        name=name or f"Situation {number}",
        country=country,
        **kw,
    )


def rating_input(spec: RatingSpec, *, code: str = "") -> RatingInput:
    """``"high"`` or ``("high", "worsening", "low")`` as the service's ``RatingInput``."""
    severity, trend, confidence = (spec, "stable", "medium") if isinstance(spec, str) else spec
    assessed = severity != "not_assessed"
    return RatingInput(
        severity=severity,
        trend=trend,
        confidence=confidence,
        note=f"Field reports on {code or 'this indicator'}." if assessed else "",
        sources=(("B", f"OHCHR press briefing on {code or 'this indicator'}"),) if assessed else (),
    )


def ratings_by_pk(ratings: Mapping[str, RatingSpec]) -> dict[int, RatingInput]:
    """Indicator codes to ``RatingInput``s keyed by indicator pk, as ``save_assessment`` takes."""
    pks = dict(Indicator.objects.filter(code__in=ratings).values_list("code", "pk"))
    missing = set(ratings) - set(pks)
    if missing:
        raise ValueError(f"unknown indicator codes: {sorted(missing)}")
    return {pks[code]: rating_input(spec, code=code) for code, spec in ratings.items()}


def build_assessment(
    situation: Situation,
    *,
    by: AbstractBaseUser,
    ratings: Mapping[str, RatingSpec] | None = None,
    posture: str = "unwilling",
    as_of: date = AS_OF,
    status: str = "draft",
    reviewer: AbstractBaseUser | None = None,
    narrative: str = "",
    copy_from: Assessment | None = None,
) -> Assessment:
    """An assessment by ``by`` brought to ``status`` through the workflow services.

    ``ratings`` maps indicator codes to a severity or a (severity, trend, confidence) tuple.
    A status past draft needs a rated indicator: when none is given, 7.5 is rated moderate.
    ``in_review``, ``approved`` and ``returned`` need a ``reviewer``.
    """
    if status not in Assessment.Status.values:
        raise ValueError(f"unknown status {status!r}")
    if status in ("in_review", "approved", "returned") and reviewer is None:
        raise ValueError(f"a {status} assessment needs a reviewer")
    if ratings is None:
        ratings = {} if status == "draft" else {"7.5": "moderate"}
    assessment = workflow.start_assessment(
        situation,
        by=by,
        as_of=as_of,
        posture=posture,
        narrative=narrative,
        copy_from=copy_from,
    )
    if ratings:
        assessment = workflow.save_assessment(
            assessment,
            by=by,
            expected_version=assessment.lock_version,
            as_of=as_of,
            posture=posture,
            narrative=narrative,
            ratings=ratings_by_pk(ratings),
        )
    if status != "draft":
        assessment = workflow.submit_assessment(assessment, by=by)
    if status in ("in_review", "approved", "returned"):
        assessment = draft_summary_now(assessment)
    if status in ("approved", "returned"):
        assessment = decide(
            assessment,
            by=reviewer,
            approve=status == "approved",
            reason="" if status == "approved" else RETURN_REASON,
        )
    return Assessment.objects.get(pk=assessment.pk)


def draft_summary_now(assessment: Assessment) -> Assessment:
    """Do what the worker does on submit: draft the summary; the assessment is then in review."""
    summary = EscalationSummary.objects.get(assessment=assessment, revision=assessment.revision)
    outcome = workflow.draft_summary(summary.pk)
    if outcome != "drafted":
        raise ValueError(f"the summary was not drafted: {outcome}")
    return Assessment.objects.get(pk=assessment.pk)


def decide(
    assessment: Assessment,
    *,
    by: AbstractBaseUser,
    approve: bool,
    reason: str = "",
    level: str | None = None,
) -> Assessment:
    """The reviewer's decision on the ready summary of the assessment's current version."""
    summary = EscalationSummary.objects.get(assessment=assessment, revision=assessment.revision)
    workflow.decide_escalation(
        summary,
        by=by,
        approve=approve,
        level=level or summary.proposed_escalation,
        reason=reason,
        content_hash=summary.content_hash,
    )
    return Assessment.objects.get(pk=assessment.pk)


def edit_form_data(assessment: Assessment, **overrides: object) -> dict[str, str]:
    """What the edit form posts when the analyst changes nothing, then ``overrides``.

    Rating fields are named ``i<indicator pk>_<part>``; see :func:`field_name`.
    """
    assessment = Assessment.objects.get(pk=assessment.pk)
    ratings = {r.indicator_id: r for r in assessment.ratings.prefetch_related("sources")}
    data = {
        "lock_version": str(assessment.lock_version),
        "as_of": assessment.as_of.isoformat(),
        "posture": assessment.posture,
        "narrative": assessment.narrative,
    }
    indicators = Indicator.objects.filter(is_active=True) | Indicator.objects.filter(
        pk__in=list(ratings)
    )
    for indicator in indicators:
        rating = ratings.get(indicator.pk)
        prefix = f"i{indicator.pk}"
        data[f"{prefix}_severity"] = rating.severity if rating else "not_assessed"
        data[f"{prefix}_trend"] = rating.trend if rating else "stable"
        data[f"{prefix}_confidence"] = rating.confidence if rating else "medium"
        data[f"{prefix}_note"] = rating.note if rating else ""
        data[f"{prefix}_sources"] = format_sources(rating.sources.all()) if rating else ""
    data.update({name: str(value) for name, value in overrides.items()})
    return data


def field_name(code: str, part: str) -> str:
    """The edit form's field for one part (severity, trend, note...) of indicator ``code``."""
    return f"i{Indicator.objects.get(code=code).pk}_{part}"
