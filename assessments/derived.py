"""What every list needs of a situation, kept on its row at write time.

A situation's current level (its latest approved assessment's overall level, else its latest
assessment's), its latest assessment's date and status, the date its next review is due, and
how its levels moved between its last two approved assessments (the watch's movers) are
stored on ``Situation`` so that the lists filter, sort and page on plain indexed columns
instead of computing them per row. Every change that alters them calls
:func:`refresh_situation_summary` in its own transaction: a transition of an assessment (which
covers submitting, drafting the summary, deciding, returning, voiding an approval, an import),
a rescoring (``workflow.store_result``), a situation created or its cadence changed. Bulk
writers (the data set generator, the importer) call it once at their end for the situations
they touched.
"""

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone

from assessments import limits, scales
from assessments.models import Assessment, AssessmentStatus, Situation

#: The situations updated in one statement.
BATCH_SIZE = 500
#: The columns of ``Situation`` kept here: read, compared and written back together.
DERIVED_FIELDS = (
    "latest_assessment",
    "approved_assessment",
    "current_level",
    "current_level_rank",
    "latest_as_of",
    "latest_status",
    "next_due",
    "previous_approved_assessment",
    "overall_rise",
    "crime_rise",
    "moved",
)


def level_rank(level: str | None) -> int:
    """The level's rank on the scale (insufficient data: 0), -1 for none."""
    return -1 if level is None else scales.level_rank(level)


def next_due(latest_as_of: date | None, created: date, cadence_days: int) -> date:
    """Its review cadence after the latest assessment's date, else after its creation."""
    return limits.add_days(latest_as_of or created, cadence_days)


def _crime_levels(assessment_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """The crimes' levels of the assessments ``assessment_ids`` (one query)."""
    ids = list(assessment_ids)
    if not ids:
        return {}
    return dict(Assessment.objects.filter(pk__in=ids).values_list("pk", "crime_levels"))


def movement(
    last_two: list[tuple[int, str]], crime_levels: dict[int, dict[str, str]]
) -> dict[str, object]:
    """The derived columns of the moves between a situation's last two approved assessments
    (``last_two``: their ids and overall levels, the latest first)."""
    if len(last_two) < 2:
        return {
            "previous_approved_assessment_id": None,
            "overall_rise": None,
            "crime_rise": None,
            "moved": False,
        }
    (after_pk, after_level), (before_pk, before_level) = last_two
    overall = scales.level_rank(after_level) - scales.level_rank(before_level)
    crimes = scales.crime_level_moves(
        crime_levels.get(before_pk) or {}, crime_levels.get(after_pk) or {}
    )
    return {
        "previous_approved_assessment_id": before_pk,
        "overall_rise": overall,
        "crime_rise": sum(crimes.values()),
        "moved": bool(overall or crimes),
    }


@transaction.atomic(savepoint=False)
def refresh_situation_summary(situation_ids: Iterable[int] | None = None) -> int:
    """Recompute the derived columns of the situations ``situation_ids`` (all of them with
    None) from their assessments; return how many situations were refreshed.

    The situations are locked first (in id order), so that two transactions changing
    assessments of the same situation refresh it one after the other, each seeing the
    other's committed change. Three queries (the third reads the crimes' levels of the last
    two approved assessments), plus one per :data:`BATCH_SIZE` situations whose values
    changed.
    """
    situations = Situation.objects.select_for_update().order_by("pk")
    if situation_ids is not None:
        ids = sorted(set(situation_ids))
        if not ids:
            return 0
        situations = situations.filter(pk__in=ids)
    found = list(situations.only("pk", "review_cadence_days", "created_at", *DERIVED_FIELDS))
    if not found:
        return 0
    assessments = Assessment.objects.order_by("situation_id", "-as_of", "-pk")
    if situation_ids is not None:
        assessments = assessments.filter(situation_id__in=[s.pk for s in found])
    latest: dict[int, tuple[int, date, str, str]] = {}
    # Each situation's last two approved assessments, the latest first.
    approved: dict[int, list[tuple[int, str]]] = {}
    for pk, situation_id, as_of, status, level in assessments.values_list(
        "pk", "situation_id", "as_of", "status", "overall_level"
    ):
        latest.setdefault(situation_id, (pk, as_of, status, level))
        if status == AssessmentStatus.APPROVED:
            last_two = approved.setdefault(situation_id, [])
            if len(last_two) < 2:
                last_two.append((pk, level))
    crime_levels = _crime_levels(
        pk for last_two in approved.values() if len(last_two) == 2 for pk, _level in last_two
    )
    changed = []
    for situation in found:
        last = latest.get(situation.pk)
        last_two = approved.get(situation.pk, [])
        best = last_two[0] if last_two else None
        current = best[1] if best else last[3] if last else None
        values = {
            "latest_assessment_id": last[0] if last else None,
            "approved_assessment_id": best[0] if best else None,
            "current_level": current,
            "current_level_rank": level_rank(current),
            "latest_as_of": last[1] if last else None,
            "latest_status": last[2] if last else None,
            "next_due": next_due(
                last[1] if last else None,
                timezone.localdate(situation.created_at),
                situation.review_cadence_days,
            ),
            **movement(last_two, crime_levels),
        }
        if any(getattr(situation, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(situation, name, value)
            changed.append(situation)
    Situation.objects.bulk_update(changed, DERIVED_FIELDS, batch_size=BATCH_SIZE)
    return len(found)
