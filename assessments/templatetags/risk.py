from collections.abc import Mapping

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _

from assessments import scales, wording
from assessments.models import Confidentiality, GroupKind, ResponseAction, Transition
from framework import i18n

register = template.Library()

LEVEL_CLASSES: dict[str, str] = {
    scales.Level.INSUFFICIENT_DATA: "text-bg-light border",
    scales.Level.LOW: "text-bg-success",
    scales.Level.SERIOUS_CONCERN: "text-bg-warning",
    scales.Level.IMMINENT_RISK: "text-bg-orange",
    scales.Level.CURRENT_CRISIS: "text-bg-danger",
}
PILLAR_NAMES = {1: "I", 2: "II", 3: "III"}


@register.filter
def level_label(level: str | None) -> str:
    if not level:
        return _("not assessed")
    return str(scales.level_label(level))


@register.filter
def severity_label(severity: str | None) -> str:
    if not severity:
        return _("not assessed")
    return str(scales.severity_label(severity))


@register.filter
def trend_label(trend: str | None) -> str:
    return str(scales.trend_label(trend)) if trend else ""


@register.filter
def confidence_label(confidence: str | None) -> str:
    return str(scales.confidence_label(confidence)) if confidence else ""


@register.filter
def level_class(level: str | None) -> str:
    return LEVEL_CLASSES.get(level or "", "text-bg-light border")


@register.filter
def level_badge(level: str | None) -> SafeString:
    """A level as a badge: its words on its colour (a filter, not an include per badge: a
    list shows dozens)."""
    return format_html('<span class="badge {}">{}</span>', level_class(level), level_label(level))


@register.filter
def crime_label(key: str, names: Mapping[str, str] | None = None) -> SafeString:
    """A crime's name from the reference data (``names``: code to name in the reader's
    language, handed by the view), with its marks (framework.i18n); "overall" is the overall
    level."""
    if key == "overall":
        return conditional_escape(_("Overall"))
    return i18n.marked((names or {}).get(key, key))


@register.filter
def pillar_numeral(number: int) -> str:
    return PILLAR_NAMES.get(number, str(number))


@register.filter
def transition_text(transition: Transition, texts: i18n.ReferenceTexts | None = None) -> str:
    """A timeline entry in words: ``{{ t|transition_text:texts }}`` (``texts``: the reference
    texts in the reader's language, handed by the view)."""
    return wording.transition_text(transition, texts)


@register.filter
def reason_text(reason: wording.Reason, crimes: Mapping[str, str] | None = None) -> str:
    """One stored reason (rule + parameters) in words: ``{{ reason|reason_text:crime_names }}``."""
    return wording.reason_text(reason, crimes=crimes)


@register.filter
def reasons_text(reasons: list[wording.Reason], crimes: Mapping[str, str] | None = None) -> str:
    """Reasons that read as one sentence (a pillar's), joined by semicolons."""
    return wording.reasons_text(reasons or [], crimes=crimes)


@register.filter
def posture_label(posture: str) -> str:
    return scales.posture_label(posture)


@register.filter
def posture_clause(posture: str) -> str:
    return scales.posture_clause(posture)


@register.filter
def confidentiality_label(code: str) -> str:
    return str(dict(Confidentiality.choices).get(code, code))


@register.filter
def group_kind_label(kind: str) -> str:
    return str(dict(GroupKind.choices).get(kind, kind))


@register.filter
def escalation_label(escalation: str) -> str:
    return scales.escalation_label(escalation) if escalation in scales.ESCALATIONS else escalation


@register.filter
def action_status_label(status: str) -> str:
    return str(dict(ResponseAction.Status.choices).get(status, status))


@register.filter
def effect_label(effect: str) -> str:
    return str(dict(ResponseAction.Effect.choices).get(effect, effect))


@register.simple_tag
def onward() -> str:
    """The arrow from what was to what is, pointing the way the language reads (an arrow is
    not mirrored by the bidirectional algorithm)."""
    return "←" if get_language_bidi() else "→"
