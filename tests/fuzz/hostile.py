"""Hostile inputs for the fuzz tests, and the checks that every example makes.

Strategies mix values a form or a file would accept with ones meant to break it: NUL
characters, lone surrogates, text at and far past its limit, numbers past every integer
column, dates outside any calendar, wrong types, missing, unknown and duplicated fields.
They are made once and kept (``functools.cache``): making one costs more than drawing from it.
"""

import functools
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote_from_bytes

from django.apps import apps
from django.db import connection, models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.http import HttpResponse, QueryDict
from django.test import Client
from hypothesis import strategies as st

from assessments import limits
from audit.models import AuditEntry

# Text ---------------------------------------------------------------------------------------

#: Pieces that broke, or nearly broke, some web application somewhere.
TRICKY = (
    "",
    " ",
    "\t",
    "\x00",
    "\r\n",
    "\n\n",
    "\u2028",
    "\u00a0",
    "\ufeff",
    "\u202e",
    "\u0301",
    "\U0001f642",
    "\U0001d4cd",
    "\ufffd",
    "<script>alert(1)</script>",
    "{{ request }}",
    "{% debug %}",
    "%(count)d",
    "%s",
    "' OR 1=1 --",
    '"',
    "\\",
    "ـ",
    "\uff33",  # a fullwidth S
    "null",
    "None",
)

surrogates = st.text(alphabet=st.characters(categories=["Cs"]), min_size=1, max_size=2)
tricky = st.sampled_from(TRICKY)


@functools.cache
def long_text(limit: int) -> st.SearchStrategy[str]:
    """One character repeated to just under, at, just past or far past ``limit``."""
    return st.builds(
        lambda char, length: char * length,
        st.sampled_from(["x", "é", "\U0001f642", " ", "\n"]),
        st.sampled_from([limit - 1, limit, limit + 1, limit * 3]),
    )


@functools.cache
def hostile_text(limit: int | None = None) -> st.SearchStrategy[str]:
    """Any text, mostly short: tricky pieces, surrogates, NULs; at or past ``limit`` too."""
    options = [
        tricky,
        st.text(max_size=30),
        st.lists(st.one_of(tricky, st.text(max_size=6), surrogates), max_size=5).map("".join),
    ]
    if limit is not None:
        options.append(long_text(limit))
    return st.one_of(options)


def choice_or_hostile(choices: Sequence[str]) -> st.SearchStrategy[str]:
    """Mostly one of ``choices``, sometimes a near miss or anything at all."""
    return _choice_or_hostile(tuple(choices))


@functools.cache
def _choice_or_hostile(choices: tuple[str, ...]) -> st.SearchStrategy[str]:
    near = st.sampled_from(choices).flatmap(
        lambda choice: st.sampled_from([choice.upper(), f" {choice}", f"{choice}\x00", choice[:-1]])
    )
    return st.one_of(st.sampled_from(choices), st.sampled_from(choices), near, hostile_text())


NUMBERISH = (
    "",
    "0",
    "-1",
    "+5",
    " 90 ",
    "1e3",
    "3.5",
    "0x10",
    "1_000",
    "٩٠",
    "NaN",
    "inf",
    "-0",
    "32767",
    "32768",
    "2147483647",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "9" * 30,
    "9" * 5000,
)


@functools.cache
def numberish() -> st.SearchStrategy[str]:
    """Whole numbers as text, across every integer width, and things that look like one."""
    return st.one_of(
        st.sampled_from(NUMBERISH),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        hostile_text(),
    )


@functools.cache
def dateish(valid: tuple[date, date]) -> st.SearchStrategy[str]:
    """Dates as text: in the ``valid`` range, at its edges, outside it, and not dates at all."""
    earliest, latest = valid
    edges = [earliest - timedelta(days=1), earliest, latest, latest + timedelta(days=1)]
    return st.one_of(
        st.dates(min_value=earliest, max_value=latest).map(date.isoformat),
        st.sampled_from(edges).map(date.isoformat),
        st.dates().map(date.isoformat),
        st.sampled_from(
            [
                "0000-01-01",
                "10000-01-01",
                "2026-02-30",
                "2026-13-01",
                "2026-5-1",
                "05/01/2026",
                "2026-05-01T00:00",
                " 2026-05-01 ",
                "today",
            ]
        ),
        hostile_text(),
    )


