"""Who is asking, and whether their failed bearer tokens have used up the allowance.

Sign-in throttling is django-axes (settings.py); it takes the client address from
`client_address` too, so the web login and the API agree on who a client is."""

import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from .errors import ApiError

TOO_MANY_FAILED_TOKENS = (
    "Too many invalid API tokens from this address; retry after 'Retry-After' seconds."
)


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the header a trusted reverse proxy sets (settings.CLIENT_IP_HEADER)."""
    header = settings.CLIENT_IP_HEADER
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        # X-Forwarded-For grows to the right: the right-most entry is the one our proxy added;
        # anything left of it came from the client and may be forged.
        forwarded = value.rsplit(",", 1)[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


def _window(request: HttpRequest) -> tuple[str, int]:
    """The cache key of this address's current window, and the seconds left in it.

    Fixed windows on the clock: a key per window, so counting is one atomic add + incr on any
    cache backend and a window's count never outlives it."""
    length = settings.API_TOKEN_FAILURE_WINDOW
    now = time.time()
    number = int(now // length)
    left = max(1, math.ceil((number + 1) * length - now))
    return f"api-token-failures:{client_address(request)}:{number}", left


def bearer_failures_key(request: HttpRequest) -> str:
    """Where this address's failures in the current window are counted."""
    return _window(request)[0]


def bearer_failures_check(request: HttpRequest, *, failures: int | None = None) -> None:
    """Refuse (429) an address over the limit until its window passes, even a valid token.
    `failures` is the count the caller already read under bearer_failures_key (else read)."""
    key, left = _window(request)
    if failures is None:
        failures = cache.get(key)
    if (failures or 0) >= settings.API_TOKEN_FAILURE_LIMIT:
        raise ApiError(429, TOO_MANY_FAILED_TOKENS, retry_after=left)


def bearer_failure_record(request: HttpRequest) -> None:
    key, left = _window(request)
    cache.add(key, 0, timeout=left + 1)
    try:
        cache.incr(key)
    except ValueError:
        # The key expired between add and incr: the window just turned over.
        cache.add(key, 1, timeout=left + 1)
