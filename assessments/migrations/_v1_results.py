"""Restating results and summaries of schema 1 (reasons stored as English sentences) in
schema 2 (reasons as a rule and its parameters, worded when shown).

Every sentence of schema 1 was produced by one of a fixed set of English templates; each is
read back here into its rule and parameters, so that the restated reason words the same
sentence. A sentence that matches no template (none is expected) is kept whole, as a
``{"rule": "text", "text": ...}`` reason that words itself. Frozen with the data it reads:
this module never changes with the app's current wording.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

SEVERITIES = {
    "not assessed": "not_assessed",
    "absent": "absent",
    "low": "low",
    "moderate": "moderate",
    "high": "high",
}
LEVELS = {
    "insufficient data": "insufficient_data",
    "low": "low",
    "serious concern": "serious_concern",
    "imminent risk": "imminent_risk",
    "current crisis": "current_crisis",
}
POSTURES = {
    "the State is willing and able": "willing_able",
    "the State is willing but lacks capacity": "willing_lacks_capacity",
    "the State is unwilling": "unwilling",
    "the State is itself a perpetrator": "perpetrator",
}
ESCALATIONS = {
    "no escalation": "none",
    "keep monitoring": "keep_monitoring",
    "alert the Special Adviser": "alert_special_adviser",
    "brief the Secretary-General": "brief_secretary_general",
    "request a Security Council briefing": "request_security_council_briefing",
}


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


KINDS = {
    "number": r"\d+",
    "int": r"\d+",
    "severity": _alternatives(SEVERITIES),
    "level": _alternatives(LEVELS),
    "posture": _alternatives(POSTURES),
    "escalation": _alternatives(ESCALATIONS),
    "codes": r"[^()]*",
    "factors": r"RF\d+(?:, RF\d+)*",
    "target": r"RF\d+|[0-9][0-9.]*",
    "text": r".+?",
}

Reason = dict[str, Any]
Builder = Callable[[dict[str, str]], Reason]


def _compile(template: str, kinds: Mapping[str, str]) -> re.Pattern[str]:
    pattern, position = "", 0
    for match in re.finditer(r"%\((\w+)\)[sd]", template):
        pattern += re.escape(template[position : match.start()])
        name = match.group(1)
        pattern += f"(?P<{name}>{KINDS[kinds.get(name, name)]})"
        position = match.end()
    pattern += re.escape(template[position:])
    return re.compile(f"^{pattern}$", re.S)


def _codes(text: str) -> list[str]:
    return [code for code in text.split(", ") if code]


def _factor(g: Mapping[str, str]) -> Reason:
    return {
        "factor": f"RF{g['number']}",
        "severity": SEVERITIES[g["severity"]],
        "indicators": _codes(g["codes"]),
    }


FACTOR_PHRASE = _compile("RF%(number)s is %(severity)s (%(codes)s)", {})


def _enabling(text: str) -> list[Reason]:
    items = []
    for part in re.findall(r"RF\d+ is [a-z ]+ \([^()]*\)", text):
        match = FACTOR_PHRASE.match(part)
        if match is None:
            raise ValueError(part)
        items.append(_factor(match.groupdict()))
    return items


def _levels(g: Mapping[str, str], *names: str) -> dict[str, str]:
    return {name: LEVELS[g[name]] for name in names}


# (rule, templates, kinds of placeholders, builder of the parameters)
RULES: list[tuple[str, tuple[str, ...], dict[str, str], Builder]] = [
    (
        "factor_not_assessed",
        (
            "RF%(number)s not assessed: its %(count)d indicator has not been assessed",
            "RF%(number)s not assessed: none of its %(count)d indicators has been assessed",
        ),
        {"count": "int"},
        lambda g: {"factor": f"RF{g['number']}", "count": int(g["count"])},
    ),
    (
        "factor_level",
        (
            "RF%(number)s is %(severity)s, the highest severity of its %(count)d assessed "
            "indicator (%(codes)s)",
            "RF%(number)s is %(severity)s, the highest severity of its %(count)d assessed "
            "indicators (%(codes)s)",
        ),
        {"count": "int"},
        lambda g: {**_factor(g), "count": int(g["count"])},
    ),
    (
        "crisis_conduct_factor",
        ("current crisis: conduct factor RF%(number)s is %(severity)s (%(codes)s)",),
        {},
        _factor,
    ),
    (
        "imminent_conduct_factor",
        ("imminent risk: conduct factor RF%(number)s is %(severity)s (%(codes)s)",),
        {},
        _factor,
    ),
    (
        "imminent_specific_factor",
        ("imminent risk: specific factor RF%(number)s is %(severity)s (%(codes)s)",),
        {},
        _factor,
    ),
    (
        "imminent_common_factors",
        (
            "imminent risk: %(count)d common factor at %(severity)s or higher (%(factors)s), "
            "at least %(minimum)d, while enabling circumstances or triggers are "
            "%(enabling_severity)s or higher: %(enabling)s",
            "imminent risk: %(count)d common factors at %(severity)s or higher "
            "(%(factors)s), at least %(minimum)d, while enabling circumstances or triggers "
            "are %(enabling_severity)s or higher: %(enabling)s",
        ),
        {"count": "int", "minimum": "int", "enabling_severity": "severity", "enabling": "text"},
        lambda g: {
            "count": int(g["count"]),
            "severity": SEVERITIES[g["severity"]],
            "factors": _codes(g["factors"]),
            "minimum": int(g["minimum"]),
            "enabling_severity": SEVERITIES[g["enabling_severity"]],
            "enabling": _enabling(g["enabling"]),
        },
    ),
    (
        "serious_common_factors",
        (
            "serious concern: %(count)d common factor at %(severity)s or higher "
            "(%(factors)s), at least %(minimum)d",
            "serious concern: %(count)d common factors at %(severity)s or higher "
            "(%(factors)s), at least %(minimum)d",
        ),
        {"count": "int", "minimum": "int"},
        lambda g: {
            "count": int(g["count"]),
            "severity": SEVERITIES[g["severity"]],
            "factors": _codes(g["factors"]),
            "minimum": int(g["minimum"]),
        },
    ),
    (
        "serious_specific_factor",
        ("serious concern: specific factor RF%(number)s is %(severity)s (%(codes)s)",),
        {},
        _factor,
    ),
    (
        "low",
        (
            "low: %(count)d common factor at %(severity)s or higher, fewer than %(minimum)d; "
            "no specific factor at %(specific)s or higher",
            "low: %(count)d common factors at %(severity)s or higher, fewer than %(minimum)d; "
            "no specific factor at %(specific)s or higher",
        ),
        {"count": "int", "minimum": "int", "specific": "severity"},
        lambda g: {
            "count": int(g["count"]),
            "severity": SEVERITIES[g["severity"]],
            "minimum": int(g["minimum"]),
            "specific": SEVERITIES[g["specific"]],
        },
    ),
    (
        "overall_no_crimes",
        ("overall insufficient data: the framework defines no crime with specific factors",),
        {},
        lambda g: {},
    ),
    (
        "pillar1_withheld",
        ("Pillar I withheld: %(posture)s",),
        {},
        lambda g: {"posture": POSTURES[g["posture"]]},
    ),
    (
        "pillar1",
        ("Pillar I: %(posture)s, so the State's own measures come first",),
        {},
        lambda g: {"posture": POSTURES[g["posture"]]},
    ),
    (
        "pillar2_withheld",
        ("Pillar II withheld: %(posture)s and overall risk is %(level)s, below %(minimum)s",),
        {"minimum": "level"},
        lambda g: {"posture": POSTURES[g["posture"]], **_levels(g, "level", "minimum")},
    ),
    (
        "pillar2_capacity",
        ("Pillar II: %(posture)s, so international assistance helps it protect",),
        {},
        lambda g: {"posture": POSTURES[g["posture"]]},
    ),
    (
        "pillar2_level",
        (
            "Pillar II: overall risk is %(level)s (at least %(minimum)s), so "
            "international encouragement and assistance are due",
        ),
        {"minimum": "level"},
        lambda g: _levels(g, "level", "minimum"),
    ),
    (
        "pillar3_withheld_posture",
        ("Pillar III withheld: %(posture)s",),
        {},
        lambda g: {"posture": POSTURES[g["posture"]]},
    ),
    (
        "pillar3_withheld_level",
        ("Pillar III withheld: overall risk is %(level)s, below %(minimum)s",),
        {"minimum": "level"},
        lambda g: _levels(g, "level", "minimum"),
    ),
    (
        "pillar3",
        (
            "Pillar III: %(posture)s and overall risk is %(level)s (at least %(minimum)s), "
            "calling for a timely and decisive response",
        ),
        {"minimum": "level"},
        lambda g: {"posture": POSTURES[g["posture"]], **_levels(g, "level", "minimum")},
    ),
    (
        "coercive_withheld_posture",
        ("coercive measure withheld: %(posture)s",),
        {},
        lambda g: {"posture": POSTURES[g["posture"]]},
    ),
    (
        "coercive_withheld_level",
        ("coercive measure withheld: overall risk is %(level)s, below %(minimum)s",),
        {"minimum": "level"},
        lambda g: _levels(g, "level", "minimum"),
    ),
    (
        "coercive",
        ("coercive measure: overall risk is %(level)s (at least %(minimum)s)",),
        {"minimum": "level"},
        lambda g: _levels(g, "level", "minimum"),
    ),
    (
        "link_points",
        (
            "%(target)s: strength %(strength)d x weight %(weight)d (strongest driver "
            "%(severity)s) = %(points)d",
        ),
        {"strength": "int", "weight": "int", "points": "int"},
        lambda g: {
            "target": g["target"],
            "strength": int(g["strength"]),
            "weight": int(g["weight"]),
            "severity": SEVERITIES[g["severity"]],
            "points": int(g["points"]),
        },
    ),
    (
        "worsening_bonus",
        ("+%(bonus)d: %(code)s is worsening",),
        {"bonus": "int", "code": "target"},
        lambda g: {"bonus": int(g["bonus"]), "indicator": g["code"]},
    ),
    ("score_total", ("score %(score)d",), {"score": "int"}, lambda g: {"score": int(g["score"])}),
    ("last_resort", ("last resort: only when peaceful means have failed",), {}, lambda g: {}),
    (
        "escalation_sc_briefing",
        ("%(escalation)s: overall risk is %(level)s (at least %(minimum)s) and %(posture)s",),
        {"minimum": "level"},
        lambda g: {
            "escalation": ESCALATIONS[g["escalation"]],
            **_levels(g, "level", "minimum"),
            "posture": POSTURES[g["posture"]],
        },
    ),
    (
        "escalation_level",
        ("%(escalation)s: overall risk is %(level)s (at least %(minimum)s)",),
        {"minimum": "level"},
        lambda g: {"escalation": ESCALATIONS[g["escalation"]], **_levels(g, "level", "minimum")},
    ),
    (
        "escalation_rise",
        (
            "%(escalation)s: overall risk rose %(rise)d step since the previous "
            "approved assessment (at least %(minimum)d), from %(previous)s to %(level)s",
            "%(escalation)s: overall risk rose %(rise)d steps since the previous "
            "approved assessment (at least %(minimum)d), from %(previous)s to %(level)s",
        ),
        {"rise": "int", "minimum": "int", "previous": "level"},
        lambda g: {
            "escalation": ESCALATIONS[g["escalation"]],
            "rise": int(g["rise"]),
            "minimum": int(g["minimum"]),
            **_levels(g, "previous", "level"),
        },
    ),
    (
        "escalation_insufficient_data",
        ("%(escalation)s: there is not enough data to assess the risk",),
        {},
        lambda g: {"escalation": ESCALATIONS[g["escalation"]]},
    ),
    (
        "escalation_none_rose",
        (
            "%(escalation)s: overall risk is %(level)s, below %(minimum)s, and it rose only "
            "%(rise)d step",
            "%(escalation)s: overall risk is %(level)s, below %(minimum)s, and it rose only "
            "%(rise)d steps",
        ),
        {"minimum": "level", "rise": "int"},
        lambda g: {
            "escalation": ESCALATIONS[g["escalation"]],
            **_levels(g, "level", "minimum"),
            "rise": int(g["rise"]),
        },
    ),
    (
        "escalation_none",
        ("%(escalation)s: overall risk is %(level)s, below %(minimum)s, and it has not risen",),
        {"minimum": "level"},
        lambda g: {"escalation": ESCALATIONS[g["escalation"]], **_levels(g, "level", "minimum")},
    ),
]
COMPILED = [
    (rule, [_compile(template, kinds) for template in templates], build)
    for rule, templates, kinds, build in RULES
]
INSUFFICIENT = re.compile(
    r"^insufficient data: no indicator of the factors of (?P<crime>.+) "
    r"\((?P<factors>RF\d+(?:, RF\d+)*)\) has been assessed$",
    re.S,
)
OVERALL = re.compile(rf"^overall (?P<level>{KINDS['level']}): set by (?P<crimes>.+)$", re.S)
TARGET = re.compile(
    r"(?P<factor>RF\d+) \((?P<drivers>[^()]*)\)|(?P<indicator>[0-9][0-9.]*) \((?P<severity>[a-z ]+)\)"
)


def restate(sentence: str) -> Reason:
    """One sentence of schema 1 as a reason of schema 2 (rule + parameters)."""
    for rule, patterns, build in COMPILED:
        for pattern in patterns:
            match = pattern.match(sentence)
            if match is not None:
                try:
                    return {"rule": rule, **build(match.groupdict())}
                except (KeyError, ValueError):
                    break
    return {"rule": "text", "text": sentence}


def restate_crime_reason(sentence: str, key: str) -> Reason:
    match = INSUFFICIENT.match(sentence)
    if match is not None:
        return {
            "rule": "crime_insufficient_data",
            "crime": key,
            "factors": _codes(match.group("factors")),
        }
    return restate(sentence)


def _crime_keys(text: str, keys_by_name: Mapping[str, str]) -> list[str] | None:
    """ "Genocide, War crimes" as crime keys, by the crimes' names; None if a name is unknown."""
    keys: list[str] = []
    rest = text
    names = sorted(keys_by_name, key=len, reverse=True)
    while rest:
        name = next((n for n in names if rest == n or rest.startswith(f"{n}, ")), None)
        if name is None:
            return None
        keys.append(keys_by_name[name])
        rest = rest[len(name) + 2 :]
    return keys


