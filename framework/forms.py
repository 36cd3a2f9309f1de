"""The history page's filters, read from the query string."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from framework import selectors


class HistoryFilterForm(forms.Form):
    """Kind of object and user; an invalid value is shown as an error and ignored."""

    kind = forms.ChoiceField(label=_("Kind of object"), required=False)
    user = forms.ChoiceField(label=_("Changed by"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = sorted(
            (name, str(model._meta.verbose_name)) for name, model in selectors.HISTORY_KINDS.items()
        )
        cast(forms.ChoiceField, self.fields["kind"]).choices = [("", _("any")), *kinds]
        cast(forms.ChoiceField, self.fields["user"]).choices = [
            ("", _("anyone")),
            (selectors.DATA_LOAD, _("data load")),
            *((str(u.pk), u.get_full_name() or u.username) for u in selectors.history_users()),
        ]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"

    def filters(self) -> dict[str, str]:
        """The valid filters that are set (an invalid one is left out, its error shown)."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}