def as_of_range() -> tuple[date, date]:
    """The dates an assessment may have, today."""
    return limits.EARLIEST_AS_OF, limits.latest_as_of()


# Forms --------------------------------------------------------------------------------------

Value = str | bytes  # bytes: sent as they are, UTF-8 or not
Pairs = list[tuple[str, Value]]
Edit = tuple[str, str, Value]  # (operation, field name, value)


def form_edits(
    fields: dict[str, st.SearchStrategy[Value]], *, max_edits: int = 6
) -> st.SearchStrategy[list[Edit]]:
    """Edits to a form's valid data: set a field, drop it, send it twice, or add one the
    form does not know. None at all is one of the examples (the form as loaded).

    Make it once per test (a fixture), not in each example: it is a costly thing to make."""
    ops = st.sampled_from(["set", "set", "set", "drop", "repeat"])
    by_name = {name: st.tuples(ops, st.just(name), value) for name, value in fields.items()}
    edit = st.one_of(
        st.sampled_from(sorted(by_name)).flatmap(by_name.__getitem__),
        st.tuples(st.just("add"), hostile_text(), form_value()),
    )
    return st.lists(edit, max_size=max_edits)


@functools.cache
def form_value() -> st.SearchStrategy[Value]:
    """A field's value that no form expects: text, a number, or bytes that are not UTF-8."""
    return st.one_of(hostile_text(), numberish(), st.binary(max_size=8))


def apply_edits(base: Pairs, edits: Iterable[Edit]) -> Pairs:
    """The form's data with the edits made, in order."""
    pairs = list(base)
    for op, name, value in edits:
        if op == "set":
            pairs = [(key, value if key == name else old) for key, old in pairs]
            if all(key != name for key, _old in pairs):
                pairs.append((name, value))
        elif op == "drop":
            pairs = [(key, old) for key, old in pairs if key != name]
        else:  # "repeat" and "add": one more value under that name
            pairs.append((name, value))
    return pairs


def _encoded(text: Value) -> bytes:
    # A lone surrogate cannot travel as UTF-8: it goes as the bytes a careless encoder would
    # write for it (which are not UTF-8 either), as bytes that are not text do.
    return text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")


def urlencoded(pairs: Pairs) -> bytes:
    """A form body, keys and values in order, duplicates kept, bytes as they are."""
    return b"&".join(
        quote_from_bytes(_encoded(key)).encode() + b"=" + quote_from_bytes(_encoded(value)).encode()
        for key, value in pairs
    )


def received(body: bytes) -> QueryDict:
    """The form data as Django reads the body: the last value of a name wins."""
    return QueryDict(body, encoding="utf-8")


def post_form(client: Client, url: str, body: bytes, *, wants_json: bool = False) -> HttpResponse:
    client.cookies.pop("messages", None)  # each example starts without earlier messages
    headers = {"HTTP_ACCEPT": "application/json"} if wants_json else {}
    return client.post(url, body, content_type="application/x-www-form-urlencoded", **headers)


# JSON ---------------------------------------------------------------------------------------


class Raw:
    """JSON text written as it is: a number too long for any parser, say."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Raw({self.text[:40]!r}{'...' if len(self.text) > 40 else ''})"


class DuplicateKeys:
    """An object whose keys may repeat, as JSON text allows and the importer refuses."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs

    def __repr__(self) -> str:
        return f"DuplicateKeys({self.pairs!r})"


class Nested:
    """``inner`` wrapped in ``depth`` arrays (written without recursion)."""

    def __init__(self, depth: int, inner: Any) -> None:
        self.depth, self.inner = depth, inner

    def __repr__(self) -> str:
        return f"Nested({self.depth}, {self.inner!r})"


def to_json(value: Any, *, ascii_only: bool) -> str:
    """JSON text of ``value``, which may hold :class:`Raw`, :class:`DuplicateKeys` and
    :class:`Nested`. A lone surrogate is escaped (``\\ud800``) when ``ascii_only``, else
    written raw (not UTF-8: the file cannot be read as text)."""

    def scalar(item: Any) -> str:
        return json.dumps(item, ensure_ascii=ascii_only)

    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Nested):
        return "[" * value.depth + to_json(value.inner, ascii_only=ascii_only) + "]" * value.depth
    if isinstance(value, DuplicateKeys | dict):
        items = value.pairs if isinstance(value, DuplicateKeys) else value.items()
        return (
            "{"
            + ", ".join(
                f"{scalar(key)}: {to_json(item, ascii_only=ascii_only)}" for key, item in items
            )
            + "}"
        )
    if isinstance(value, list):
        return "[" + ", ".join(to_json(item, ascii_only=ascii_only) for item in value) + "]"
    return scalar(value)


