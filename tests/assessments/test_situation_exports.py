"""The situation exports write the rows as they read them, a chunk of situations at a time:
the CSV streams (its byte order mark and header first), the XLSX is written row by row; for
many rows both hold exactly what the list selects, as the whole-list export wrote it."""

import csv
import io
from datetime import date, datetime, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessments import permissions, selectors, spreadsheets
from assessments.models import Situation
from assessments.views import EXPORT_CHUNK
from tests.assessments.test_queries import many_situations

pytestmark = pytest.mark.django_db

MANY = 2 * EXPORT_CHUNK + 37  # three chunks, the last one short


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def many(analyst, other_analyst, reviewer):
    many_situations(MANY, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
    formula = Situation.objects.order_by("pk").last()
    Situation.objects.filter(pk=formula.pk).update(name="=HYPERLINK(1)", region="@risk")


def expected_rows(user) -> list[selectors.SituationRow]:
    """The rows as the whole-list export read them: every visible situation at once."""
    table = selectors.situation_table(permissions.visible_situations(user), timezone.localdate())
    return selectors.rows_of(table.prefetch_related("analysts").order_by("name", "pk"))


def test_the_csv_streams_every_row_as_the_whole_list_export_wrote_it(client, reviewer, many):
    client.force_login(reviewer)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("assessments:situations_csv"))
        pieces = list(response.streaming_content)

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="situations-')
    body = b"".join(pieces).decode("utf-8")
    assert body == spreadsheets.situations_csv(expected_rows(reviewer))
    assert body.startswith("\ufeffSituation,Country,Region,Overall level,")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert len(rows) == 1 + MANY
    assert any(row[0] == "'=HYPERLINK(1)" and row[2] == "'@risk" for row in rows)
    assert len(pieces) > 1  # written as read, not as one text
    # The situations come a chunk at a time, each chunk with its analysts.
    analyst_reads = [q for q in captured.captured_queries if "situation_analysts" in q["sql"]]
    assert len(analyst_reads) == 3


def test_the_csv_of_an_analyst_holds_only_their_situations_filtered(
    client, analyst, other_analyst, reviewer, many
):
    hidden = Situation.objects.create(
        code="hidden", name="Hidden situation", country="SD", created_by=reviewer
    )
    hidden.analysts.set([other_analyst])
    client.force_login(analyst)

    body = client.get(reverse("assessments:situations_csv"), {"country": "SD"}).getvalue()

    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "Situation"
    assert "Hidden situation" not in {row[0] for row in rows}
    assert {row[1] for row in rows[1:]} == {"Sudan"}
    assert len(rows) - 1 == Situation.objects.filter(analysts=analyst, country="SD").count()


def cell_values(row: selectors.SituationRow) -> list[object]:
    """A row's cells as the XLSX reads back: empty cells empty, dates at midnight."""
    return [
        None if cell == "" else datetime.combine(cell, time()) if isinstance(cell, date) else cell
        for cell in spreadsheets.row_cells(row)
    ]


def test_the_xlsx_holds_every_row_as_the_whole_list_export_wrote_it(client, reviewer, many):
    client.force_login(reviewer)

    response = client.get(reverse("assessments:situations_xlsx"))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    got = [[c.value for c in row] for row in sheet.iter_rows()]
    assert got[0] == spreadsheets.headers()
    assert got[1:] == [cell_values(row) for row in expected_rows(reviewer)]
    assert len(got) == 1 + MANY
    assert sheet.title == "Situations"
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    assert not any(cell.font.b for cell in sheet[2])
    assert sheet.column_dimensions["A"].width == 32
    dated = [row[7] for row in sheet.iter_rows(min_row=2) if row[7].value is not None]
    assert dated and all(cell.number_format == "yyyy-mm-dd" for cell in dated)
    assert "'=HYPERLINK(1)" in {row[0] for row in got}
