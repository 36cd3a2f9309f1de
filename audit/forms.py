from datetime import date
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from audit.models import ACTIONS, AuditEntry


class AuditFilterForm(forms.Form):
    """Action, person, object and dates; an invalid value is shown as an error and ignored."""

    action = forms.ChoiceField(label=_("Action"), required=False)
    who = forms.CharField(label=_("Who (user name)"), required=False, max_length=150)
    object_type = forms.ChoiceField(label=_("Kind of object"), required=False)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actions = sorted(
            ((code, str(label)) for code, label in ACTIONS.items()), key=lambda a: a[1]
        )
        cast(forms.ChoiceField, self.fields["action"]).choices = [("", _("any")), *actions]
        types = (
            AuditEntry.objects.exclude(object_type="")
            .order_by("object_type")
            .values_list("object_type", flat=True)
            .distinct()
        )
        cast(forms.ChoiceField, self.fields["object_type"]).choices = [
            ("", _("any")),
            *((name, name) for name in types),
        ]
        for field in self.fields.values():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs["class"] = css

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if isinstance(since, date) and isinstance(until, date) and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def apply(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        """The entries that the valid filters keep (an invalid one is left out, its error
        shown)."""
        self.is_valid()
        data = self.cleaned_data
        if data.get("action"):
            entries = entries.filter(action=data["action"])
        if data.get("who"):
            entries = entries.filter(actor_name__icontains=data["who"])
        if data.get("object_type"):
            entries = entries.filter(object_type=data["object_type"])
        if data.get("object_id"):
            entries = entries.filter(object_id=data["object_id"])
        if data.get("since"):
            entries = entries.filter(at__date__gte=data["since"])
        if data.get("until") and "until" not in self.errors:
            entries = entries.filter(at__date__lte=data["until"])
        return entries
