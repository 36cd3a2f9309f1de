"""Forms for situations and assessments. They validate and say exactly what is wrong;
the services do the writing."""

import dataclasses
import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.safestring import SafeData, SafeString
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
from framework import i18n
from framework.cache import FrameworkStructure
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


def _choices(pairs: Iterable[tuple[str, Any]]) -> list[tuple[str, str]]:
    """Choices with their labels in the active language, translated once."""
    return [(value, str(label)) for value, label in pairs]


def rating_fields(indicator: Indicator) -> dict[str, forms.Field]:
    """The five fields that rate ``indicator`` (by part: severity, trend, confidence, note,
    sources), labelled in the active language, without initial values: the form gives them."""
    code = indicator.code
    fields: dict[str, forms.Field] = {
        "severity": forms.ChoiceField(
            label=_("Severity of %(code)s") % {"code": code},
            choices=_choices(scales.SEVERITY_CHOICES),
            widget=QuickSelect(attrs={"class": "form-select form-select-sm"}),
        ),
        "trend": forms.ChoiceField(
            label=_("Trend of %(code)s") % {"code": code},
            choices=_choices(scales.TREND_CHOICES),
            widget=QuickSelect(attrs={"class": "form-select form-select-sm"}),
        ),
        "confidence": forms.ChoiceField(
            label=_("Confidence in %(code)s") % {"code": code},
            choices=_choices(scales.CONFIDENCE_CHOICES),
            widget=QuickSelect(attrs={"class": "form-select form-select-sm"}),
        ),
        "note": forms.CharField(
            label=_("Evidence note for %(code)s") % {"code": code},
            required=False,
            max_length=limits.MAX_NOTE,
            widget=QuickTextarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
        ),
        "sources": forms.CharField(
            label=_("Sources for %(code)s") % {"code": code},
            required=False,
            max_length=limits.MAX_SOURCES,
            widget=QuickTextarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
        ),
    }
    # Each widget's accessible name says which indicator it rates ("Severity of 7.5");
    # the page shows only the short column label beside it.
    for field in fields.values():
        field.widget.attrs["aria-label"] = str(field.label)
    # The grades are explained once, above the factors, not beside each of 126 fields.
    fields["sources"].widget.attrs["aria-describedby"] = "source-help"
    return fields


def every_rating_field(structure: FrameworkStructure) -> dict[int, dict[str, forms.Field]]:
    """:func:`rating_fields` of every indicator, by id: made once per language and kept with
    the structure (``framework.cache``); the forms share them (see ``AssessmentForm``)."""
    return {
        indicator.pk: rating_fields(indicator)
        for indicators in structure.indicators.values()
        for indicator in indicators
    }


def indicator_labels(structure: FrameworkStructure) -> dict[int, SafeString]:
    """Every indicator's label in the active language, with its marks, by id: what the
    rating form shows (kept per language with the structure, ``framework.cache``)."""
    return {
        indicator.pk: i18n.marked(i18n.localized(indicator, "label"))
        for indicators in structure.indicators.values()
        for indicator in indicators
    }


#: A rating row's controls: the part, its column's classes, and the short label shown above it
#: (its accessible name, "Severity of 7.5", is the field's label).
ROW_CONTROLS = (
    ("severity", "col-4 col-lg-2", gettext_lazy("Severity")),
    ("trend", "col-4 col-lg-2", gettext_lazy("Trend")),
    ("confidence", "col-4 col-lg-2", gettext_lazy("Confidence")),
    ("note", "col-sm-6 col-lg-3", gettext_lazy("Evidence note")),
    ("sources", "col-sm-6 col-lg-3", gettext_lazy("Sources")),
)


def _escape(text: object) -> str:
    """``text`` escaped for HTML as Django's ``escape`` does it (an HTML-safe string as is)."""
    if isinstance(text, SafeData):
        return str(text)
    return html.escape(str(text), quote=True)


