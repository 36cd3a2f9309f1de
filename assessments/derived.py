"""What every list needs of a situation, kept on its row at write time.

A situation's current level (its latest approved assessment's overall level, else its latest
assessment's), its latest assessment's date and status, and the date its next review is due
are stored on ``Situation`` so that the lists filter, sort and page on plain indexed columns
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


def level_rank(level: str | None) -> int:
    """The level's rank on the scale (insufficient data: 0), -1 for none."""
    return -1 if level is None else scales.level_rank(level)


def next_due(latest_as_of: date | None, created: date, cadence_days: int) -> date:
    """Its review cadence after the latest assessment's date, else after its creation."""
    return limits.add_days(latest_as_of or created, cadence_days)


@transaction.atomic(savepoint=False)
def refresh_situation_summary(situation_ids: Iterable[int] | None = None) -> int:
    """Recompute the derived columns of the situations ``situation_ids`` (all of them with
    None) from their assessments; return how many situations were refreshed.

    The situations are locked first (in id order), so that two transactions changing
    assessments of the same situation refresh it one after the other, each seeing the
    other's committed change. Two queries, plus one per :data:`BATCH_SIZE` situations whose
    values changed.
    """
    situations = Situation.objects.select_for_update().order_by("pk")
    if situation_ids is not None:
        ids = sorted(set(situation_ids))
        if not ids:
            return 0
        situations = situations.filter(pk__in=ids)
    found = list(
        situations.only(
            "pk",
            "review_cadence_days",
            "created_at",
            "latest_assessment",
            "approved_assessment",
            "current_level",
            "current_level_rank",
            "latest_as_of",
            "latest_status",
            "next_due",
        )
    )
    if not found:
        return 0
    assessments = Assessment.objects.order_by("situation_id", "-as_of", "-pk")
    if situation_ids is not None:
        assessments = assessments.filter(situation_id__in=[s.pk for s in found])
    latest: dict[int, tuple[int, date, str, str]] = {}
    approved: dict[int, tuple[int, str]] = {}
    for pk, situation_id, as_of, status, level in assessments.values_list(
        "pk", "situation_id", "as_of", "status", "overall_level"
    ):
        latest.setdefault(situation_id, (pk, as_of, status, level))
        if status == AssessmentStatus.APPROVED:
            approved.setdefault(situation_id, (pk, level))
    changed = []
    for situation in found:
        last = latest.get(situation.pk)
        best = approved.get(situation.pk)
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
        }
        if any(getattr(situation, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(situation, name, value)
            changed.append(situation)
    Situation.objects.bulk_update(
        changed,
        [
            "latest_assessment",
            "approved_assessment",
            "current_level",
            "current_level_rank",
            "latest_as_of",
            "latest_status",
            "next_due",
        ],
        batch_size=BATCH_SIZE,
    )
    return len(found)
