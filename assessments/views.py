"""Situation and assessment pages. Each view: permission helper, form, one service, redirect."""

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet, prefetch_related_objects
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.requests import AuthenticatedHttpRequest
from accounts.roles import User, is_analyst, is_reviewer
from assessments import (
    comparison,
    dissent,
    notifications,
    permissions,
    release,
    response,
    scales,
    scoring,
    selectors,
    services,
    spreadsheets,
    summary_pdfs,
    trends,
    wording,
    workflow,
    worldmap,
)
from assessments.exchange import assessment_to_dict, assessments_for_export, summary_to_dict
from assessments.filters import (
    NO_LEVEL,
    PAGE_SIZE,
    WATCH_FILTER_PARAMETERS,
    ReviewQueueFilter,
    SituationFilter,
    WatchFilter,
)
from assessments.forms import (
    AssessmentForm,
    CommentForm,
    CompareForm,
    DecisionForm,
    DissentForm,
    EmailSettingsForm,
    GroupForm,
    LinkGroupForm,
    RecommendationDecisionsForm,
    Recommended,
    SituationForm,
    StartAssessmentForm,
    every_rating_field,
    indicator_labels,
)
from assessments.models import (
    Assessment,
    Dissent,
    EscalationSummary,
    EvidenceSource,
    FirstReview,
    InboxItem,
    IndicatorRating,
    NotificationKind,
    ProtectedGroup,
    RecommendationResponse,
    Situation,
    Transition,
)
from assessments.services import GroupInput
from audit import log as audit
from forecasts import selectors as forecast_selectors
from framework.cache import FrameworkStructure, framework_structure
from framework.i18n import Localized, ReferenceTexts, localized
from framework.models import Indicator, PillarTool, RiskFactor
from framework.selectors import reference_texts


def _filtered_situations(request: AuthenticatedHttpRequest) -> SituationFilter:
    """The situations the user may see, searched, filtered and sorted as the query asks."""
    table = selectors.situation_table(permissions.visible_situations(request.user))
    return SituationFilter(request.GET, queryset=table.prefetch_related("analysts"))


def _is_filtered(request: HttpRequest) -> bool:
    """Whether the query string asks for any filter (a sort or a page is no filter)."""
    return any(value for key, value in request.GET.items() if key not in ("sort", "page"))


def sort_headers(
    columns: dict[str, Promise], sortable: Collection[str], current: str, default: str
) -> list[dict[str, str]]:
    """Each column's header; a sortable one with the sort its link asks for and ``aria-sort``."""
    current = current or default
    headers = []
    for key, label in columns.items():
        state = {key: "ascending", f"-{key}": "descending"}.get(current, "")
        headers.append(
            {
                "key": key,
                "label": str(label),
                "sort": ("" if key not in sortable else f"-{key}" if state == "ascending" else key),
                "aria_sort": state if key in sortable else "",
            }
        )
    return headers


SITUATION_COLUMNS: dict[str, Promise] = {
    "name": gettext_lazy("situation"),
    "country": gettext_lazy("country"),
    "level": gettext_lazy("overall level"),
    "status": gettext_lazy("latest assessment"),
    "last_assessed": gettext_lazy("last assessed"),
    "overdue": gettext_lazy("review"),
    "analysts": gettext_lazy("analysts"),
}
QUEUE_COLUMNS: dict[str, Promise] = {
    "situation": gettext_lazy("situation"),
    "as_of": gettext_lazy("as of"),
    "analyst": gettext_lazy("analyst"),
    "level": gettext_lazy("overall level"),
    "status": gettext_lazy("status"),
    "submitted_at": gettext_lazy("submitted"),
}


def _current_sort(filterset: SituationFilter | ReviewQueueFilter) -> str:
    return str(getattr(filterset.form, "cleaned_data", {}).get("sort") or "")


#: Rows per page of each of the watch's tables (each paged on its own: ``?movers_page=2``).
WATCH_PAGE_SIZE = 20


#: A watch table: its rows, or its situations' query and what builds a page's rows.
WatchTable = list[Any] | tuple[QuerySet[Situation], Callable[[Iterable[Situation]], list[Any]]]


def _watch_pages(request: HttpRequest, tables: dict[str, WatchTable]) -> dict[str, object]:
    """Each table's rows of its page (``<name>``) and the page (``<name>_page``). A table is
    its rows, or the query of its situations and what builds the rows of a page of them (so
    that only one page of rows is built)."""
    context: dict[str, object] = {}
    for name, table in tables.items():
        if isinstance(table, tuple):
            query, rows_of = table
            page = Paginator(query, WATCH_PAGE_SIZE).get_page(request.GET.get(f"{name}_page"))
            context[name] = rows_of(page.object_list)
        else:
            page = Paginator(table, WATCH_PAGE_SIZE).get_page(request.GET.get(f"{name}_page"))
            context[name] = list(page.object_list)
        context[f"{name}_page"] = page
    return context


