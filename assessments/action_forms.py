"""The form of a response action: who owns it, by when, how far it got and with what effect."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from assessments import limits
from assessments.forms import SOURCE_HELP, format_sources, parse_sources
from assessments.models import ResponseAction
from assessments.response import ActionUpdate, check_update, owner_choices


class OwnerField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


class ActionForm(forms.Form):
    owner = OwnerField(
        label=gettext_lazy("Owner"),
        queryset=ResponseAction.objects.none(),
        required=False,
        empty_label=gettext_lazy("(no one: an office, or not yet known)"),
        help_text=gettext_lazy("One of the situation's analysts or a reviewer."),
    )
    office = forms.CharField(
        label=gettext_lazy("Or an owning office"),
        required=False,
        max_length=limits.MAX_NAME,
        help_text=gettext_lazy("For example the Office of the Special Adviser, or a desk."),
    )
    due_on = forms.DateField(
        label=gettext_lazy("Due"), widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=ResponseAction.Status.choices)
    dropped_reason = forms.CharField(
        label=gettext_lazy("Why it was dropped"),
        required=False,
        max_length=limits.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Required when the action is dropped."),
    )
    done_on = forms.DateField(
        label=gettext_lazy("Done on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Required when the action is done."),
    )
    effect = forms.ChoiceField(
        label=gettext_lazy("Observed effect"),
        required=False,
        choices=[("", gettext_lazy("(not yet observed)")), *ResponseAction.Effect.choices],
        help_text=gettext_lazy("Required when the action is done."),
    )
    effect_note = forms.CharField(
        label=gettext_lazy("Note on the effect"),
        required=False,
        max_length=limits.MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    sources = forms.CharField(
        label=gettext_lazy("Sources for the effect"),
        required=False,
        max_length=limits.MAX_SOURCES,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=SOURCE_HELP,
    )

    def __init__(self, *args: Any, action: ResponseAction, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "owner": action.owner_id,
                "office": action.office,
                "due_on": action.due_on,
                "status": action.status,
                "dropped_reason": action.dropped_reason,
                "done_on": action.done_on,
                "effect": action.effect,
                "effect_note": action.effect_note,
                "sources": format_sources(action.sources.all()),
            },
        )
        super().__init__(*args, **kwargs)
        self.action = action
        owner_field = self.fields["owner"]
        assert isinstance(owner_field, OwnerField)  # nosec B101
        owner_field.queryset = owner_choices(action.situation)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        sources, problems = parse_sources(str(cleaned.get("sources") or ""))
        for problem in problems:
            self.add_error("sources", problem)
        if self.errors or "due_on" not in cleaned:
            return cleaned
        update = self._update(cleaned, sources)
        for field, messages in check_update(update, today=timezone.localdate()).items():
            for message in messages:
                self.add_error(None if field == "__all__" else field, message)
        cleaned["update"] = update
        return cleaned

    @staticmethod
    def _update(cleaned: dict[str, Any], sources: list[tuple[str, str]]) -> ActionUpdate:
        return ActionUpdate(
            owner=cleaned.get("owner"),
            office=str(cleaned.get("office") or ""),
            due_on=cleaned["due_on"],
            status=str(cleaned.get("status") or ""),
            done_on=cleaned.get("done_on"),
            dropped_reason=str(cleaned.get("dropped_reason") or ""),
            effect=str(cleaned.get("effect") or ""),
            effect_note=str(cleaned.get("effect_note") or ""),
            sources=sources,
        )

    @property
    def update(self) -> ActionUpdate:
        update = self.cleaned_data["update"]
        assert isinstance(update, ActionUpdate)  # nosec B101
        return update
