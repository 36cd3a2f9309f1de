"""The exchange format: one JSON object per assessment (see README, "Exchange format").

An export document is ``{"format": "r2p-assessments", "version": 1, "exported_at": ...,
"assessments": [...]}``. Import reads the same document: :func:`parse_document` checks a
file whole, before anything touches the database, and either returns validated records or
raises :class:`ExchangeError` naming the place of every problem
(``assessments[2].ratings["7.5"].severity``). The derived fields of an export (``levels``,
``factor_levels``, ``recommendations``) are checked for shape and otherwise ignored on import:
the importing office recomputes them from the ratings with its own thresholds.
"""

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from pydantic import MISSING, ValidationError

from assessments import groups, permissions, scoring, services, workflow
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
    Assessment,
    EscalationSummary,
    EvidenceSource,
    GroupKind,
    IndicatorRating,
    Participation,
    Situation,
    Transition,
)
from framework.models import Indicator

# Export -------------------------------------------------------------------------------------


def assessments_for_export(situation_code: str | None = None) -> QuerySet[Assessment]:
    """Every assessment (of one situation if ``situation_code``), in a fixed number of queries.

    Ordered by what identifies an assessment across databases, so that two exports of the
    same data list it in the same order whatever the ids.
    """
    ratings = IndicatorRating.objects.select_related("indicator").prefetch_related("sources")
    queryset = Assessment.objects.select_related("situation", "author", "reviewer")
    if situation_code is not None:
        queryset = queryset.filter(situation__code=situation_code)
    summaries = EscalationSummary.objects.select_related("decision__reviewer").order_by("revision")
    return queryset.prefetch_related(
        Prefetch("ratings", queryset=ratings),
        "situation__analysts",
        "situation__groups",
        Prefetch("summaries", queryset=summaries),
    ).order_by("situation__code", "as_of", "author__username", "pk")


def _situation_to_dict(situation: Situation) -> dict[str, Any]:
    # Version 1 carries the groups at risk as two texts, composed from the records.
    texts = groups.compose_texts(
        ((g.name, g.kind, g.description) for g in situation.groups.all()), GroupKind.OTHER
    )
    return {
        "code": situation.code,
        "name": situation.name,
        "country": str(situation.country),
        "region": situation.region,
        "populations_at_risk": texts.populations_at_risk,
        "protected_groups": texts.protected_groups,
        "review_cadence_days": situation.review_cadence_days,
        "confidentiality": situation.confidentiality,
        "analysts": sorted(user.get_username() for user in situation.analysts.all()),
    }


def assessment_to_dict(assessment: Assessment) -> dict[str, Any]:
    """Export one assessment; ``ratings``, their ``sources`` and the analysts should be
    prefetched (see :func:`assessments_for_export`)."""
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
            for rating in assessment.ratings.all()
            if rating.severity != scoring.Severity.NOT_ASSESSED
        },
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
    }


def export_document(
    assessments: Iterable[Assessment], *, exported_at: datetime | None = None
) -> dict[str, Any]:
    """The whole export file as a JSON-ready dict."""
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "exported_at": (exported_at or timezone.now()).isoformat(),
        "assessments": [assessment_to_dict(assessment) for assessment in assessments],
    }


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


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


def _record(entry: AssessmentEntry, place: str) -> AssessmentRecord:
    situation = entry.situation
    return AssessmentRecord(
        place=place,
        situation=SituationRecord(
            **situation.model_dump(exclude={"analysts"}), analysts=tuple(situation.analysts)
        ),
        as_of=entry.as_of,
        posture=entry.posture,
        status=entry.status,
        narrative=entry.narrative,
        ratings={
            code: RatingRecord(
                **rating.model_dump(exclude={"sources"}),
                sources=tuple(SourceRecord(**source.model_dump()) for source in rating.sources),
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
            }
            if decision
            else None
        ),
    }


