"""Forms for situations and assessments. They validate and say exactly what is wrong;
the services do the writing."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.roles import ANALYSTS
from assessments import limits, scales
from assessments.groups import may_name_groups
from assessments.models import (
    ActionSource,
    Assessment,
    Comment,
    EvidenceSource,
    GroupKind,
    IndicatorRating,
    NotificationKind,
    ProtectedGroup,
    Situation,
)
from assessments.services import GroupInput
from assessments.widgets import QuickSelect, QuickTextarea
from assessments.workflow import Answer, RatingInput
from framework.models import Indicator, RiskFactor

SOURCE_HELP = gettext_lazy(
    "One source per line, starting with its reliability grade A-F "
    "(A completely reliable, B usually, C fairly, D not usually, E unreliable, F cannot be "
    "judged), e.g. “B UN OHCHR press briefing, 3 May 2026”."
)


class UsersField(forms.ModelMultipleChoiceField):
    """Users chosen by primary key. A number past any integer column is refused as a choice
    that does not exist before it is looked up: on SQLite the lookup itself would fail (Django's
    ``pk__in`` query raises OverflowError there)."""

    def clean(self, value: Any) -> Any:
        for pk in value if isinstance(value, list | tuple) else ():
            try:
                number = int(str(pk))
            except ValueError:
                continue  # not a number at all: refused by the field as not a valid value
            if abs(number) > limits.MAX_DATABASE_INTEGER:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super().clean(value)


class SituationForm(forms.ModelForm):
    analysts = UsersField(
        queryset=get_user_model().objects.filter(groups__name=ANALYSTS).order_by("username"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Assigned analysts"),
    )

    class Meta:
        model = Situation
        fields = [
            "name",
            "code",
            "country",
            "region",
            "review_cadence_days",
            "confidentiality",
            "analysts",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True


class GroupForm(forms.Form):
    """A group at risk: new, or one of the situation's to change."""

    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=limits.MAX_GROUP_NAME,
        help_text=gettext_lazy(
            "If a group of this name and kind exists, the situation is linked to it."
        ),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=GroupKind.choices,
        initial=GroupKind.UNCLASSIFIED,
        help_text=gettext_lazy(
            "National, ethnical, racial and religious groups are those the Genocide "
            "Convention protects; other populations at risk are not protected as such."
        ),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=limits.MAX_GROUP_DESCRIPTION,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def group_input(self) -> GroupInput:
        data = self.cleaned_data
        return GroupInput(name=data["name"], kind=data["kind"], description=data["description"])


class GroupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class LinkGroupForm(forms.Form):
    """Link a group already at risk in another situation the user may see."""

    group = GroupChoiceField(
        label=gettext_lazy("Group"),
        queryset=ProtectedGroup.objects.none(),
        empty_label=None,
    )

    def __init__(self, *args: Any, groups: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["group"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = groups


class StartAssessmentForm(forms.Form):
    as_of = forms.DateField(
        label=gettext_lazy("As of"),
        widget=forms.DateInput(attrs={"type": "date", "min": limits.EARLIEST_AS_OF.isoformat()}),
        validators=[limits.validate_as_of],
    )
    posture = forms.ChoiceField(
        label=gettext_lazy("The State's protection posture"),
        choices=scales.POSTURE_CHOICES,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("Is the State willing and able to protect its population?"),
    )
    narrative = forms.CharField(
        label=gettext_lazy("Narrative"),
        required=False,
        max_length=limits.MAX_NARRATIVE,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    copy_previous = forms.BooleanField(
        label=gettext_lazy("Start from the ratings of the previous assessment"),
        required=False,
        initial=True,
    )


def parse_sources(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Read "B citation" lines; return the sources and a message per bad line."""
    sources: list[tuple[str, str]] = []
    errors: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        grade, _sep, citation = line.partition(" ")
        grade = grade.rstrip(":").upper()
        citation = citation.strip()
        if grade not in EvidenceSource.Reliability.values:
            errors.append(
                _("line %(number)d: start with a reliability grade A-F, then the source")
                % {"number": number}
            )
        elif not citation:
            errors.append(
                _("line %(number)d: name the source after the grade %(grade)s")
                % {"number": number, "grade": grade}
            )
        elif len(citation) > 500:
            errors.append(
                _("line %(number)d: a source may have at most 500 characters") % {"number": number}
            )
        else:
            sources.append((grade, citation))
    return sources, errors


def format_sources(sources: Iterable[EvidenceSource | ActionSource]) -> str:
    return "\n".join(f"{s.reliability} {s.citation}" for s in sources)


RATED_PARTS = ("severity", "trend", "confidence")


@dataclass
class IndicatorRow:
    indicator: Indicator
    severity: forms.BoundField
    trend: forms.BoundField
    confidence: forms.BoundField
    note: forms.BoundField
    sources: forms.BoundField
    # The rating of the assessment this one was started from, when there is one.
    previous: IndicatorRating | None = None
    has_previous: bool = False
    # The situation's groups this rating may name: only for the genocide factors (RF9, RF10).
    groups: forms.BoundField | None = None

    @property
    def errors(self) -> list[str]:
        fields = (self.severity, self.trend, self.note, self.sources)
        extra = (self.groups,) if self.groups is not None else ()
        return [str(error) for field in (*fields, *extra) for error in field.errors]

    @property
    def rated(self) -> bool:
        return str(self.severity.value()) != scales.Severity.NOT_ASSESSED

    def previous_values(self) -> dict[str, str]:
        """The earlier assessment's severity, trend and confidence (defaults if unrated)."""
        rating = self.previous
        return {
            "severity": rating.severity if rating else scales.Severity.NOT_ASSESSED,
            "trend": rating.trend if rating else scales.Trend.STABLE,
            "confidence": rating.confidence if rating else scales.Confidence.MEDIUM,
        }

    def previous_text(self) -> str:
        """What the earlier assessment said of this indicator, in words."""
        if self.previous is None:
            return _("Previously: not assessed.")
        return _("Previously: %(severity)s, %(trend)s, %(confidence)s confidence.") % {
            "severity": scales.severity_label(self.previous.severity),
            "trend": scales.trend_label(self.previous.trend),
            "confidence": scales.confidence_label(self.previous.confidence),
        }

    @property
    def changed(self) -> bool:
        """Rated differently from the earlier assessment (only when there is one)."""
        if not self.has_previous:
            return False
        before = self.previous_values()
        return any(str(getattr(self, part).value()) != before[part] for part in RATED_PARTS)


@dataclass
class FactorGroup:
    factor: RiskFactor
    rows: list[IndicatorRow]
    # The neighbouring factors, for the form's "previous" and "next" buttons.
    before: RiskFactor | None = None
    after: RiskFactor | None = None

    @property
    def rated_count(self) -> int:
        return sum(row.rated for row in self.rows)

    @property
    def has_errors(self) -> bool:
        return any(row.errors for row in self.rows)


class AssessmentForm(forms.Form):
    """The assessment header and one set of rating fields per indicator."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput)
    as_of = StartAssessmentForm.base_fields["as_of"]
    posture = StartAssessmentForm.base_fields["posture"]
    narrative = StartAssessmentForm.base_fields["narrative"]

    def __init__(
        self,
        *args: Any,
        factors: list[RiskFactor],
        ratings: dict[int, IndicatorRating],
        previous: dict[int, IndicatorRating] | None = None,
        situation_groups: Sequence[ProtectedGroup] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.factors = factors
        # The ratings of the assessment this one was started from; None when it was not.
        self.previous = previous
        self.situation_groups = list(situation_groups)
        self.indicator_ids: list[int] = []
        for factor in factors:
            for indicator in factor.form_indicators:  # type: ignore[attr-defined]  # prefetched by the view
                self._add_indicator(indicator, ratings.get(indicator.pk))
                if self.situation_groups and may_name_groups(factor.number):
                    self._add_groups(indicator, ratings.get(indicator.pk))

    def _add_groups(self, indicator: Indicator, rating: IndicatorRating | None) -> None:
        """Which of the situation's groups the rating concerns (RF9 and RF10 only)."""
        self.fields[f"i{indicator.pk}_groups"] = forms.TypedMultipleChoiceField(
            label=_("Groups concerned by %(code)s") % {"code": indicator.code},
            coerce=int,
            required=False,
            choices=[
                (group.pk, f"{group.name} ({group.get_kind_display()})")
                for group in self.situation_groups
            ],
            initial=[group.pk for group in rating.groups.all()] if rating else [],
            widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        )

    def _add_indicator(self, indicator: Indicator, rating: IndicatorRating | None) -> None:
        prefix = f"i{indicator.pk}"
        self.indicator_ids.append(indicator.pk)
        code = indicator.code
        self.fields[f"{prefix}_severity"] = forms.ChoiceField(
            label=_("Severity of %(code)s") % {"code": code},
            choices=scales.SEVERITY_CHOICES,
            initial=rating.severity if rating else scales.Severity.NOT_ASSESSED,
            widget=QuickSelect(attrs={"class": "form-select form-select-sm"}),
        )
        self.fields[f"{prefix}_trend"] = forms.ChoiceField(
            label=_("Trend of %(code)s") % {"code": code},
            choices=scales.TREND_CHOICES,
            initial=rating.trend if rating else scales.Trend.STABLE,
            widget=QuickSelect(attrs={"class": "form-select form-select-sm"}),
        )
        self.fields[f"{prefix}_confidence"] = forms.ChoiceField(
            label=_("Confidence in %(code)s") % {"code": code},
            choices=scales.CONFIDENCE_CHOICES,
            initial=rating.confidence if rating else scales.Confidence.MEDIUM,
            widget=QuickSelect(attrs={"class": "form-select form-select-sm"}),
        )
        self.fields[f"{prefix}_note"] = forms.CharField(
            label=_("Evidence note for %(code)s") % {"code": code},
            required=False,
            max_length=limits.MAX_NOTE,
            initial=rating.note if rating else "",
            widget=QuickTextarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
        )
        self.fields[f"{prefix}_sources"] = forms.CharField(
            label=_("Sources for %(code)s") % {"code": code},
            required=False,
            max_length=limits.MAX_SOURCES,
            initial=format_sources(rating.sources.all()) if rating else "",
            widget=QuickTextarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
        )
        # Each widget's accessible name says which indicator it rates ("Severity of 7.5");
        # the page shows only the short column label beside it.
        for part in ("severity", "trend", "confidence", "note", "sources"):
            field = self.fields[f"{prefix}_{part}"]
            field.widget.attrs["aria-label"] = str(field.label)
        # The grades are explained once, above the factors, not beside each of 126 fields.
        self.fields[f"{prefix}_sources"].widget.attrs["aria-describedby"] = "source-help"

    source_help = SOURCE_HELP

    def groups(self) -> list[FactorGroup]:
        groups = [
            FactorGroup(
                factor,
                [
                    IndicatorRow(
                        indicator,
                        severity=self[f"i{indicator.pk}_severity"],
                        trend=self[f"i{indicator.pk}_trend"],
                        confidence=self[f"i{indicator.pk}_confidence"],
                        note=self[f"i{indicator.pk}_note"],
                        sources=self[f"i{indicator.pk}_sources"],
                        previous=self.previous.get(indicator.pk) if self.previous else None,
                        has_previous=self.previous is not None,
                        groups=(
                            self[f"i{indicator.pk}_groups"]
                            if f"i{indicator.pk}_groups" in self.fields
                            else None
                        ),
                    )
                    for indicator in factor.form_indicators  # type: ignore[attr-defined]  # prefetched by the view
                ],
            )
            for factor in self.factors
        ]
        for before, after in pairwise(groups):
            before.after, after.before = after.factor, before.factor
        return groups

    def error_summary(self) -> list[tuple[str, str, str]]:
        """(field id, field label, message) for every error, to link from the summary."""
        rows = []
        for name, errors in self.errors.items():
            field = self[name] if name in self.fields else None
            for error in errors:
                rows.append(
                    (field.id_for_label, str(field.label), str(error))
                    if field
                    else ("", "", str(error))
                )
        return rows

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        self.rating_inputs: dict[int, RatingInput] = {}
        for pk in self.indicator_ids:
            prefix = f"i{pk}"
            text = cleaned.get(f"{prefix}_sources", "") or ""
            sources, errors = parse_sources(str(text))
            for message in errors:
                self.add_error(f"{prefix}_sources", message)
            severity = cleaned.get(f"{prefix}_severity")
            if severity is None:
                continue
            note = str(cleaned.get(f"{prefix}_note", "") or "")
            if severity in ("moderate", "high") and not note.strip() and not sources:
                self.add_error(
                    f"{prefix}_note",
                    _("A moderate or high severity needs evidence: a note or a source."),
                )
            self.rating_inputs[pk] = RatingInput(
                severity=str(severity),
                trend=str(cleaned.get(f"{prefix}_trend") or "stable"),
                confidence=str(cleaned.get(f"{prefix}_confidence") or "medium"),
                note=note,
                sources=tuple(sources),
                groups=tuple(cleaned.get(f"{prefix}_groups") or ()),
            )
        return cleaned


UNDECIDED = "undecided"
ACCEPT = "accept"
DISMISS = "dismiss"


@dataclass(frozen=True)
class Recommended:
    """One recommended tool as the decisions form offers it."""

    entry: str  # the pillar-tool code
    tool_name: str
    answered: bool | None  # accepted (True), dismissed (False), or not answered yet (None)
    reason: str = ""


class RecommendationDecisionsForm(forms.Form):
    """Accept, dismiss or leave undecided every recommended tool of an assessment at once.
    A dismissal needs a reason; an acceptance may give one. A tool answered before can be
    answered again, not returned to undecided."""

    def __init__(self, *args: Any, recommended: Sequence[Recommended], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recommended = list(recommended)
        for rec in self.recommended:
            choices = [(ACCEPT, gettext_lazy("Accept")), (DISMISS, gettext_lazy("Dismiss"))]
            if rec.answered is None:
                choices.insert(0, (UNDECIDED, gettext_lazy("Undecided")))
            initial = {True: ACCEPT, False: DISMISS, None: UNDECIDED}[rec.answered]
            self.fields[f"decision-{rec.entry}"] = forms.ChoiceField(
                label=_("Decision on %(tool)s") % {"tool": rec.tool_name},
                choices=choices,
                initial=initial,
                required=False,  # left out: as it was
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )
            self.fields[f"reason-{rec.entry}"] = forms.CharField(
                label=_("Reason for the decision on %(tool)s") % {"tool": rec.tool_name},
                required=False,
                max_length=limits.MAX_REASON,
                initial=rec.reason,
                widget=forms.Textarea(attrs={"rows": 1, "class": "form-control form-control-sm"}),
            )

    def rows(self) -> list[tuple[Recommended, forms.BoundField, forms.BoundField]]:
        """Each recommended tool with its decision and reason fields, for the page."""
        return [
            (rec, self[f"decision-{rec.entry}"], self[f"reason-{rec.entry}"])
            for rec in self.recommended
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for rec in self.recommended:
            decision = cleaned.get(f"decision-{rec.entry}")
            reason = (cleaned.get(f"reason-{rec.entry}") or "").strip()
            if decision == DISMISS and not reason:
                name = f"reason-{rec.entry}"
                self.add_error(
                    name, _("Give a reason for dismissing %(tool)s.") % {"tool": rec.tool_name}
                )
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"id_{name}-error"}
                )
        return cleaned

    def answers(self) -> dict[str, Answer]:
        """The decided tools' answers (undecided ones left out), once the form is valid."""
        found = {}
        for rec in self.recommended:
            decision = self.cleaned_data[f"decision-{rec.entry}"]
            if decision not in (UNDECIDED, ""):
                found[rec.entry] = Answer(
                    accepted=decision == ACCEPT,
                    reason=self.cleaned_data[f"reason-{rec.entry}"].strip(),
                )
        return found


class DecisionForm(forms.Form):
    """A reviewer's decision on an escalation summary, bound to the content they read."""

    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("approve", gettext_lazy("Approve the escalation")),
            ("reject", gettext_lazy("Reject it and return the assessment to the analyst")),
        ],
        widget=forms.RadioSelect,
    )
    level = forms.ChoiceField(
        label=gettext_lazy("Escalate to"),
        choices=scales.ESCALATION_CHOICES,
        help_text=gettext_lazy("The proposed level is preselected; a change needs a reason."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=limits.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required to reject, or to change the proposed level."),
    )
    content_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(
        self,
        *args: Any,
        proposed: str,
        dissents: int = 0,
        first_review: tuple[bool, str] | None = None,
        **kwargs: Any,
    ) -> None:
        """``first_review``: the first reviewer's (approved, level), for a second review."""
        super().__init__(*args, **kwargs)
        self.proposed = proposed
        self.first_review = first_review
        self.fields["level"].initial = first_review[1] if first_review else proposed
        self.dissents = dissents
        if dissents:
            self.fields["dissents_read"] = forms.BooleanField(
                label=ngettext(
                    "I have read the dissent shown above.",
                    "I have read the %(count)d dissents shown above.",
                    dissents,
                )
                % {"count": dissents},
                required=False,
            )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        reason = str(cleaned.get("reason", "")).strip()
        if cleaned.get("decision") == "reject" and not reason:
            self.add_error("reason", _("Give the analyst a reason for rejecting the escalation."))
        if (
            cleaned.get("decision") == "approve"
            and cleaned.get("level") not in (None, self.proposed)
            and not reason
        ):
            self.add_error("reason", _("Give a reason for changing the proposed escalation."))
        decision = cleaned.get("decision")
        if self.first_review is not None and decision in ("approve", "reject") and not reason:
            approve = decision == "approve"
            level = cleaned.get("level") if approve else self.proposed
            if (approve, level) != self.first_review:
                self.add_error(
                    "reason", _("Give a reason for deciding otherwise than the first reviewer.")
                )
        if (
            self.dissents
            and cleaned.get("decision") == "approve"
            and not cleaned.get("dissents_read")
        ):
            self.add_error(
                "dissents_read", _("Read the dissents before approving over them, and say so.")
            )
        return cleaned


def assessment_choice_label(assessment: Assessment) -> str:
    author = assessment.author.get_full_name() or assessment.author.get_username()
    return _("%(date)s · %(status)s · %(author)s") % {
        "date": assessment.as_of.isoformat(),
        "status": assessment.get_status_display(),
        "author": author,
    }


class CommentForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Comment"),
        max_length=Comment.MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Seen by the reviewers and the situation's analysts, who are told of it. "
            "A comment changes nothing in the workflow."
        ),
    )

    def clean_body(self) -> str:
        body = str(self.cleaned_data["body"]).strip()
        if not body:
            raise forms.ValidationError(_("Write a comment first."))
        return body


class CompareForm(forms.Form):
    """Two assessments of one situation to compare (read from the query string)."""

    a = forms.TypedChoiceField(label=gettext_lazy("Earlier assessment"), coerce=int)
    b = forms.TypedChoiceField(label=gettext_lazy("Later assessment"), coerce=int)

    def __init__(self, *args: Any, assessments: Iterable[Assessment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(a.pk, assessment_choice_label(a)) for a in assessments]
        for name in ("a", "b"):
            field = self.fields[name]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = choices


class EmailSettingsForm(forms.Form):
    """Which kinds of notification also come by email (all of them unless turned off)."""

    wanted = forms.MultipleChoiceField(
        label=gettext_lazy("Send me an email when"),
        choices=NotificationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("In-app notifications come whatever you choose here."),
    )


class DissentForm(forms.Form):
    """A dissent: the level the user would give per crime (any they have a view on), and why."""

    target = forms.ChoiceField(
        label=gettext_lazy("You dissent from"),
        choices=[
            ("assessment", gettext_lazy("the assessment")),
            ("decision", gettext_lazy("the reviewer's decision")),
        ],
        initial="assessment",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Why"),
        max_length=limits.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Shown beside the decision, in the summary and its exports. "
            "A dissent changes nothing in the workflow."
        ),
    )

    def __init__(self, *args: Any, crimes: Mapping[str, str], decided: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not decided:
            del self.fields["target"]
        self.crime_fields: list[str] = []
        for code, name in crimes.items():
            key = f"level-{code}"
            self.fields[key] = forms.ChoiceField(
                label=_("Level you would give: %(crime)s") % {"crime": name},
                choices=[("", _("no view")), *scales.LEVEL_CHOICES],
                required=False,
            )
            self.crime_fields.append(key)
        self.order_fields([*self.crime_fields, "target", "reason"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(cleaned.get(key) for key in self.crime_fields):
            self.add_error(None, _("Give the level you would give for at least one crime."))
        reason = str(cleaned.get("reason") or "").strip()
        if "reason" in cleaned and not reason:
            self.add_error("reason", _("Say why you dissent."))
        return cleaned

    @property
    def levels(self) -> dict[str, str]:
        return {
            key.removeprefix("level-"): str(self.cleaned_data.get(key) or "")
            for key in self.crime_fields
        }

    @property
    def on_decision(self) -> bool:
        return self.cleaned_data.get("target") == "decision"
