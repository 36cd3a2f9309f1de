"""The framework's structure (the risk factors and their indicators, with their texts in each
language) kept in each process, so that the rating form of 126 indicators does not fetch and
translate them on every page.

A process keeps one :class:`FrameworkStructure` and the stamp of the reference data it was
read at: a digest of every row of the risk factors and the indicators
(:func:`reference_stamp`, one query; two on SQLite). Each use reads the stamp and reads the
structure again when it differs. The stamp lives in the database itself, so whatever
changes the data and wherever (``load_framework``, the API's reference load, the admin,
``retire``, a bulk insert or a queryset's ``update()``, another process), every process
sees the change at its next use; a change rolled back is seen too.
"""

import hashlib
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import connection

from framework import i18n
from framework.models import Indicator, RiskFactor

T = TypeVar("T")

#: What the reference data looked like when a structure was read (see the module's text).
Stamp = tuple[Any, ...]


@dataclass
class FrameworkStructure:
    """Every risk factor (by number) with every indicator (active or retired, in form order),
    and values derived from them per language (:meth:`derived`). Shared by the requests of a
    process: read it, never change its objects."""

    stamp: Stamp
    factors: tuple[RiskFactor, ...]
    indicators: Mapping[int, tuple[Indicator, ...]]  # by factor id
    _derived: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    def derived(self, name: str, build: Callable[["FrameworkStructure"], T]) -> T:
        """``build(self)`` in the active language, computed once per language and kept with
        the structure (so it is dropped with it when the reference data change)."""
        key = (name, i18n.reader_language())
        try:
            value: T = self._derived[key]
        except KeyError:
            # Two threads may both build it; either result is the same.
            value = self._derived[key] = build(self)
        return value

    def form_factors(
        self, *, rated: Sequence[int] | set[int] = ()
    ) -> list[tuple[RiskFactor, list[Indicator]]]:
        """Each factor with the indicators a rating form shows: the active ones, and the
        retired ones among ``rated`` (the ids of the indicators an assessment rated)."""
        shown = set(rated)
        return [
            (
                factor,
                [
                    indicator
                    for indicator in self.indicators.get(factor.pk, ())
                    if indicator.is_active or indicator.pk in shown
                ],
            )
            for factor in self.factors
        ]


_lock = threading.Lock()
_current: FrameworkStructure | None = None


def reference_stamp() -> Stamp:
    """A digest of every row of the risk factors and of the indicators, all columns: one
    query (two on SQLite). PostgreSQL computes it (an MD5 of the rows' text: 32 characters
    sent); elsewhere the rows are read and hashed here (a few hundred rows, about a
    millisecond on SQLite)."""
    tables = [connection.ops.quote_name(model._meta.db_table) for model in (RiskFactor, Indicator)]
    # The table names come from the models: nothing of a user's is in these statements.
    if connection.vendor == "postgresql":
        digests = [
            f"(SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM {table} t)"  # noqa: S608  # nosec B608
            for table in tables
        ]
        sql = f"SELECT {', '.join(digests)}"
        with connection.cursor() as cursor:
            cursor.execute(sql)
            row = cursor.fetchone()
        return (connection.alias, *row)
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608  # nosec B608
            digest.update(repr(cursor.fetchall()).encode())
    return (connection.alias, digest.hexdigest())


def _read(stamp: Stamp) -> FrameworkStructure:
    factors = tuple(RiskFactor.objects.order_by("number"))
    indicators: dict[int, list[Indicator]] = {factor.pk: [] for factor in factors}
    for indicator in Indicator.objects.order_by("factor_id", "order", "code"):
        indicators.setdefault(indicator.factor_id, []).append(indicator)
    return FrameworkStructure(
        stamp=stamp,
        factors=factors,
        indicators={pk: tuple(items) for pk, items in indicators.items()},
    )


def framework_structure() -> FrameworkStructure:
    """The structure as the reference data now are: this process's copy while the stamp has
    not moved (one query), else read again (three)."""
    global _current
    stamp = reference_stamp()
    current = _current
    if current is not None and current.stamp == stamp:
        return current
    with _lock:
        if _current is None or _current.stamp != stamp:
            _current = _read(stamp)
        return _current


def forget_structure() -> None:
    """Drop this process's copy: the next use reads the structure again."""
    global _current
    with _lock:
        _current = None
