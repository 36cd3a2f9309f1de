"""Words for what the app stores as codes and parameters, in the reader's language.

Stored results, summaries and timeline entries keep *what* happened (a rule or an event and
its parameters); the words are produced here when they are shown, so that a wording fix or a
reader in another language changes the words, never the meaning.
"""

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments import scales
from assessments.models import Transition
from assessments.scales import gettext_noop
from framework.i18n import ReferenceTexts

Event = Transition.Event


def transition_text(transition: Transition, texts: ReferenceTexts | None = None) -> str:
    """What the system says of a timeline entry ("" where its statuses say it all); ``texts``
    names the tools in the reader's language (framework.i18n)."""
    params = transition.params or {}
    tool = (texts or ReferenceTexts()).text(
        "entry", params.get("entry"), str(params.get("tool", "")), "name"
    )
    event = transition.event
    if event == Event.STARTED:
        return _("started")
    if event == Event.STARTED_FROM:
        return _("started from the assessment of %(date)s") % {"date": params.get("date", "")}
    if event == Event.APPROVAL_VOIDED:
        return _("edited after approval: the approval is void until a new review")
    if event == Event.SUMMARY_DRAFTED:
        return _("escalation summary drafted")
    if event == Event.FIRST_REVIEW:
        level = str(params.get("level", ""))
        if params.get("approved") and level in scales.ESCALATIONS:
            return _("first review: approve, at %(level)s; a second reviewer decides") % {
                "level": scales.escalation_label(level)
            }
        return _("first review: return to the analyst; a second reviewer decides")
    if event == Event.IMPORTED:
        return _("imported from %(source)s") % {"source": params.get("source", "")}
    if event == Event.RECOMMENDATION_ACCEPTED:
        return _("accepted %(tool)s") % {"tool": tool}
    if event == Event.RECOMMENDATION_DISMISSED:
        return _("dismissed %(tool)s") % {"tool": tool}
    return ""


# Reasons -----------------------------------------------------------------------------------
# A reason is a rule identifier with its parameters, all codes and numbers:
# {"rule": "imminent_conduct_factor", "factor": "RF10", "severity": "moderate",
#  "indicators": ["10.1"]}. Below, each rule's words.

Reason = Mapping[str, Any]


def _join(items: Iterable[str]) -> str:
    return ", ".join(items)


def _severity(value: object) -> str:
    return scales.severity_label(str(value))


def _level(value: object) -> str:
    return scales.level_label(str(value))


def _codes(value: object) -> str:
    return _join(str(code) for code in value) if isinstance(value, list | tuple) else ""


def _factor_phrase(reason: Reason) -> dict[str, object]:
    """RF number, severity and driving indicators, as the crime rules word a factor."""
    return {
        "number": str(reason.get("factor", "")).removeprefix("RF"),
        "severity": _severity(reason.get("severity", scales.Severity.NOT_ASSESSED)),
        "codes": _codes(reason.get("indicators", [])),
    }


def _factor_level(r: Reason, crimes: Mapping[str, str]) -> str:
    return ngettext(
        "RF%(number)s is %(severity)s, the highest severity of its %(count)d assessed "
        "indicator (%(codes)s)",
        "RF%(number)s is %(severity)s, the highest severity of its %(count)d assessed "
        "indicators (%(codes)s)",
        int(r["count"]),
    ) % {**_factor_phrase(r), "count": r["count"]}


def _factor_not_assessed(r: Reason, crimes: Mapping[str, str]) -> str:
    return ngettext(
        "RF%(number)s not assessed: its %(count)d indicator has not been assessed",
        "RF%(number)s not assessed: none of its %(count)d indicators has been assessed",
        int(r["count"]),
    ) % {"number": str(r["factor"]).removeprefix("RF"), "count": r["count"]}


def _crime_insufficient_data(r: Reason, crimes: Mapping[str, str]) -> str:
    return _(
        "insufficient data: no indicator of the factors of %(crime)s (%(factors)s) "
        "has been assessed"
    ) % {"crime": crimes.get(str(r["crime"]), str(r["crime"])), "factors": _codes(r["factors"])}


def _crisis_conduct_factor(r: Reason, crimes: Mapping[str, str]) -> str:
    return _("current crisis: conduct factor RF%(number)s is %(severity)s (%(codes)s)") % (
        _factor_phrase(r)
    )


def _imminent_conduct_factor(r: Reason, crimes: Mapping[str, str]) -> str:
    return _("imminent risk: conduct factor RF%(number)s is %(severity)s (%(codes)s)") % (
        _factor_phrase(r)
    )


def _imminent_specific_factor(r: Reason, crimes: Mapping[str, str]) -> str:
    return _("imminent risk: specific factor RF%(number)s is %(severity)s (%(codes)s)") % (
        _factor_phrase(r)
    )


