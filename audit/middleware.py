from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from audit.log import request_context


class AuditContextMiddleware:
    """Entries recorded while a request is answered name its user and address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_context(request):
            return self.get_response(request)
