"""The language the app speaks: the one a person chose (kept on their profile, and in a
cookie for whoever is not signed in), else their browser's (Accept-Language), else English.
Django's LocaleMiddleware reads the cookie and the browser; this module keeps the cookie and
the profile in step and offers the choice on every page."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from accounts.models import Profile

# The signed-in person's chosen language, noted in the session at sign-in ("" for none).
CHOSEN = "r2p_language"


def chosen_language(user: Any) -> str:
    return Profile.objects.filter(user=user).values_list("language", flat=True).first() or ""


def speaking_to(user_id: int) -> translation.override:
    """The language to write to a person in (an email): theirs, else the office's default."""
    language = (
        Profile.objects.filter(user_id=user_id).values_list("language", flat=True).first() or ""
    )
    return translation.override(language or settings.LANGUAGE_CODE)


def on_signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    request.session[CHOSEN] = chosen_language(user)


def _remember(response: HttpResponseBase, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]  # "Lax" (settings)
    )


class UserLanguageMiddleware:
    """A signed-in person is spoken to in the language on their profile, whatever browser
    they use; the cookie then follows, so that the sign-in page speaks it too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = ""
        if request.user.is_authenticated:
            chosen = request.session.get(CHOSEN, "")
            if chosen and chosen != getattr(request, "LANGUAGE_CODE", ""):
                translation.activate(chosen)
                request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        if chosen and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != chosen:
            _remember(response, chosen)
        return response


@login_not_required
@require_POST
def choose_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language (the cookie, then back to the page the choice was made on),
    and for a signed-in person the choice kept on their profile."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        # Django would take any language it has words for; only the app's six are offered.
        back = request.POST.get("next", "")
        safe = url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return redirect(back if safe else "/")
    if request.user.is_authenticated:
        Profile.objects.update_or_create(user=request.user, defaults={"language": language})
        request.session[CHOSEN] = language
    return set_language(request)
