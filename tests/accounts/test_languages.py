"""Choosing the language: from every page, kept for the person (their profile) and for a
visitor (a cookie); the browser's Accept-Language as the first choice; right to left for
Arabic."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import Profile
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def html_tag(response) -> str:
    page = response.content.decode()
    return page[page.index("<html") : page.index(">", page.index("<html")) + 1]


def test_the_six_languages_are_offered_on_the_sign_in_page(client):
    page = client.get(reverse("login")).content.decode()

    for code, name in (
        ("ar", "العربيّة"),
        ("zh-hans", "简体中文"),
        ("en", "English"),
        ("fr", "français"),
        ("ru", "Русский"),
        ("es", "español"),
    ):
        assert f'value="{code}" lang="{code}"' in page, code
        assert name in page, name


def test_the_browser_s_language_is_the_first_choice_and_arabic_is_right_to_left(client):
    response = client.get(reverse("login"), headers={"accept-language": "ar,en;q=0.5"})

    assert html_tag(response) == '<html lang="ar" dir="rtl">'
    assert "bootstrap.rtl.min.css" in response.content.decode()


def test_a_visitor_s_choice_is_kept_in_a_cookie_and_the_page_stays_the_same(client):
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/accounts/login/"})

    assert response.status_code == 302 and response.url == "/accounts/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert html_tag(client.get(reverse("login"))) == '<html lang="fr" dir="ltr">'


def test_a_person_s_choice_follows_them_to_another_browser(client, analyst):
    client.force_login(analyst)
    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    assert Profile.objects.get(user=analyst).language == "es"

    elsewhere = Client(headers={"accept-language": "en"})
    elsewhere.post(reverse("login"), {"username": "analyst", "password": PASSWORD})
    response = elsewhere.get("/")

    assert html_tag(response) == '<html lang="es" dir="ltr">'
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"


def test_a_language_that_is_not_offered_changes_nothing(client, analyst):
    client.force_login(analyst)

    response = client.post(reverse("set_language"), {"language": "de", "next": "/"})

    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert not Profile.objects.filter(user=analyst).exists()
    assert html_tag(client.get("/")) == '<html lang="en" dir="ltr">'


def test_a_choice_that_would_lead_off_the_site_comes_back_to_it(client):
    response = client.post(
        reverse("set_language"), {"language": "ru", "next": "https://elsewhere.example/"}
    )

    assert response.status_code == 302 and response.url == "/"


def test_an_arrow_from_before_to_after_points_the_way_the_language_reads():
    from django.template import Context, Template
    from django.utils import translation

    template = Template("{% load risk %}low {% onward %} high")

    with translation.override("ar"):
        assert template.render(Context()) == "low ← high"
    with translation.override("fr"):
        assert template.render(Context()) == "low → high"


def test_the_admin_offers_the_languages_too(client, admin):
    client.force_login(admin)

    page = client.get("/admin/").content.decode()

    assert 'action="/i18n/setlang/"' in page
    assert '<option value="ar" lang="ar"' in page
