"""Importing forecast files: a good file is stored exactly, a bad one refused whole, every
problem named by its line as a spreadsheet shows it (the header is line 1)."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEntry
from forecasts import parsing, services
from forecasts.models import CountryForecast, ForecastRelease
from forecasts.services import import_forecasts
from tests.forecasts.builders import ISSUED, data_file, import_data_file

pytestmark = pytest.mark.django_db

Y2025 = date(2025, 1, 1)
NOV, DEC = date(2025, 11, 1), date(2025, 12, 1)


def stored_rows():
    return set(
        CountryForecast.objects.values_list(
            "country", "period", "probability", "rank", "predicted_fatalities"
        )
    )


def nothing_stored():
    return (
        not ForecastRelease.objects.exists()
        and not CountryForecast.objects.exists()
        and not AuditEntry.objects.filter(action="forecasts_imported").exists()
    )


# Good files --------------------------------------------------------------------------------


def test_a_good_ewp_file_is_stored_row_for_row_with_its_release_and_an_audit_entry(analyst):
    result = import_data_file("ewp_good.csv", "ewp", model="SRA 2025", by=analyst)

    assert result.ok and result.problems == ()
    release = ForecastRelease.objects.get()
    assert result.release == release
    assert (release.source, release.model, release.issued) == ("ewp", "SRA 2025", ISSUED)
    assert (release.file_name, release.row_count, release.imported_by) == (
        "ewp_good.csv",
        8,
        analyst,
    )
    # Names, alpha-3 codes and a percentage are read; the BOM, the header's case, its spaces
    # and the CRLF line ends are taken in stride.
    assert stored_rows() == {
        ("SD", Y2025, 0.241, 1, None),
        ("MM", Y2025, 0.185, 2, None),
        ("SS", Y2025, 0.152, 3, None),
        ("ET", Y2025, 0.101, 4, None),
        ("CD", Y2025, 0.09, 5, None),
        ("BI", Y2025, 0.021, 40, None),
        ("KG", Y2025, 0.004, 120, None),
        ("NO", Y2025, 0.001, 160, None),
    }
    entry = AuditEntry.objects.get(action="forecasts_imported")
    assert entry.actor == analyst
    assert entry.object_id == str(release.pk)
    assert entry.data == {
        "source": "ewp",
        "model": "SRA 2025",
        "issued": "2025-11-01",
        "rows": 8,
        "file_name": "ewp_good.csv",
    }


def test_a_good_views_file_is_stored_row_for_row_each_month_its_own_period():
    result = import_data_file("views_good.csv", "views", model="fatalities003")

    assert result.ok, result.errors
    assert result.release.row_count == 8
    assert result.release.imported_by is None
    assert stored_rows() == {
        ("SD", NOV, 0.98, None, 1520.5),
        ("SD", DEC, 0.97, None, 1400.0),
        ("MM", NOV, None, None, 310.2),
        ("MM", DEC, 0.88, None, 295.0),
        ("ML", NOV, 0.61, None, None),
        ("ML", DEC, 0.6, None, 41.5),
        ("NE", NOV, 0.3, None, 12.0),
        ("NE", DEC, 0.29, None, 11.2),
    }


def test_text_bytes_and_an_uploaded_file_are_read_alike():
    text = "country,year,probability\nSD,2025,0.5\n"

    from_text = import_forecasts(text, source="ewp", model="a", issued=ISSUED)
    from_bytes = import_forecasts(text.encode(), source="ewp", model="b", issued=ISSUED)
    upload = SimpleUploadedFile("upload.csv", text.encode(), content_type="text/csv")
    from_upload = import_forecasts(upload, source="ewp", model="c", issued=ISSUED)

    assert from_text.ok and from_bytes.ok and from_upload.ok
    assert from_upload.release.file_name == "upload.csv"
    assert CountryForecast.objects.filter(country="SD", probability=0.5).count() == 3


def test_extra_columns_are_ignored_and_a_rank_column_is_optional():
    text = "Notes,COUNTRY,year,probability\nsee annex,td,2025,0.07\n"

    result = import_forecasts(text, source="ewp", model="SRA", issued=ISSUED)

    assert result.ok, result.errors
    assert stored_rows() == {("TD", Y2025, 0.07, None, None)}


# Bad files ---------------------------------------------------------------------------------

BAD_FILES = [
    (
        "ewp_bad_probability.csv",
        "ewp",
        [
            "line 3: probability “1.5” is not between 0 and 1 "
            "(write a percentage with its sign: 12.5%)",
            "line 4: probability “abc” is not a number",
            "line 6: probability “-0.1” is not between 0 and 1 "
            "(write a percentage with its sign: 12.5%)",
            "line 7: probability “150%” is not between 0 and 1 "
            "(write a percentage with its sign: 12.5%)",
        ],
    ),
    (
        "ewp_unknown_country.csv",
        "ewp",
        ["line 3: unknown country “Atlantis”", "line 4: unknown country “XX”"],
    ),
    (
        "ewp_duplicate_country.csv",
        "ewp",
        [
            "line 4: Sudan (SD) appears twice for 2025 (first on line 2)",
            "line 6: Myanmar (MM) appears twice for 2025 (first on line 3)",
        ],
    ),
    (
        "views_bad_month.csv",
        "views",
        [
            "line 3: month “2025-13” is not a month (YYYY-MM, e.g. 2025-11)",
            "line 4: month “11/2025” is not a month (YYYY-MM, e.g. 2025-11)",
            "line 6: month “2025-1” is not a month (YYYY-MM, e.g. 2025-11)",
        ],
    ),
    (
        "views_bad_values.csv",
        "views",
        [
            "line 3: give predicted fatalities or a probability (both are empty)",
            "line 4: predicted fatalities “-3” is negative",
            "line 5: expected 4 values, found 3",
        ],
    ),
    (
        "ewp_missing_column.csv",
        "ewp",
        ["line 1: missing column(s): probability (expected: country, year, probability, rank)"],
    ),
    ("empty.csv", "ewp", ["the file is empty"]),
    ("empty.csv", "views", ["the file is empty"]),
    ("ewp_header_only.csv", "ewp", ["the file has a header but no rows"]),
    # A good file of one source is not a file of the other.
    (
        "ewp_good.csv",
        "views",
        [
            "line 1: missing column(s): month "
            "(expected: country, month, predicted_fatalities, probability)"
        ],
    ),
]


@pytest.mark.parametrize(("name", "source", "expected"), BAD_FILES)
def test_a_bad_file_is_refused_whole_with_each_problem_by_line_and_nothing_is_stored(
    name, source, expected
):
    result = import_data_file(name, source)

    assert not result.ok
    assert result.release is None
    assert result.errors == expected
    assert nothing_stored()


def test_a_row_with_several_problems_reports_each_and_the_good_rows_are_not_stored():
    text = "country,year,probability,rank\nSD,2025,0.1,1\nXX,20x5,,0\n"

    result = import_forecasts(text, source="ewp", model="m", issued=ISSUED)

    assert result.errors == [
        "line 3: unknown country “XX”",
        "line 3: year “20x5” is not a year from 1900 to 2100 (YYYY)",
        "line 3: rank “0” is not a whole number of 1 or more",
        "line 3: probability is missing",
    ]
    assert nothing_stored()


def test_line_numbers_count_blank_rows_and_a_quoted_value_over_two_lines_as_one_row():
    text = 'country,year,probability\n\n"Sud\nan",2025,0.1\nSD,2025,2\n'

    result = import_forecasts(text, source="ewp", model="m", issued=ISSUED)

    assert result.errors == [
        "line 3: unknown country “Sud\nan”",
        "line 4: probability “2” is not between 0 and 1 (write a percentage with its sign: 12.5%)",
    ]


def test_a_views_file_without_either_value_column_is_refused_at_its_header():
    text = "country,month,rank\nSD,2025-11,1\n"

    result = import_forecasts(text, source="views", model="m", issued=ISSUED)

    assert result.errors == [
        "line 1: missing column: a VIEWS file has predicted_fatalities or probability, or both"
    ]
    assert nothing_stored()


def test_a_rank_on_some_rows_only_is_refused_on_the_rows_without():
    text = "country,year,probability,rank\nSD,2025,0.3,1\nMM,2025,0.2,\nSS,2025,0.1,3\n"

    result = import_forecasts(text, source="ewp", model="m", issued=ISSUED)

    assert result.errors == [
        "line 3: rank is missing while other rows give one (give every row a rank, or none)"
    ]
    assert nothing_stored()


def test_broken_csv_is_refused_at_its_line():
    text = 'country,year,probability\nSD,2025,0.1\n"MM,2025,0.2\n'

    result = import_forecasts(text, source="ewp", model="m", issued=ISSUED)

    assert result.errors == ["line 3: the file is not valid CSV (unexpected end of data)"]
    assert nothing_stored()


def test_a_file_that_is_not_utf8_is_refused():
    result = import_forecasts(
        "country,year,probability\nCôte d'Ivoire,2025,0.1\n".encode("latin-1"),
        source="ewp",
        model="m",
        issued=ISSUED,
    )

    assert result.errors == [
        "the file is not UTF-8 text (save it from a spreadsheet as “CSV UTF-8”)"
    ]
    assert nothing_stored()


def test_a_file_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(services, "MAX_FILE_BYTES", 2 * 1024 * 1024)
    text = "country,year,probability\n" + "SD,2025,0.1\n" * 200_000

    result = import_forecasts(text, source="ewp", model="m", issued=ISSUED)

    assert result.errors == ["the file is larger than 2 MB"]
    assert nothing_stored()


def test_a_file_over_the_row_limit_is_refused(monkeypatch):
    monkeypatch.setattr(parsing, "MAX_ROWS", 3)
    text = "country,year,probability\nSD,2025,0.1\nMM,2025,0.1\nSS,2025,0.1\nET,2025,0.1\n"

    result = import_forecasts(text, source="ewp", model="m", issued=ISSUED)

    assert result.errors == ["the file has more than 3 rows"]
    assert nothing_stored()


def test_the_problems_listed_stop_at_the_limit_and_the_rest_are_counted(monkeypatch):
    monkeypatch.setattr(parsing, "MAX_PROBLEMS", 2)
    text = "country,year,probability\n" + "XX,2025,0.1\n" * 5

    result = import_forecasts(text, source="ewp", model="m", issued=ISSUED)

    assert result.errors == [
        "line 2: unknown country “XX”",
        "line 3: unknown country “XX”",
        "… and 3 more problems not listed",
    ]


def test_the_same_release_twice_is_refused_the_second_time():
    first = import_data_file("ewp_good.csv", "ewp", model="SRA 2025")

    again = import_data_file("ewp_good.csv", "ewp", model="SRA 2025")

    assert first.ok and not again.ok
    assert again.errors == [
        "Early Warning Project statistical risk assessment SRA 2025 issued 2025-11-01 was "
        f"already imported on {first.release.imported_at:%Y-%m-%d}: delete that release first "
        "to import it again"
    ]
    assert ForecastRelease.objects.count() == 1
    assert CountryForecast.objects.count() == 8


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"source": "acled"}, "unknown source “acled” (expected one of ewp, views)"),
        ({"model": "  "}, "give the model's name and version (e.g. “SRA 2025”)"),
        ({"model": "m" * 101}, "the model's name is longer than 100 characters"),
        ({"issued": "2025-11-01"}, "give the date the source issued the forecast"),
    ],
)
def test_a_release_without_a_valid_source_model_or_date_is_refused(kwargs, expected):
    arguments = {"source": "ewp", "model": "SRA 2025", "issued": ISSUED, **kwargs}

    result = import_forecasts(data_file("ewp_good.csv").read_bytes(), **arguments)

    assert result.errors == [expected]
    assert nothing_stored()