# Import: writing ----------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did: assessments created, records skipped, and anything worth a note."""

    created: list[Assessment] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    situations_created: list[Situation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _situation_for_import(
    given: SituationRecord,
    *,
    by: User,
    users: dict[str, User],
    report: ImportReport,
) -> Situation:
    """The situation a record names: by code if given, else by name and country; or a new one."""
    label = f"{given.name} ({given.country})"
    if given.code:
        situation = Situation.objects.filter(code=given.code).first()
        if situation is not None:
            return situation
    situation = Situation.objects.filter(name=given.name, country=given.country).first()
    if situation is not None:
        if given.code:
            report.notes.append(
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
    # Split as the migration that made the first group records split the same texts.
    services.attach_groups_from_text(
        situation, by=by, text=given.protected_groups, kind=GroupKind.UNCLASSIFIED
    )
    services.attach_groups_from_text(
        situation, by=by, text=given.populations_at_risk, kind=GroupKind.OTHER
    )
    analysts = [users[name] for name in given.analysts if name in users]
    situation.analysts.set(analysts)
    for name in given.analysts:
        if name not in users:
            report.notes.append(f"situation {label}: no user {name!r} here to assign as analyst")
    report.situations_created.append(situation)
    return situation


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
    """
    if not permissions.can_manage_situations(by):
        raise workflow.WorkflowError(_("Only reviewers and framework admins import assessments."))
    records = list(records)
    codes = {code for record in records for code in record.ratings}
    indicator_ids = dict(Indicator.objects.filter(code__in=codes).values_list("code", "pk"))
    if codes - set(indicator_ids):
        raise workflow.WorkflowError(
            _("Unknown indicator codes: %(codes)s")
            % {"codes": ", ".join(sorted(codes - set(indicator_ids)))}
        )
    user_model = get_user_model()
    usernames = {
        name
        for record in records
        for name in (record.author, record.reviewer, *record.situation.analysts)
        if name
    }
    users: dict[str, User] = {
        user.get_username(): user
        for user in user_model.objects.filter(**{f"{user_model.USERNAME_FIELD}__in": usernames})
    }
    report = ImportReport()
    for record in records:
        situation = _situation_for_import(record.situation, by=by, users=users, report=report)
        author = users.get(record.author or "", by)
        described = f"{record.place} ({situation.code} {record.as_of.isoformat()})"
        if Assessment.objects.filter(
            situation=situation, as_of=record.as_of, author=author
        ).exists():
            report.skipped.append(
                f"{described}: already present (same situation, date and author "
                f"{author.get_username()!r})"
            )
            continue
        if record.author and record.author not in users:
            report.notes.append(
                f"{described}: no user {record.author!r} here; imported as written by "
                f"{by.get_username()!r}"
            )
        reviewer = users.get(record.reviewer) if record.reviewer else None
        if record.reviewer and reviewer is None:
            report.notes.append(f"{described}: no user {record.reviewer!r} here as reviewer")
        if reviewer is not None and reviewer.pk == author.pk:
            report.notes.append(
                f"{described}: the author cannot be its reviewer; reviewer left out"
            )
            reviewer = None
        assessment = Assessment.objects.create(
            situation=situation,
            author=author,
            as_of=record.as_of,
            posture=record.posture,
            narrative=record.narrative,
            status=record.status,
            revision=record.revision,
            reviewer=reviewer,
        )
        Participation.objects.create(
            assessment=assessment, user=author, role=Participation.Role.EDITOR
        )
        if reviewer is not None:
            Participation.objects.create(
                assessment=assessment, user=reviewer, role=Participation.Role.REVIEWER
            )
        for code, given in record.ratings.items():
            rating = IndicatorRating.objects.create(
                assessment=assessment,
                indicator_id=indicator_ids[code],
                severity=given.severity,
                trend=given.trend,
                confidence=given.confidence,
                note=given.note,
            )
            EvidenceSource.objects.bulk_create(
                EvidenceSource(
                    rating=rating, reliability=s.reliability, citation=s.citation, order=i
                )
                for i, s in enumerate(given.sources)
            )
        workflow.record_transition(
            assessment,
            by=by,
            from_status="",
            event=Transition.Event.IMPORTED,
            params={"source": source},
        )
        workflow.store_result(assessment)
        if workflow.step(workflow.Action.DRAFT_SUMMARY, assessment.status) is not None:
            # Reviewers here act on a summary of our own, drafted in the background.
            workflow.request_summary(assessment)
        levels = assessment.result.get("levels", {})
        changed = [
            f"{key} {value} -> {levels.get(key)}"
            for key, value in sorted((record.levels or {}).items())
            if value != levels.get(key)
        ]
        if changed:
            report.notes.append(f"{described}: levels recomputed here differ: {', '.join(changed)}")
        report.created.append(assessment)
    return report
