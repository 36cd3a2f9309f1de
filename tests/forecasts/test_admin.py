"""Forecast releases in the admin: framework admins read them with their rows and delete a
wrong import; nobody adds or edits one there, and nobody else enters."""

import html

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from forecasts.models import CountryForecast, ForecastRelease
from tests.forecasts.builders import import_data_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def release():
    result = import_data_file("ewp_good.csv", "ewp", model="SRA 2025")
    assert result.ok
    return result.release


def test_a_framework_admin_reads_the_releases_and_each_ones_rows(client, admin, release):
    client.force_login(admin)

    listing = client.get(reverse("admin:forecasts_forecastrelease_changelist"))
    page = client.get(reverse("admin:forecasts_forecastrelease_change", args=[release.pk]))

    assert listing.status_code == 200
    assert "SRA 2025" in listing.content.decode()
    assert page.status_code == 200
    body = html.unescape(page.content.decode())
    assert "Sudan" in body and "Norway" in body
    assert 'name="rows-0-country"' not in body  # the rows are read only
    assert 'name="model"' not in body  # so is the release
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:forecasts_forecastrelease_changelist") in index


def test_nobody_adds_or_changes_a_release_in_the_admin(client, admin, release):
    client.force_login(admin)

    add = client.get(reverse("admin:forecasts_forecastrelease_add"))
    client.post(
        reverse("admin:forecasts_forecastrelease_change", args=[release.pk]),
        {"model": "changed", "source": "views", "issued": "2020-01-01"},
    )

    assert add.status_code == 403
    release.refresh_from_db()
    assert (release.model, release.source) == ("SRA 2025", "ewp")


def test_a_framework_admin_deletes_a_release_with_its_rows_and_the_log_says_so(
    client, admin, release
):
    client.force_login(admin)
    url = reverse("admin:forecasts_forecastrelease_delete", args=[release.pk])

    confirmation = client.get(url)
    response = client.post(url, {"post": "yes"})

    assert confirmation.status_code == 200
    summary = " ".join(html.unescape(confirmation.content.decode()).split())
    assert "Country forecasts: 8" in summary  # the rows are counted, not listed
    assert "Sudan" not in summary
    assert response.status_code == 302
    assert not ForecastRelease.objects.exists()
    assert not CountryForecast.objects.exists()
    entry = AuditEntry.objects.get(action="forecasts_deleted")
    assert entry.actor == admin
    assert entry.data == {"source": "ewp", "model": "SRA 2025", "issued": "2025-11-01", "rows": 8}


def test_the_delete_action_deletes_through_the_service_too(client, admin, release):
    client.force_login(admin)

    client.post(
        reverse("admin:forecasts_forecastrelease_changelist"),
        {"action": "delete_selected", "_selected_action": [release.pk], "post": "yes"},
    )

    assert not ForecastRelease.objects.exists()
    assert AuditEntry.objects.filter(action="forecasts_deleted").count() == 1


@pytest.mark.parametrize("cast", ["analyst", "reviewer", "outsider"])
def test_other_roles_do_not_reach_the_releases_in_the_admin(client, request, cast, release):
    client.force_login(request.getfixturevalue(cast))

    response = client.get(reverse("admin:forecasts_forecastrelease_changelist"))
    delete = client.post(
        reverse("admin:forecasts_forecastrelease_delete", args=[release.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert delete.status_code == 302
    assert ForecastRelease.objects.filter(pk=release.pk).exists()
