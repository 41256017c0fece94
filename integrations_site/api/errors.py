"""One error shape for every API failure:

    {"error": {"code": "...", "message": "...", "fields": {"field": ["message", ...]}},
     "message": "...", "status": 400}

The top-level `message` and `status` repeat the error's for clients that read them there (the
platform's SDK, dtlpy, puts `message` in its exceptions).

Raised as ``ApiError`` inside endpoints; anything the framework answers on its own (unknown
path, wrong method, oversize or non-JSON body, unexpected exception) is turned into the same
shape by ``ApiErrorMiddleware``, so a client never sees HTML or a traceback from /api/."""

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
MAX_BODY_BYTES = 64 * 1024

_DEFAULT_MESSAGES = {
    400: ("bad_request", "The request is not valid."),
    401: ("unauthorized", "Authentication required: send 'Authorization: Bearer <token>'."),
    403: ("forbidden", "You are not allowed to do this."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "This method is not allowed here."),
    409: ("conflict", "The request conflicts with the current state."),
    413: ("payload_too_large", f"The request body is larger than {MAX_BODY_BYTES} bytes."),
    415: ("unsupported_media_type", "Send the body as JSON: 'Content-Type: application/json'."),
    429: ("too_many_requests", "Too many requests; retry after the time in 'Retry-After'."),
    502: ("bad_gateway", "An upstream service refused the request."),
    503: ("unavailable", "An upstream service could not be reached."),
    500: ("server_error", "Something went wrong on our side; it has been logged."),
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str | None = None,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        retry_after: int | None = None,
    ) -> None:
        default_code, default_message = _DEFAULT_MESSAGES.get(status, ("error", "Error."))
        self.status = status
        self.code = code or default_code
        self.message = message or default_message
        self.fields = fields or {}
        # Seconds, sent as the Retry-After header (a 429 says when to come back).
        self.retry_after = retry_after
        super().__init__(self.message)


def error_body(error: ApiError) -> dict:
    body: dict = {"code": error.code, "message": error.message}
    if error.fields:
        body["fields"] = error.fields
    return {"error": body, "message": error.message, "status": error.status}


def error_response(error: ApiError) -> JsonResponse:
    response = JsonResponse(error_body(error), status=error.status)
    if error.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    if error.retry_after is not None:
        response["Retry-After"] = str(error.retry_after)
    return response


class ApiErrorMiddleware:
    """Guards /api/: body size and type before any view reads it, JSON errors after."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        rejected = self._check_body(request)
        if rejected is not None:
            return error_response(rejected)
        response = self.get_response(request)
        is_json = response.get("Content-Type", "").startswith("application/json")
        if response.status_code >= 400 and not is_json:
            error = ApiError(response.status_code)
            replacement = error_response(error)
            if response.status_code == 405 and response.has_header("Allow"):
                replacement["Allow"] = response["Allow"]
            return replacement
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith(API_PREFIX):
            return None
        logger.exception("Unhandled API error on %s %s", request.method, request.path)
        return error_response(ApiError(500))

    @staticmethod
    def _check_body(request: HttpRequest) -> ApiError | None:
        if request.method not in ("POST", "PUT", "PATCH"):
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return ApiError(400, "Invalid Content-Length header.")
        if length > MAX_BODY_BYTES:
            return ApiError(413)
        content_type = request.content_type or ""
        if length and content_type != "application/json":
            return ApiError(415)
        return None


def install_exception_handlers(api: "NinjaAPI") -> None:
    """Every failure inside an endpoint answers in the one error shape."""
    # The framework loads with the API (the middleware above runs on every page without it).
    from ninja.errors import AuthenticationError, HttpError
    from ninja.errors import ValidationError as NinjaValidationError

    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return error_response(exc)

    @api.exception_handler(AuthenticationError)
    def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(ApiError(401, "Missing, invalid or revoked API token."))

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:
            return error_response(ApiError(400, "The body is not valid JSON.", code="invalid_json"))
        return error_response(ApiError(exc.status_code, str(exc)))

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(ApiError(404, str(exc) or None))

    @api.exception_handler(PermissionDenied)
    def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(ApiError(403, str(exc) or None))

    @api.exception_handler(NinjaValidationError)
    def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            # loc is like ("body", "payload", "options", "spec"); drop the framework's part.
            location = [
                str(part) for part in error.get("loc", ()) if part not in ("body", "payload")
            ]
            message = "Unknown field." if error.get("type") == "extra_forbidden" else error["msg"]
            fields.setdefault(".".join(location) or "body", []).append(message)
        return error_response(ApiError(400, "The request has invalid fields.", fields=fields))

    @api.exception_handler(Exception)
    def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        # No exception text reaches the client; the log record goes through the secret mask.
        logger.exception("Unhandled API error on %s %s", request.method, request.path)
        return error_response(ApiError(500))