def control_html(bound: forms.BoundField, short: str) -> str:
    """One control of a rating row as HTML: its short visible label, the widget, and its
    errors, each linked to the widget by ``aria-describedby`` (after any description it
    already has). Every part is escaped."""
    errors = bound.errors
    label_for = _escape(bound.id_for_label)
    attrs: dict[str, str | bool] | None = None
    if errors:
        error_id = f"{bound.id_for_label}-error"
        described = bound.field.widget.attrs.get("aria-describedby")
        attrs = {"aria-describedby": f"{described} {error_id}" if described else error_id}
    messages = "".join(
        f'<div class="invalid-feedback d-block" id="{label_for}-error">{_escape(error)}</div>'
        for error in errors
    )
    invalid = ' class="is-invalid"' if errors else ""
    widget = bound.field.widget
    if not errors and not bound.field.disabled and isinstance(widget, QuickSelect | QuickTextarea):
        # The rating controls: nothing to add to the widget's own attributes but its id
        # (their choices start with a value, so no "required" either); from the kept tag.
        control = widget.render_plain(bound.html_name, bound.value(), bound.auto_id)
    else:
        control = bound.as_widget(attrs=attrs)
    return (
        f'<label class="form-label small mb-0" for="{label_for}">{_escape(short)}</label>\n'
        f"<div{invalid}>{control}</div>\n"
        f"{messages}\n"
    )


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
    # The indicator's label in the reader's language, with its marks (``framework.i18n``).
    label: SafeString | None = None
    # What the earlier ratings said, by (severity, trend, confidence): shared by the rows.
    said_before: dict[tuple[str, str, str], str] = dataclasses.field(
        default_factory=dict, repr=False
    )
    # The words every row repeats (made once per page by the form).
    words: "RowWords | None" = dataclasses.field(default=None, repr=False)

    @cached_property
    def errors(self) -> list[str]:
        fields = (self.severity, self.trend, self.note, self.sources)
        extra = (self.groups,) if self.groups is not None else ()
        return [str(error) for field in (*fields, *extra) for error in field.errors]

    @cached_property
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
        key = (self.previous.severity, self.previous.trend, self.previous.confidence)
        if key not in self.said_before:
            self.said_before[key] = _(
                "Previously: %(severity)s, %(trend)s, %(confidence)s confidence."
            ) % {
                "severity": scales.severity_label(self.previous.severity),
                "trend": scales.trend_label(self.previous.trend),
                "confidence": scales.confidence_label(self.previous.confidence),
            }
        return self.said_before[key]

    @cached_property
    def changed(self) -> bool:
        """Rated differently from the earlier assessment (only when there is one)."""
        if not self.has_previous:
            return False
        before = self.previous_values()
        return any(str(getattr(self, part).value()) != before[part] for part in RATED_PARTS)

    def html(self) -> SafeString:
        """The row as the rating form shows it: the indicator, what the earlier assessment
        said, the five controls and, for the genocide factors, the groups it concerns.

        Written here rather than by a template per control: 630 template renders were most
        of the page's time. The markup is the one the template wrote; every text is escaped.
        """
        words = self.words or RowWords.make()
        indicator = self.indicator
        pk = indicator.pk
        previous_attrs = previous_line = ""
        if self.has_previous:
            values = self.previous_values()
            changed = self.changed
            hidden = "" if changed else " hidden"
            previous_attrs = (
                f' data-changed="{int(changed)}"'
                f' data-previous-severity="{_escape(values["severity"])}"'
                f' data-previous-trend="{_escape(values["trend"])}"'
                f' data-previous-confidence="{_escape(values["confidence"])}"'
            )
            previous_line = (
                f'<p class="small text-body-secondary mb-1">{_escape(self.previous_text())} '
                f'<span class="badge text-bg-warning" data-changed-mark{hidden}>'
                f"{words.changed}</span></p>"
            )
        label = (
            self.label
            if self.label is not None
            else i18n.marked(i18n.localized(indicator, "label"))
        )
        retired = (
            ""
            if indicator.is_active
            else f' <span class="badge text-bg-secondary">{words.retired}</span>'
        )
        controls = "\n".join(
            f'            <div class="{classes}">{control_html(getattr(self, part), short)}</div>'
            for part, classes, short in words.controls
        )
        danger = " bg-danger-subtle" if self.errors else ""
        row = (
            f'<div class="indicator-row border-top py-2{danger}" role="group"'
            f' aria-labelledby="ind-{pk}" data-row data-rated="{int(self.rated)}"'
            f"{previous_attrs}>\n"
            f'          <p class="mb-1" id="ind-{pk}">'
            f'<span class="fw-semibold">{_escape(indicator.code)}</span>'
            f" {_escape(label)}{retired}</p>\n"
            f"          {previous_line}\n"
            f'          <div class="row g-2">\n{controls}\n          </div>\n'
            f"          {self._groups_html()}\n"
            "        </div>"
        )
        return SafeString(row)  # nosec B703: every part is escaped above

    def _groups_html(self) -> str:
        groups = self.groups
        if groups is None:
            return ""
        error_id = _escape(f"{groups.auto_id}-error")
        errors = groups.errors
        choices = "".join(
            f'<div class="form-check form-check-inline">{choice.tag()}'
            f'<label class="form-check-label" for="{_escape(choice.id_for_label)}">'
            f"{_escape(choice.choice_label)}</label></div>"
            for choice in groups
        )
        messages = "".join(
            f'<div class="invalid-feedback d-block" id="{error_id}">{_escape(error)}</div>'
            for error in errors
        )
        legend = _("Groups at risk that %(code)s concerns") % {"code": self.indicator.code}
        described = f' aria-describedby="{error_id}"' if errors else ""
        return (
            "\n"
            f'          <fieldset class="rating-groups mt-2"{described}>\n'
            f'            <legend class="form-label small mb-1">{_escape(legend)}</legend>\n'
            f"            {choices}\n"
            f"            {messages}\n"
            "          </fieldset>\n          "
        )


