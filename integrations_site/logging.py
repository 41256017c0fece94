"""A logging filter that masks secrets before any handler formats a record.

The application never logs secrets on purpose; this is the net under that rule, for a library
or an exception message that might echo a request body or a boto3 parameter."""

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime

from django.http import HttpRequest
from django.utils.functional import LazyObject, empty

# AWS access key ids (long-term AKIA, temporary ASIA): keep a hint, hide the middle.
_ACCESS_KEY_ID = re.compile(r"\b((?:AKIA|ASIA)[A-Z0-9]{16})\b")
# A 40-character AWS secret access key standing on its own.
_SECRET_ACCESS_KEY = re.compile(
    r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{39}[A-Za-z0-9/+=](?![A-Za-z0-9/+=])"
)
# key=value or "key": "value" pairs whose key names a secret.
_NAMED_SECRET = re.compile(
    r"(?i)([\"']?(?:secret[_-]?access[_-]?key|secretAccessKey|password|passwd|token|secret|"
    r"authorization|credentials)[\"']?\s*[:=]\s*)"
    # An auth scheme word ("Bearer x") belongs to the value: mask what follows it too.
    r"((?:(?:bearer|basic|token|digest)\s+)?(?:\"[^\"]*\"|'[^']*'|[^\s,;&}]+))"
)
# The site's own API tokens, wherever they stand: older "dlt_" ones, and JWTs (three base64url
# parts; the header is JSON, so it always starts with "eyJ", the encoding of '{"').
_API_TOKEN = re.compile(r"\bdlt_[A-Za-z0-9_-]{8,}")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
MASK = "********"


def mask_secrets(text: str) -> str:
    text = _NAMED_SECRET.sub(lambda m: m.group(1) + MASK, text)
    text = _API_TOKEN.sub("dlt_" + MASK, text)
    text = _JWT.sub("eyJ" + MASK, text)
    text = _ACCESS_KEY_ID.sub(lambda m: f"{m.group(1)[:4]}…{m.group(1)[-4:]}", text)
    return _SECRET_ACCESS_KEY.sub(MASK, text)


class SecretMaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = str(record.msg)
        record.msg = mask_secrets(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text)
        return True


# --- request context and JSON lines ------------------------------------------------------------

# The request being served in this thread or task (set by ops.middleware.RequestIdMiddleware).
current_request: "ContextVar[HttpRequest | None]" = ContextVar("current_request", default=None)


def _user_id(request) -> int | None:
    # Only a user already loaded: a log filter must not query the database (or log doing so).
    user = request.__dict__.get("user")
    if user is None:
        return None
    if isinstance(user, LazyObject):
        user = user._wrapped
        if user is empty:
            return None
    return getattr(user, "pk", None)


def _org_id(request) -> int | None:
    # The organization a view or token already settled on, if any; nothing is looked up.
    for holder in (request.__dict__.get("membership"), request.__dict__.get("auth")):
        org_id = getattr(holder, "organization_id", None)
        if org_id is not None:
            return org_id
    return None


class RequestContextFilter(logging.Filter):
    """Adds request_id, user_id and org_id (None outside a request, or not known yet)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs a response's status after the middleware ran; it hands the request along.
        # (runserver's own request log hands its socket as `request`: not ours to read.)
        request = getattr(record, "request", None)
        if not isinstance(request, HttpRequest):
            request = current_request.get()
        record.request_id = getattr(request, "request_id", None)
        record.user_id = _user_id(request) if request is not None else None
        record.org_id = _org_id(request) if request is not None else None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line (LOG_FORMAT=json). Put the masking filter before it: it reads
    the message and traceback the filter already masked."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "user_id": getattr(record, "user_id", None),
            "org_id": getattr(record, "org_id", None),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_secrets(self.formatException(record.exc_info))
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=str)