def restate_overall(
    sentence: str, crimes: list[str] | None, keys_by_name: Mapping[str, str]
) -> Reason:
    """The overall reason; ``crimes`` are the keys that set it, when the record says so."""
    match = OVERALL.match(sentence)
    if match is not None:
        keys = crimes or _crime_keys(match.group("crimes"), keys_by_name)
        if keys:
            return {
                "rule": "overall_set_by",
                "level": LEVELS[match.group("level")],
                "crimes": keys,
            }
    return restate(sentence)


def _targets(text: str) -> list[dict[str, Any]] | None:
    """ "RF7 (7.1 high, 7.2 low); 7.5 (high)" as targets, or None if it is not that."""
    items: list[dict[str, Any]] = []
    for part in text.split("; "):
        match = TARGET.fullmatch(part)
        if match is None:
            return None
        if match.group("factor"):
            drivers = []
            for driver in match.group("drivers").split(", "):
                code, _space, severity = driver.partition(" ")
                if severity not in SEVERITIES:
                    return None
                drivers.append({"indicator": code, "severity": SEVERITIES[severity]})
            items.append({"factor": match.group("factor"), "drivers": drivers})
        else:
            if match.group("severity") not in SEVERITIES:
                return None
            items.append(
                {
                    "indicator": match.group("indicator"),
                    "severity": SEVERITIES[match.group("severity")],
                }
            )
    return items


