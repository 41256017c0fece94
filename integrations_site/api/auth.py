"""Bearer-token authentication for the API.

`BearerToken` (every endpoint's default) accepts personal tokens only: a runtime token there
answers 403. `RuntimeBearerToken` also accepts runtime tokens, and is named only by the
endpoints that hand out registry pull credentials (and /users/me, which says who is calling).

A JWT-form token must carry this site's signature and be unexpired before it is looked up;
either form is then found by the hash of the whole token, so a revoked one fails at once. A found
row is cached for a minute (ApiToken.objects.for_bearer): revoking, deleting or deactivating its
user purges it, so revocation still takes effect at once; use is written at most once a
minute (ApiToken.touch)."""

from collections.abc import Callable, Sequence

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja.security import HttpBearer

from integrations_site import audit

from .jwt_tokens import looks_like_jwt, token_claims
from .models import ApiToken, token_cache_key
from .throttling import bearer_failure_record, bearer_failures_check, bearer_failures_key

RUNTIME_ONLY_PULLS = "Runtime tokens may only fetch registry pull credentials."


def _token(request: HttpRequest, raw: str, also: Sequence[str] = ()) -> ApiToken | None:
    # One cache round trip for all: the address's failed tokens, the token's cached row, and
    # what the endpoint reads next (`also`, kept in request.prefetched).
    failures_key, token_key = bearer_failures_key(request), token_cache_key(raw)
    found = cache.get_many([failures_key, token_key, *also])
    request.prefetched = {key: found.get(key) for key in also}
    # Guessing tokens is throttled per client address (429); a valid token waits out the window too.
    bearer_failures_check(request, failures=found.get(failures_key, 0))
    token = None
    if not looks_like_jwt(raw) or token_claims(raw) is not None:
        token = ApiToken.objects.for_bearer(raw, cached=found.get(token_key))
    if token is None:
        bearer_failure_record(request)
        audit.record(action="token.use", outcome=audit.FAILURE, target_type="token")
        return None
    token.touch()
    # A runtime token acts as nobody: it has no user, and no user's role.
    request.user = token.user if token.user_id else AnonymousUser()
    audit.actor_set(
        kind="runtime" if token.is_runtime else "token",
        id=token.pk,
        name=f"{token.user.get_username() if token.user_id else 'runtime'}: {token.name}",
    )
    return token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = _token(request, token)
        if found is not None and found.is_runtime:
            raise PermissionDenied(RUNTIME_ONLY_PULLS)
        return found


class RuntimeBearerToken(HttpBearer):
    def __init__(self, prefetch: Callable[[HttpRequest], Sequence[str]] | None = None) -> None:
        """`prefetch(request)`: cache keys the endpoint will read, fetched with the token."""
        super().__init__()
        self.prefetch = prefetch

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        return _token(request, token, self.prefetch(request) if self.prefetch else ())
