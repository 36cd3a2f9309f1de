"""Reading a forecast CSV file: pure (text in, rows and problems out, no ORM, no settings).

Two formats, one per source:

- ``ewp`` (Early Warning Project statistical risk assessment): ``country,year,probability,rank``.
  ``probability`` is required: a number from 0 to 1 (``0.125``), or a percentage with its sign
  (``12.5%``); a bare number above 1 is refused, never read as a percentage. ``rank`` (a whole
  number, 1 = highest risk) is optional, as is its column; but a file gives it on every row or
  on none.
- ``views`` (VIEWS country-month forecast): ``country,month,predicted_fatalities,probability``,
  ``month`` as ``YYYY-MM``, at least one of the two value columns in the header and at least
  one of them filled in on each row; ``predicted_fatalities`` a number of 0 or more.

``country`` is an ISO 3166-1 alpha-2 or alpha-3 code (``SD``, ``SDN``) or a country's English
name as django-countries knows it (``Sudan``). The header is read leniently: any case, spaces
around names, spaces or hyphens for underscores, a UTF-8 byte order mark, extra columns
(ignored). Values are read strictly. A row whose values are all blank is skipped. A country
appears once per period.

Problems name their line as a spreadsheet shows it: the header is line 1, the first data row
line 2, a blank row still counts.
"""

import csv
import io
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries

EWP = "ewp"
VIEWS = "views"
SOURCES = (EWP, VIEWS)

#: The columns each source's file must have, and those it may have.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    EWP: ("country", "year", "probability"),
    VIEWS: ("country", "month"),
}
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    EWP: ("rank",),
    VIEWS: ("predicted_fatalities", "probability"),
}
#: A VIEWS file has at least one of these columns, and each row at least one of them filled in.
VIEWS_VALUE_COLUMNS = ("predicted_fatalities", "probability")

FIRST_YEAR, LAST_YEAR = 1900, 2100
#: At most this many data rows in a file (VIEWS: 36 months of every country is about 7,000).
MAX_ROWS = 50_000
#: At most this many problems are listed; the rest are counted.
MAX_PROBLEMS = 200

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_PERCENT = re.compile(r"(?P<number>.+?)\s*%")
_YEAR = re.compile(r"\d{4}")
_MONTH = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})")
_WHOLE = re.compile(r"\d+")
_T = TypeVar("_T")


@dataclass(frozen=True)
class Problem:
    """What is wrong with a file: at a line (1 is the header), or with the whole file."""

    message: str
    line: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return _("line %(line)d: %(problem)s") % {"line": self.line, "problem": self.message}


@dataclass(frozen=True)
class ParsedRow:
    line: int
    country: str  # ISO 3166-1 alpha-2
    period: date  # the first day of the year (EWP) or month (VIEWS)
    probability: float | None = None
    rank: int | None = None
    predicted_fatalities: float | None = None


@dataclass
class Parsed:
    rows: list[ParsedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)


def quoted(value: str, limit: int = 60) -> str:
    """A value as a problem quotes it, cut short if long."""
    shown = value if len(value) <= limit else value[: limit - 1] + "…"
    return f"“{shown}”"


def column_key(name: str) -> str:
    """A header cell as the column name it stands for: ``" Predicted fatalities"`` is
    ``predicted_fatalities``."""
    return re.sub(r"[\s\-]+", "_", name.replace("\ufeff", "").strip().lower())


class CountryLookup:
    """Country codes and English names to alpha-2 codes, each distinct value looked up once
    (django-countries' name lookup walks every country)."""

    def __init__(self) -> None:
        self._found: dict[str, str] = {}

    def __call__(self, value: str) -> str:
        key = value.strip()
        if key not in self._found:
            self._found[key] = self._look_up(key)
        return self._found[key]

    @staticmethod
    def _look_up(value: str) -> str:
        if re.fullmatch(r"[A-Za-z]{2,3}", value):
            code = countries.alpha2(value)
            if code:
                return code
        if not value or value.isdigit():
            return ""
        return countries.by_name(value, language="en")


