from django.urls import path

from framework import views

app_name = "framework"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("pillars/", views.pillars, name="pillars"),
    path("factors/", views.factors, name="factors"),
    path("matrix/", views.matrix, name="matrix"),
    path("mappings/<slug:code>/", views.mapping_detail, name="mapping"),
    path("reports/", views.reports, name="reports"),
    path("crimes/", views.crimes, name="crimes"),
    path("history/", views.history, name="history"),
]