@require_safe
def watch(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The home page: where risk sits and moves, what awaits the user, what was decided."""
    situations = permissions.visible_situations(request.user)
    now = timezone.now()
    tables: dict[str, WatchTable] = {
        "movers": (selectors.moving_situations(situations), selectors.movers_of),
        "groups_at_risk": (
            selectors.situations_with_groups(situations),
            selectors.groups_rows_of,
        ),
        "overdue": selectors.overdue_rows(situations, timezone.localdate(now)),
        "overdue_actions": response.overdue_actions(situations, timezone.localdate(now)),
    }
    return render(
        request,
        "assessments/watch.html",
        {
            "counts": selectors.watch_counts(situations),
            **_watch_pages(request, tables),
            "awaiting": selectors.awaiting_for(
                request.user,
                now=now,
                decisions_page=request.GET.get("decisions_page"),
                decisions_per_page=WATCH_PAGE_SIZE,
            ),
            "decisions": selectors.recent_decisions(situations),
            "forecasts": forecast_selectors.watch_panel(situations, today=timezone.localdate(now)),
            "crime_names": selectors.crime_names(),
            "is_analyst": is_analyst(request.user),
            "is_reviewer": is_reviewer(request.user),
            "now": now,
        },
    )


@require_safe
def situation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    filterset = _filtered_situations(request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/situation_list.html",
        {
            "filter": filterset,
            "page": page,
            "rows": selectors.rows_of(page.object_list),
            "headers": sort_headers(
                SITUATION_COLUMNS, SituationFilter.SORTS, _current_sort(filterset), default="name"
            ),
            "filtered": _is_filtered(request),
            "can_manage": permissions.can_manage_situations(request.user),
        },
    )


def _export_filename(extension: str) -> str:
    return f"situations-{timezone.localdate():%Y-%m-%d}.{extension}"


#: How many situations an export reads at a time (with their analysts).
EXPORT_CHUNK = 500


def _export_rows(request: AuthenticatedHttpRequest) -> Iterator[selectors.SituationRow]:
    """The rows the filters select, on all pages, read :data:`EXPORT_CHUNK` situations at a
    time as they are written (the permission and the filters are applied at once)."""
    situations = _filtered_situations(request).qs.iterator(chunk_size=EXPORT_CHUNK)
    for situation in situations:
        yield from selectors.rows_of((situation,))


@require_safe
def situations_csv(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    rows = _export_rows(request)
    response = StreamingHttpResponse(
        (piece.encode("utf-8") for piece in spreadsheets.situations_csv_pieces(rows)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_filename("csv")}"'
    return response


@require_safe
def situations_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    response = HttpResponse(
        spreadsheets.situations_xlsx(_export_rows(request), title=_("Situations")),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_filename("xlsx")}"'
    return response


def situation_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not permissions.can_manage_situations(request.user):
        raise PermissionDenied
    form = SituationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        analysts = data.pop("analysts")
        situation = services.create_situation(by=request.user, analysts=analysts, **data)
        messages.success(request, _("Situation created."))
        return redirect("assessments:situation", pk=situation.pk)
    return render(request, "assessments/situation_form.html", {"form": form})


def situation_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    situation = permissions.get_situation_for_user(request.user, pk)
    if not permissions.can_manage_situations(request.user):
        raise PermissionDenied
    form = SituationForm(request.POST or None, instance=situation)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        analysts = data.pop("analysts")
        data.pop("code", None)
        services.update_situation(situation, by=request.user, analysts=analysts, **data)
        messages.success(request, _("Situation saved."))
        return redirect("assessments:situation", pk=situation.pk)
    return render(
        request, "assessments/situation_form.html", {"form": form, "situation": situation}
    )


@require_safe
def situation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    situation = permissions.get_situation_for_user(request.user, pk)
    # Its analysts once, for the page and for each is-assigned check; its groups at risk.
    prefetch_related_objects([situation], "analysts", "groups")
    # The history reads the levels stored out of each result, not the results themselves.
    assessments = list(
        situation.assessments.select_related("author", "reviewer").defer("result", "narrative")
    )
    can_assess = permissions.can_assess(request.user, situation)
    start_form = StartAssessmentForm(
        initial={
            "as_of": timezone.localdate(),
            "posture": assessments[0].posture if assessments else None,
            "copy_previous": bool(assessments),
        }
    )
    return render(
        request,
        "assessments/situation_detail.html",
        {
            "situation": situation,
            "analysts": list(situation.analysts.all()),
            "assessments": assessments,
            "can_assess": can_assess,
            "can_manage": permissions.can_manage_situations(request.user),
            "can_edit_groups": permissions.can_edit_groups(request.user, situation),
            "groups": list(situation.groups.all()),
            "start_form": start_form if can_assess else None,
            "has_previous": bool(assessments),
            "forecasts": forecast_selectors.situation_panel(situation, assessments),
            "actions": response.situation_actions(situation),
            "can_track": response.can_track(request.user, situation),
            "today": timezone.localdate(),
            **_history_context(situation, assessments),
        },
    )


# Groups at risk ---------------------------------------------------------------------------


def _situation_for_groups(request: AuthenticatedHttpRequest, pk: int) -> Situation:
    """The situation if the user may change its groups at risk (404 if they may not see it,
    403 if they may see it only)."""
    situation = permissions.get_situation_for_user(request.user, pk)
    prefetch_related_objects([situation], "analysts")
    if not permissions.can_edit_groups(request.user, situation):
        raise PermissionDenied
    return situation


def _group_of(situation: Situation, group_pk: int) -> ProtectedGroup:
    return get_object_or_404(ProtectedGroup, pk=group_pk, situations=situation)


@require_http_methods(["GET", "HEAD", "POST"])
def situation_groups(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The situation's groups at risk: add one (new, or linked by name and kind), link one
    at risk elsewhere, change or unlink one."""
    situation = _situation_for_groups(request, pk)
    linkable = (
        ProtectedGroup.objects.filter(situations__in=permissions.visible_situations(request.user))
        .exclude(situations=situation)
        .distinct()
        .order_by("name", "pk")
    )
    form = GroupForm(request.POST if "add" in request.POST else None, prefix="new")
    link_form = LinkGroupForm(
        request.POST if "link" in request.POST else None, groups=linkable, prefix="link"
    )
    if request.method == "POST":
        chosen: GroupInput | None = None
        refused_in: forms.Form = form
        if "add" in request.POST and form.is_valid():
            chosen, refused_in = form.group_input(), form
        elif "link" in request.POST and link_form.is_valid():
            linked = link_form.cleaned_data["group"]
            chosen, refused_in = GroupInput(name=linked.name, kind=linked.kind), link_form
        if chosen is not None:
            try:
                group = services.add_group(situation, by=request.user, given=chosen)
            except workflow.WorkflowError as refused:
                refused_in.add_error(None, str(refused))
            else:
                messages.success(request, _("%(name)s is at risk here.") % {"name": group.name})
                return redirect("assessments:situation_groups", pk=situation.pk)
    return render(
        request,
        "assessments/situation_groups.html",
        {
            "situation": situation,
            "groups": list(situation.groups.order_by("name", "pk")),
            "form": form,
            "link_form": link_form if linkable.exists() else None,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def group_edit(request: AuthenticatedHttpRequest, pk: int, group_pk: int) -> HttpResponse:
    situation = _situation_for_groups(request, pk)
    group = _group_of(situation, group_pk)
    form = GroupForm(
        request.POST or None,
        initial={"name": group.name, "kind": group.kind, "description": group.description},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_group(
                group, situation=situation, by=request.user, given=form.group_input()
            )
        except workflow.WorkflowError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Group saved."))
            return redirect("assessments:situation_groups", pk=situation.pk)
    return render(
        request,
        "assessments/group_form.html",
        {
            "situation": situation,
            "group": group,
            "form": form,
            "other_situations": group.situations.exclude(pk=situation.pk).count(),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def group_unlink(request: AuthenticatedHttpRequest, pk: int, group_pk: int) -> HttpResponse:
    situation = _situation_for_groups(request, pk)
    group = _group_of(situation, group_pk)
    services.unlink_group(group, situation=situation, by=request.user)
    messages.success(request, _("%(name)s is no longer at risk here.") % {"name": group.name})
    return redirect("assessments:situation_groups", pk=situation.pk)


def _history_context(situation: Situation, assessments: list[Assessment]) -> dict[str, object]:
    """The situation over time: its charts and their data tables (two queries)."""
    titles = selectors.factor_titles()
    crime_names = selectors.crime_names()
    history = trends.situation_history(assessments, factor_numbers=titles)
    return {
        "history": history,
        "level_columns": [trends.level_name(key, crime_names) for key in history.level_keys],
        "factor_columns": [(number, titles.get(number, "")) for number in history.factor_numbers],
        "level_chart": trends.level_chart(
            history, crime_names=crime_names, situation=situation.name
        ),
        "factor_chart": trends.factor_chart(history, situation=situation.name),
    }


def _id_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    return int(value)


@require_safe
def assessment_compare(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Two assessments of a situation side by side (``?a=<pk>&b=<pk>``, the earlier first;
    by default the latest and the approved one before it). Any other answers 404."""
    situation = permissions.get_situation_for_user(request.user, pk)
    assessments = selectors.assessment_choices(situation)
    named = {a.pk for a in assessments}
    a, b = _id_param(request, "a"), _id_param(request, "b")
    if any(given is not None and given not in named for given in (a, b)):
        raise Http404
    a, b = comparison.default_pair(assessments, a=a, b=b)
    compared = None
    if a is not None and b is not None:
        before, after = selectors.assessments_for_comparison(situation, a, b)
        compared = comparison.compare_assessments(
            before,
            after,
            factor_titles=selectors.factor_titles(),
            texts=reference_texts(),
        )
        a, b = before.pk, after.pk
    return render(
        request,
        "assessments/compare.html",
        {
            "situation": situation,
            "form": CompareForm(initial={"a": a, "b": b}, assessments=assessments),
            "comparison": compared,
            "can_choose": len(assessments) > 1,
            "crime_names": selectors.crime_names(),
        },
    )


@require_POST
def assessment_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    situation = permissions.get_situation_for_user(request.user, pk)
    if not permissions.can_assess(request.user, situation):
        raise PermissionDenied
    form = StartAssessmentForm(request.POST)
    if not form.is_valid():
        assessments = list(situation.assessments.select_related("author", "reviewer"))
        return render(
            request,
            "assessments/situation_detail.html",
            {
                "situation": situation,
                "analysts": list(situation.analysts.all()),
                "assessments": assessments,
                "can_assess": True,
                "start_form": form,
                "has_previous": bool(assessments),
                **_history_context(situation, assessments),
            },
            status=400,
        )
    previous = situation.assessments.first() if form.cleaned_data["copy_previous"] else None
    assessment = workflow.start_assessment(
        situation,
        by=request.user,
        as_of=form.cleaned_data["as_of"],
        posture=form.cleaned_data["posture"],
        narrative=form.cleaned_data["narrative"],
        copy_from=previous,
    )
    messages.success(request, _("Assessment started. Rate the indicators and save."))
    others = selectors.other_drafts(assessment)
    if others:
        messages.warning(
            request,
            ngettext(
                "This situation already has %(count)d other draft as of %(date)s: make sure "
                "you are not assessing it twice.",
                "This situation already has %(count)d other drafts as of %(date)s: make sure "
                "you are not assessing it twice.",
                len(others),
            )
            % {"count": len(others), "date": assessment.as_of.isoformat()},
        )
    return redirect("assessments:edit", pk=assessment.pk)


def _rating_evidence(assessment: Assessment) -> tuple[dict[int, str], dict[int, list[int]]]:
    """Each rating's sources as the form shows them, and the ids of the groups it concerns,
    by indicator id (two queries)."""
    sources: dict[int, list[str]] = {}
    for indicator_id, reliability, citation in (
        EvidenceSource.objects.filter(rating__assessment=assessment)
        .order_by("rating_id", "order", "pk")
        .values_list("rating__indicator_id", "reliability", "citation")
    ):
        sources.setdefault(indicator_id, []).append(f"{reliability} {citation}")
    groups: dict[int, list[int]] = {}
    for indicator_id, group_id in (
        IndicatorRating.groups.through.objects.filter(indicatorrating__assessment=assessment)
        .order_by("pk")
        .values_list("indicatorrating__indicator_id", "protectedgroup_id")
    ):
        groups.setdefault(indicator_id, []).append(group_id)
    return {pk: "\n".join(lines) for pk, lines in sources.items()}, groups


def _previous_ratings(assessment: Assessment) -> dict[int, IndicatorRating] | None:
    """The ratings of the assessment this one was started from (one query), if any."""
    if assessment.copied_from_id is None:
        return None
    return {
        r.indicator_id: r
        for r in IndicatorRating.objects.filter(assessment_id=assessment.copied_from_id)
    }


def _wants_json(request: HttpRequest) -> bool:
    """The rating form's script saves in place (button, Ctrl+S, autosave) and asks for JSON."""
    return request.headers.get("Accept", "").startswith("application/json")


def assessment_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = permissions.get_assessment_for_user(request.user, pk)
    if not workflow.allowed(assessment, workflow.Action.EDIT, request.user):
        raise PermissionDenied
    ratings = {r.indicator_id: r for r in assessment.ratings.all()}
    sources, rating_groups = _rating_evidence(assessment)
    # The factors and indicators as this process keeps them: active indicators, plus the
    # retired ones this assessment rated.
    structure = framework_structure()
    initial = {
        "lock_version": assessment.lock_version,
        "as_of": assessment.as_of,
        "posture": assessment.posture,
        "narrative": assessment.narrative,
    }
    form = AssessmentForm(
        request.POST or None,
        initial=initial,
        factors=structure.form_factors(rated=set(ratings)),
        ratings=ratings,
        previous=_previous_ratings(assessment),
        situation_groups=list(assessment.situation.groups.order_by("name", "pk")),
        labels=structure.derived("indicator_labels", indicator_labels),
        shared_fields=structure.derived("rating_fields", every_rating_field),
        sources=sources,
        rating_groups=rating_groups,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = workflow.save_assessment(
                    assessment,
                    by=request.user,
                    expected_version=form.cleaned_data["lock_version"],
                    as_of=form.cleaned_data["as_of"],
                    posture=form.cleaned_data["posture"],
                    narrative=form.cleaned_data["narrative"],
                    ratings=form.rating_inputs,
                )
            except workflow.EditConflict as conflict:
                if _wants_json(request):
                    return JsonResponse({"saved": False, "message": str(conflict)}, status=409)
                messages.error(request, str(conflict))
                status = 409
            except workflow.WorkflowError as refused:
                if _wants_json(request):
                    return JsonResponse({"saved": False, "message": str(refused)}, status=400)
                messages.error(request, str(refused))
                status = 400
            else:
                if _wants_json(request):
                    return JsonResponse(
                        {
                            "saved": True,
                            "lock_version": saved.lock_version,
                            "message": _("Saved at %(time)s.")
                            % {"time": date_format(localtime(saved.updated_at), "TIME_FORMAT")},
                        }
                    )
                messages.success(request, _("Assessment saved."))
                if "save_and_view" in request.POST:
                    return redirect("assessments:detail", pk=assessment.pk)
                # Back to the factor the analyst was on.
                place = request.POST.get("place", "")
                anchor = f"#{place}" if re.fullmatch(r"factor-\d+|header-fields", place) else ""
                return redirect(reverse("assessments:edit", kwargs={"pk": assessment.pk}) + anchor)
        else:
            if _wants_json(request):
                errors = form.error_summary()
                return JsonResponse(
                    {
                        "saved": False,
                        "invalid": True,
                        "message": ngettext(
                            "Not saved: %(count)d field needs correcting. Press Save to see it.",
                            "Not saved: %(count)d fields need correcting. Press Save to see them.",
                            len(errors),
                        )
                        % {"count": len(errors)},
                    },
                    status=400,
                )
            status = 400  # the page lists every error above the form
    groups = form.groups()
    return render(
        request,
        "assessments/assessment_form.html",
        {
            "assessment": assessment,
            "form": form,
            "groups": groups,
            "rated_count": sum(group.rated_count for group in groups),
            "indicator_count": sum(len(group.rows) for group in groups),
            "has_previous": form.previous is not None,
            # Saving an approved assessment voids its approval: only ever on the user's word.
            "autosave": not assessment.is_approved,
        },
        status=status,
    )


@require_safe
def assessment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, permissions.get_assessment_for_user(request.user, pk))


#: An indicator with its risk factor, as this process keeps them (framework.cache).
IndicatorPlace = tuple[Indicator, RiskFactor]


def _indicator_places(structure: FrameworkStructure) -> dict[int, IndicatorPlace]:
    return {
        indicator.pk: (indicator, factor)
        for factor in structure.factors
        for indicator in structure.indicators.get(factor.pk, ())
    }


@dataclass(frozen=True)
class RatedRow:
    """One row of the page's ratings table: the rating, its indicator and that indicator's
    factor, and its sources each with its reliability in words."""

    rating: IndicatorRating
    indicator: Indicator
    factor: RiskFactor
    sources: list[tuple[EvidenceSource, str]]


def _factor_titles(structure: FrameworkStructure) -> dict[int, Localized]:
    """Each risk factor's title by its number, in the reader's language (as
    ``selectors.factor_titles`` reads them)."""
    return {factor.number: localized(factor, "title") for factor in structure.factors}


def _rated(assessment: Assessment, structure: FrameworkStructure) -> list[RatedRow]:
    """The assessment's ratings other than "not assessed" in the ratings' order (the form's:
    by factor, then indicator), with their sources (one query for all)."""
    places = structure.derived("indicator_places", _indicator_places)
    reliability = {code: str(label) for code, label in EvidenceSource.Reliability.choices}
    sources: dict[int, list[tuple[EvidenceSource, str]]] = {}
    for source in EvidenceSource.objects.filter(rating__assessment_id=assessment.pk):
        sources.setdefault(source.rating_id, []).append(
            (source, reliability.get(source.reliability, source.reliability))
        )
    return [
        RatedRow(rating, *places[rating.indicator_id], sources.get(rating.pk, []))
        for rating in assessment.ratings.all()
        if rating.severity != "not_assessed"
    ]


def _say_errors(request: HttpRequest, form: forms.Form) -> None:
    """A refused form's errors as messages, where the page no longer shows the form."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))


def _recommended(
    result: dict[str, Any], responses: dict[str, RecommendationResponse]
) -> list[Recommended]:
    return [
        Recommended(
            entry=rec["entry"],
            tool_name=rec["tool_name"],
            answered=responses[rec["entry"]].accepted if rec["entry"] in responses else None,
            reason=responses[rec["entry"]].reason if rec["entry"] in responses else "",
        )
        for rec in result.get("recommendations", [])
    ]


def _detail_page(
    request: AuthenticatedHttpRequest,
    visible: Assessment,
    *,
    decision_form: DecisionForm | None = None,
    decisions_form: RecommendationDecisionsForm | None = None,
    comment_form: CommentForm | None = None,
    dissent_form: DissentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The assessment's page; with a bound form that was refused, the form as it was sent,
    its errors beside its fields."""
    assessment = selectors.assessment_detail(visible.pk)
    texts = reference_texts()
    # The stored result in the reader's language (its tools' names); levels and reasons as
    # they were derived.
    result = wording.result_texts(assessment.result or {}, texts)
    # The factors and indicators as this process keeps them (one query while unchanged).
    structure = framework_structure()
    factor_titles = structure.derived("factor_titles", _factor_titles)
    entries = {
        e.code: e
        for e in PillarTool.objects.select_related("tool", "pillar").filter(
            code__in=[r["entry"] for r in result.get("recommendations", [])]
        )
    }
    by_entry = {r.entry_id: r for r in assessment.responses.all()}
    responses = {code: by_entry[e.pk] for code, e in entries.items() if e.pk in by_entry}
    user = request.user
    can_respond = workflow.allowed(assessment, workflow.Action.RESPOND, user)
    if decisions_form is not None and not can_respond:
        _say_errors(request, decisions_form)
        decisions_form = None
    if can_respond and decisions_form is None:
        decisions_form = RecommendationDecisionsForm(recommended=_recommended(result, responses))
    recommendations: dict[int, list[dict[str, object]]] = {1: [], 2: [], 3: []}
    for rec in result.get("recommendations", []):
        fields = (
            {
                "decision_field": decisions_form[f"decision-{rec['entry']}"],
                "reason_field": decisions_form[f"reason-{rec['entry']}"],
            }
            if decisions_form is not None
            else {}
        )
        recommendations[rec["pillar"]].append(
            {**rec, "response": responses.get(rec["entry"]), **fields}
        )
    summaries = list(assessment.summaries.all())
    summary = next((s for s in summaries if s.revision == assessment.summary_revision), None)
    dissents = dissent.dissents_of(assessment)
    crime_names = selectors.crime_names()
    escalation = _escalation_context(
        user, assessment, summary, texts=texts, dissents=dissents, crime_names=crime_names
    )
    may_comment = permissions.can_comment(user, assessment)
    if decision_form is not None:
        if escalation["decision_form"] is not None:
            escalation["decision_form"] = decision_form  # as sent, with its errors
        else:
            _say_errors(request, decision_form)  # no longer to decide: the form is gone
    return render(
        request,
        "assessments/assessment_detail.html",
        {
            **escalation,
            "decisions_form": decisions_form,
            "undecided": sum(
                1 for rec in result.get("recommendations", []) if rec["entry"] not in responses
            ),
            "earlier_summaries": [s for s in summaries if s is not summary],
            "crime_names": crime_names,
            "assessment": assessment,
            "result": result,
            "texts": texts,
            "crime_rows": [
                (key, level, result.get("level_reasons", {}).get(key, []))
                for key, level in sorted(
                    result.get("levels", {}).items(),
                    key=lambda item: scales.crime_sort_key(item[0]),
                )
                if key != "overall"
            ],
            "factor_rows": [
                (f, factor_titles.get(f["number"], "")) for f in result.get("factors", [])
            ],
            "recommendations": [(p, recommendations[p]) for p in scoring.PILLARS],
            "ratings": _rated(assessment, structure),
            "can_edit": workflow.allowed(assessment, workflow.Action.EDIT, user),
            "can_submit": workflow.allowed(assessment, workflow.Action.SUBMIT, user),
            "can_respond": can_respond,
            "can_mark_releasable": release.can_mark(user, assessment.situation),
            **_response_context(user, assessment),
            # Those who may comment may dissent (assessments/dissent.py).
            "dissent_form": (dissent_form or _dissent_form(assessment, summary, crime_names))
            if may_comment
            else None,
            "assessment_dissents": dissents,
            "comment_form": (comment_form or CommentForm()) if may_comment else None,
            "returned_reason": next(
                (
                    t.reason
                    for t in reversed(assessment.transitions.all())
                    if t.event == Transition.Event.RETURNED
                ),
                "",
            )
            if assessment.is_returned
            else "",
        },
        status=status,
    )


def _dissent_form(
    assessment: Assessment, summary: EscalationSummary | None, names: Mapping[str, str]
) -> DissentForm:
    """An empty dissent form: a level for each crime the assessment rates, and the choice of
    the decision once there is one."""
    return DissentForm(
        crimes=_crime_choices(assessment, names), decided=hasattr(summary, "decision")
    )


def _crime_choices(
    assessment: Assessment, names: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The crimes the assessment has a level for (else those of the reference data)."""
    names = selectors.crime_names() if names is None else names
    codes = [key for key in (assessment.result or {}).get("levels", {}) if key != "overall"]
    codes = sorted(codes or dissent.crime_codes(), key=scales.crime_sort_key)
    return {code: str(names.get(code, code)) for code in codes}


@require_POST
def assessment_dissent(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A dissent on the assessment or its decision; a refused one comes back as typed."""
    assessment = permissions.get_assessment_for_user(request.user, pk)
    if not dissent.can_dissent(request.user, assessment):
        raise PermissionDenied
    form = DissentForm(
        request.POST,
        crimes=_crime_choices(assessment),
        decided=dissent.decision_of(assessment) is not None,
    )
    if not form.is_valid():
        return _detail_page(request, assessment, dissent_form=form, status=400)
    try:
        dissent.record_dissent(
            assessment,
            by=request.user,
            levels=form.levels,
            reason=form.cleaned_data["reason"],
            on_decision=form.on_decision,
        )
    except dissent.DissentError as refused:
        for field, problems in refused.errors.items():
            for problem in problems:
                form.add_error(None if field not in form.fields else field, problem)
        return _detail_page(request, assessment, dissent_form=form, status=409)
    messages.success(request, _("Your dissent is recorded; it changes nothing in the workflow."))
    return redirect(f"{reverse('assessments:detail', args=[assessment.pk])}#dissents")


def _response_context(user: User, assessment: Assessment) -> dict[str, object]:
    """The response on an assessment's page: the actions its approval opened, or, for the
    assessment in progress, what was done since the situation's last approval."""
    actions = response.situation_actions(assessment.situation)
    opened = response.opened_by(assessment, actions)
    # An approved assessment is a record of its time: the panel of what was done since the
    # last approval belongs to the assessments still on their way.
    in_progress = not opened and not assessment.is_approved
    return {
        "opened_actions": opened,
        "since_last_approval": (
            response.since_last_approval(assessment, actions=actions) if in_progress else None
        ),
        "can_track": response.can_track(user, assessment.situation),
        "today": timezone.localdate(),
    }


CONFIRM_UNDECIDED = "undecided"


@require_POST
def assessment_submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Submit for review; with recommendations still undecided, ask first and say how many."""
    assessment = permissions.get_assessment_for_user(request.user, pk)
    undecided = selectors.undecided_recommendations(assessment)
    confirmed = request.POST.get("confirm") == CONFIRM_UNDECIDED
    if undecided and not confirmed and workflow.allowed(assessment, "submit", request.user):
        return render(
            request,
            "assessments/submit_confirm.html",
            {"assessment": assessment, "undecided": undecided, "confirm": CONFIRM_UNDECIDED},
        )
    try:
        workflow.submit_assessment(assessment, by=request.user)
    except workflow.WorkflowError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("Assessment submitted. Its escalation summary is being drafted in the background."),
            extra_tags="summary",  # the page updates this notice when the summary is drafted
        )
    return redirect("assessments:detail", pk=assessment.pk)


@require_POST
def assessment_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = permissions.get_assessment_for_user(request.user, pk)
    summary = selectors.current_summary(assessment)
    if summary is None or not summary.is_ready:
        messages.error(request, _("There is no ready escalation summary to decide on yet."))
        return redirect("assessments:detail", pk=assessment.pk)
    first = getattr(summary, "first_review", None)
    form = DecisionForm(
        request.POST,
        proposed=summary.proposed_escalation,
        dissents=len(dissent.dissents_of(assessment, summary.revision)),
        first_review=(first.approved, first.level) if first is not None else None,
    )
    if not form.is_valid():
        return _detail_page(request, assessment, decision_form=form, status=400)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        decided = workflow.decide_escalation(
            summary,
            by=request.user,
            approve=approve,
            level=form.cleaned_data["level"],
            reason=form.cleaned_data["reason"],
            content_hash=form.cleaned_data["content_hash"],
            dissents_read=form.cleaned_data.get("dissents_read", False),
        )
    except workflow.WorkflowError as refused:
        form.add_error(None, str(refused))
        return _detail_page(request, assessment, decision_form=form, status=409)
    if isinstance(decided, FirstReview):
        messages.success(
            request, _("Your first review is recorded; a second reviewer will decide.")
        )
    else:
        messages.success(
            request,
            _("Escalation approved.") if approve else _("Escalation rejected; returned."),
        )
    return redirect("assessments:detail", pk=assessment.pk)


@require_POST
def assessment_comment(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A comment on the assessment; a refused one comes back in its form, as typed."""
    assessment = permissions.get_assessment_for_user(request.user, pk)
    if not permissions.can_comment(request.user, assessment):
        raise PermissionDenied
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, assessment, comment_form=form, status=400)
    try:
        comment = services.add_comment(assessment, by=request.user, body=form.cleaned_data["body"])
    except workflow.WorkflowError as refused:
        form.add_error("body", str(refused))
        return _detail_page(request, assessment, comment_form=form, status=409)
    messages.success(request, _("Your comment is posted; those it concerns are told."))
    return redirect(f"{reverse('assessments:detail', args=[assessment.pk])}#comment-{comment.pk}")


@require_POST
def assessment_respond(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Every recommendation's answer, saved at once; a refused form comes back as it was."""
    assessment = permissions.get_assessment_for_user(request.user, pk)
    if not workflow.allowed(assessment, workflow.Action.RESPOND, request.user):
        raise PermissionDenied
    responses = {r.entry.code: r for r in assessment.responses.select_related("entry")}
    result = wording.result_texts(assessment.result or {}, reference_texts())
    form = RecommendationDecisionsForm(request.POST, recommended=_recommended(result, responses))
    if not form.is_valid():
        return _detail_page(request, assessment, decisions_form=form, status=400)
    try:
        answered = workflow.respond_to_recommendations(
            assessment, by=request.user, answers=form.answers()
        )
    except workflow.WorkflowError as refused:
        form.add_error(None, str(refused))
        return _detail_page(request, assessment, decisions_form=form, status=409)
    messages.success(
        request,
        ngettext(
            "Your decision on %(count)d recommendation is recorded.",
            "Your decisions on %(count)d recommendations are recorded.",
            len(answered),
        )
        % {"count": len(answered)},
    )
    return redirect(f"{reverse('assessments:detail', args=[assessment.pk])}#recommendations-title")


@require_safe
def assessment_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    visible = permissions.get_assessment_for_user(request.user, pk)
    assessment = assessments_for_export().get(pk=visible.pk)
    data = assessment_to_dict(assessment)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    filename = f"assessment-{assessment.situation.code}-{assessment.as_of:%Y-%m-%d}.json"
    audit.record("assessment_export", obj=assessment, data={"revision": assessment.revision})
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def review_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not is_reviewer(request.user):
        raise PermissionDenied
    filterset = ReviewQueueFilter(request.GET, queryset=selectors.review_queue())
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/review_queue.html",
        {
            "filter": filterset,
            "page": page,
            "rows": [(a, permissions.has_edited(request.user, a)) for a in page.object_list],
            "headers": sort_headers(
                QUEUE_COLUMNS,
                ReviewQueueFilter.SORTS,
                _current_sort(filterset),
                default="submitted_at",
            ),
        },
    )


def _summary_for_request(request: HttpRequest, assessment: Assessment) -> EscalationSummary:
    """The ready summary asked for (``?revision=N``), else the latest ready one; or 404."""
    revision = request.GET.get("revision", "")
    if revision and not revision.isdigit():
        raise Http404
    summary = selectors.ready_summary(assessment, int(revision) if revision else None)
    if summary is None:
        raise Http404
    return summary


def _escalation_context(
    user: User,
    assessment: Assessment,
    summary: EscalationSummary | None,
    *,
    texts: ReferenceTexts | None = None,
    dissents: list[Dissent] | None = None,
    crime_names: Mapping[str, str] | None = None,
) -> dict[str, object]:
    """What the escalation section needs, on the page and in its polled refresh; ``texts``:
    the reference texts in the reader's language, ``dissents`` all the assessment's, and
    ``crime_names`` the crimes' names, when the page has them already."""
    can_review = workflow.allowed(assessment, "decide", user)
    ready = summary is not None and summary.is_ready
    decided = ready and hasattr(summary, "decision")
    first_review = getattr(summary, "first_review", None) if ready and not decided else None
    show_form = can_review and ready and not decided
    # The dissents on the submission the summary is of: beside the decision, read before it.
    if ready and summary is not None:
        if dissents is None:
            dissents = dissent.dissents_of(assessment, summary.revision)
        dissents = [d for d in dissents if d.revision == summary.revision]
    return {
        "dissents": dissents if ready else [],
        "assessment": assessment,
        "summary": summary,
        "summary_content": wording.summary_texts(summary.content, texts or reference_texts())
        if ready and summary is not None
        else None,
        "can_retry": workflow.allowed(assessment, workflow.Action.RETRY_SUMMARY, user),
        "awaits_decision": ready and not decided and assessment.awaits_review,
        "first_review": first_review,
        "gave_first_review": first_review is not None and first_review.reviewer_id == user.pk,
        "crime_names": selectors.crime_names() if crime_names is None else crime_names,
        "edited_by_user": permissions.has_edited(user, assessment),
        "needs_two_reviewers": show_form
        and first_review is None
        and summary is not None
        and selectors.second_review_needed(summary.proposed_escalation),
        # The releasable versions of an approved summary, for those who may see them.
        "may_see_releases": decided
        and summary is not None
        and summary.decision.approved
        and release.can_see_releases(user, assessment.situation),
        "decision_form": DecisionForm(
            proposed=summary.proposed_escalation,
            dissents=len(dissents or []),
            first_review=(first_review.approved, first_review.level) if first_review else None,
            initial={"content_hash": summary.content_hash},
        )
        if summary is not None and show_form
        else None,
    }


@require_safe
def summary_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The polled partial: the escalation section, refreshed until its summary is final."""
    assessment = permissions.get_assessment_for_user(request.user, pk)
    summary = selectors.current_summary(assessment)
    if summary is None:
        raise Http404
    return render(
        request,
        "assessments/_escalation.html",
        _escalation_context(request.user, assessment, summary),
    )


@require_POST
def summary_retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = permissions.get_assessment_for_user(request.user, pk)
    summary = selectors.current_summary(assessment)
    if summary is None:
        raise Http404
    try:
        workflow.retry_summary(summary, by=request.user)
    except workflow.WorkflowError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("The summary will be drafted again in a moment."))
    return redirect("assessments:detail", pk=assessment.pk)


def _summary_attachment(assessment: Assessment, summary: EscalationSummary, ext: str) -> str:
    """The download's file name; the export goes into the audit log."""
    audit.record(
        "summary_export",
        obj=summary,
        data={
            "assessment": assessment.pk,
            "format": ext,
            "revision": summary.revision,
            "content_hash": summary.content_hash,
        },
    )
    name = f"escalation-{assessment.situation.code}-{assessment.as_of:%Y-%m-%d}"
    return f'attachment; filename="{name}-v{summary.revision}.{ext}"'


def _asked_language(request: HttpRequest) -> str:
    """The language a summary is asked in (``?lang=ar``), else the reader's own; 404 for a
    language the app does not speak."""
    asked = request.GET.get("lang", "")
    if not asked:
        return get_language()
    if asked not in dict(settings.LANGUAGES):
        raise Http404
    return asked


@require_safe
def summary_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = permissions.get_assessment_for_user(request.user, pk)
    summary = _summary_for_request(request, assessment)
    # As the worker stored it; rendered and stored now if it is missing, stale, or in a
    # language not stored yet.
    pdf = summary_pdfs.summary_pdf(summary, _asked_language(request))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = _summary_attachment(assessment, summary, "pdf")
    return response


@require_safe
def summary_json(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = permissions.get_assessment_for_user(request.user, pk)
    summary = _summary_for_request(request, assessment)
    with translation.override(_asked_language(request)):
        data = {
            **summary_to_dict(summary),
            "dissents": [
                dissent.to_dict(d) for d in dissent.dissents_of(assessment, summary.revision)
            ],
            # The content keeps rules and parameters; these are its reasons in the reader's
            # words (``?lang=`` for another language).
            "words": {
                "language": get_language(),
                **wording.summary_words(summary.content, crimes=selectors.crime_names()),
            },
        }
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = _summary_attachment(assessment, summary, "json")
    return response


# The watch: the factor heatmap, its exports, and the world map --------------------------------


def _watched_situations(request: AuthenticatedHttpRequest) -> WatchFilter:
    """The situations the user may see, filtered as the situation list filters them."""
    table = selectors.situation_table(permissions.visible_situations(request.user))
    return WatchFilter(request.GET, queryset=table)


def _query_string(request: HttpRequest, **changes: str) -> str:
    """The request's filter parameters (and sort), with ``changes``, as ``?a=b``."""
    query = QueryDict(mutable=True)
    for name in (*WATCH_FILTER_PARAMETERS, "sort"):
        value = changes.get(name, request.GET.get(name, ""))
        if value:
            query[name] = value
    return f"?{query.urlencode()}" if query else ""


@dataclass
class Heatmap:
    filter: WatchFilter
    factors: list[RiskFactor]
    situations: selectors.HeatmapSituations  # in the order asked
    sort: str  # the sort applied

    @property
    def numbers(self) -> list[int]:
        return [f.number for f in self.factors]


#: The situations an export of the heatmap reads at a time.
HEATMAP_EXPORT_CHUNK = 500


def _heatmap(request: AuthenticatedHttpRequest) -> Heatmap:
    """The filters, the factors and the situations sorted as asked, in the query (a fixed
    number of queries, whatever the number of situations)."""
    filterset = _watched_situations(request)
    factors = list(RiskFactor.objects.order_by("number").only("number", "title", "translations"))
    situations, sort = selectors.heatmap_situations(
        filterset.qs, request.GET.get("sort", ""), [f.number for f in factors]
    )
    return Heatmap(filter=filterset, factors=factors, situations=situations, sort=sort)


def _heatmap_export(request: AuthenticatedHttpRequest) -> spreadsheets.Table:
    """Every row the filters select, in the order shown, read a chunk at a time."""
    found = _heatmap(request)
    rows = selectors.heatmap_rows(
        found.situations.iterator(chunk_size=HEATMAP_EXPORT_CHUNK), found.numbers
    )
    return spreadsheets.heatmap_table(rows, found.numbers)


def _sort_header(request: HttpRequest, key: str, sort: str, first: str) -> dict[str, str]:
    """A column's sort link (``first``: its first direction, ``key`` or ``-key``) and its
    ``aria-sort`` value."""
    if sort == key:
        return {"url": _query_string(request, sort=f"-{key}"), "aria_sort": "ascending"}
    if sort == f"-{key}":
        return {"url": _query_string(request, sort=key), "aria_sort": "descending"}
    return {"url": _query_string(request, sort=first), "aria_sort": ""}


def _heatmap_cells(row: selectors.HeatmapRow, labels: Mapping[str, str]) -> SafeString:
    """A row's cells, built here rather than by a template per cell (a page has 700): each
    factor's level in words and in colour, linking to the indicators behind it in the
    assessment (to its rated indicators when none of the factor's is assessed)."""
    if row.assessment_id is None:
        return format_html(
            '<td colspan="{}" class="text-body-secondary">{}</td>',
            len(row.cells),
            _("No assessment yet"),
        )
    detail = reverse("assessments:detail", args=[row.assessment_id])
    return format_html_join(
        "",
        '<td class="sev sev-{}"><a href="{}#{}">'
        '<span class="visually-hidden">{}, RF{}: </span>{}</a></td>',
        (
            (
                cell.level or scales.Severity.NOT_ASSESSED,
                detail,
                f"factor-{cell.factor}" if cell.level else "ratings-title",
                row.situation.name,
                cell.factor,
                labels[cell.level or scales.Severity.NOT_ASSESSED],
            )
            for cell in row.cells
        ),
    )


@require_safe
def heatmap(request: AuthenticatedHttpRequest) -> HttpResponse:
    found = _heatmap(request)
    # Sorted and paged in the query (by a factor's level too): one page of rows is read.
    page = Paginator(found.situations, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(selectors.heatmap_rows(page.object_list, found.numbers))
    labels = {severity: scales.severity_label(severity) for severity in scales.SEVERITIES}
    return render(
        request,
        "assessments/heatmap.html",
        {
            "filter": found.filter,
            "filtered": _is_filtered(request),
            "page": page,
            "rows": rows,
            "table": [(row, _heatmap_cells(row, labels)) for row in rows],
            "factors": [
                (f, _sort_header(request, f"RF{f.number}", found.sort, first=f"-RF{f.number}"))
                for f in found.factors
            ],
            "name_sort": _sort_header(request, "name", found.sort, first="name"),
            "sort": found.sort,
            "keep": [("sort", found.sort)] if found.sort != "name" else [],
            "export_query": _query_string(request),
        },
    )


def _heatmap_filename(ext: str) -> str:
    return f'attachment; filename="heatmap-{timezone.localdate():%Y-%m-%d}.{ext}"'


@require_safe
def heatmap_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    table = _heatmap_export(request)
    response = HttpResponse(spreadsheets.as_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _heatmap_filename("csv")
    return response


@require_safe
def heatmap_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    table = _heatmap_export(request)
    response = HttpResponse(
        spreadsheets.as_xlsx(table, title=_("Heatmap")),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = _heatmap_filename("xlsx")
    return response


@dataclass
class MapCell:
    label: str  # the column's level, in words
    count: int  # the country's situations at the column's level
    unapproved: int  # how many of them have it from an unapproved assessment
    url: str  # the situation list filtered by the country and the level


@dataclass
class MapRow:
    country: selectors.MapCountry
    url: str  # the situation list filtered by the country
    cells: list[MapCell]  # one per column of levels


#: The map table's columns of levels, the highest first, then "no assessment yet".
MAP_LEVELS: tuple[str | None, ...] = (*reversed(scales.LEVELS), None)


def _map_level_label(level: str | None) -> str:
    return scales.level_label(level) if level else _("no assessment yet")


def _map_rows(
    countries: list[selectors.MapCountry], list_url: str, filters: Mapping[str, str]
) -> list[MapRow]:
    """Each country as a row of the table beside the map: how many situations at each level,
    each count linking to those situations."""
    rows = []
    for country in countries:
        found = {entry.level: entry for entry in country.levels}
        cells = []
        for level in MAP_LEVELS:
            entry = found.get(level)
            level_filter = {**filters, "level": level or NO_LEVEL}
            cells.append(
                MapCell(
                    label=_map_level_label(level),
                    count=entry.count if entry else 0,
                    unapproved=entry.unapproved if entry else 0,
                    url=worldmap.country_url(list_url, country.code, level_filter),
                )
            )
        rows.append(
            MapRow(
                country=country,
                url=worldmap.country_url(list_url, country.code, filters),
                cells=cells,
            )
        )
    return rows


@require_safe
def world_map(request: AuthenticatedHttpRequest) -> HttpResponse:
    filterset = _watched_situations(request)
    found = selectors.map_countries(filterset.qs)
    list_url = reverse("assessments:situations")
    # The map's other filters are kept in its links to the situation list.
    filters = {
        name: value
        for name in WATCH_FILTER_PARAMETERS
        if name != "country" and (value := request.GET.get(name, ""))
    }
    return render(
        request,
        "assessments/map.html",
        {
            "filter": filterset,
            "filtered": _is_filtered(request),
            "countries": found,
            "rows": _map_rows(found, list_url, filters),
            "columns": [_map_level_label(level) for level in MAP_LEVELS],
            "map": worldmap.render_world_map(
                found,
                title=_("World map of the situations you may see, by level"),
                list_url=list_url,
                labelled_by="map-title",
                filters=filters,
            ),
            "levels": scales.LEVELS,
        },
    )


# Notifications: the user's own, in the app, and which of them also come by email ----------


@require_safe
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    items = request.user.inbox.all()
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/inbox.html",
        {
            "page": page,
            "items": [(item, notifications.title(item.kind, item.params)) for item in page],
            "unread": items.filter(read_at__isnull=True).exists(),
        },
    )


@require_POST
def inbox_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and go to the page it is about."""
    item = get_object_or_404(InboxItem, pk=pk, recipient=request.user)
    services.mark_notifications_read(request.user, pk=item.pk)
    return redirect(item.path)


@require_POST
def inbox_read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = services.mark_notifications_read(request.user)
    messages.success(
        request,
        ngettext(
            "%(count)d notification marked read.", "%(count)d notifications marked read.", count
        )
        % {"count": count},
    )
    return redirect("assessments:inbox")


@require_http_methods(["GET", "HEAD", "POST"])
def email_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    off = set(request.user.email_opt_outs.values_list("kind", flat=True))
    if request.method == "POST":
        form = EmailSettingsForm(request.POST)
        if form.is_valid():
            services.set_email_kinds(request.user, wanted=set(form.cleaned_data["wanted"]))
            messages.success(request, _("Your email settings are saved."))
            return redirect("assessments:email_settings")
    else:
        form = EmailSettingsForm(
            initial={"wanted": [k for k in NotificationKind.values if k not in off]}
        )
    return render(request, "assessments/email_settings.html", {"form": form})
