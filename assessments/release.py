"""The releasable version ("tearline") of an approved escalation summary.

The analysts of a situation mark which evidence notes and sources may go to partners; a
reviewer then cuts, from the approved summary's stored snapshot, a version for one named
recipient at a confidentiality lower than the situation's. The cut keeps the levels and the
ratings and, of the evidence, only what is marked releasable *and* still reads as the snapshot
reads: a mark given to a text that has changed since releases neither text. Every other free
text (narrative, reasons, comments, dissents, the response's notes, the populations, names)
stays behind. Marks are dissemination marks: they change no level and void no approval.
"""

from collections.abc import Collection
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from assessments import permissions, summaries
from assessments.models import (
    Assessment,
    Confidentiality,
    EscalationSummary,
    EvidenceSource,
    IndicatorRating,
    Situation,
    SummaryRelease,
    lower_confidentialities,
)
from audit import log as audit

#: The shape of a release's content; raised when it changes.
RELEASE_SCHEMA = 1


class ReleaseError(Exception):
    """A release or a marking the rules refuse; ``errors`` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(m for messages in errors.values() for m in messages))
        self.errors = errors


# Who may do what --------------------------------------------------------------------------


def can_mark(user: roles.User, situation: Situation) -> bool:
    """Mark notes and sources releasable: the situation's assigned analysts, at any status."""
    return permissions.is_assigned(user, situation)


def can_see_releases(user: roles.User, situation: Situation) -> bool:
    """See the releases made and download them: a reviewer, or the situation's analysts."""
    return roles.is_reviewer(user) or permissions.is_assigned(user, situation)


def can_release(user: roles.User) -> bool:
    return roles.is_reviewer(user)


def release_choices(situation: Situation) -> list[tuple[str, str]]:
    """The confidentialities a release of the situation may carry (none for a public one)."""
    labels = dict(Confidentiality.choices)
    return [
        (code, str(labels[code])) for code in lower_confidentialities(situation.confidentiality)
    ]


def is_releasable(summary: EscalationSummary) -> bool:
    """Ready, approved, and still the approval in force (no edit has voided it since)."""
    decision = getattr(summary, "decision", None)
    assessment = summary.assessment
    return (
        summary.is_ready
        and decision is not None
        and decision.approved
        and assessment.is_approved
        and assessment.revision == summary.revision
    )


# The marks ---------------------------------------------------------------------------------


@transaction.atomic
def mark_releasable(
    assessment: Assessment, *, by: User, notes: Collection[int], sources: Collection[int]
) -> int:
    """Mark releasable exactly the notes (by rating id) and sources (by id) given, among the
    assessment's; the others not. Each change is logged; returns how many changed."""
    if not can_mark(by, assessment.situation):
        raise ReleaseError({"__all__": [_("Only the situation's analysts may mark evidence.")]})
    changed = 0
    ratings = IndicatorRating.objects.select_for_update().filter(assessment=assessment)
    for rating in ratings.select_related("indicator"):
        wanted = rating.pk in notes and bool(rating.note)
        if rating.note_releasable != wanted:
            rating.note_releasable = wanted
            rating.save(update_fields=["note_releasable"])
            audit.record(
                "note_releasable" if wanted else "note_not_releasable",
                obj=rating,
                actor=by,
                data={"assessment": assessment.pk, "indicator": rating.indicator.code},
            )
            changed += 1
    evidence = EvidenceSource.objects.select_for_update().filter(rating__assessment=assessment)
    for source in evidence.select_related("rating__indicator"):
        wanted = source.pk in sources
        if source.releasable != wanted:
            source.releasable = wanted
            source.save(update_fields=["releasable"])
            audit.record(
                "source_releasable" if wanted else "source_not_releasable",
                obj=source,
                actor=by,
                data={
                    "assessment": assessment.pk,
                    "indicator": source.rating.indicator.code,
                    "citation": source.citation,
                },
            )
            changed += 1
    return changed


# The cut ------------------------------------------------------------------------------------


def _live_evidence(assessment: Assessment) -> dict[str, tuple[str, set[str]]]:
    """By indicator code: the note if marked releasable (else ""), and the citations marked
    releasable, as they stand now (two queries)."""
    live: dict[str, tuple[str, set[str]]] = {}
    ratings = assessment.ratings.select_related("indicator").prefetch_related("sources")
    for rating in ratings:
        live[rating.indicator.code] = (
            rating.note if rating.note_releasable else "",
            {s.citation for s in rating.sources.all() if s.releasable},
        )
    return live


def _indicator(snapshot: dict[str, Any], live: dict[str, tuple[str, set[str]]]) -> dict[str, Any]:
    note, citations = live.get(str(snapshot.get("code", "")), ("", set()))
    kept_note = snapshot.get("note", "")
    return {
        "code": snapshot.get("code", ""),
        "label": snapshot.get("label", ""),
        "severity": snapshot.get("severity", ""),
        "trend": snapshot.get("trend", ""),
        "confidence": snapshot.get("confidence", ""),
        # Released only when marked and the text marked is the text of the snapshot.
        "note": kept_note if note and note == kept_note else "",
        "sources": [
            {"reliability": s.get("reliability", ""), "citation": s.get("citation", "")}
            for s in snapshot.get("sources", [])
            if s.get("citation") in citations
        ],
    }


