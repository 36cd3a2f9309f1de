"""The framework's structure (the risk factors and their indicators, with their texts in each
language) kept in each process, so that the rating form of 126 indicators does not fetch and
translate them on every page.

A process keeps one :class:`FrameworkStructure` and the stamp of the reference data it was
read at: the row counts and the rows' transaction ids of the risk factors and the indicators
on PostgreSQL, a digest of their rows elsewhere (:func:`reference_stamp`, one query; two on
SQLite). Each use reads the stamp and reads the structure again when it differs
(:class:`Kept`, which also keeps the summaries' reference data). The stamp lives in the
database itself, so whatever changes the data and wherever (``load_framework``, the API's
reference load, the admin, ``retire``, a bulk insert or a queryset's ``update()``, another
process), every process sees the change at its next use; a change rolled back is seen too.
"""

import hashlib
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.apps import apps
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


def framework_tables() -> list[str]:
    """Every table of the framework app (its models and their links), history apart."""
    return sorted(
        model._meta.db_table
        for model in apps.get_app_config("framework").get_models(include_auto_created=True)
        if not model._meta.label_lower.startswith("framework.historical")
    )


def reference_stamp(tables: Sequence[str] = ()) -> Stamp:
    """What the rows of ``tables`` (database table names; the risk factors' and the
    indicators' by default) look like now: one query (one per table on SQLite).

    On PostgreSQL, each table's row count and the sum of its rows' creating transaction ids:
    an insert, an update or a delete, committed by whoever, moves it; one rolled back does
    not. Elsewhere, a digest of every row, read here (a few hundred rows, about a millisecond
    on SQLite)."""
    names = tables or [model._meta.db_table for model in (RiskFactor, Indicator)]
    quoted = [connection.ops.quote_name(table) for table in names]
    # The table names come from the models: nothing of a user's is in these statements.
    if connection.vendor == "postgresql":
        parts = [
            f"(SELECT count(*)::text || ':' || coalesce(sum(xmin::text::bigint), 0)::text "  # noqa: S608
            f"FROM {table})"  # nosec B608
            for table in quoted
        ]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(parts)}")  # nosec B608
            row = cursor.fetchone()
        return (connection.alias, *row)
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for table in quoted:
            cursor.execute(f"SELECT * FROM {table} ORDER BY 1")  # noqa: S608  # nosec B608
            digest.update(repr(cursor.fetchall()).encode())
    return (connection.alias, digest.hexdigest())


class Kept(Generic[T]):
    """A value read from the reference data and kept by this process while the stamp of the
    tables it is read from (:func:`reference_stamp`) has not moved: each use costs the
    stamp's query, and a read when it moved (by whatever change, in whichever process)."""

    def __init__(
        self, read: Callable[[Stamp], T], tables: Callable[[], Sequence[str]] = tuple
    ) -> None:
        self._read = read
        self._tables = tables
        self._lock = threading.Lock()
        self._current: tuple[Stamp, T] | None = None

    def get(self) -> T:
        stamp = reference_stamp(self._tables())
        current = self._current
        if current is not None and current[0] == stamp:
            return current[1]
        with self._lock:
            if self._current is None or self._current[0] != stamp:
                self._current = (stamp, self._read(stamp))
            return self._current[1]

    def hold(self, value: T, stamp: Stamp) -> None:
        """Keep ``value`` as read at ``stamp`` (what a process held before a change)."""
        with self._lock:
            self._current = (stamp, value)

    def forget(self) -> None:
        """Drop the value: the next use reads it again."""
        with self._lock:
            self._current = None


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


_structure: Kept[FrameworkStructure] = Kept(_read)


def framework_structure() -> FrameworkStructure:
    """The structure as the reference data now are: this process's copy while the stamp has
    not moved (one query), else read again (three)."""
    return _structure.get()


def forget_structure() -> None:
    """Drop this process's copy: the next use reads the structure again."""
    _structure.forget()


def hold_structure(structure: FrameworkStructure) -> None:
    """Keep ``structure`` as this process's copy, at the stamp it was read at."""
    _structure.hold(structure, structure.stamp)