def restate_rationale(sentence: str) -> Reason:
    """ "<targets>: <rationale>" (or the targets alone) as a ``link_rationale`` reason."""
    head, colon, rest = sentence.partition(": ")
    candidates = [(head, rest)] if colon else []
    candidates.append((sentence, ""))
    for targets_text, rationale in candidates:
        targets = _targets(targets_text)
        if targets is not None:
            return {"rule": "link_rationale", "targets": targets, "rationale": rationale}
    return {"rule": "text", "text": sentence}


def _recommendation(rec: dict[str, Any]) -> dict[str, Any]:
    rec = dict(rec)
    rec["rationales"] = [restate_rationale(text) for text in rec.get("rationales", [])]
    rec["explanation"] = [restate(text) for text in rec.get("explanation", [])]
    pillar_reason = rec.pop("pillar_reason", "")
    rec["pillar_reasons"] = [restate(part) for part in pillar_reason.split("; ") if part]
    return rec


def _level_reasons(
    level_reasons: Mapping[str, list[str]],
    overall_crimes: list[str] | None,
    keys_by_name: Mapping[str, str],
) -> dict[str, list[Reason]]:
    return {
        key: [
            restate_overall(text, overall_crimes, keys_by_name)
            if key == "overall"
            else restate_crime_reason(text, key)
            for text in reasons
        ]
        for key, reasons in level_reasons.items()
    }


