"""The exchange format: one JSON object per assessment (see README, "Exchange format").

An export document is ``{"format": "r2p-assessments", "version": 2, "exported_at": ...,
"assessments": [...]}``. Version 2 carries the situation's groups at risk as records, the
groups each genocide rating names, the dissents and the response actions; version 1 files
(groups as two texts, nothing else of those) still import.

Import reads the same document: :func:`parse_document` checks a file whole, before anything
touches the database, and either returns validated records or raises :class:`ExchangeError`
naming the place of every problem (``assessments[2].ratings["7.5"].severity``). The derived
fields of an export (``levels``, ``factor_levels``, ``recommendations``) are checked for shape
and otherwise ignored on import: the importing office recomputes them from the ratings with
its own thresholds.
"""

import json
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from pydantic import MISSING, ValidationError

from assessments import (
    derived,
    groups,
    jobs,
    permissions,
    response,
    scoring,
    selectors,
    services,
    workflow,
)
from assessments.exchange_schema import (
    FORMAT_NAME,
    FORMAT_VERSION,
    MAX_DEPTH,
    AssessmentEntry,
    ExchangeDocument,
    json_type,
    problems,
    shape_problems,
)
from assessments.models import (
    ActionSource,
    Assessment,
    Dissent,
    EscalationSummary,
    EvidenceSource,
    FirstReview,
    GroupKind,
    IndicatorRating,
    Participation,
    ProtectedGroup,
    ResponseAction,
    Situation,
    Transition,
)
from framework.models import Indicator, PillarTool

# Export -------------------------------------------------------------------------------------


def assessments_for_export(
    situation_code: str | None = None, *, ratings: bool = True
) -> QuerySet[Assessment]:
    """Every assessment (of one situation if ``situation_code``), in a fixed number of queries
    (its ratings not prefetched unless ``ratings``).

    Ordered by what identifies an assessment across databases, so that two exports of the
    same data list it in the same order whatever the ids.
    """
    rated = IndicatorRating.objects.select_related("indicator").prefetch_related(
        "sources", "groups"
    )
    queryset = Assessment.objects.select_related("situation", "author", "reviewer")
    if situation_code is not None:
        queryset = queryset.filter(situation__code=situation_code)
    summaries = EscalationSummary.objects.select_related(
        "decision__reviewer", "decision__first_review__reviewer"
    ).order_by("revision")
    actions = ResponseAction.objects.select_related("entry", "owner").prefetch_related("sources")
    return queryset.prefetch_related(
        *([Prefetch("ratings", queryset=rated)] if ratings else []),
        "situation__analysts",
        Prefetch("situation__groups", queryset=ProtectedGroup.objects.order_by("kind", "name")),
        Prefetch("summaries", queryset=summaries),
        Prefetch("dissents", queryset=Dissent.objects.select_related("author").order_by("at")),
        Prefetch("actions", queryset=actions.order_by("pk")),
    ).order_by("situation__code", "as_of", "author__username", "pk")


def _situation_to_dict(situation: Situation) -> dict[str, Any]:
    return {
        "code": situation.code,
        "name": situation.name,
        "country": str(situation.country),
        "region": situation.region,
        "review_cadence_days": situation.review_cadence_days,
        "confidentiality": situation.confidentiality,
        "analysts": sorted(user.get_username() for user in situation.analysts.all()),
        "groups": [
            {"name": group.name, "kind": group.kind, "description": group.description}
            for group in situation.groups.all()
        ],
    }


def _dissent_to_dict(dissent: Dissent) -> dict[str, Any]:
    return {
        "author": dissent.author.get_username(),
        "revision": dissent.revision,
        "on": "decision" if dissent.decision_id else "assessment",
        "levels": dissent.levels,
        "reason": dissent.reason,
        "at": dissent.at.isoformat(),
    }


def _action_to_dict(action: ResponseAction) -> dict[str, Any]:
    return {
        "kind": action.kind,
        "entry": action.entry.code if action.entry else None,
        "escalation": action.escalation or None,
        "owner": action.owner.get_username() if action.owner else None,
        "office": action.office,
        **response.progress(action),
    }


