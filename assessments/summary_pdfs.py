"""The summary PDF, rendered once and kept: WeasyPrint takes about a second a summary, and a
ready summary's content never changes.

A stored PDF (``SummaryPdf``) is served while its ``inputs`` match the summary's: the content
hash it renders, the decision and the dissents it shows, and the stamp of the reference data
it words them with (a reference load with new translations renders it again). The worker
stores the PDF in the app's language when the summary is ready, and renders again every
language stored when a decision is made (``workflow.STORE_SUMMARY_PDFS_TASK``, queued after
commit). A download in a language not stored yet, or of a stale PDF, renders it, stores it
and serves it: a missing PDF is never an error.
"""

import hashlib
import json

from django.conf import settings
from django.utils import translation

from assessments.models import Dissent, EscalationDecision, EscalationSummary, SummaryPdf
from assessments.pdf import render_summary_pdf
from framework.cache import framework_tables, reference_stamp


def pdf_inputs(summary: EscalationSummary) -> str:
    """A fingerprint of what the summary's PDF shows besides its language: the content (by
    its hash), the decision on it, the dissents of its submission, and the reference data
    whose texts (in each language) it words the content with (three small queries)."""
    decision = (
        EscalationDecision.objects.filter(summary_id=summary.pk)
        .values_list("pk", flat=True)
        .first()
    )
    dissents = list(
        Dissent.objects.filter(assessment_id=summary.assessment_id, revision=summary.revision)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    reference = list(reference_stamp(framework_tables()))
    shown = json.dumps([summary.content_hash, decision, dissents, reference])
    return hashlib.sha256(shown.encode()).hexdigest()


def store_pdf(summary: EscalationSummary, language: str, *, inputs: str | None = None) -> bytes:
    """Render the summary's PDF in ``language``, store it in place of any older one in that
    language, and return it. ``inputs``: its :func:`pdf_inputs`, read before rendering (what
    is rendered is then at least as new as what the fingerprint says)."""
    inputs = pdf_inputs(summary) if inputs is None else inputs
    with translation.override(language):
        pdf = render_summary_pdf(summary)
    # One statement whoever else stores it at the same time: the last one's PDF is kept.
    SummaryPdf.objects.bulk_create(
        [
            SummaryPdf(
                summary=summary,
                language=language,
                content_hash=summary.content_hash,
                inputs=inputs,
                pdf=pdf,
            )
        ],
        update_conflicts=True,
        unique_fields=["summary", "language"],
        update_fields=["content_hash", "inputs", "pdf", "rendered_at"],
    )
    return pdf


def summary_pdf(summary: EscalationSummary, language: str) -> bytes:
    """The ready summary's PDF in ``language``: as stored when it shows what the summary now
    shows (three queries), else rendered now and stored."""
    inputs = pdf_inputs(summary)
    stored = (
        SummaryPdf.objects.filter(
            summary=summary,
            language=language,
            inputs=inputs,
            content_hash=summary.content_hash,
        )
        .values_list("pdf", flat=True)
        .first()
    )
    if stored is not None:
        return bytes(stored)
    return store_pdf(summary, language, inputs=inputs)


def store_summary_pdfs(summary_id: int) -> int:
    """What the worker does when a summary is ready or decided: store its PDF in the app's
    language and in every language already stored, each rendered again only if it is missing
    or stale. Safe to run twice; returns how many it rendered."""
    summary = EscalationSummary.objects.filter(pk=summary_id).first()
    if summary is None or summary.status != EscalationSummary.Status.READY:
        return 0
    inputs = pdf_inputs(summary)
    stored = dict(SummaryPdf.objects.filter(summary=summary).values_list("language", "inputs"))
    languages = {settings.LANGUAGE_CODE, *stored}
    rendered = 0
    for language in sorted(languages):
        if stored.get(language) != inputs:
            store_pdf(summary, language, inputs=inputs)
            rendered += 1
    return rendered
