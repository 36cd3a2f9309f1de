"""Read-only pages of the reference data. Sign-in is required by middleware for all of them."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.requests import AuthenticatedHttpRequest
from framework import selectors
from framework.forms import HistoryFilterForm
from framework.models import RiskFactor, ToolMapping
from framework.permissions import require_framework_admin

HISTORY_PAGE_SIZE = 50


@require_safe
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "framework/overview.html",
        {
            "pillars": selectors.pillars_with_tools(),
            "levels": selectors.risk_levels(),
        },
    )


@require_safe
def pillars(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "framework/pillars.html", {"pillars": selectors.pillars_with_tools()})


@require_safe
def factors(request: AuthenticatedHttpRequest) -> HttpResponse:
    all_factors = selectors.factors_with_indicators()
    return render(
        request,
        "framework/factors.html",
        {
            "common": [f for f in all_factors if f.kind == RiskFactor.Kind.COMMON],
            "specific": [f for f in all_factors if f.kind == RiskFactor.Kind.SPECIFIC],
        },
    )


@require_safe
def matrix(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "framework/matrix.html", {"matrix": selectors.mapping_matrix()})


@require_safe
def mapping_detail(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    try:
        mapping = selectors.get_mapping(code)
    except ToolMapping.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "framework/mapping_detail.html", {"mapping": mapping})


@require_safe
def reports(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "framework/reports.html", {"reports": selectors.reports()})


@require_safe
def crimes(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "framework/crimes.html", {"crimes": selectors.crimes_with_factors()})


@require_safe
def history(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_framework_admin(request)
    form = HistoryFilterForm(request.GET)
    changes = selectors.recent_changes(**form.filters())
    page = Paginator(changes, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "framework/history.html",
        {"form": form, "page": page, "changes": selectors.changes_of(page.object_list)},
    )
