"""Where an external forecast and the analysts disagree: pure (plain values in, no ORM, no
settings), so that every rule is tested exhaustively and explains itself.

Ranking: a forecast ranks countries 1 (highest risk) and up. Where the source gives a rank on
every row (the Early Warning Project's file), that rank is used. Otherwise the countries of the
period are ranked here, highest first: by predicted fatalities where the period has any (VIEWS),
else by probability. Ties share the best rank (1, 2, 2, 4); a country without the figure that
ranks is not ranked, and is never flagged.

The rules, with ``top_rank`` (FORECAST_TOP_RANK, 30) and ``low_rank`` (FORECAST_LOW_RANK, 100):

- *forecast high, analysts low*: the country ranks ``top_rank`` or higher (rank <= 30) while the
  analysts' level is ``low``. "Insufficient data" is not a low rating: it is never flagged, nor
  is a situation not assessed yet.
- *forecast low, analysts high*: the analysts' level is imminent risk or current crisis while
  the forecast ranks the country below ``low_rank`` (rank > 100).

A flag is context for the analysts and reviewers: it never changes a level.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _

from assessments import scales


class Basis(StrEnum):
    """What a rank rests on."""

    SOURCE = "source"  # the source's own rank
    PREDICTED_FATALITIES = "predicted_fatalities"
    PROBABILITY = "probability"


class Rule(StrEnum):
    FORECAST_HIGH_ANALYSTS_LOW = "forecast_high_analysts_low"
    FORECAST_LOW_ANALYSTS_HIGH = "forecast_low_analysts_high"


#: The analysts' levels that count as "low", and as the top of the scale.
LOW_LEVELS: frozenset[str] = frozenset({scales.Level.LOW})
HIGH_LEVELS: frozenset[str] = frozenset({scales.Level.IMMINENT_RISK, scales.Level.CURRENT_CRISIS})


@dataclass(frozen=True)
class Figure:
    """One country's figures in one period of a forecast."""

    country: str
    probability: float | None = None
    rank: int | None = None
    predicted_fatalities: float | None = None


@dataclass(frozen=True)
class Ranking:
    ranks: dict[str, int]
    basis: Basis | None  # None: nothing to rank by

    @property
    def count(self) -> int:
        """How many countries are ranked."""
        return len(self.ranks)

    @property
    def out_of(self) -> int | None:
        """Of how many countries a rank is, where it is known: the countries ranked here.
        A source's own rank may be of more countries than its file holds: None."""
        return None if self.basis == Basis.SOURCE else self.count

    def basis_text(self) -> str:
        return basis_text(self.basis)


def basis_text(basis: Basis | None) -> str:
    """What a rank rests on, in words."""
    if basis == Basis.SOURCE:
        return _("rank given by the source")
    if basis == Basis.PREDICTED_FATALITIES:
        return _(
            "the source gives no rank: countries ranked here by predicted fatalities, highest first"
        )
    if basis == Basis.PROBABILITY:
        return _("the source gives no rank: countries ranked here by probability, highest first")
    return _("no figure to rank countries by")


def _competition_ranks(values: dict[str, float]) -> dict[str, int]:
    """Ranks, highest value first, ties sharing the best rank (1, 2, 2, 4)."""
    ordered = sorted(values.items(), key=lambda item: (-item[1], item[0]))
    ranks: dict[str, int] = {}
    previous: float | None = None
    rank = 0
    for position, (country, value) in enumerate(ordered, start=1):
        if value != previous:
            rank, previous = position, value
        ranks[country] = rank
    return ranks


def rank_countries(figures: Iterable[Figure]) -> Ranking:
    """The rank of each country of one period of one forecast, and what it rests on."""
    figures = list(figures)
    if figures and all(f.rank is not None for f in figures):
        return Ranking({f.country: f.rank for f in figures if f.rank is not None}, Basis.SOURCE)
    fatalities = {
        f.country: f.predicted_fatalities for f in figures if f.predicted_fatalities is not None
    }
    if fatalities:
        return Ranking(_competition_ranks(fatalities), Basis.PREDICTED_FATALITIES)
    probabilities = {f.country: f.probability for f in figures if f.probability is not None}
    if probabilities:
        return Ranking(_competition_ranks(probabilities), Basis.PROBABILITY)
    return Ranking({}, None)


@dataclass(frozen=True)
class Divergence:
    """A forecast and the analysts disagree: which rule, on what figures."""

    rule: Rule
    level: str  # the analysts' level
    rank: int  # the forecast's rank of the country
    threshold: int  # the rank the rule compares with

    def reason(self) -> str:
        """Why it is flagged, in the reader's language."""
        values = {
            "rank": self.rank,
            "threshold": self.threshold,
            "level": scales.level_label(self.level),
        }
        if self.rule == Rule.FORECAST_HIGH_ANALYSTS_LOW:
            return (
                _(
                    "The forecast ranks the country at %(rank)d, within its top %(threshold)d, "
                    "while the analysts' level is %(level)s."
                )
                % values
            )
        return (
            _(
                "The analysts' level is %(level)s while the forecast ranks the country at "
                "%(rank)d, below rank %(threshold)d."
            )
            % values
        )

    def summary(self) -> str:
        """The rule in a few words."""
        if self.rule == Rule.FORECAST_HIGH_ANALYSTS_LOW:
            return _("forecast higher than the analysts")
        return _("forecast lower than the analysts")


def divergence(
    level: str | None, rank: int | None, *, top_rank: int, low_rank: int
) -> Divergence | None:
    """The divergence between the analysts' ``level`` (None: not assessed) and a forecast's
    ``rank`` of the country (None: not in the forecast, or not ranked), if any."""
    if level is None or rank is None:
        return None
    if level in LOW_LEVELS and rank <= top_rank:
        return Divergence(Rule.FORECAST_HIGH_ANALYSTS_LOW, level, rank, top_rank)
    if level in HIGH_LEVELS and rank > low_rank:
        return Divergence(Rule.FORECAST_LOW_ANALYSTS_HIGH, level, rank, low_rank)
    return None