def parse_number(value: str) -> float | None:
    """A plain decimal number (``12``, ``0.125``, ``1.2e-05``), or None if it is not one."""
    if not _NUMBER.fullmatch(value):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def parse_probability(value: str) -> float | str:
    """A probability from 0 to 1, or a percentage with its sign; else what is wrong."""
    percent = _PERCENT.fullmatch(value)
    number = parse_number(percent.group("number").strip() if percent else value)
    if number is None:
        return _("probability %(value)s is not a number") % {"value": quoted(value)}
    if percent:
        number /= 100
    if not 0 <= number <= 1:
        return _(
            "probability %(value)s is not between 0 and 1 "
            "(write a percentage with its sign: 12.5%%)"
        ) % {"value": quoted(value)}
    return number


def parse_rank(value: str) -> int | str:
    if not _WHOLE.fullmatch(value) or int(value) < 1:
        return _("rank %(value)s is not a whole number of 1 or more") % {"value": quoted(value)}
    return int(value)


def parse_fatalities(value: str) -> float | str:
    number = parse_number(value)
    if number is None:
        return _("predicted fatalities %(value)s is not a number") % {"value": quoted(value)}
    if number < 0:
        return _("predicted fatalities %(value)s is negative") % {"value": quoted(value)}
    return number


def parse_year(value: str) -> date | str:
    if not _YEAR.fullmatch(value) or not FIRST_YEAR <= int(value) <= LAST_YEAR:
        return _("year %(value)s is not a year from %(first)d to %(last)d (YYYY)") % {
            "value": quoted(value),
            "first": FIRST_YEAR,
            "last": LAST_YEAR,
        }
    return date(int(value), 1, 1)


def parse_month(value: str) -> date | str:
    found = _MONTH.fullmatch(value)
    if (
        found is None
        or not FIRST_YEAR <= int(found.group("year")) <= LAST_YEAR
        or not 1 <= int(found.group("month")) <= 12
    ):
        return _("month %(value)s is not a month (YYYY-MM, e.g. 2025-11)") % {
            "value": quoted(value)
        }
    return date(int(found.group("year")), int(found.group("month")), 1)


