"""Error pages within the app's layout: what happened, in a sentence, and a way back.

Django shows these in production through the ``handler*`` views below. Under ``make run``
(DEBUG on) Django would show its technical pages instead; ``FriendlyErrorsMiddleware`` shows
the app's own for a missing page, a refused one and a method not allowed there too.
"""

import logging
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger(__name__)


#: What an API client is told, in the API's shape, where a page would tell a person.
_API_WORDS = {
    400: ("bad_request", gettext_lazy("The request is malformed.")),
    403: ("forbidden", gettext_lazy("The request is refused.")),
    404: ("not_found", gettext_lazy("No such address in the API.")),
    405: ("method_not_allowed", gettext_lazy("This method is not allowed here.")),
    500: ("server_error", gettext_lazy("Something went wrong on the server; it is logged.")),
}


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _api_error(status: int) -> JsonResponse:
    code, words = _API_WORDS[status]
    return JsonResponse({"detail": str(words), "code": code}, status=status)


def _error_page(
    request: HttpRequest, template: str, status: int, context: dict[str, str] | None = None
) -> HttpResponse:
    if _is_api(request):
        return _api_error(status)
    # The language menu of an error page leads to the start page: the address that failed,
    # with whatever its query held, is not written back into the page.
    return render(request, template, {**(context or {}), "language_next": "/"}, status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, "errors/404.html", 404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, "errors/403.html", 403)


def bad_request(
    request: HttpRequest, exception: Exception | None = None, *, reason: str = ""
) -> HttpResponse:
    return _error_page(request, "errors/400.html", 400, {"reason": reason})


def _holds_nul(request: HttpRequest) -> bool:
    """A NUL character in the address, the query or a form field: no text stored or searched
    may hold one (PostgreSQL refuses it), so the request is refused before any view."""
    if "\x00" in request.path:
        return True
    data = [request.GET]
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        data.append(request.POST)
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for query in data
        for key, values in query.lists()
    )


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return _api_error(500)
    # No request context: whatever failed may fail again while rendering the page.
    return HttpResponse(render_to_string("errors/500.html"), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error_page(request, "errors/csrf.html", 403)


def method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    response = _error_page(request, "errors/405.html", 405, {"allowed": allowed})
    response["Allow"] = allowed
    return response


#: The addresses that take only a form's POST, and the page each form lives on (same
#: arguments): opening one (a bookmark, a reload after sign-in) leads to that page instead.
FORM_PAGES = {
    "assessments:start": "assessments:situation",
    "assessments:submit": "assessments:detail",
    "assessments:decide": "assessments:detail",
    "assessments:respond": "assessments:detail",
    "assessments:comment": "assessments:detail",
    "assessments:dissent": "assessments:detail",
    "assessments:summary_retry": "assessments:detail",
    "logout": "home",
}


class FriendlyErrorsMiddleware:
    """The app's error pages for 403, 404 and 405, whatever DEBUG says; a GET on a form's
    address goes to the page of the form."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _holds_nul(request):
            return bad_request(
                request, reason=_("It held a NUL character, which no field accepts.")
            )
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed) and not response.content:
            match = request.resolver_match
            page = FORM_PAGES.get(match.view_name) if match else None
            if match and page and request.method in ("GET", "HEAD"):
                return redirect(reverse(page, kwargs=match.kwargs))
            return method_not_allowed(request, response["Allow"])
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return permission_denied(request, exception)
        return None
