"""Response headers the security policy adds to every page the app itself answers."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """``Cache-Control: no-store`` (with ``private``, ``no-cache`` and an expiry in the past)
    on every response a view answers: pages, fragments, the sign-in page and every export.

    Confidential assessments must not stay in a shared proxy's cache or in the browser's
    history of a shared computer after sign-out. Static files never reach this middleware
    (WhiteNoise answers them first), so they stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response
