"""The framework's change history: every history table in one list, paged and filtered."""

import pytest
from django.urls import reverse

from framework.models import Crime, Indicator

HISTORY = "framework:history"
# The session, the user and the user's groups; the users the filter offers, the count, the
# page of changes (one union over the history tables), the users of the page.
HISTORY_QUERIES = 8  # + the unread notifications' count


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def edit_indicator(code: str, label: str, by, reason: str = "") -> None:
    indicator = Indicator.objects.get(code=code)
    indicator.label = label
    indicator._history_user = by
    indicator._change_reason = reason
    indicator.save()


@pytest.mark.django_db
def test_history_pages_by_fifty_newest_first(client, admin):
    edit_indicator("10.6", "Corrected after checking the official text.", admin, "typo")
    client.force_login(admin)

    first = client.get(reverse(HISTORY))
    second = client.get(reverse(HISTORY), {"page": "2"})

    assert first.status_code == 200
    changes = first.context["changes"]
    assert len(changes) == 50
    assert (changes[0].object_label, changes[0].who, changes[0].reason) == ("10.6", admin, "typo")
    assert changes[0].change_type == "Changed"
    assert [c.when for c in changes] == sorted((c.when for c in changes), reverse=True)
    total = first.context["page"].paginator.count
    assert total > 100  # the reference data's first load, object by object
    assert second.context["changes"][0].when <= changes[-1].when
    body = first.content.decode()
    assert '<nav aria-label="Pages of changes">' in body
    assert 'href="?page=2"' in body


@pytest.mark.django_db
def test_history_filters_by_kind_of_object_and_by_user(client, admin):
    edit_indicator("10.6", "Corrected.", admin)
    edit_indicator("10.7", "Corrected too.", admin)
    client.force_login(admin)

    by_admin = client.get(reverse(HISTORY), {"user": admin.pk})
    crimes = client.get(reverse(HISTORY), {"kind": "crime"})
    loaded_indicators = client.get(reverse(HISTORY), {"kind": "indicator", "user": "none"})

    assert [(c.object_label, c.kind) for c in by_admin.context["changes"]] == [
        ("10.7", "indicator"),
        ("10.6", "indicator"),
    ]
    assert crimes.context["page"].paginator.count == Crime.history.count()
    assert {c.kind for c in crimes.context["changes"]} == {"crime"}
    assert loaded_indicators.context["page"].paginator.count == (
        Indicator.history.filter(history_user__isnull=True).count()
    )
    assert {(c.kind, c.who) for c in loaded_indicators.context["changes"]} == {("indicator", None)}
    # Filters kept in the page links.
    assert 'href="?kind=indicator&amp;user=none&amp;page=2"' in (loaded_indicators.content.decode())


@pytest.mark.django_db
def test_a_bad_history_filter_is_shown_and_ignored(client, admin):
    client.force_login(admin)

    response = client.get(reverse(HISTORY), {"kind": "spaceship", "user": "x"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert response.context["page"].paginator.count > 100


@pytest.mark.django_db
@pytest.mark.parametrize("edits", [10, 500])
def test_history_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, admin, edits
):
    indicators = list(Indicator.objects.order_by("pk")[:edits])
    for n in range(edits):
        indicator = indicators[n % len(indicators)]
        indicator.label = f"Edited {n}"
        indicator._history_user = admin
        indicator.save()
    client.force_login(admin)
    client.get(reverse(HISTORY))

    with django_assert_max_num_queries(HISTORY_QUERIES):
        response = client.get(reverse(HISTORY), {"user": admin.pk, "page": "1"})

    assert response.context["page"].paginator.count == edits
    assert len(response.context["changes"]) == min(edits, 50)


def test_the_admin_history_page_has_no_inline_style_for_the_policy_to_refuse(client, admin):
    genocide = Crime.objects.get(code="genocide")
    client.force_login(admin)

    response = client.get(reverse("admin:framework_crime_history", args=[genocide.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="paginator"' in page
    assert "style=" not in page and "<style" not in page
