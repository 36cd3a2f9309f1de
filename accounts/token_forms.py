"""The form of a new personal API token: its name, what it may do, and the day it expires."""

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import tokens
from accounts.models import ApiToken

#: Days from today: the expiry offered, and the latest one allowed (a whole number of days
#: within the services' MAX_LIFETIME, counted from the start of the expiry day).
DEFAULT_DAYS = tokens.DEFAULT_LIFETIME.days
MAX_DAYS = tokens.MAX_LIFETIME.days


def default_expiry() -> date:
    return timezone.localdate() + timedelta(days=DEFAULT_DAYS)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the token is for, so that you know it again in the list."),
        error_messages={
            "required": gettext_lazy("Give the token a name."),
            "max_length": gettext_lazy(
                "A name has at most %(limit_value)d characters (this one has %(show_value)d)."
            ),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("The token may"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Read only: it may only read. Read and write: it may also change what your account "
            "may change."
        ),
        error_messages={
            "required": gettext_lazy("Choose what the token may do: read only, or read and write."),
            "invalid_choice": gettext_lazy(
                "Choose what the token may do: read only, or read and write."
            ),
        },
    )
    expires = forms.DateField(
        label=gettext_lazy("Expires on"),
        initial=default_expiry,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("Give the day the token expires."),
            "invalid": gettext_lazy("Give the expiry as a date, year-month-day (2027-03-31)."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        expires = self.fields["expires"]
        expires.widget.attrs.update(
            min=(today + timedelta(days=1)).isoformat(),
            max=(today + timedelta(days=MAX_DAYS)).isoformat(),
        )
        expires.help_text = _(
            "The token stops working at the start of that day (00:00, %(zone)s): tomorrow at "
            "the earliest, at most %(days)d days from today."
        ) % {"zone": timezone.get_current_timezone_name(), "days": MAX_DAYS}

    def clean_expires(self) -> date:
        expires: date = self.cleaned_data["expires"]
        today = timezone.localdate()
        if expires <= today:
            raise forms.ValidationError(
                _("The expiry must be in the future: tomorrow at the earliest."),
                code="not_future",
            )
        latest = today + timedelta(days=MAX_DAYS)
        if expires > latest:
            raise forms.ValidationError(
                _("A token lives at most %(days)d days: choose %(latest)s or earlier.")
                % {"days": MAX_DAYS, "latest": latest.isoformat()},
                code="too_far",
            )
        return expires

    def expires_at(self) -> datetime:
        """The moment the token stops working: the start of its expiry day, local time."""
        return timezone.make_aware(datetime.combine(self.cleaned_data["expires"], time.min))