@dataclass(frozen=True)
class RowWords:
    """The words every row repeats, translated and escaped once per page."""

    changed: str
    retired: str
    controls: tuple[tuple[str, str, str], ...]

    @classmethod
    def make(cls) -> "RowWords":
        return cls(
            changed=_escape(_("changed")),
            retired=_escape(_("retired")),
            controls=tuple((part, classes, str(short)) for part, classes, short in ROW_CONTROLS),
        )


@dataclass
class FactorGroup:
    factor: RiskFactor
    rows: list[IndicatorRow]
    # The neighbouring factors, for the form's "previous" and "next" buttons.
    before: RiskFactor | None = None
    after: RiskFactor | None = None

    @cached_property
    def rated_count(self) -> int:
        return sum(row.rated for row in self.rows)

    @cached_property
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
        factors: Sequence[tuple[RiskFactor, Sequence[Indicator]]],
        ratings: Mapping[int, IndicatorRating],
        previous: dict[int, IndicatorRating] | None = None,
        situation_groups: Sequence[ProtectedGroup] = (),
        labels: Mapping[int, SafeString] | None = None,
        shared_fields: Mapping[int, Mapping[str, forms.Field]] | None = None,
        sources: Mapping[int, str] | None = None,
        rating_groups: Mapping[int, Sequence[int]] | None = None,
        **kwargs: Any,
    ) -> None:
        """``factors``: each risk factor with the indicators to rate; ``ratings``: the
        assessment's, by indicator id. To spare a page of 126 indicators work it would repeat
        on every request, the caller may give: ``labels``, the indicators' labels in the
        reader's language with their marks; ``shared_fields``, the fields of
        :func:`every_rating_field`, which this form uses as they are (it never changes a
        field, and gives the initial values in ``initial``); ``sources`` and
        ``rating_groups``, each rating's sources as text and its groups' ids, by indicator id
        (else read from the ratings)."""
        super().__init__(*args, **kwargs)
        self.initial = dict(self.initial)  # the ratings' values go in too
        self.factors = factors
        self.labels = labels
        self.shared_fields = shared_fields
        self.sources = sources
        self.rating_groups = rating_groups
        # The ratings of the assessment this one was started from; None when it was not.
        self.previous = previous
        self.situation_groups = list(situation_groups)
        self.indicator_ids: list[int] = []
        for factor, indicators in factors:
            for indicator in indicators:
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
            initial=(
                list(self.rating_groups.get(indicator.pk, ()))
                if self.rating_groups is not None
                else [group.pk for group in rating.groups.all()]
                if rating
                else []
            ),
            widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        )

    def _add_indicator(self, indicator: Indicator, rating: IndicatorRating | None) -> None:
        prefix = f"i{indicator.pk}"
        self.indicator_ids.append(indicator.pk)
        shared = self.shared_fields.get(indicator.pk) if self.shared_fields is not None else None
        for part, field in (shared or rating_fields(indicator)).items():
            self.fields[f"{prefix}_{part}"] = field
        if self.sources is not None:
            sources = self.sources.get(indicator.pk, "")
        else:
            sources = format_sources(rating.sources.all()) if rating else ""
        initial = {
            "severity": rating.severity if rating else scales.Severity.NOT_ASSESSED,
            "trend": rating.trend if rating else scales.Trend.STABLE,
            "confidence": rating.confidence if rating else scales.Confidence.MEDIUM,
            "note": rating.note if rating else "",
            "sources": sources,
        }
        for part, value in initial.items():
            self.initial.setdefault(f"{prefix}_{part}", value)

    source_help = SOURCE_HELP

    def groups(self) -> list[FactorGroup]:
        said_before: dict[tuple[str, str, str], str] = {}
        words = RowWords.make()
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
                        label=self.labels.get(indicator.pk) if self.labels is not None else None,
                        said_before=said_before,
                        words=words,
                    )
                    for indicator in indicators
                ],
            )
            for factor, indicators in self.factors
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
