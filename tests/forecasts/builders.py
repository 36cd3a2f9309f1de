"""Forecast files and releases for the tests: the files of ``tests/data/forecasts/`` and small
releases written as text, imported through the real service."""

from datetime import date
from pathlib import Path

from django_countries import countries

from forecasts.models import ForecastRelease
from forecasts.services import import_forecasts

DATA = Path(__file__).resolve().parents[1] / "data" / "forecasts"
ISSUED = date(2025, 11, 1)


def data_file(name: str) -> Path:
    return DATA / name


def import_data_file(name: str, source: str, *, model: str = "test model", **kw: object):
    with data_file(name).open("rb") as handle:
        return import_forecasts(
            handle, source=source, model=model, issued=kw.pop("issued", ISSUED), **kw
        )


def ewp_release(
    ranks: dict[str, int], *, year: int = 2025, issued: date = ISSUED, model: str = "SRA test"
) -> ForecastRelease:
    """An EWP release ranking each country as given (probabilities follow the ranks)."""
    lines = ["country,year,probability,rank"]
    lines += [f"{country},{year},{1 / (rank + 1):.6f},{rank}" for country, rank in ranks.items()]
    result = import_forecasts("\n".join(lines), source="ewp", model=model, issued=issued)
    assert result.release is not None, result.errors
    return result.release


def views_release(
    fatalities: dict[str, float],
    *,
    month: str = "2025-12",
    issued: date = ISSUED,
    model: str = "fatalities test",
) -> ForecastRelease:
    """A VIEWS release of one month with each country's predicted fatalities."""
    lines = ["country,month,predicted_fatalities"]
    lines += [f"{country},{month},{value}" for country, value in fatalities.items()]
    result = import_forecasts("\n".join(lines), source="views", model=model, issued=issued)
    assert result.release is not None, result.errors
    return result.release


def filler_countries(count: int, *, skip: set[str] = frozenset()) -> list[str]:
    """``count`` ISO codes of real countries, none of ``skip``, in a stable order."""
    codes = [code for code, _name in countries if code not in skip]
    return codes[:count]
