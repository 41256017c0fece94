"""Request ids and request timing. Both stand first in MIDDLEWARE, so every response has an
X-Request-ID and is timed, including redirects, static files and error pages."""

import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from whitenoise.middleware import WhiteNoiseMiddleware

from integrations_site.logging import current_request

from .metrics import REQUEST_DURATION

# A caller's id is kept only if it is safe in headers and log lines; else we make one.
_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def request_id_of(request: HttpRequest) -> str:
    given = request.headers.get("X-Request-ID", "")
    return given if _REQUEST_ID.fullmatch(given) else str(uuid.uuid4())


class RequestIdMiddleware:
    """X-Request-ID in (kept when valid) and out; log records of the request carry it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = request_id_of(request)  # type: ignore[attr-defined]
        token = current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        return response


def _view_name(request: HttpRequest) -> str:
    # Labels stay few: the URL pattern's name, never the path (ids, queries) itself.
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match._func_path
    if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return "static"
    return "unmatched"


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        REQUEST_DURATION.labels(
            view=_view_name(request),
            method=request.method if request.method in _METHODS else "other",
            status=f"{response.status_code // 100}xx",
        ).observe(time.perf_counter() - started)
        return response


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """whitenoise, without its warning when collectstatic has not run (development, the test
    suite): WHITENOISE_USE_FINDERS serves the app and project static folders then."""

    def add_files(self, root: str, prefix: str | None = None) -> None:
        if Path(root).is_dir():
            super().add_files(root, prefix)