def _ratings_to_dict(assessment: Assessment) -> dict[str, Any]:
    return {
        rating.indicator.code: {
            "severity": rating.severity,
            "trend": rating.trend,
            "confidence": rating.confidence,
            "note": rating.note,
            "sources": [
                {"reliability": s.reliability, "citation": s.citation} for s in rating.sources.all()
            ],
            **(
                {"groups": sorted(g.name for g in rating.groups.all())}
                if rating.groups.all()
                else {}
            ),
        }
        for rating in assessment.ratings.all()
        if rating.severity != scoring.Severity.NOT_ASSESSED
    }


def ratings_by_assessment(assessment_ids: Collection[int]) -> dict[int, dict[str, Any]]:
    """The ``ratings`` of each assessment's export, as :func:`assessment_to_dict` writes
    them, read as plain rows in three queries (no model instances: an export of thousands
    of assessments spends its time here otherwise)."""
    ratings: dict[int, dict[str, Any]] = {pk: {} for pk in assessment_ids}
    rows = (
        IndicatorRating.objects.filter(assessment_id__in=assessment_ids)
        .exclude(severity=scoring.Severity.NOT_ASSESSED)
        .order_by("assessment_id", "indicator__factor__number", "indicator__order")
        .values_list(
            "pk", "assessment_id", "indicator__code", "severity", "trend", "confidence", "note"
        )
    )
    by_pk: dict[int, dict[str, Any]] = {}
    for pk, assessment_id, code, severity, trend, confidence, note in rows:
        by_pk[pk] = ratings[assessment_id][code] = {
            "severity": severity,
            "trend": trend,
            "confidence": confidence,
            "note": note,
            "sources": [],
        }
    sources = (
        EvidenceSource.objects.filter(rating__assessment_id__in=assessment_ids)
        .order_by("rating_id", "order", "pk")
        .values_list("rating_id", "reliability", "citation")
    )
    for rating_id, reliability, citation in sources:
        if rating_id in by_pk:
            by_pk[rating_id]["sources"].append({"reliability": reliability, "citation": citation})
    through = IndicatorRating.groups.through
    named: dict[int, list[str]] = {}
    for rating_id, name in through.objects.filter(
        indicatorrating__assessment_id__in=assessment_ids
    ).values_list("indicatorrating_id", "protectedgroup__name"):
        named.setdefault(rating_id, []).append(name)
    for rating_id, names in named.items():
        if rating_id in by_pk:
            by_pk[rating_id]["groups"] = sorted(names)
    return ratings