BIG_NUMBERS = (
    Raw("9" * 5000),
    Raw("-" + "9" * 30),
    Raw("1e999"),
    Raw("-1e-999"),
    Raw("NaN"),
    Raw("Infinity"),
    Raw("1.0"),
    Raw("01"),
)

json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**31, 2**63, -(2**63) - 1, 10**30, -1, 0]),
    st.floats(),
    hostile_text(),
    st.sampled_from(BIG_NUMBERS),
)


@functools.cache
def json_value(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Any JSON value, hostile leaves included, nested at times past every depth limit."""
    return st.recursive(
        json_scalar,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(hostile_text(), children, max_size=4),
            st.lists(st.tuples(st.sampled_from(["a", "a", "b"]), children), max_size=3).map(
                DuplicateKeys
            ),
            st.builds(Nested, st.sampled_from([30, 31, 32, 33, 40, 5000]), children),
        ),
        max_leaves=max_leaves,
    )


# Checks -------------------------------------------------------------------------------------


class _Crashes(logging.Handler):
    """Keeps what a crash logs: an error with its traceback (a 500 is logged so)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        # django.security logs the requests it refuses (400) with their exception: not a crash.
        if record.exc_info and not record.name.startswith("django.security"):
            self.records.append(record)


@contextmanager
def no_crash_logged() -> Iterator[None]:
    """Fail if the block logs an error with a traceback, even one answered without a 500."""
    handler = _Crashes()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
    assert not handler.records, [
        f"{r.name}: {r.getMessage()}\n{logging.Formatter().formatException(r.exc_info)}"
        for r in handler.records
        if r.exc_info
    ]


def assert_answered(response: HttpResponse) -> None:
    """No server error, and no traceback in what the user sees."""
    assert response.status_code < 500, response.content[:2000]
    assert b"Traceback" not in response.content
    assert b"most recent call last" not in response.content


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run an example in a savepoint that is rolled back, so that every example starts from
    the rows the test's fixtures made (Hypothesis does not set them up again)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def watched_models() -> list[type[models.Model]]:
    """Every table of the assessments app (the many-to-many ones included), and the audit log."""
    config = apps.get_app_config("assessments")
    return [*config.get_models(include_auto_created=True), AuditEntry]


Rows = dict[str, list[tuple[Any, ...]]]


def snapshot(watched: Iterable[type[models.Model]] | None = None) -> Rows:
    """Every row of the watched tables, every column of it, in primary-key order (read with
    plain SQL, several times faster than through the ORM: it is read after every refusal)."""
    rows: Rows = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in watched_models() if watched is None else watched:
            meta = model._meta
            table, key = quote(meta.db_table), quote(meta.pk.column)
            cursor.execute(f"SELECT * FROM {table} ORDER BY {key}")  # noqa: S608 - model names
            rows[meta.label] = cursor.fetchall()
    return rows


def _text_problem(text: str, limit: int | None) -> str | None:
    if "\x00" in text:
        return "holds a NUL"
    if any(0xD800 <= ord(char) <= 0xDFFF for char in text):
        return "holds a lone surrogate"
    if limit is not None and len(text) > limit:
        return f"is longer than {limit}"
    return None


#: The range of each kind of integer column where it is narrowest (PostgreSQL): SQLite stores
#: any integer of 64 bits in any of them.
INTEGER_RANGES = BaseDatabaseOperations.integer_field_ranges


def assert_storable(rows: Iterable[models.Model]) -> None:
    """Every value of the rows fits its column on every database here: no text with a NUL or
    a lone surrogate, none longer than its field allows, no integer out of its column's range
    (what PostgreSQL would refuse, though SQLite took it)."""
    for row in rows:
        for field in row._meta.concrete_fields:
            value = getattr(row, field.attname)
            place = f"{row._meta.label}.{field.name}"
            if isinstance(value, str):
                problem = _text_problem(value, field.max_length)
                assert problem is None, f"{place} {problem}: {value[:80]!r}"
            elif isinstance(value, int) and not isinstance(value, bool):
                low, high = INTEGER_RANGES.get(field.get_internal_type(), (value, value))
                assert low <= value <= high, f"{place} is {value}, out of {low}..{high}"
