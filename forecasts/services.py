"""Importing and deleting forecast releases: every write of the forecasts app.

A file is read whole before anything is written: one bad row refuses the whole file, and the
result lists every problem by line (``line 7: unknown country “XX”``). A good file becomes
one release and its rows in one transaction, with an entry in the audit log. Forecasts are
context: nothing here touches a situation, an assessment or a level.
"""

import os
from dataclasses import dataclass
from datetime import date
from typing import IO

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit import log as audit
from forecasts.models import CountryForecast, ForecastRelease, Source
from forecasts.parsing import Problem, parse_forecast_csv

#: At most this many bytes in a file (a VIEWS file of 36 months of every country is ~300 KB).
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_MODEL_LENGTH = ForecastRelease._meta.get_field("model").max_length or 100
MAX_NOTES_LENGTH = 2000

#: What :func:`import_forecasts` reads: the text itself, its bytes, or an open file (text or
#: binary; an uploaded file included).
ForecastFile = str | bytes | IO[str] | IO[bytes]


@dataclass(frozen=True)
class ImportResult:
    """The release made, or the problems that refused the file (then nothing was stored)."""

    release: ForecastRelease | None
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return self.release is not None

    @property
    def errors(self) -> list[str]:
        """Each problem in words: ``line 7: unknown country “XX”``."""
        return [str(problem) for problem in self.problems]


def read_text(file_or_text: ForecastFile) -> str | Problem:
    """The file's text (UTF-8, a byte order mark dropped), or why it cannot be read."""
    data: str | bytes
    if isinstance(file_or_text, str | bytes):
        data = file_or_text
    else:
        data = file_or_text.read(MAX_FILE_BYTES + 1)
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > MAX_FILE_BYTES:
        return Problem(
            _("the file is larger than %(limit)d MB") % {"limit": MAX_FILE_BYTES // 1024 // 1024}
        )
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return Problem(
                _("the file is not UTF-8 text (save it from a spreadsheet as “CSV UTF-8”)")
            )
    return data.removeprefix("\ufeff")


def _release_problems(source: str, model: str, issued: object, notes: str) -> list[Problem]:
    problems = []
    if source not in Source.values:
        problems.append(
            Problem(
                _("unknown source “%(source)s” (expected one of %(sources)s)")
                % {"source": source, "sources": ", ".join(Source.values)}
            )
        )
    if not model.strip():
        problems.append(Problem(_("give the model's name and version (e.g. “SRA 2025”)")))
    elif len(model.strip()) > MAX_MODEL_LENGTH:
        problems.append(
            Problem(
                _("the model's name is longer than %(limit)d characters")
                % {"limit": MAX_MODEL_LENGTH}
            )
        )
    if not isinstance(issued, date):
        problems.append(Problem(_("give the date the source issued the forecast")))
    if len(notes) > MAX_NOTES_LENGTH:
        problems.append(
            Problem(
                _("the notes are longer than %(limit)d characters") % {"limit": MAX_NOTES_LENGTH}
            )
        )
    return problems


def _already_imported(release: ForecastRelease) -> Problem:
    return Problem(
        _(
            "%(source)s %(model)s issued %(issued)s was already imported on %(imported)s: "
            "delete that release first to import it again"
        )
        % {
            "source": release.get_source_display(),
            "model": release.model,
            "issued": f"{release.issued:%Y-%m-%d}",
            "imported": f"{release.imported_at:%Y-%m-%d}",
        }
    )


def import_forecasts(
    file_or_text: ForecastFile,
    *,
    source: str,
    model: str,
    issued: date,
    by: User | AnonymousUser | None = None,
    file_name: str = "",
    notes: str = "",
) -> ImportResult:
    """Import one forecast file of ``source`` (``"ewp"`` or ``"views"``; see
    ``forecasts.parsing`` for the formats) as a release of ``model`` issued on ``issued``.

    The whole file is checked first. If anything is wrong (a bad row, a missing column, an
    empty or too large file, a release of the same source, model and date already imported),
    nothing is stored and the result holds every problem, by line. Otherwise the release and
    its rows are created in one transaction and the import is written to the audit log, as
    done by ``by`` (by default the user of the request being answered, if any).
    """
    model, notes = model.strip(), notes.strip()
    if not file_name:
        file_name = os.path.basename(str(getattr(file_or_text, "name", "") or ""))
    problems = _release_problems(source, model, issued, notes)
    text = read_text(file_or_text)
    if isinstance(text, Problem):
        return ImportResult(None, (*problems, text))
    parsed = parse_forecast_csv(text, source) if source in Source.values else None
    if parsed is not None:
        problems.extend(parsed.problems)
    if problems or parsed is None:
        return ImportResult(None, tuple(problems))
    existing = ForecastRelease.objects.filter(source=source, model=model, issued=issued).first()
    if existing is not None:
        return ImportResult(None, (_already_imported(existing),))
    user = by if isinstance(by, User) else None
    try:
        with transaction.atomic():
            release = ForecastRelease.objects.create(
                source=source,
                model=model,
                issued=issued,
                imported_by=user,
                file_name=file_name[:255],
                row_count=len(parsed.rows),
                notes=notes,
            )
            CountryForecast.objects.bulk_create(
                (
                    CountryForecast(
                        release=release,
                        country=row.country,
                        period=row.period,
                        probability=row.probability,
                        rank=row.rank,
                        predicted_fatalities=row.predicted_fatalities,
                    )
                    for row in parsed.rows
                ),
                batch_size=1000,
            )
            audit.record(
                "forecasts_imported",
                obj=release,
                data={
                    "source": source,
                    "model": model,
                    "issued": f"{issued:%Y-%m-%d}",
                    "rows": len(parsed.rows),
                    "file_name": release.file_name,
                },
                actor=audit.FROM_REQUEST if by is None else by,
            )
    except IntegrityError:
        # Another import of the same release committed between the check and this one.
        existing = ForecastRelease.objects.filter(source=source, model=model, issued=issued).first()
        if existing is None:
            raise
        return ImportResult(None, (_already_imported(existing),))
    return ImportResult(release)


@transaction.atomic
def delete_release(release: ForecastRelease, *, by: User | AnonymousUser | None) -> None:
    """Delete a release and its rows (a wrong import), recorded in the audit log."""
    audit.record(
        "forecasts_deleted",
        obj=release,
        data={
            "source": release.source,
            "model": release.model,
            "issued": f"{release.issued:%Y-%m-%d}",
            "rows": release.row_count,
        },
        actor=audit.FROM_REQUEST if by is None else by,
    )
    release.delete()