def assessment_to_dict(
    assessment: Assessment, *, ratings: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Export one assessment; ``ratings``, their ``sources`` and the analysts should be
    prefetched (see :func:`assessments_for_export`), or its ``ratings`` given as
    :func:`ratings_by_assessment` reads them."""
    result = assessment.result or {}
    return {
        "situation": _situation_to_dict(assessment.situation),
        "as_of": assessment.as_of.isoformat(),
        "posture": assessment.posture,
        "status": assessment.status,
        "revision": assessment.revision,
        "author": assessment.author.get_username(),
        "reviewer": assessment.reviewer.get_username() if assessment.reviewer else None,
        "narrative": assessment.narrative,
        "ratings": _ratings_to_dict(assessment) if ratings is None else ratings,
        "levels": result.get("levels", {}),
        "factor_levels": result.get("factor_levels", {}),
        "recommendations": [
            {
                "tool": rec["tool"],
                "entry": rec["entry"],
                "pillar": rec["pillar"],
                "score": rec["score"],
                "rank": rec["rank"],
                "drivers": rec["drivers"],
            }
            for rec in result.get("recommendations", [])
        ],
        # The record of this office's review; an import drafts summaries of its own.
        "summaries": [
            summary_to_dict(summary)
            for summary in assessment.summaries.all()
            if summary.status == EscalationSummary.Status.READY
        ],
        "dissents": [_dissent_to_dict(d) for d in assessment.dissents.all()],
        "actions": [_action_to_dict(a) for a in assessment.actions.all()],
    }


def export_document(
    assessments: Iterable[Assessment], *, exported_at: datetime | None = None
) -> dict[str, Any]:
    """The whole export file as a JSON-ready dict (for a few assessments: a file of many is
    written by :func:`stream_export`, which holds one assessment at a time)."""
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "exported_at": (exported_at or timezone.now()).isoformat(),
        "assessments": [assessment_to_dict(assessment) for assessment in assessments],
    }


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


#: Assessments read (with everything prefetched) per round trip of a streamed export: at 20
#: an export of 10,000 assessments peaks about 60 MiB above the process's start, at 100 about
#: 190 MiB, in about the same time.
EXPORT_CHUNK = 20


def stream_export(
    assessments: QuerySet[Assessment],
    *,
    exported_at: datetime | None = None,
    chunk_size: int = EXPORT_CHUNK,
) -> Iterator[str]:
    """The export file as text chunks, one assessment each (the header and the end apart).

    The same document as :func:`export_document`: keys in the same order, one assessment per
    line. ``assessments`` says which and in what order (their ids are read first, the only
    list held whole); they are then read ``chunk_size`` at a time with the prefetches of
    :func:`assessments_for_export` and their ratings as rows, so memory stays flat however
    many there are.
    """
    header = json.dumps(
        {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "exported_at": (exported_at or timezone.now()).isoformat(),
        },
        ensure_ascii=False,
    )
    yield header[:-1] + ', "assessments": ['
    encode = json.JSONEncoder(ensure_ascii=False).encode
    separator = "\n"
    # The ratings are read as rows per chunk (see ratings_by_assessment), not prefetched.
    ids = list(assessments.values_list("pk", flat=True))
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        ratings = ratings_by_assessment(chunk)
        found = {a.pk: a for a in assessments_for_export(ratings=False).filter(pk__in=chunk)}
        for pk in chunk:
            if pk not in found:
                continue  # deleted since the list was read
            yield separator + encode(assessment_to_dict(found[pk], ratings=ratings[pk]))
            separator = ",\n"
    yield "\n]}\n"


# Import: validation (pure) ------------------------------------------------------------------


class ExchangeError(Exception):
    """A document was refused; ``problems`` names the place of every one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class SourceRecord:
    reliability: str
    citation: str


@dataclass(frozen=True)
class RatingRecord:
    severity: str
    trend: str
    confidence: str
    note: str = ""
    sources: tuple[SourceRecord, ...] = ()
    groups: tuple[str, ...] = ()  # version 2: the names of the groups it concerns


@dataclass(frozen=True)
class GroupRecord:
    name: str
    kind: str
    description: str = ""


@dataclass(frozen=True)
class DissentRecord:
    author: str
    revision: int
    on: str
    levels: dict[str, str]
    reason: str


@dataclass(frozen=True)
class ActionRecord:
    kind: str
    due_on: date
    status: str
    entry: str | None = None
    escalation: str | None = None
    owner: str | None = None
    office: str = ""
    done_on: date | None = None
    effect: str = ""
    effect_note: str = ""
    dropped_reason: str = ""
    sources: tuple[SourceRecord, ...] = ()


@dataclass(frozen=True)
class SituationRecord:
    """A situation as named by a file; the optional fields serve only to create it."""

    name: str
    country: str
    code: str | None = None
    region: str = ""
    populations_at_risk: str = ""
    protected_groups: str = ""
    review_cadence_days: int | None = None
    confidentiality: str | None = None
    analysts: tuple[str, ...] = ()
    groups: tuple[GroupRecord, ...] = ()  # version 2


@dataclass(frozen=True)
class AssessmentRecord:
    """One validated assessment of a file; ``place`` is where it stands ("assessments[2]")."""

    place: str
    situation: SituationRecord
    as_of: date
    posture: str
    status: str
    narrative: str
    ratings: dict[str, RatingRecord]
    revision: int
    author: str | None = None
    reviewer: str | None = None
    levels: dict[str, str] | None = None
    dissents: tuple[DissentRecord, ...] = ()  # version 2
    actions: tuple[ActionRecord, ...] = ()  # version 2


def _record(entry: AssessmentEntry, place: str) -> AssessmentRecord:
    situation = entry.situation
    return AssessmentRecord(
        place=place,
        situation=SituationRecord(
            **situation.model_dump(exclude={"analysts", "groups"}),
            analysts=tuple(situation.analysts),
            groups=tuple(GroupRecord(**g.model_dump()) for g in situation.groups),
        ),
        as_of=entry.as_of,
        posture=entry.posture,
        status=entry.status,
        narrative=entry.narrative,
        ratings={
            code: RatingRecord(
                **rating.model_dump(exclude={"sources", "groups"}),
                sources=tuple(SourceRecord(**source.model_dump()) for source in rating.sources),
                groups=tuple(rating.groups),
            )
            for code, rating in entry.ratings.items()
        },
        revision=(
            int(entry.status != Assessment.Status.DRAFT)
            if entry.revision is MISSING
            else entry.revision
        ),
        author=None if entry.author is MISSING else entry.author,
        reviewer=entry.reviewer,
        levels=None if entry.levels is MISSING else dict(entry.levels),
        dissents=tuple(
            DissentRecord(
                author=d.author,
                revision=d.revision,
                on=d.on,
                levels=dict(d.levels),
                reason=d.reason,
            )
            for d in entry.dissents
        ),
        actions=tuple(
            ActionRecord(
                **a.model_dump(exclude={"sources"}),
                sources=tuple(SourceRecord(**source.model_dump()) for source in a.sources),
            )
            for a in entry.actions
        ),
    )


def validate_document(raw: object, *, indicator_codes: Collection[str]) -> list[AssessmentRecord]:
    """Turn a parsed document into validated records, or raise ExchangeError naming every
    problem. Pure: ``indicator_codes`` are the codes the importing database knows. The schema
    is the models of :mod:`assessments.exchange_schema`."""
    if not isinstance(raw, dict):
        raise ExchangeError([f"the top level must be an object, not {json_type(raw)}"])
    try:
        document = ExchangeDocument.model_validate(
            raw, context={"indicator_codes": indicator_codes}
        )
    except ValidationError as exc:
        raise ExchangeError(problems(exc)) from exc
    return [
        _record(entry, f"assessments[{index}]") for index, entry in enumerate(document.assessments)
    ]


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {json.dumps(key, ensure_ascii=False)} in an object")
        result[key] = value
    return result


def parse_document(
    text: str | bytes, *, indicator_codes: Collection[str]
) -> list[AssessmentRecord]:
    """Parse and validate a file's content; ExchangeError names every problem."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ExchangeError([f"is not UTF-8 text (byte {exc.start})"]) from exc
    try:
        raw = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise ExchangeError(
            [f"line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}"]
        ) from exc
    except ValueError as exc:
        raise ExchangeError([f"invalid JSON: {exc}"]) from exc
    except RecursionError as exc:
        raise ExchangeError(
            [f"invalid JSON: nested deeper than {MAX_DEPTH} levels (or than can be read)"]
        ) from exc
    refused = shape_problems(raw)
    if refused:
        raise ExchangeError(refused)
    return validate_document(raw, indicator_codes=indicator_codes)


def known_indicator_codes() -> set[str]:
    """Every indicator code of the reference data, retired ones included (one query)."""
    return set(Indicator.objects.values_list("code", flat=True))


def summary_to_dict(summary: EscalationSummary) -> dict[str, Any]:
    """A summary as machines read it: its stored snapshot, hash and decision, unchanged."""
    decision = getattr(summary, "decision", None)
    return {
        "revision": summary.revision,
        "status": summary.status,
        "content_hash": summary.content_hash,
        "proposed_escalation": summary.proposed_escalation,
        "ready_at": summary.ready_at.isoformat() if summary.ready_at else None,
        "content": summary.content,
        # Present when the content was restated in a newer shape: what was decided on.
        **(
            {"original_content": summary.original_content}
            if summary.original_content is not None
            else {}
        ),
        "decision": (
            {
                "approved": decision.approved,
                "level": decision.level,
                "proposed_level": decision.proposed_level,
                "reason": decision.reason,
                "reviewer": decision.reviewer.get_username(),
                "content_hash": decision.content_hash,
                "decided_at": decision.decided_at.isoformat(),
                "first_review": _first_review_to_dict(decision.first_review),
            }
            if decision
            else None
        ),
    }


def _first_review_to_dict(first: FirstReview | None) -> dict[str, Any] | None:
    if first is None:
        return None
    return {
        "approved": first.approved,
        "level": first.level,
        "reason": first.reason,
        "reviewer": first.reviewer.get_username(),
        "decided_at": first.decided_at.isoformat(),
    }


# Import: writing ----------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did: assessments created, records skipped, and anything worth a note."""

    created: list[Assessment] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    situations_created: list[Situation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _Situations:
    """The situations the records name, read in two queries; those made by the import are
    added as they are made."""

    def __init__(self, given: Iterable[SituationRecord]) -> None:
        given = list(given)
        codes = {g.code for g in given if g.code}
        names = {g.name for g in given}
        found = Situation.objects.filter(Q(code__in=codes) | Q(name__in=names)).order_by("pk")
        self.by_code: dict[str, Situation] = {}
        self.by_name: dict[tuple[str, str], Situation] = {}
        for situation in found:
            self.add(situation)

    def add(self, situation: Situation) -> None:
        self.by_code[situation.code] = situation
        self.by_name.setdefault((situation.name, str(situation.country)), situation)


def _situation_for_import(
    given: SituationRecord,
    *,
    by: User,
    users: dict[str, User],
    report: ImportReport,
    known: _Situations,
    notes: list[str],
) -> Situation:
    """The situation a record names: by code if given, else by name and country; or a new one."""
    label = f"{given.name} ({given.country})"
    if given.code:
        situation = known.by_code.get(given.code)
        if situation is not None:
            return situation
    situation = known.by_name.get((given.name, given.country))
    if situation is not None:
        if given.code:
            notes.append(
                f"situation {label}: matched by name and country; its code here is "
                f"{situation.code!r}, not {given.code!r}"
            )
        return situation
    code = given.code
    if not code:
        base = slugify(f"{given.name}-{given.country}")[:70] or "situation"
        taken = set(Situation.objects.filter(code__startswith=base).values_list("code", flat=True))
        code = base
        suffix = 2
        while code in taken:
            code, suffix = f"{base}-{suffix}", suffix + 1
    optional = {
        "review_cadence_days": given.review_cadence_days,
        "confidentiality": given.confidentiality,
    }
    situation = Situation.objects.create(
        created_by=by,
        code=code,
        name=given.name,
        country=given.country,
        region=given.region,
        **{name: value for name, value in optional.items() if value is not None},
    )
    _attach_groups(situation, given, by=by)
    analysts = [users[name] for name in given.analysts if name in users]
    situation.analysts.set(analysts)
    for name in given.analysts:
        if name not in users:
            notes.append(f"situation {label}: no user {name!r} here to assign as analyst")
    report.situations_created.append(situation)
    known.add(situation)
    return situation


def _attach_groups(situation: Situation, given: SituationRecord, *, by: User) -> None:
    """Link the groups a file names (version 2), or those its two texts name (version 1,
    split as the migration that made the first group records split the same texts)."""
    for group in given.groups:
        services.attach_group(
            situation,
            by=by,
            given=services.GroupInput(
                name=group.name, kind=group.kind, description=group.description
            ),
        )
    services.attach_groups_from_text(
        situation, by=by, text=given.protected_groups, kind=GroupKind.UNCLASSIFIED
    )
    services.attach_groups_from_text(
        situation, by=by, text=given.populations_at_risk, kind=GroupKind.OTHER
    )


def _groups_by_situation(situations: Iterable[Situation]) -> dict[int, dict[str, ProtectedGroup]]:
    """Each situation's groups at risk by their name folded (one query)."""
    through = ProtectedGroup.situations.through
    links = through.objects.filter(situation_id__in={s.pk for s in situations}).select_related(
        "protectedgroup"
    )
    found: dict[int, dict[str, ProtectedGroup]] = {}
    for link in links:
        group = link.protectedgroup
        found.setdefault(link.situation_id, {})[group.name.casefold()] = group
    return found


def _rating_group_links(
    made: list[tuple[IndicatorRating, RatingRecord]],
    by_name: dict[str, ProtectedGroup],
    factor_of: dict[str, int],
    *,
    described: str,
    notes: list[str],
) -> list[Any]:
    """The links of each rating to the groups it names that are at risk here (RF9 and RF10
    only), to insert in bulk."""
    through = IndicatorRating.groups.through
    links = []
    for rating, given in made:
        if not given.groups:
            continue
        code = rating.indicator_code  # type: ignore[attr-defined]  # set by the import
        if factor_of.get(code) not in groups.GENOCIDE_FACTORS:
            notes.append(f"{described}: {code} is not of RF9 or RF10; its groups left out")
            continue
        linked: set[int] = set()
        for name in given.groups:
            group = by_name.get(name.casefold())
            if group is None:
                notes.append(f"{described}: {code} names {name!r}, no group of it here")
            elif group.pk not in linked:
                linked.add(group.pk)
                links.append(through(indicatorrating_id=rating.pk, protectedgroup_id=group.pk))
    return links


def _dissents(
    assessment: Assessment,
    given: Iterable[DissentRecord],
    users: dict[str, User],
    *,
    described: str,
    notes: list[str],
) -> list[Dissent]:
    made = []
    for dissent in given:
        author = users.get(dissent.author)
        if author is None:
            notes.append(f"{described}: no user {dissent.author!r} here; dissent left out")
            continue
        if dissent.on == "decision":
            notes.append(
                f"{described}: {dissent.author!r} dissented from the decision there; "
                "recorded here on the assessment"
            )
        made.append(
            Dissent(
                assessment=assessment,
                author=author,
                revision=dissent.revision,
                levels=dissent.levels,
                reason=dissent.reason,
            )
        )
    return made


def _import_actions(
    assessment: Assessment,
    given: Iterable[ActionRecord],
    users: dict[str, User],
    entries: dict[str, PillarTool],
    *,
    by: User,
    described: str,
    notes: list[str],
) -> None:
    """The response actions, without the decision that opened them (it stays with the office
    that made it); one the database refuses is left out with a note, the rest imported."""
    for number, action in enumerate(given):
        place = f"{described} actions[{number}]"
        entry = entries.get(action.entry) if action.entry else None
        if action.entry and entry is None:
            notes.append(f"{place}: no tool {action.entry!r} here; left out")
            continue
        owner = users.get(action.owner) if action.owner else None
        if action.owner and owner is None:
            notes.append(f"{place}: no user {action.owner!r} here; imported without owner")
        try:
            with transaction.atomic():
                made = ResponseAction.objects.create(
                    situation=assessment.situation,
                    assessment=assessment,
                    kind=action.kind,
                    entry=entry,
                    escalation=action.escalation or "",
                    owner=owner,
                    office=action.office,
                    due_on=action.due_on,
                    status=action.status,
                    done_on=action.done_on,
                    effect=action.effect,
                    effect_note=action.effect_note,
                    dropped_reason=action.dropped_reason,
                    closed_at=None if action.status in OPEN_ACTION_STATUSES else timezone.now(),
                    updated_by=by,
                )
        except IntegrityError:
            notes.append(f"{place}: incomplete or repeated (refused here); left out")
            continue
        ActionSource.objects.bulk_create(
            ActionSource(action=made, reliability=s.reliability, citation=s.citation, order=i)
            for i, s in enumerate(action.sources)
        )


OPEN_ACTION_STATUSES = (ResponseAction.Status.PLANNED, ResponseAction.Status.UNDER_WAY)


@dataclass
class _Planned:
    """An assessment of the file about to be inserted, with what goes with it."""

    record: AssessmentRecord
    assessment: Assessment
    described: str
    notes: list[str]
    ratings: list[tuple[IndicatorRating, RatingRecord]] = field(default_factory=list)


def _results(
    planned: list[_Planned], retired: set[int]
) -> list[tuple[_Planned, scoring.AssessmentResult]]:
    """Score each planned assessment from its ratings in memory, reading the reference data
    once per set of retired indicators rated (see :func:`workflow.derive_result`)."""
    frameworks: dict[frozenset[int], scoring.Framework] = {}
    scored = []
    for plan in planned:
        ratings = [rating for rating, _given in plan.ratings]
        extra = frozenset(r.indicator_id for r in ratings) & retired
        if extra not in frameworks:
            try:
                frameworks[extra] = selectors.scoring_framework(set(extra))
            except selectors.ReferenceDataMissing as missing:
                raise workflow.WorkflowError(str(missing)) from missing
        given = {
            rating.indicator_code: scoring.Rating(  # type: ignore[attr-defined]  # set above
                severity=rating.severity, trend=rating.trend, confidence=rating.confidence
            )
            for rating in ratings
        }
        scored.append((plan, scoring.assess(frameworks[extra], given, plan.assessment.posture)))
    return scored


@transaction.atomic
def import_assessments(
    records: Iterable[AssessmentRecord], *, by: User, source: str = "a file"
) -> ImportReport:
    """Import validated records (see ``assessments.exchange``) in one transaction.

    Missing situations are created (by ``by``, with the named analysts who exist here).
    Each assessment keeps its status and revision, with one transition recording the import,
    and its levels and recommendations are recomputed here. An assessment of the same
    situation, date and author already present is skipped, so importing twice is harmless.
    Authors and reviewers are matched by username; an unknown author becomes ``by``.

    The assessments, their ratings, sources, groups, dissents, transitions, audit entries and
    summaries are inserted in bulk: the number of queries grows with the situations and the
    response actions of the file, not with its assessments or ratings.
    """
    if not permissions.can_manage_situations(by):
        raise workflow.WorkflowError(_("Only reviewers and framework admins import assessments."))
    records = list(records)
    codes = {code for record in records for code in record.ratings}
    indicators = {
        code: (pk, number, active)
        for code, pk, number, active in Indicator.objects.filter(code__in=codes)
        .order_by("factor__number", "order", "code")
        .values_list("code", "pk", "factor__number", "is_active")
    }
    if codes - set(indicators):
        raise workflow.WorkflowError(
            _("Unknown indicator codes: %(codes)s")
            % {"codes": ", ".join(sorted(codes - set(indicators)))}
        )
    indicator_ids = {code: pk for code, (pk, _number, _active) in indicators.items()}
    factor_of = {code: number for code, (_pk, number, _active) in indicators.items()}
    retired = {pk for pk, _number, active in indicators.values() if not active}
    user_model = get_user_model()
    usernames = {
        name
        for record in records
        for name in (
            record.author,
            record.reviewer,
            *record.situation.analysts,
            *(d.author for d in record.dissents),
            *(a.owner for a in record.actions),
        )
        if name
    }
    users: dict[str, User] = {
        user.get_username(): user
        for user in user_model.objects.filter(**{f"{user_model.USERNAME_FIELD}__in": usernames})
    }
    report = ImportReport()
    known = _Situations(record.situation for record in records)
    present = set(
        Assessment.objects.filter(situation__in={s.pk for s in known.by_code.values()}).values_list(
            "situation_id", "as_of", "author_id"
        )
    )
    attached: set[tuple[int, SituationRecord]] = set()
    notes_in_order: list[list[str]] = []
    planned: list[_Planned] = []
    for record in records:
        notes: list[str] = []
        notes_in_order.append(notes)
        situation = _situation_for_import(
            record.situation, by=by, users=users, report=report, known=known, notes=notes
        )
        given_situation = record.situation
        if (
            situation not in report.situations_created
            and given_situation.groups
            and (situation.pk, given_situation) not in attached
        ):
            # Linking the same groups again changes nothing: once per situation and file.
            _attach_groups(situation, given_situation, by=by)
            attached.add((situation.pk, given_situation))
        author = users.get(record.author or "", by)
        described = f"{record.place} ({situation.code} {record.as_of.isoformat()})"
        key = (situation.pk, record.as_of, author.pk)
        if key in present:
            report.skipped.append(
                f"{described}: already present (same situation, date and author "
                f"{author.get_username()!r})"
            )
            continue
        present.add(key)
        if record.author and record.author not in users:
            notes.append(
                f"{described}: no user {record.author!r} here; imported as written by "
                f"{by.get_username()!r}"
            )
        reviewer = users.get(record.reviewer) if record.reviewer else None
        if record.reviewer and reviewer is None:
            notes.append(f"{described}: no user {record.reviewer!r} here as reviewer")
        if reviewer is not None and reviewer.pk == author.pk:
            notes.append(f"{described}: the author cannot be its reviewer; reviewer left out")
            reviewer = None
        status = record.status
        if status == Assessment.Status.SECOND_REVIEW:
            # The first review stays with the office that gave it: reviewers here start anew.
            status = Assessment.Status.IN_REVIEW
            notes.append(
                f"{described}: awaited its second review there; in review here, from the first"
            )
            reviewer = None
        assessment = Assessment(
            situation=situation,
            author=author,
            as_of=record.as_of,
            posture=record.posture,
            narrative=record.narrative,
            status=status,
            revision=record.revision,
            reviewer=reviewer,
        )
        planned.append(_Planned(record, assessment, described, notes))
    if planned:
        _insert(planned, by=by, source=source, users=users, ids=(indicator_ids, factor_of))
        for plan, result in _results(planned, retired):
            assessment = plan.assessment
            assessment.overall_level = result.overall
            assessment.result = result.to_dict()
            levels = assessment.result.get("levels", {})
            assessment.crime_levels = levels
            assessment.factor_levels = assessment.result.get("factor_levels", {})
            changed = [
                f"{key} {value} -> {levels.get(key)}"
                for key, value in sorted((plan.record.levels or {}).items())
                if value != levels.get(key)
            ]
            if changed:
                plan.notes.append(
                    f"{plan.described}: levels recomputed here differ: {', '.join(changed)}"
                )
        Assessment.objects.bulk_update(
            [plan.assessment for plan in planned],
            ["overall_level", "result", "crime_levels", "factor_levels"],
            batch_size=200,
        )
        # The situations' current level, latest status and due date, once for all of them.
        derived.refresh_situation_summary({plan.assessment.situation_id for plan in planned})
        drafted = [
            plan.assessment
            for plan in planned
            if workflow.step(workflow.Action.DRAFT_SUMMARY, plan.assessment.status) is not None
        ]
        # Reviewers here act on a summary of our own, drafted in the background.
        for summary in EscalationSummary.objects.bulk_create(
            EscalationSummary(assessment=assessment, revision=assessment.revision)
            for assessment in drafted
        ):
            jobs.enqueue(workflow.DRAFT_SUMMARY_TASK, summary_id=summary.pk)
        report.created.extend(plan.assessment for plan in planned)
    report.notes.extend(note for notes in notes_in_order for note in notes)
    return report


def _insert(
    planned: list[_Planned],
    *,
    by: User,
    source: str,
    users: dict[str, User],
    ids: tuple[dict[str, int], dict[str, int]],
) -> None:
    """Insert the planned assessments and everything that goes with them, in bulk."""
    indicator_ids, factor_of = ids
    Assessment.objects.bulk_create([plan.assessment for plan in planned])
    Participation.objects.bulk_create(
        Participation(assessment=plan.assessment, user=user, role=role)
        for plan in planned
        for user, role in (
            (plan.assessment.author, Participation.Role.EDITOR),
            (plan.assessment.reviewer, Participation.Role.REVIEWER),
        )
        if user is not None
    )
    # In the order of the stored ratings (factor, then indicator), as the scoring reads them.
    rank = {code: i for i, code in enumerate(indicator_ids)}
    for plan in planned:
        for code, given in sorted(plan.record.ratings.items(), key=lambda item: rank[item[0]]):
            rating = IndicatorRating(
                assessment=plan.assessment,
                indicator_id=indicator_ids[code],
                severity=given.severity,
                trend=given.trend,
                confidence=given.confidence,
                note=given.note,
            )
            rating.indicator_code = code  # type: ignore[attr-defined]  # for scoring and notes
            plan.ratings.append((rating, given))
    IndicatorRating.objects.bulk_create(
        [rating for plan in planned for rating, _given in plan.ratings], batch_size=2000
    )
    EvidenceSource.objects.bulk_create(
        (
            EvidenceSource(rating=rating, reliability=s.reliability, citation=s.citation, order=i)
            for plan in planned
            for rating, given in plan.ratings
            for i, s in enumerate(given.sources)
        ),
        batch_size=2000,
    )
    groups_of = _groups_by_situation({plan.assessment.situation for plan in planned})
    IndicatorRating.groups.through.objects.bulk_create(
        link
        for plan in planned
        for link in _rating_group_links(
            plan.ratings,
            groups_of.get(plan.assessment.situation_id, {}),
            factor_of,
            described=plan.described,
            notes=plan.notes,
        )
    )
    Dissent.objects.bulk_create(
        dissent
        for plan in planned
        for dissent in _dissents(
            plan.assessment,
            plan.record.dissents,
            users,
            described=plan.described,
            notes=plan.notes,
        )
    )
    wanted = {a.entry for plan in planned for a in plan.record.actions if a.entry}
    entries = {entry.code: entry for entry in PillarTool.objects.filter(code__in=wanted)}
    for plan in planned:
        _import_actions(
            plan.assessment,
            plan.record.actions,
            users,
            entries,
            by=by,
            described=plan.described,
            notes=plan.notes,
        )
    workflow.record_transitions(
        [plan.assessment for plan in planned],
        by=by,
        from_status="",
        event=Transition.Event.IMPORTED,
        params={"source": source},
    )
