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
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_countries import countries

from assessments import permissions, scoring, workflow
from assessments.models import (
    Assessment,
    Confidentiality,
    EscalationSummary,
    EvidenceSource,
    IndicatorRating,
    Participation,
    Situation,
    Transition,
)
from framework.models import Indicator

FORMAT_NAME = "r2p-assessments"
FORMAT_VERSION = 1

#: Severities an exported rating may have; "not assessed" ratings are not exchanged.
RATED_SEVERITIES: tuple[str, ...] = tuple(
    s for s in scoring.SEVERITIES if s != scoring.Severity.NOT_ASSESSED
)
STATUSES: tuple[str, ...] = tuple(Assessment.Status.values)
CONFIDENTIALITIES: tuple[str, ...] = tuple(Confidentiality.values)
RELIABILITIES: tuple[str, ...] = tuple(EvidenceSource.Reliability.values)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CITATION_MAX = EvidenceSource._meta.get_field("citation").max_length or 500
_CODE_MAX = Situation._meta.get_field("code").max_length or 80
_NAME_MAX = Situation._meta.get_field("name").max_length or 200
_REGION_MAX = Situation._meta.get_field("region").max_length or 200


# Export -------------------------------------------------------------------------------------


def assessments_for_export(situation_code: str | None = None) -> QuerySet[Assessment]:
    """Every assessment (of one situation if ``situation_code``), in four queries.

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
        Prefetch("summaries", queryset=summaries),
    ).order_by("situation__code", "as_of", "author__username", "pk")


def _situation_to_dict(situation: Situation) -> dict[str, Any]:
    return {
        "code": situation.code,
        "name": situation.name,
        "country": str(situation.country),
        "region": situation.region,
        "populations_at_risk": situation.populations_at_risk,
        "protected_groups": situation.protected_groups,
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


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _key(code: str) -> str:
    """A map key as it appears in a place: ``ratings["7.5"]``."""
    return f"[{json.dumps(code, ensure_ascii=False)}]"


class _Checker:
    """Collects problems while reading one object's fields."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems

    def problem(self, place: str, message: str) -> None:
        self.problems.append(f"{place}: {message}")

    def obj(self, value: object, place: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.problem(place, f"must be an object, not {_json_type(value)}")
            return None
        return value

    def fields(
        self, item: dict[str, Any], place: str, required: Collection[str], optional: Collection[str]
    ) -> bool:
        ok = True
        for name in required:
            if name not in item:
                self.problem(place, f"missing field '{name}'")
                ok = False
        for name in sorted(set(item) - set(required) - set(optional)):
            self.problem(place, f"unknown field '{name}'")
            ok = False
        return ok

    def text(
        self,
        item: dict[str, Any],
        name: str,
        place: str,
        *,
        default: str | None = "",
        required: bool = False,
        max_length: int | None = None,
    ) -> str | None:
        if name not in item:
            return default
        value = item[name]
        where = f"{place}.{name}"
        if not isinstance(value, str):
            self.problem(where, f"must be a string, not {_json_type(value)}")
            return None
        if required and not value.strip():
            self.problem(where, "must not be empty")
            return None
        if max_length is not None and len(value) > max_length:
            self.problem(where, f"is longer than {max_length} characters")
            return None
        return value

    def choice(
        self, item: dict[str, Any], name: str, place: str, scale: tuple[str, ...]
    ) -> str | None:
        value = item.get(name)
        if name not in item:
            return None
        if not isinstance(value, str) or value not in scale:
            shown = repr(value) if isinstance(value, str) else _json_type(value)
            self.problem(f"{place}.{name}", f"{shown} is not one of {', '.join(scale)}")
            return None
        return value

    def whole(self, item: dict[str, Any], name: str, place: str, minimum: int) -> int | None:
        value = item.get(name)
        if name not in item:
            return None
        # bool is a subclass of int: a number field must not take true/false.
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(f"{place}.{name}", f"must be a whole number, not {_json_type(value)}")
            return None
        if value < minimum:
            self.problem(f"{place}.{name}", f"{value} is less than {minimum}")
            return None
        return value


def _situation(checker: _Checker, raw: object, place: str) -> SituationRecord | None:
    item = checker.obj(raw, place)
    if item is None:
        return None
    required = ("name", "country")
    optional = (
        "code",
        "region",
        "populations_at_risk",
        "protected_groups",
        "review_cadence_days",
        "confidentiality",
        "analysts",
    )
    before = len(checker.problems)
    checker.fields(item, place, required, optional)
    name = checker.text(item, "name", place, required=True, max_length=_NAME_MAX)
    country = item.get("country")
    if "country" in item:
        if not isinstance(country, str):
            checker.problem(f"{place}.country", f"must be a string, not {_json_type(country)}")
        elif country not in countries:
            checker.problem(
                f"{place}.country", f"{country!r} is not an ISO 3166-1 alpha-2 country code"
            )
    code = checker.text(item, "code", place, default=None, required=True, max_length=_CODE_MAX)
    if code is not None and not re.fullmatch(r"[-a-zA-Z0-9_]+", code):
        checker.problem(f"{place}.code", f"{code!r} is not a slug (letters, digits, - and _)")
    region = checker.text(item, "region", place, max_length=_REGION_MAX)
    populations = checker.text(item, "populations_at_risk", place)
    groups = checker.text(item, "protected_groups", place)
    cadence = checker.whole(item, "review_cadence_days", place, minimum=1)
    confidentiality = checker.choice(item, "confidentiality", place, CONFIDENTIALITIES)
    analysts = item.get("analysts", [])
    if not isinstance(analysts, list) or not all(isinstance(a, str) for a in analysts):
        checker.problem(f"{place}.analysts", "must be an array of usernames")
        analysts = []
    if len(checker.problems) > before:
        return None
    return SituationRecord(
        name=str(name),
        country=str(country),
        code=code,
        region=region or "",
        populations_at_risk=populations or "",
        protected_groups=groups or "",
        review_cadence_days=cadence,
        confidentiality=confidentiality,
        analysts=tuple(analysts),
    )


def _rating(checker: _Checker, raw: object, place: str) -> RatingRecord | None:
    item = checker.obj(raw, place)
    if item is None:
        return None
    before = len(checker.problems)
    checker.fields(item, place, ("severity", "trend", "confidence"), ("note", "sources"))
    severity = checker.choice(item, "severity", place, RATED_SEVERITIES)
    trend = checker.choice(item, "trend", place, scoring.TRENDS)
    confidence = checker.choice(item, "confidence", place, scoring.CONFIDENCES)
    note = checker.text(item, "note", place)
    sources: list[SourceRecord] = []
    raw_sources = item.get("sources", [])
    if not isinstance(raw_sources, list):
        checker.problem(f"{place}.sources", f"must be an array, not {_json_type(raw_sources)}")
        raw_sources = []
    for index, raw_source in enumerate(raw_sources):
        where = f"{place}.sources[{index}]"
        source = checker.obj(raw_source, where)
        if source is None or not checker.fields(source, where, ("reliability", "citation"), ()):
            continue
        reliability = checker.choice(source, "reliability", where, RELIABILITIES)
        citation = checker.text(source, "citation", where, required=True, max_length=_CITATION_MAX)
        if reliability is not None and citation is not None:
            sources.append(SourceRecord(reliability, citation))
    if len(checker.problems) > before:
        return None
    return RatingRecord(
        severity=str(severity),
        trend=str(trend),
        confidence=str(confidence),
        note=note or "",
        sources=tuple(sources),
    )


def _derived(checker: _Checker, item: dict[str, Any], place: str) -> dict[str, str] | None:
    """Check the shape of the derived fields of an export; return its levels if present."""
    levels = item.get("levels")
    if "levels" in item:
        levels_obj = checker.obj(levels, f"{place}.levels")
        if levels_obj is not None:
            for key, value in levels_obj.items():
                if value not in scoring.LEVELS:
                    shown = repr(value) if isinstance(value, str) else _json_type(value)
                    checker.problem(
                        f"{place}.levels{_key(key)}",
                        f"{shown} is not one of {', '.join(scoring.LEVELS)}",
                    )
    if "factor_levels" in item:
        factor_levels = checker.obj(item["factor_levels"], f"{place}.factor_levels")
        for key, value in (factor_levels or {}).items():
            if value is not None and value not in scoring.SEVERITIES:
                shown = repr(value) if isinstance(value, str) else _json_type(value)
                checker.problem(
                    f"{place}.factor_levels{_key(key)}",
                    f"{shown} is not null or one of {', '.join(scoring.SEVERITIES)}",
                )
    if "recommendations" in item:
        recommendations = item["recommendations"]
        if not isinstance(recommendations, list):
            checker.problem(
                f"{place}.recommendations", f"must be an array, not {_json_type(recommendations)}"
            )
        else:
            for index, rec in enumerate(recommendations):
                checker.obj(rec, f"{place}.recommendations[{index}]")
    if isinstance(levels, dict) and all(isinstance(v, str) for v in levels.values()):
        return dict(levels)
    return None


def _assessment(
    checker: _Checker, raw: object, place: str, indicator_codes: Collection[str]
) -> AssessmentRecord | None:
    item = checker.obj(raw, place)
    if item is None:
        return None
    before = len(checker.problems)
    checker.fields(
        item,
        place,
        ("situation", "as_of", "posture", "status", "ratings"),
        (
            "narrative",
            "revision",
            "author",
            "reviewer",
            "levels",
            "factor_levels",
            "recommendations",
            "summaries",
        ),
    )
    if "summaries" in item and not isinstance(item["summaries"], list):
        checker.problem(f"{place}.summaries", "must be a list")
    situation = None
    if "situation" in item:
        situation = _situation(checker, item["situation"], f"{place}.situation")
    as_of: date | None = None
    if "as_of" in item:
        value = item["as_of"]
        if not isinstance(value, str):
            checker.problem(f"{place}.as_of", f"must be a string, not {_json_type(value)}")
        else:
            try:
                as_of = date.fromisoformat(value) if _ISO_DATE.fullmatch(value) else None
            except ValueError:
                as_of = None
            if as_of is None:
                checker.problem(f"{place}.as_of", f"{value!r} is not a date (YYYY-MM-DD)")
    posture = checker.choice(item, "posture", place, scoring.POSTURES)
    status = checker.choice(item, "status", place, STATUSES)
    narrative = checker.text(item, "narrative", place)
    revision = checker.whole(item, "revision", place, minimum=0)
    author = checker.text(item, "author", place, default=None, required=True)
    reviewer = None
    if item.get("reviewer") is not None:
        reviewer = checker.text(item, "reviewer", place, default=None, required=True)
    ratings: dict[str, RatingRecord] = {}
    if "ratings" in item:
        raw_ratings = checker.obj(item["ratings"], f"{place}.ratings")
        for code, raw_rating in (raw_ratings or {}).items():
            where = f"{place}.ratings{_key(code)}"
            if code not in indicator_codes:
                checker.problem(where, f"unknown indicator code {code!r}")
                continue
            rating = _rating(checker, raw_rating, where)
            if rating is not None:
                ratings[code] = rating
    levels = _derived(checker, item, place)
    if status is not None and status != Assessment.Status.DRAFT:
        if "ratings" in item and not ratings and len(checker.problems) == before:
            checker.problem(
                f"{place}.ratings", f"a {status} assessment needs at least one rated indicator"
            )
        if revision == 0:
            checker.problem(f"{place}.revision", f"a {status} assessment has revision 1 or more")
    if len(checker.problems) > before:
        return None
    assert situation is not None and as_of is not None  # no problem means both were read
    return AssessmentRecord(
        place=place,
        situation=situation,
        as_of=as_of,
        posture=str(posture),
        status=str(status),
        narrative=narrative or "",
        ratings=ratings,
        revision=revision if revision is not None else int(status != Assessment.Status.DRAFT),
        author=author,
        reviewer=reviewer,
        levels=levels,
    )


def validate_document(raw: object, *, indicator_codes: Collection[str]) -> list[AssessmentRecord]:
    """Turn a parsed document into validated records, or raise ExchangeError naming every
    problem. Pure: ``indicator_codes`` are the codes the importing database knows."""
    problems: list[str] = []
    checker = _Checker(problems)
    if not isinstance(raw, dict):
        raise ExchangeError([f"the top level must be an object, not {_json_type(raw)}"])
    checker.fields(raw, "document", ("format", "version", "assessments"), ("exported_at",))
    if "format" in raw and raw["format"] != FORMAT_NAME:
        checker.problem("format", f"{raw['format']!r} is not {FORMAT_NAME!r}")
    if "version" in raw and (isinstance(raw["version"], bool) or raw["version"] != FORMAT_VERSION):
        checker.problem("version", f"{raw['version']!r} is not a supported version (1)")
    if "exported_at" in raw and not isinstance(raw["exported_at"], str):
        checker.problem("exported_at", f"must be a string, not {_json_type(raw['exported_at'])}")
    items = raw.get("assessments", [])
    if not isinstance(items, list):
        checker.problem("assessments", f"must be an array, not {_json_type(items)}")
        items = []
    records = [
        _assessment(checker, item, f"assessments[{index}]", indicator_codes)
        for index, item in enumerate(items)
    ]
    if problems:
        raise ExchangeError(problems)
    return [record for record in records if record is not None]


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
    by: AbstractBaseUser,
    users: dict[str, AbstractBaseUser],
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
        populations_at_risk=given.populations_at_risk,
        protected_groups=given.protected_groups,
        **{name: value for name, value in optional.items() if value is not None},
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
    records: Iterable[AssessmentRecord], *, by: AbstractBaseUser, source: str = "a file"
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
    users: dict[str, AbstractBaseUser] = {
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
