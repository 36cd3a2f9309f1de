"""Groups at risk as text: splitting a free text into group names, and back.

Earlier versions kept the populations and protected groups at risk of a situation as two free
texts; version 1 of the exchange format still carries them so. These plain functions turn such
a text into groups without losing a word. The migration that made the records keeps a copy
of its own (a migration must not change with the app); both split the same way.
"""

import re
from dataclasses import dataclass

from assessments import limits

#: The risk factors specific to genocide, whose ratings may name the groups they concern.
GENOCIDE_FACTORS = frozenset({9, 10})

_ELLIPSIS = "…"


def split_names(text: str) -> list[str]:
    """The parts of ``text``, in order: split on semicolons and line breaks, and on commas
    where the text has no semicolon (a text with semicolons keeps its commas within names:
    "Fur, Masalit and Zaghawa communities; Rohingya"). Parts are trimmed, inner runs of
    spaces made one, empty parts dropped and repeated ones given once."""
    separators = r"[;\n\r]" if ";" in text else r"[,\n\r]"
    parts: list[str] = []
    for raw in re.split(separators, text):
        part = " ".join(raw.split())
        if part and part not in parts:
            parts.append(part)
    return parts


@dataclass(frozen=True)
class NamedPart:
    """A group as read from a part of a text: its name, and the whole part when the name had
    to be shortened to fit (so that no word is lost)."""

    name: str
    description: str = ""


def name_part(part: str, max_name: int = limits.MAX_GROUP_NAME) -> NamedPart:
    """``part`` as a group's name; a part too long for a name gets a shortened name and keeps
    every word in the description."""
    if len(part) <= max_name:
        return NamedPart(part)
    cut = part[: max_name - len(_ELLIPSIS)].rstrip()
    return NamedPart(cut + _ELLIPSIS, part)


def may_name_groups(factor_number: int) -> bool:
    """Whether a rating of an indicator of this risk factor may name the groups it concerns."""
    return factor_number in GENOCIDE_FACTORS
