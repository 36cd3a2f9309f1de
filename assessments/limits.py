"""The bounds of what the app accepts, the same for a form, an imported file and the API.

A value outside them is refused with a message saying which bound it broke; none of them is
checked only by the database, so no input reaches it that would make it fail.
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

#: Assessments describe events since the Genocide Convention's time; nothing earlier.
EARLIEST_AS_OF = date(1945, 1, 1)

#: The longest a situation may go between assessments (ten years).
MAX_REVIEW_CADENCE_DAYS = 3650

#: A revision is a count of submissions: far below any integer column's limit.
MAX_REVISION = 100_000

#: The largest integer any column of the databases here can hold (64 bits, signed): a number
#: past it is no key of any row, and SQLite cannot even compare a column with it.
MAX_DATABASE_INTEGER = 2**63 - 1

#: The most sources one rating may have: as many as the form's text of them can hold (a grade,
#: a space and a letter on each line), far within the range of their ``order`` column.
MAX_SOURCES_PER_RATING = 5_000

# The longest text of each kind, in characters.
MAX_NAME = 200
MAX_CODE = 80
MAX_REGION = 200
MAX_POPULATIONS = 5_000  # the free text of populations that version 1 of the exchange carries
MAX_GROUP_NAME = 200
MAX_GROUP_DESCRIPTION = 5_000
MAX_OFFICE = MAX_NAME
MAX_NARRATIVE = 20_000
MAX_NOTE = 5_000
MAX_CITATION = 500
MAX_SOURCES = 20_000  # the sources of one rating, one per line
MAX_REASON = 4_000
MAX_COMMENT = 5_000
MAX_USERNAME = 150
# The most items of one kind an exchange file may carry per situation or assessment.
MAX_GROUPS = 200
MAX_EXCHANGED_ITEMS = 1_000


def latest_as_of(today: date | None = None) -> date:
    """The latest "as of" date accepted: today plus the margin of ``AS_OF_MAX_DAYS_AHEAD``
    (time zones, an assessment dated for the next morning's meeting)."""
    return (today or timezone.localdate()) + timedelta(days=settings.AS_OF_MAX_DAYS_AHEAD)


def as_of_problem(value: date, today: date | None = None) -> str | None:
    """Why ``value`` cannot be an assessment's date, or None when it can."""
    if value < EARLIEST_AS_OF:
        return _("The date may not be before %(earliest)s.") % {
            "earliest": EARLIEST_AS_OF.isoformat()
        }
    latest = latest_as_of(today)
    if value > latest:
        return _("The date may not be after %(latest)s.") % {"latest": latest.isoformat()}
    return None


def validate_as_of(value: date) -> None:
    """A form field's validator for an assessment's date."""
    problem = as_of_problem(value)
    if problem:
        raise ValidationError(problem, code="as_of_out_of_range")


def add_days(start: date, days: int) -> date:
    """``start + days``, or the last date there is when that lies beyond it: a due date far
    in the future is never due, it does not crash the page that shows it."""
    try:
        return start + timedelta(days=days)
    except OverflowError:
        return date.max
