"""Two assessments of one situation side by side: what differs between them.

Pure reads of two assessments fetched with their ratings (indicator and factor joined, sources
prefetched: ``selectors.assessments_for_comparison``); no query is run here. Levels and their
reasons come from the stored results, as they were derived when each assessment was saved.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assessments import scales
from assessments.models import Assessment, IndicatorRating
from framework.i18n import ReferenceTexts, localized

OVERALL = "overall"
#: What a comparison tells about a rating, in the order a reader meets it.
RATING_PARTS = ("severity", "trend", "confidence", "note", "sources")


@dataclass(frozen=True)
class LevelRow:
    """A crime's (or the overall) level in each assessment, with the reasons for it.

    ``direction`` is "up", "down", "same", or "new" / "gone" when only one result names it.
    """

    key: str
    before: str | None
    after: str | None
    before_reasons: tuple[dict[str, Any], ...]
    after_reasons: tuple[dict[str, Any], ...]
    direction: str

    @property
    def changed(self) -> bool:
        return self.direction != "same"


@dataclass(frozen=True)
class FactorRow:
    """A risk factor's level in each assessment (None: none of its indicators assessed)."""

    number: int
    title: str
    before: str | None
    after: str | None
    direction: str

    @property
    def changed(self) -> bool:
        return self.direction != "same"


@dataclass(frozen=True)
class RatingState:
    """An indicator as rated in one assessment; an unrated one is not assessed."""

    severity: str = scales.Severity.NOT_ASSESSED.value
    trend: str = scales.Trend.STABLE.value
    confidence: str = scales.Confidence.MEDIUM.value
    note: str = ""
    sources: tuple[tuple[str, str], ...] = ()  # (reliability, citation)


@dataclass(frozen=True)
class IndicatorChange:
    """An indicator whose severity, trend, confidence or evidence differs; ``changed`` names
    which of ``RATING_PARTS`` did."""

    code: str
    label: str
    factor: int
    before: RatingState
    after: RatingState
    changed: tuple[str, ...]

    @property
    def severity_changed(self) -> bool:
        return "severity" in self.changed

    @property
    def trend_changed(self) -> bool:
        return "trend" in self.changed

    @property
    def confidence_changed(self) -> bool:
        return "confidence" in self.changed

    @property
    def evidence_changed(self) -> bool:
        return "note" in self.changed or "sources" in self.changed


@dataclass(frozen=True)
class RecommendationChange:
    entry: str
    tool_name: str
    pillar: int


@dataclass(frozen=True)
class Comparison:
    before: Assessment
    after: Assessment
    levels: tuple[LevelRow, ...]
    factors: tuple[FactorRow, ...]
    indicators: tuple[IndicatorChange, ...]
    added: tuple[RecommendationChange, ...]
    dropped: tuple[RecommendationChange, ...]

    @property
    def posture_changed(self) -> bool:
        return self.before.posture != self.after.posture

    @property
    def narrative_changed(self) -> bool:
        return self.before.narrative.strip() != self.after.narrative.strip()


def _direction(before: int, after: int) -> str:
    return "up" if after > before else "down" if after < before else "same"


