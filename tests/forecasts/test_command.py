"""``manage.py import_forecasts``: what it imports, and a refused file's problems by line."""

import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from forecasts.management.commands.import_forecasts import Command
from forecasts.models import CountryForecast, ForecastRelease
from tests.forecasts.builders import data_file

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_forecasts", *args, stdout=out)
    return out.getvalue()


def test_the_command_imports_a_file_and_says_what_it_imported(analyst):
    path = str(data_file("views_good.csv"))

    output = run(
        "--source", "views", "--model", "fatalities003", "--issued", "2025-11-15",
        "--notes", "Monthly run.", "--as", "analyst", path,
    )  # fmt: skip

    release = ForecastRelease.objects.get()
    assert output == (
        f"Imported {path}: VIEWS country-month forecast, model fatalities003, "
        f"issued 2025-11-15: 8 rows (release {release.pk})\n"
    )
    assert (release.source, release.model, release.issued) == (
        "views",
        "fatalities003",
        date(2025, 11, 15),
    )
    assert (release.imported_by, release.notes, release.file_name) == (
        analyst,
        "Monthly run.",
        "views_good.csv",
    )
    assert CountryForecast.objects.filter(release=release).count() == 8


def test_a_refused_file_raises_with_each_problem_by_line_and_imports_nothing():
    path = str(data_file("ewp_unknown_country.csv"))

    with pytest.raises(CommandError) as refused:
        run("--source", "ewp", "--model", "SRA 2025", "--issued", "2025-11-01", path)

    assert str(refused.value) == (
        f"{path} refused (2 problems); nothing was imported:\n"
        f"  {path}: line 3: unknown country “Atlantis”\n"
        f"  {path}: line 4: unknown country “XX”"
    )
    assert not ForecastRelease.objects.exists()
    assert not CountryForecast.objects.exists()


def test_from_the_shell_a_refused_file_goes_to_stderr_and_the_exit_code_is_not_zero(capsys):
    path = str(data_file("ewp_bad_probability.csv"))

    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(
            ["manage.py", "import_forecasts", "--source", "ewp", "--model", "SRA 2025",
             "--issued", "2025-11-01", path]
        )  # fmt: skip

    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "line 3: probability “1.5” is not between 0 and 1" in captured.err
    assert "line 4: probability “abc” is not a number" in captured.err
    assert "line 6: probability “-0.1”" in captured.err
    assert "line 7: probability “150%”" in captured.err
    # (run_from_argv closes the database connection as the shell's command does: the test
    # above shows that a refused file stores nothing.)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--issued", "1 Nov 2025"], "--issued '1 Nov 2025' is not a date (YYYY-MM-DD)."),
        (["--as", "nobody"], "There is no user 'nobody' to import as."),
    ],
)
def test_a_bad_date_or_user_is_refused_before_reading_the_file(args, message):
    base = {"--source": "ewp", "--model": "SRA 2025", "--issued": "2025-11-01"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    flat = [item for pair in base.items() for item in pair]

    with pytest.raises(CommandError, match=f"^{re.escape(message)}$"):
        run(*flat, str(data_file("ewp_good.csv")))

    assert not ForecastRelease.objects.exists()


def test_a_missing_file_is_named():
    with pytest.raises(CommandError, match="cannot be read"):
        run("--source", "ewp", "--model", "m", "--issued", "2025-11-01", "/nonexistent.csv")