def _imminent_common_factors(r: Reason, crimes: Mapping[str, str]) -> str:
    enabling = _join(
        _("RF%(number)s is %(severity)s (%(codes)s)") % _factor_phrase(item)
        for item in r["enabling"]
    )
    return ngettext(
        "imminent risk: %(count)d common factor at %(severity)s or higher (%(factors)s), "
        "at least %(minimum)d, while enabling circumstances or triggers are "
        "%(enabling_severity)s or higher: %(enabling)s",
        "imminent risk: %(count)d common factors at %(severity)s or higher "
        "(%(factors)s), at least %(minimum)d, while enabling circumstances or triggers "
        "are %(enabling_severity)s or higher: %(enabling)s",
        int(r["count"]),
    ) % {
        "count": r["count"],
        "severity": _severity(r["severity"]),
        "factors": _codes(r["factors"]),
        "minimum": r["minimum"],
        "enabling_severity": _severity(r["enabling_severity"]),
        "enabling": enabling,
    }


def _serious_common_factors(r: Reason, crimes: Mapping[str, str]) -> str:
    return ngettext(
        "serious concern: %(count)d common factor at %(severity)s or higher "
        "(%(factors)s), at least %(minimum)d",
        "serious concern: %(count)d common factors at %(severity)s or higher "
        "(%(factors)s), at least %(minimum)d",
        int(r["count"]),
    ) % {
        "count": r["count"],
        "severity": _severity(r["severity"]),
        "factors": _codes(r["factors"]),
        "minimum": r["minimum"],
    }


def _serious_specific_factor(r: Reason, crimes: Mapping[str, str]) -> str:
    return _("serious concern: specific factor RF%(number)s is %(severity)s (%(codes)s)") % (
        _factor_phrase(r)
    )


def _low(r: Reason, crimes: Mapping[str, str]) -> str:
    return ngettext(
        "low: %(count)d common factor at %(severity)s or higher, fewer than %(minimum)d; "
        "no specific factor at %(specific)s or higher",
        "low: %(count)d common factors at %(severity)s or higher, fewer than %(minimum)d; "
        "no specific factor at %(specific)s or higher",
        int(r["count"]),
    ) % {
        "count": r["count"],
        "severity": _severity(r["severity"]),
        "minimum": r["minimum"],
        "specific": _severity(r["specific"]),
    }


def _overall_no_crimes(r: Reason, crimes: Mapping[str, str]) -> str:
    return _("overall insufficient data: the framework defines no crime with specific factors")


def _overall_set_by(r: Reason, crimes: Mapping[str, str]) -> str:
    return _("overall %(level)s: set by %(crimes)s") % {
        "level": _level(r["level"]),
        "crimes": _join(crimes.get(str(key), str(key)) for key in r["crimes"]),
    }


def _posture(r: Reason) -> dict[str, object]:
    values: dict[str, object] = {}
    if "posture" in r:
        values["posture"] = scales.posture_clause(str(r["posture"]))
    if "level" in r:
        values["level"] = _level(r["level"])
    if "minimum" in r:
        values["minimum"] = _level(r["minimum"])
    return values


_PILLAR_MESSAGES: Mapping[str, str] = {
    "pillar1_withheld": gettext_noop("Pillar I withheld: %(posture)s"),
    "pillar1": gettext_noop("Pillar I: %(posture)s, so the State's own measures come first"),
    "pillar2_withheld": gettext_noop(
        "Pillar II withheld: %(posture)s and overall risk is %(level)s, below %(minimum)s"
    ),
    "pillar2_capacity": gettext_noop(
        "Pillar II: %(posture)s, so international assistance helps it protect"
    ),
    "pillar2_level": gettext_noop(
        "Pillar II: overall risk is %(level)s (at least %(minimum)s), so "
        "international encouragement and assistance are due"
    ),
    "pillar3_withheld_posture": gettext_noop("Pillar III withheld: %(posture)s"),
    "pillar3_withheld_level": gettext_noop(
        "Pillar III withheld: overall risk is %(level)s, below %(minimum)s"
    ),
    "pillar3": gettext_noop(
        "Pillar III: %(posture)s and overall risk is %(level)s (at least %(minimum)s), "
        "calling for a timely and decisive response"
    ),
    "coercive_withheld_posture": gettext_noop("coercive measure withheld: %(posture)s"),
    "coercive_withheld_level": gettext_noop(
        "coercive measure withheld: overall risk is %(level)s, below %(minimum)s"
    ),
    "coercive": gettext_noop("coercive measure: overall risk is %(level)s (at least %(minimum)s)"),
}