def _level_rows(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[LevelRow]:
    old, new = before.get("levels", {}), after.get("levels", {})
    keys = [key for key in new if key != OVERALL]
    keys += [key for key in old if key != OVERALL and key not in keys]
    keys.sort(key=scales.crime_sort_key)
    rows = []
    for key in [*keys, OVERALL]:
        was, now = old.get(key), new.get(key)
        if was is None or now is None:
            direction = "same" if was == now else "new" if was is None else "gone"
        else:
            direction = _direction(scales.level_rank(was), scales.level_rank(now))
        rows.append(
            LevelRow(
                key=key,
                before=was,
                after=now,
                before_reasons=tuple(before.get("level_reasons", {}).get(key, [])),
                after_reasons=tuple(after.get("level_reasons", {}).get(key, [])),
                direction=direction,
            )
        )
    return rows


def _factor_rows(
    before: Mapping[str, Any], after: Mapping[str, Any], titles: Mapping[int, str]
) -> list[FactorRow]:
    old = {int(k): v for k, v in before.get("factor_levels", {}).items()}
    new = {int(k): v for k, v in after.get("factor_levels", {}).items()}
    not_assessed = scales.Severity.NOT_ASSESSED.value
    return [
        FactorRow(
            number=number,
            title=titles.get(number, ""),
            before=old.get(number),
            after=new.get(number),
            direction=_direction(
                scales.severity_rank(old.get(number) or not_assessed),
                scales.severity_rank(new.get(number) or not_assessed),
            ),
        )
        for number in sorted(set(old) | set(new))
    ]


def _state(rating: IndicatorRating) -> RatingState:
    return RatingState(
        severity=rating.severity,
        trend=rating.trend,
        confidence=rating.confidence,
        note=rating.note.strip(),
        sources=tuple((s.reliability, s.citation) for s in rating.sources.all()),
    )


def _indicator_changes(before: Assessment, after: Assessment) -> list[IndicatorChange]:
    old = {r.indicator.code: r for r in before.ratings.all()}
    new = {r.indicator.code: r for r in after.ratings.all()}
    unrated = RatingState()
    changes = []
    for code in set(old) | set(new):
        was = _state(old[code]) if code in old else unrated
        now = _state(new[code]) if code in new else unrated
        changed = tuple(part for part in RATING_PARTS if getattr(was, part) != getattr(now, part))
        if changed:
            indicator = (new.get(code) or old[code]).indicator
            changes.append(
                (
                    (indicator.factor.number, indicator.order, code),
                    IndicatorChange(
                        code=code,
                        label=localized(indicator, "label"),
                        factor=indicator.factor.number,
                        before=was,
                        after=now,
                        changed=changed,
                    ),
                )
            )
    return [change for _key, change in sorted(changes, key=lambda item: item[0])]


def _recommendations(
    result: Mapping[str, Any], texts: ReferenceTexts
) -> dict[str, RecommendationChange]:
    return {
        rec["entry"]: RecommendationChange(
            entry=rec["entry"],
            tool_name=texts.text(
                "tool", rec.get("tool"), rec.get("tool_name", rec["entry"]), "name"
            ),
            pillar=rec["pillar"],
        )
        for rec in result.get("recommendations", [])
    }


def compare_assessments(
    before: Assessment,
    after: Assessment,
    *,
    factor_titles: Mapping[int, str] | None = None,
    texts: ReferenceTexts | None = None,
) -> Comparison:
    """What differs from ``before`` to ``after``: every level with its reasons, every factor,
    the indicators whose rating or evidence changed, the recommendations added and dropped
    (by pillar entry code), and whether the posture and the narrative changed. Factor titles,
    indicator labels and tool names are in the reader's language (``factor_titles`` and
    ``texts``, handed by the view; framework.i18n)."""
    texts = texts or ReferenceTexts()
    old_result, new_result = before.result or {}, after.result or {}
    old_recs, new_recs = _recommendations(old_result, texts), _recommendations(new_result, texts)

    def by_pillar(recs: Sequence[RecommendationChange]) -> tuple[RecommendationChange, ...]:
        return tuple(sorted(recs, key=lambda rec: (rec.pillar, rec.entry)))

    return Comparison(
        before=before,
        after=after,
        levels=tuple(_level_rows(old_result, new_result)),
        factors=tuple(_factor_rows(old_result, new_result, factor_titles or {})),
        indicators=tuple(_indicator_changes(before, after)),
        added=by_pillar([rec for entry, rec in new_recs.items() if entry not in old_recs]),
        dropped=by_pillar([rec for entry, rec in old_recs.items() if entry not in new_recs]),
    )


def default_pair(
    assessments: Sequence[Assessment], *, a: int | None = None, b: int | None = None
) -> tuple[int | None, int | None]:
    """The two assessments to compare when the reader named fewer than two.

    ``assessments`` are one situation's, newest first. The later one (``b``) is the newest;
    the earlier (``a``) the latest approved one before ``b``, else the one just before it.
    None where there is none to choose.
    """
    ids = [assessment.pk for assessment in assessments]
    if b is None:
        b = next((pk for pk in ids if pk != a), None) if a is not None else next(iter(ids), None)
        if a is not None and b is not None and ids.index(b) > ids.index(a):
            a, b = b, a
    if a is None and b is not None:
        older = list(assessments)[ids.index(b) + 1 :]
        a = next((x.pk for x in older if x.is_approved), None)
        if a is None and older:
            a = older[0].pk
    return a, b
