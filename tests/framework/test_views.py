"""The framework pages: who may see them, what they show, and the admin's history."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from framework.models import Indicator, PillarTool, RiskFactor, ToolMapping
from tests.conftest import PASSWORD

FRAMEWORK_PAGES = [
    "framework:overview",
    "framework:pillars",
    "framework:factors",
    "framework:matrix",
    "framework:reports",
    "framework:crimes",
    "framework:history",
]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The cast's passwords are hashed quickly: the sign-in tests still use the real check."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def framework_urls() -> list[str]:
    from framework.urls import urlpatterns

    urls = []
    for pattern in urlpatterns:
        kwargs = {"code": "RF1-P1-impartial-oversight-of-political-transitions"}
        needs_code = "code" in pattern.pattern.converters
        urls.append(reverse(f"framework:{pattern.name}", kwargs=kwargs if needs_code else None))
    return urls


def test_every_framework_url_is_in_the_page_table():
    from framework.urls import urlpatterns

    named = {f"framework:{p.name}" for p in urlpatterns if "code" not in p.pattern.converters}
    assert named == set(FRAMEWORK_PAGES)


@pytest.mark.django_db
@pytest.mark.parametrize("url", framework_urls())
def test_anonymous_user_is_sent_to_login_from_every_framework_page(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("url", framework_urls())
@pytest.mark.parametrize("cast", ["analyst", "admin"])
def test_framework_pages_are_read_only_and_refuse_a_post(client, cast, request, url):
    client.force_login(request.getfixturevalue(cast))

    response = client.post(url, {"label": "Changed by a POST."})

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    # HEAD is safe, and answers as GET does (the history is for framework admins only).
    allowed = cast == "admin" or "history" not in url
    assert client.head(url).status_code == (200 if allowed else 403)
    assert not Indicator.objects.filter(label="Changed by a POST.").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url", framework_urls())
def test_anonymous_post_to_a_framework_page_is_sent_to_login(client, url):
    response = client.post(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_anonymous_user_reaches_the_login_page_and_static_files(client):
    assert client.get(reverse("login")).status_code == 200
    assert client.get("/").status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("url", [u for u in framework_urls() if "history" not in u])
def test_analyst_can_read_every_framework_page(client, analyst, url):
    client.force_login(analyst)

    response = client.get(url)

    assert response.status_code == 200
    assert b"<title>" in response.content
    assert b'<main id="main"' in response.content


@pytest.mark.django_db
def test_pillar_page_shows_a_shared_tool_under_both_pillars(client, analyst):
    client.force_login(analyst)

    response = client.get(reverse("framework:pillars"))

    entries = PillarTool.objects.filter(tool__code="preventive-diplomacy")
    assert entries.count() == 2
    text = response.content.decode()
    assert text.count('<h3 class="h6 d-inline">Preventive Diplomacy</h3>') == 2
    for entry in entries:
        assert escape(entry.description) in text


@pytest.mark.django_db
def test_factor_page_groups_factors_and_marks_incomplete_indicator_lists(client, analyst):
    client.force_login(analyst)

    response = client.get(reverse("framework:factors"))

    assert [f.number for f in response.context["common"]] == list(range(1, 9))
    assert [f.number for f in response.context["specific"]] == list(range(9, 15))
    text = response.content.decode()
    assert (
        text.count("Incomplete indicator list.")
        == RiskFactor.objects.filter(indicators_complete=False).count()
    )
    for number in (10, 11, 12, 14):
        section = text.split(f'id="factor-{number}"', 1)[1].split("</section>", 1)[0]
        assert "Incomplete indicator list." in section
    assert Indicator.objects.get(code="7.5").label in text


@pytest.mark.django_db
def test_matrix_links_each_cell_to_its_strength_and_rationale(client, analyst):
    client.force_login(analyst)
    mapping = ToolMapping.objects.get(code="RF8-P1-impartial-oversight-of-political-transitions")

    matrix = client.get(reverse("framework:matrix"))
    detail = client.get(reverse("framework:mapping", kwargs={"code": mapping.code}))

    assert reverse("framework:mapping", kwargs={"code": mapping.code}) in matrix.content.decode()
    cells = sum(1 for g in matrix.context["matrix"].groups for r in g.rows for c in r.cells if c)
    assert cells == ToolMapping.objects.filter(indicator__isnull=True).count()
    assert detail.status_code == 200
    assert mapping.rationale in detail.content.decode()
    assert f"{mapping.strength} / 3" in detail.content.decode()


@pytest.mark.django_db
def test_unknown_mapping_code_is_not_found(client, analyst):
    client.force_login(analyst)

    response = client.get(reverse("framework:mapping", kwargs={"code": "RF99-nothing"}))

    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("page", FRAMEWORK_PAGES[:-1])
def test_framework_pages_run_a_fixed_number_of_queries(
    client, analyst, django_assert_max_num_queries, page
):
    client.force_login(analyst)
    client.get(reverse(page))  # warm the session

    with django_assert_max_num_queries(12):
        assert client.get(reverse(page)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("cast", ["analyst", "reviewer", "outsider"])
def test_only_framework_admins_enter_the_admin(client, cast, request):
    user = request.getfixturevalue(cast)
    client.force_login(user)

    response = client.get("/admin/")

    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/login/" in response.url
    assert client.get("/admin/framework/indicator/").status_code in (302, 403)


@pytest.mark.django_db
def test_staff_flag_alone_does_not_open_the_admin(client, analyst):
    analyst.is_staff = True
    analyst.save()
    client.force_login(analyst)

    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_framework_admin_edits_in_the_admin_and_the_change_is_in_the_history(client, admin):
    client.force_login(admin)
    indicator = Indicator.objects.get(code="10.6")
    url = reverse("admin:framework_indicator_change", args=[indicator.pk])
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {
            "factor": indicator.factor_id,
            "code": "10.6",
            "label": "Corrected label after checking the official text.",
            "order": indicator.order,
            "source_confidence": "verified_secondary_source",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.label == "Corrected label after checking the official text."
    latest = indicator.history.latest()
    assert latest.history_user == admin
    assert latest.history_type == "~"
    assert latest.prev_record.label != latest.label
    history_page = client.get(reverse("framework:history"))
    assert history_page.status_code == 200
    assert "10.6" in history_page.content.decode()
    assert "admin" in history_page.content.decode()
    object_history = client.get(reverse("admin:framework_indicator_history", args=[indicator.pk]))
    assert object_history.status_code == 200


@pytest.mark.django_db
def test_analyst_cannot_read_the_change_history(client, analyst):
    client.force_login(analyst)

    assert client.get(reverse("framework:history")).status_code == 403


@pytest.mark.django_db
def test_user_signs_in_with_password_and_out_with_post(client, analyst):
    response = client.post(reverse("login"), {"username": "analyst", "password": PASSWORD})
    assert response.status_code == 302

    assert client.get(reverse("framework:pillars")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("framework:pillars")).status_code == 302


@pytest.mark.django_db
def test_wrong_password_is_refused_with_a_message(client, analyst):
    response = client.post(reverse("login"), {"username": "analyst", "password": "wrong"})

    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