class _NotCsv(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(line, reason)
        self.line = line
        self.reason = reason


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """The file's records with their line numbers as a spreadsheet shows them (a quoted value
    over several lines is one row); raises :class:`_NotCsv` where the CSV is broken."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    line = 0
    while True:
        line += 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise _NotCsv(line, str(error)) from error
        yield line, record


class _Header:
    def __init__(self, cells: list[str]) -> None:
        self.keys = [column_key(cell) for cell in cells]

    def index(self, name: str) -> int | None:
        return self.keys.index(name) if name in self.keys else None


def _check_header(header: _Header, source: str) -> list[Problem]:
    problems = []
    duplicated = sorted({key for key in header.keys if key and header.keys.count(key) > 1})
    for key in duplicated:
        problems.append(Problem(_("column “%(name)s” appears more than once") % {"name": key}, 1))
    missing = [name for name in REQUIRED_COLUMNS[source] if name not in header.keys]
    if missing:
        problems.append(
            Problem(
                _("missing column(s): %(names)s (expected: %(expected)s)")
                % {
                    "names": ", ".join(missing),
                    "expected": ", ".join(REQUIRED_COLUMNS[source] + OPTIONAL_COLUMNS[source]),
                },
                1,
            )
        )
    if source == VIEWS and not any(name in header.keys for name in VIEWS_VALUE_COLUMNS):
        problems.append(
            Problem(
                _("missing column: a VIEWS file has predicted_fatalities or probability, or both"),
                1,
            )
        )
    return problems


class _Problems:
    """The problems found so far, the listing stopped at ``MAX_PROBLEMS`` (the rest counted)."""

    def __init__(self) -> None:
        self.listed: list[Problem] = []
        self.more = 0

    def add(self, message: str, line: int | None) -> None:
        if len(self.listed) < MAX_PROBLEMS:
            self.listed.append(Problem(message, line))
        else:
            self.more += 1

    def result(self) -> list[Problem]:
        if not self.more:
            return self.listed
        return [
            *self.listed,
            Problem(
                ngettext(
                    "… and %(count)d more problem not listed",
                    "… and %(count)d more problems not listed",
                    self.more,
                )
                % {"count": self.more},
            ),
        ]


def parse_forecast_csv(text: str, source: str) -> Parsed:
    """Every row of ``text`` (a ``source`` file) read, or every problem found in it."""
    if source not in SOURCES:
        return Parsed(problems=[Problem(_("unknown source %(source)s") % {"source": source})])
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return Parsed(problems=[Problem(_("the file is empty"))])
    problems = _Problems()
    rows: list[ParsedRow] = []
    try:
        records = _records(text)
        _line, cells = next(records)
        header = _Header(cells)
        header_problems = _check_header(header, source)
        if header_problems:
            return Parsed(problems=header_problems)
        read_row = _row_reader(header, source, CountryLookup())
        seen: dict[tuple[str, date], int] = {}
        data_rows = 0
        for line, record in records:
            if not any(cell.strip() for cell in record):
                continue
            data_rows += 1
            if data_rows > MAX_ROWS:
                limit = _("the file has more than %(limit)d rows") % {"limit": MAX_ROWS}
                return Parsed(problems=[Problem(limit)])
            row = read_row(line, record, problems)
            if row is None:
                continue
            first = seen.setdefault((row.country, row.period), line)
            if first != line:
                problems.add(
                    _(
                        "%(country)s (%(code)s) appears twice for %(period)s "
                        "(first on line %(first)d)"
                    )
                    % {
                        "country": countries.name(row.country),
                        "code": row.country,
                        "period": f"{row.period:%Y}" if source == EWP else f"{row.period:%Y-%m}",
                        "first": first,
                    },
                    line,
                )
                continue
            rows.append(row)
    except _NotCsv as error:
        problems.add(
            _("the file is not valid CSV (%(reason)s)") % {"reason": error.reason}, error.line
        )
    if source == EWP:
        _check_ranks(rows, problems)
    if not rows and not problems.listed:
        problems.add(_("the file has a header but no rows"), None)
    found = problems.result()
    return Parsed(rows=[] if found else rows, problems=found)


def _check_ranks(rows: list[ParsedRow], problems: _Problems) -> None:
    """A file gives a rank on every row or on none: the rows without one, where others have."""
    if any(row.rank is not None for row in rows):
        for row in rows:
            if row.rank is None:
                problems.add(
                    _("rank is missing while other rows give one (give every row a rank, or none)"),
                    row.line,
                )


def _row_reader(
    header: _Header, source: str, country_of: CountryLookup
) -> Callable[[int, list[str], _Problems], ParsedRow | None]:
    width = len(header.keys)
    at = {name: header.index(name) for name in REQUIRED_COLUMNS[source] + OPTIONAL_COLUMNS[source]}
    period_column, parse_period = ("year", parse_year) if source == EWP else ("month", parse_month)

    def read(line: int, record: list[str], problems: _Problems) -> ParsedRow | None:
        if len(record) != width:
            problems.add(
                _("expected %(expected)d values, found %(found)d")
                % {"expected": width, "found": len(record)},
                line,
            )
            return None
        wrong: list[str] = []

        def value(name: str) -> str:
            index = at.get(name)
            return record[index].strip() if index is not None else ""

        country = ""
        if not value("country"):
            wrong.append(_("country is missing"))
        else:
            country = country_of(value("country"))
            if not country:
                wrong.append(_("unknown country %(value)s") % {"value": quoted(value("country"))})
        period = _required(value(period_column), period_column, parse_period, wrong)
        probability = _optional(value("probability"), parse_probability, wrong)
        rank = _optional(value("rank"), parse_rank, wrong)
        fatalities = _optional(value("predicted_fatalities"), parse_fatalities, wrong)
        if source == EWP and not value("probability"):
            wrong.append(_("probability is missing"))
        if source == VIEWS and not value("probability") and not value("predicted_fatalities"):
            wrong.append(_("give predicted fatalities or a probability (both are empty)"))
        for message in wrong:
            problems.add(message, line)
        if wrong or period is None:
            return None
        return ParsedRow(
            line=line,
            country=country,
            period=period,
            probability=probability,
            rank=rank,
            predicted_fatalities=fatalities,
        )

    return read


def _required(
    value: str, column: str, parse: Callable[[str], date | str], wrong: list[str]
) -> date | None:
    if not value:
        wrong.append(_("%(column)s is missing") % {"column": column})
        return None
    return _optional(value, parse, wrong)


def _optional(value: str, parse: Callable[[str], _T | str], wrong: list[str]) -> _T | None:
    """``value`` parsed, None when blank; what is wrong noted (and None) when it is bad."""
    if not value:
        return None
    parsed = parse(value)
    if isinstance(parsed, str):
        wrong.append(parsed)
        return None
    return parsed
