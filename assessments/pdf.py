"""The escalation summary as a paginated PDF, marked on every page (WeasyPrint)."""

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from weasyprint import HTML

from assessments import dissent, scales, selectors, wording
from assessments.models import Confidentiality, EscalationSummary, SummaryRelease
from framework.selectors import reference_texts


def css_string(text: str) -> str:
    """``text`` as the inside of a double-quoted CSS string, safe in a <style> element."""
    escaped = []
    for char in text:
        if char in '\\"<>&' or ord(char) < 32:
            escaped.append(f"\\{ord(char):x} ")
        else:
            escaped.append(char)
    return mark_safe("".join(escaped))  # noqa: S308  # nosec


def render_summary_pdf(summary: EscalationSummary) -> bytes:
    content = summary.content
    situation = content["situation"]["name"]
    as_of = content["assessment"]["as_of"]
    level = scales.level_label(content["levels"]["overall"])
    marking = str(
        dict(Confidentiality.choices).get(
            content["situation"]["confidentiality"], content["situation"]["confidentiality"]
        )
    ).upper()
    html = render_to_string(
        "assessments/summary_pdf.html",
        {
            "summary": summary,
            # Its reference texts in the reader's language, marked as on the page.
            "summary_content": wording.summary_texts(content, reference_texts()),
            "decision": getattr(summary, "decision", None),
            "dissents": dissent.dissents_of(summary.assessment, summary.revision),
            "crime_names": selectors.crime_names(),
            "header": css_string(
                _("%(situation)s, as of %(as_of)s: %(level)s")
                % {"situation": situation, "as_of": as_of, "level": level}
            ),
            "marking": css_string(marking),
            "footer": css_string(
                _("%(marking)s · escalation summary %(hash)s")
                % {"marking": marking, "hash": summary.content_hash[:16]}
            ),
        },
    )
    return HTML(string=html).write_pdf()


def render_release_pdf(release: SummaryRelease) -> bytes:
    """A release as a PDF: its marking above and below every page, with the reference to the
    full summary's hash it was cut from."""
    content = release.content
    marking = str(content["release"]["marking"])
    html = render_to_string(
        "assessments/release_pdf.html",
        {
            "release": release,
            # Its reference texts in the reader's language, marked as on the page.
            "content": wording.summary_texts(content, reference_texts()),
            "crime_names": selectors.crime_names(),
            "header": css_string(
                _("%(situation)s, as of %(as_of)s")
                % {"situation": content["situation"]["name"], "as_of": content["as_of"]}
            ),
            "marking": css_string(marking),
            "footer": css_string(
                _("%(marking)s · cut from the summary %(hash)s")
                % {"marking": marking, "hash": release.full_hash[:16]}
            ),
        },
    )
    return HTML(string=html).write_pdf()
