from django import template
from django.utils.translation import gettext as _

from assessments import scoring

register = template.Library()

LEVEL_CLASSES = {
    scoring.Level.INSUFFICIENT_DATA: "text-bg-light border",
    scoring.Level.LOW: "text-bg-success",
    scoring.Level.SERIOUS_CONCERN: "text-bg-warning",
    scoring.Level.IMMINENT_RISK: "text-bg-orange",
    scoring.Level.CURRENT_CRISIS: "text-bg-danger",
}
PILLAR_NAMES = {1: "I", 2: "II", 3: "III"}


@register.filter
def level_label(level: str | None) -> str:
    if not level:
        return _("not assessed")
    return str(scoring.level_label(level))


@register.filter
def severity_label(severity: str | None) -> str:
    if not severity:
        return _("not assessed")
    return str(scoring.severity_label(severity))


@register.filter
def level_class(level: str | None) -> str:
    return LEVEL_CLASSES.get(level or "", "text-bg-light border")


@register.filter
def crime_label(key: str) -> str:
    labels = {
        "genocide": _("Genocide"),
        "crimes_against_humanity": _("Crimes against humanity"),
        "war_crimes": _("War crimes"),
        "ethnic_cleansing": _("Ethnic cleansing"),
        "overall": _("Overall"),
    }
    return labels.get(key, key)


@register.filter
def pillar_numeral(number: int) -> str:
    return PILLAR_NAMES.get(number, str(number))