def _pillar(message: str, r: Reason, crimes: Mapping[str, str]) -> str:
    return _(message) % _posture(r)


def _target(item: Mapping[str, Any]) -> str:
    """One link's target as the rationale names it: "RF7 (7.1 high, 7.2 low)", "7.5 (high)"."""
    if "factor" in item:
        return _("%(target)s (%(drivers)s)") % {
            "target": item["factor"],
            "drivers": _join(
                f"{driver['indicator']} {_severity(driver['severity'])}"
                for driver in item["drivers"]
            ),
        }
    return _("%(target)s (%(severity)s)") % {
        "target": item["indicator"],
        "severity": _severity(item["severity"]),
    }


def _link_rationale(r: Reason, crimes: Mapping[str, str]) -> str:
    targets = "; ".join(_target(item) for item in r["targets"])
    if not r.get("rationale"):
        return targets
    return _("%(targets)s: %(rationale)s") % {"targets": targets, "rationale": r["rationale"]}


def _link_points(r: Reason, crimes: Mapping[str, str]) -> str:
    return _(
        "%(target)s: strength %(strength)d x weight %(weight)d (strongest driver "
        "%(severity)s) = %(points)d"
    ) % {
        "target": r["target"],
        "strength": r["strength"],
        "weight": r["weight"],
        "severity": _severity(r["severity"]),
        "points": r["points"],
    }


def _worsening_bonus(r: Reason, crimes: Mapping[str, str]) -> str:
    return _("+%(bonus)d: %(code)s is worsening") % {"bonus": r["bonus"], "code": r["indicator"]}


def _score_total(r: Reason, crimes: Mapping[str, str]) -> str:
    return _("score %(score)d") % {"score": r["score"]}


def _last_resort(r: Reason, crimes: Mapping[str, str]) -> str:
    return _("last resort: only when peaceful means have failed")


def _escalation_values(r: Reason) -> dict[str, object]:
    values: dict[str, object] = {"escalation": scales.escalation_label(str(r["escalation"]))}
    for name in ("level", "previous"):
        if name in r:
            values[name] = _level(r[name])
    if "minimum" in r:  # a level, or a number of steps (a rise)
        minimum = r["minimum"]
        values["minimum"] = _level(minimum) if isinstance(minimum, str) else minimum
    if "posture" in r:
        values["posture"] = scales.posture_clause(str(r["posture"]))
    if "rise" in r:
        values["rise"] = r["rise"]
    return values


def _escalation_level(r: Reason, crimes: Mapping[str, str]) -> str:
    return _("%(escalation)s: overall risk is %(level)s (at least %(minimum)s)") % (
        _escalation_values(r)
    )


def _escalation_rise(r: Reason, crimes: Mapping[str, str]) -> str:
    return ngettext(
        "%(escalation)s: overall risk rose %(rise)d step since the previous "
        "approved assessment (at least %(minimum)d), from %(previous)s to %(level)s",
        "%(escalation)s: overall risk rose %(rise)d steps since the previous "
        "approved assessment (at least %(minimum)d), from %(previous)s to %(level)s",
        int(r["rise"]),
    ) % _escalation_values(r)


def _escalation_sc_briefing(r: Reason, crimes: Mapping[str, str]) -> str:
    return _(
        "%(escalation)s: overall risk is %(level)s (at least %(minimum)s) and %(posture)s"
    ) % _escalation_values(r)


def _escalation_insufficient_data(r: Reason, crimes: Mapping[str, str]) -> str:
    return _("%(escalation)s: there is not enough data to assess the risk") % (
        _escalation_values(r)
    )


def _escalation_none_rose(r: Reason, crimes: Mapping[str, str]) -> str:
    return ngettext(
        "%(escalation)s: overall risk is %(level)s, below %(minimum)s, and it rose only "
        "%(rise)d step",
        "%(escalation)s: overall risk is %(level)s, below %(minimum)s, and it rose only "
        "%(rise)d steps",
        int(r["rise"]),
    ) % _escalation_values(r)


def _escalation_none(r: Reason, crimes: Mapping[str, str]) -> str:
    return _(
        "%(escalation)s: overall risk is %(level)s, below %(minimum)s, and it has not risen"
    ) % _escalation_values(r)


def _text(r: Reason, crimes: Mapping[str, str]) -> str:
    """Words stored as they were (a reason restated from an old record that no rule matched)."""
    return str(r.get("text", ""))


