from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import context


class AuditContextMiddleware:
    """Keeps the request's id, client address, user agent and caller for the events that
    services record while serving it. Place it after the request-id middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = context.activate(context.context_of(request))
        try:
            return self.get_response(request)
        finally:
            context.deactivate(token)
