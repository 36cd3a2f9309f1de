"""The form of a release: to whom, and at which lower confidentiality."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from assessments.models import Situation, SummaryRelease
from assessments.release import release_choices


class ReleaseForm(forms.Form):
    recipient = forms.CharField(
        label=gettext_lazy("Released to"),
        max_length=SummaryRelease.MAX_RECIPIENT,
        help_text=gettext_lazy("The partner it is for: an office, an organisation, a mission."),
        error_messages={"required": gettext_lazy("Say whom the release is for.")},
    )
    confidentiality = forms.ChoiceField(
        label=gettext_lazy("Confidentiality of the release"),
        help_text=gettext_lazy("Lower than the situation's: the marking every page carries."),
        error_messages={
            "required": gettext_lazy("Choose a confidentiality lower than the situation's."),
            "invalid_choice": gettext_lazy("Choose a confidentiality lower than the situation's."),
        },
    )

    def __init__(self, *args: Any, situation: Situation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["confidentiality"]
        assert isinstance(field, forms.ChoiceField)  # nosec B101
        field.choices = [("", gettext_lazy("(choose)")), *release_choices(situation)]