def build_release_content(summary: EscalationSummary) -> dict[str, Any]:
    """What of the summary's stored snapshot may be released: the situation's name and
    country, the date, the levels, the approved escalation and the ratings, with only the
    evidence marked releasable that still reads as the snapshot reads."""
    content = summary.content
    decision = getattr(summary, "decision", None)
    live = _live_evidence(summary.assessment)
    situation = content.get("situation", {})
    return {
        "schema": RELEASE_SCHEMA,
        "situation": {"name": situation.get("name", ""), "country": situation.get("country", "")},
        "as_of": content.get("assessment", {}).get("as_of", ""),
        "levels": dict(content.get("levels", {})),
        "escalation": {"approved_level": decision.level if decision is not None else ""},
        "drivers": [
            {
                "factor": factor.get("factor"),
                "title": factor.get("title", ""),
                "level": factor.get("level"),
                "indicators": [_indicator(i, live) for i in factor.get("indicators", [])],
            }
            for factor in content.get("drivers", [])
        ],
    }


def marking(recipient: str, confidentiality: str) -> str:
    label = str(dict(Confidentiality.choices).get(confidentiality, confidentiality))
    return _("RELEASABLE TO %(recipient)s — %(confidentiality)s") % {
        "recipient": recipient,
        "confidentiality": label.upper(),
    }


def _check(
    summary: EscalationSummary, *, by: User, recipient: str, confidentiality: str
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not can_release(by):
        errors["__all__"] = [_("Only a reviewer may release a summary.")]
        return errors
    if not is_releasable(summary):
        errors["__all__"] = [
            _("Only the approved summary of an assessment still approved can be released.")
        ]
    if not recipient:
        errors.setdefault("recipient", []).append(_("Say whom the release is for."))
    elif len(recipient) > SummaryRelease.MAX_RECIPIENT:
        errors.setdefault("recipient", []).append(
            _("Name the recipient in at most %(count)d characters.")
            % {"count": SummaryRelease.MAX_RECIPIENT}
        )
    situation = summary.assessment.situation
    lower = lower_confidentialities(situation.confidentiality)
    if not lower:
        errors.setdefault("confidentiality", []).append(
            _("The situation is public: there is no lower confidentiality to release it at.")
        )
    elif confidentiality not in lower:
        errors.setdefault("confidentiality", []).append(
            _("Choose a confidentiality lower than the situation's (%(level)s).")
            % {"level": situation.get_confidentiality_display()}
        )
    return errors


@transaction.atomic
def release_summary(
    summary: EscalationSummary, *, by: User, recipient: str, confidentiality: str
) -> SummaryRelease:
    """Cut the releasable version of ``summary`` for ``recipient`` at ``confidentiality``,
    store it under its own hash and log who released what to whom, when."""
    summary = (
        EscalationSummary.objects.select_related("assessment__situation", "decision")
        .select_for_update(of=("self",))
        .get(pk=summary.pk)
    )
    recipient = recipient.strip()
    errors = _check(summary, by=by, recipient=recipient, confidentiality=confidentiality)
    if errors:
        raise ReleaseError(errors)
    released_at = timezone.now()
    content = {
        **build_release_content(summary),
        "release": {
            "marking": marking(recipient, confidentiality),
            "confidentiality": confidentiality,
            "recipient": recipient,
            "released_at": released_at.isoformat(timespec="seconds"),
            "full_summary_hash": summary.content_hash,
            "revision": summary.revision,
        },
    }
    release = SummaryRelease.objects.create(
        summary=summary,
        released_by=by,
        released_at=released_at,
        recipient=recipient,
        confidentiality=confidentiality,
        content=content,
        content_hash=summaries.content_hash(content),
        full_hash=summary.content_hash,
    )
    audit.record(
        "summary_released",
        obj=release,
        actor=by,
        data={
            "assessment": summary.assessment_id,
            "summary": summary.pk,
            "revision": summary.revision,
            "full_hash": summary.content_hash,
            "content_hash": release.content_hash,
            "recipient": recipient,
            "confidentiality": confidentiality,
            "released_at": released_at.isoformat(),
            "notes": sum(1 for f in content["drivers"] for i in f["indicators"] if i["note"]),
            "sources": sum(len(i["sources"]) for f in content["drivers"] for i in f["indicators"]),
        },
    )
    return release


def releases_of(assessment: Assessment) -> list[SummaryRelease]:
    """The releases cut from any of the assessment's summaries, latest first."""
    return list(
        SummaryRelease.objects.filter(summary__assessment=assessment).select_related(
            "summary", "released_by"
        )
    )
