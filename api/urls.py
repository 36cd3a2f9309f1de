"""The API, version 1: /api/v1/. Its schema and documentation are served from packages (no
CDN). The project's sign-in requirement (LoginRequiredMiddleware) does not apply here: the
API authenticates each request itself and answers 401 or 403, never a redirect."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from api import forecasts, reference, views

app_name = "api"

router = SimpleRouter()
router.register("situations", views.SituationViewSet, basename="situation")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("decisions", views.DecisionViewSet, basename="decision")
router.register("review-queue", views.ReviewQueueViewSet, basename="review-queue")
router.register("forecasts/releases", forecasts.ReleaseViewSet, basename="forecast-release")
router.register("framework/crimes", reference.CrimeViewSet, basename="crime")
router.register("framework/levels", reference.RiskLevelViewSet, basename="level")
router.register("framework/reports", reference.ReportViewSet, basename="report")
router.register("framework/pillars", reference.PillarViewSet, basename="pillar")
router.register("framework/factors", reference.FactorViewSet, basename="factor")
router.register("framework/mappings", reference.MappingViewSet, basename="mapping")


def _open(patterns: list[Any]) -> list[Any]:
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            callback: Callable[..., Any] = pattern.callback
            pattern.callback = login_not_required(callback)
        elif isinstance(pattern, URLResolver):
            _open(pattern.url_patterns)
    return patterns


urlpatterns = _open(
    [
        path("", include(router.urls)),
        path("framework/load/", reference.LoadView.as_view(), name="framework-load"),
        path(
            "situations/<int:pk>/forecasts/",
            forecasts.SituationForecastsView.as_view(),
            name="situation-forecasts",
        ),
        path("watch/", views.WatchView.as_view(), name="watch"),
        path("me/", views.MeView.as_view(), name="me"),
        path("schema/", SpectacularAPIView.as_view(urlconf=None), name="schema"),
        path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    ]
)