_RULES: Mapping[str, Callable[[Reason, Mapping[str, str]], str]] = {
    "factor_level": _factor_level,
    "factor_not_assessed": _factor_not_assessed,
    "crime_insufficient_data": _crime_insufficient_data,
    "crisis_conduct_factor": _crisis_conduct_factor,
    "imminent_conduct_factor": _imminent_conduct_factor,
    "imminent_specific_factor": _imminent_specific_factor,
    "imminent_common_factors": _imminent_common_factors,
    "serious_common_factors": _serious_common_factors,
    "serious_specific_factor": _serious_specific_factor,
    "low": _low,
    "overall_no_crimes": _overall_no_crimes,
    "overall_set_by": _overall_set_by,
    **{rule: partial(_pillar, message) for rule, message in _PILLAR_MESSAGES.items()},
    "link_rationale": _link_rationale,
    "link_points": _link_points,
    "worsening_bonus": _worsening_bonus,
    "score_total": _score_total,
    "last_resort": _last_resort,
    "escalation_level": _escalation_level,
    "escalation_rise": _escalation_rise,
    "escalation_sc_briefing": _escalation_sc_briefing,
    "escalation_insufficient_data": _escalation_insufficient_data,
    "escalation_none_rose": _escalation_none_rose,
    "escalation_none": _escalation_none,
    "text": _text,
}
RULES: frozenset[str] = frozenset(_RULES)


def reason_text(reason: Reason, *, crimes: Mapping[str, str] | None = None) -> str:
    """The words of one reason in the active language; ``crimes`` names crimes by code."""
    rule = _RULES.get(str(reason.get("rule", "")))
    if rule is None:
        raise ValueError(f"unknown reason rule {reason.get('rule')!r}")
    return rule(reason, crimes or {})


def reasons_text(
    reasons: Iterable[Reason], *, crimes: Mapping[str, str] | None = None, sep: str = "; "
) -> str:
    return sep.join(reason_text(reason, crimes=crimes) for reason in reasons)


def summary_words(content: Mapping[str, Any], *, crimes: Mapping[str, str]) -> dict[str, Any]:
    """Every reason of a summary's content in words, keyed as in the content, for readers of
    its JSON export (the content itself keeps the rules and their parameters)."""
    recommendations = [rec for recs in content.get("recommendations", {}).values() for rec in recs]
    return {
        "level_reasons": {
            key: [reason_text(reason, crimes=crimes) for reason in reasons]
            for key, reasons in content.get("level_reasons", {}).items()
        },
        "factors": {
            f"RF{factor['factor']}": reason_text(factor["reason"], crimes=crimes)
            for factor in content.get("drivers", [])
        },
        "recommendations": {
            rec["entry"]: {
                "pillar": reasons_text(rec.get("pillar_reasons", []), crimes=crimes),
                "rationales": [reason_text(r, crimes=crimes) for r in rec.get("rationales", [])],
                "explanation": [reason_text(r, crimes=crimes) for r in rec.get("explanation", [])],
            }
            for rec in recommendations
        },
        "escalation": [
            reason_text(reason, crimes=crimes)
            for reason in content.get("escalation", {}).get("reasons", [])
        ],
    }


# Reference texts a stored result or summary quotes ------------------------------------------
# They were stored in English, as the framework said them then; a reader in another language
# gets each object's translation when it has one (framework.i18n), else the stored words.


def result_texts(result: Mapping[str, Any], texts: ReferenceTexts) -> dict[str, Any]:
    """A stored result with its tools' names in the reader's language (a copy)."""
    return {
        **result,
        **{
            key: [_tool(item, texts) for item in result.get(key, [])]
            for key in ("recommendations", "withheld")
        },
    }


def summary_texts(content: Mapping[str, Any], texts: ReferenceTexts) -> dict[str, Any]:
    """A summary's content with its factor titles, indicator labels, tool names and report
    titles in the reader's language (a copy; the stored content and its hash are unchanged)."""
    return {
        **content,
        "drivers": [
            {
                **factor,
                "title": texts.text(
                    "factor", factor.get("factor"), factor.get("title", ""), "title"
                ),
                "indicators": [
                    {
                        **indicator,
                        "label": texts.text(
                            "indicator", indicator.get("code"), indicator.get("label", ""), "label"
                        ),
                    }
                    for indicator in factor.get("indicators", [])
                ],
            }
            for factor in content.get("drivers", [])
        ],
        "recommendations": {
            pillar: [_tool(rec, texts) for rec in recs]
            for pillar, recs in content.get("recommendations", {}).items()
        },
        "reports": {
            pillar: [
                {
                    **report,
                    "title": texts.text(
                        "report", report.get("symbol"), report.get("title", ""), "title"
                    ),
                }
                for report in reports
            ]
            for pillar, reports in content.get("reports", {}).items()
        },
    }


def _tool(item: Mapping[str, Any], texts: ReferenceTexts) -> dict[str, Any]:
    name = str(item.get("tool_name", item.get("entry", "")))
    return {**item, "tool_name": texts.text("tool", item.get("tool"), name, "name")}
