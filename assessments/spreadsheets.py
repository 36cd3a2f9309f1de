"""Lists as spreadsheets: the filtered situation list and the heatmap, as CSV and XLSX.

A cell that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-`` or ``@``,
or a tab or carriage return) is written with a leading apostrophe: a situation's name or
region is text, never a formula run on the reader's machine.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date

from django.utils.translation import gettext as _
from django_countries import countries
from openpyxl import Workbook
from openpyxl.cell import Cell as XlsxCell
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from assessments import scales
from assessments.scales import Severity, severity_label
from assessments.selectors import HeatmapRow, SituationRow

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | date | None


def safe_text(value: str) -> str:
    """``value``, prefixed with an apostrophe if a spreadsheet would read it as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def headers() -> list[str]:
    return [
        _("Situation"),
        _("Country"),
        _("Region"),
        _("Overall level"),
        _("Level code"),
        _("Level approved"),
        _("Latest assessment"),
        _("Last assessed"),
        _("Review"),
        _("Analysts"),
    ]


def row_cells(row: SituationRow) -> list[Cell]:
    situation = row.situation
    analysts = ", ".join(a.get_full_name() or a.get_username() for a in situation.analysts.all())
    cells: list[Cell] = [
        situation.name,
        str(countries.name(str(situation.country))),
        situation.region,
        scales.level_label(row.level) if row.level else _("no assessment yet"),
        row.level or "",
        (_("yes") if row.approved else _("no")) if row.level else "",
        row.latest_status_label,
        row.last_assessed,
        _("overdue") if row.overdue else _("on schedule"),
        analysts,
    ]
    return [safe_text(cell) if isinstance(cell, str) else cell for cell in cells]


class _Echo:
    """A file that hands back what is written to it: ``csv.writer`` then returns each line."""

    def write(self, value: str) -> str:
        return value


#: About how many characters of CSV each piece of a streamed export holds.
CSV_PIECE = 64 * 1024


def situations_csv_pieces(rows: Iterable[SituationRow]) -> Iterator[str]:
    """The situations as CSV, in pieces of about :data:`CSV_PIECE` characters as the rows
    come: a byte order mark (spreadsheets then read UTF-8), the header row, a line a row."""
    writer = csv.writer(_Echo())
    piece = ["\ufeff", writer.writerow([safe_text(h) for h in headers()])]
    size = 0
    for row in rows:
        line: str = writer.writerow(
            [cell.isoformat() if isinstance(cell, date) else cell for cell in row_cells(row)]
        )
        piece.append(line)
        size += len(line)
        if size >= CSV_PIECE:
            yield "".join(piece)
            piece, size = [], 0
    if piece:
        yield "".join(piece)


def situations_csv(rows: Iterable[SituationRow]) -> str:
    """The situations as one CSV text, with its byte order mark."""
    return "".join(situations_csv_pieces(rows))


#: Each column's width in the XLSX export, in characters.
XLSX_WIDTHS: Sequence[int] = (32, 20, 20, 18, 18, 10, 24, 14, 14, 32)


def situations_xlsx(rows: Iterable[SituationRow], *, title: str) -> bytes:
    """The situations as an XLSX workbook, written row by row (openpyxl's write-only mode:
    no cell kept once written): a bold header frozen above the rows, dates as dates."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    for index, width in enumerate(XLSX_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for text in headers():
        cell = WriteOnlyCell(sheet, value=safe_text(text))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    date_column = headers().index(_("Last assessed"))
    for row in rows:
        cells: list[object] = [cell if cell != "" else None for cell in row_cells(row)]
        dated = WriteOnlyCell(sheet, value=cells[date_column])
        dated.number_format = "yyyy-mm-dd"
        cells[date_column] = dated
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# The heatmap -------------------------------------------------------------------------------

Table = list[list[str]]


def heatmap_table(rows: Iterable[HeatmapRow], factors: Sequence[int]) -> Table:
    """Situation, country, date and approval, then each factor's severity code and label.

    A factor with no assessed indicator is ``not_assessed``; a situation without an
    assessment has empty codes and the label "no assessment"."""
    header = [_("Situation code"), _("Situation"), _("Country"), _("As of"), _("Approval")]
    for number in factors:
        header += [f"RF{number}", _("RF%(number)s (label)") % {"number": number}]
    table = [header]
    for row in rows:
        situation = row.situation
        line = [situation.code, situation.name, str(situation.country)]
        if row.assessment_id is None:
            line += ["", ""]
            for _number in factors:
                line += ["", _("no assessment")]
        else:
            line += [
                row.as_of.isoformat() if row.as_of else "",
                _("approved") if row.approved else _("unapproved"),
            ]
            for cell in row.cells:
                code = cell.level or Severity.NOT_ASSESSED.value
                line += [code, severity_label(code)]
        table.append(line)
    return table


def as_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for line in table:
        writer.writerow([safe_text(value) for value in line])
    return out.getvalue()


def as_xlsx(table: Table, *, title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if sheet is None:  # a new workbook always has one sheet
        sheet = workbook.create_sheet()
    sheet.title = title[:31]
    for row_number, line in enumerate(table, start=1):
        for column, value in enumerate(line, start=1):
            cell: XlsxCell = sheet.cell(row=row_number, column=column)
            cell.value = value
            cell.data_type = "s"  # text, never a formula
            if row_number == 1:
                cell.font = Font(bold=True)
    sheet.freeze_panes = "C2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
