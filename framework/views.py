"""Read-only pages of the reference data. Sign-in is required by middleware for all of them."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from framework import selectors
from framework.models import RiskFactor, ToolMapping
from framework.permissions import require_framework_admin


def overview(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "framework/overview.html",
        {
            "pillars": selectors.pillars_with_tools(),
            "levels": selectors.risk_levels(),
        },
    )


def pillars(request: HttpRequest) -> HttpResponse:
    return render(request, "framework/pillars.html", {"pillars": selectors.pillars_with_tools()})


def factors(request: HttpRequest) -> HttpResponse:
    all_factors = selectors.factors_with_indicators()
    return render(
        request,
        "framework/factors.html",
        {
            "common": [f for f in all_factors if f.kind == RiskFactor.Kind.COMMON],
            "specific": [f for f in all_factors if f.kind == RiskFactor.Kind.SPECIFIC],
        },
    )


def matrix(request: HttpRequest) -> HttpResponse:
    return render(request, "framework/matrix.html", {"matrix": selectors.mapping_matrix()})


def mapping_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        mapping = selectors.get_mapping(code)
    except ToolMapping.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "framework/mapping_detail.html", {"mapping": mapping})


def reports(request: HttpRequest) -> HttpResponse:
    return render(request, "framework/reports.html", {"reports": selectors.reports()})


def crimes(request: HttpRequest) -> HttpResponse:
    return render(request, "framework/crimes.html", {"crimes": selectors.crimes_with_factors()})


def history(request: HttpRequest) -> HttpResponse:
    require_framework_admin(request)
    return render(request, "framework/history.html", {"changes": selectors.recent_changes()})