def restate_result(result: dict[str, Any], keys_by_name: Mapping[str, str]) -> dict[str, Any]:
    """A stored assessment result of schema 1 in schema 2 (an empty one stays empty).

    ``keys_by_name`` gives each crime's key by its name, as the sentences named crimes.
    """
    if not result or result.get("schema", 1) >= 2:
        return result
    restated = dict(result)
    restated["level_reasons"] = _level_reasons(
        result.get("level_reasons", {}), result.get("overall_crimes"), keys_by_name
    )
    restated["factors"] = [
        {**factor, "reason": restate(factor["reason"])} for factor in result.get("factors", [])
    ]
    restated["recommendations"] = [_recommendation(r) for r in result.get("recommendations", [])]
    restated["withheld"] = [
        {**item, "reason": restate(item["reason"])} for item in result.get("withheld", [])
    ]
    restated["schema"] = 2
    return restated


def restate_summary(content: dict[str, Any], keys_by_name: Mapping[str, str]) -> dict[str, Any]:
    """A summary's content of schema 1 in schema 2.

    The words that schema 1 stored beside their codes (the names of the posture, the
    confidentiality and the country) are dropped: they are worded from the codes when shown.
    """
    if not content or content.get("schema", 1) >= 2:
        return content
    restated = dict(content)
    restated["level_reasons"] = _level_reasons(content.get("level_reasons", {}), None, keys_by_name)
    restated["drivers"] = [
        {**factor, "reason": restate(factor["reason"])} for factor in content.get("drivers", [])
    ]
    restated["recommendations"] = {
        pillar: [_recommendation(rec) for rec in recs]
        for pillar, recs in content.get("recommendations", {}).items()
    }
    escalation = dict(content.get("escalation", {}))
    escalation["reasons"] = [restate(text) for text in escalation.get("reasons", [])]
    restated["escalation"] = escalation
    restated["situation"] = {
        k: v
        for k, v in content.get("situation", {}).items()
        if k not in ("confidentiality_label", "country_name")
    }
    restated["assessment"] = {
        k: v for k, v in content.get("assessment", {}).items() if k != "posture_label"
    }
    restated["schema"] = 2
    return restated
