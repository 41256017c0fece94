"""Who is acting, from where: the request being served, kept in a contextvar so services can
record events without the request being passed through them. Set by AuditContextMiddleware;
outside a request (commands, the worker) the actor is the system."""

import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest


@dataclass(frozen=True)
class Actor:
    kind: str  # "user", "token", "runtime", "system", "anonymous"
    id: str = ""
    name: str = ""


SYSTEM = Actor(kind="system", name="system")
ANONYMOUS = Actor(kind="anonymous", name="anonymous")


@dataclass
class RequestContext:
    request_id: str = ""
    client_address: str = ""
    user_agent: str = ""
    request: HttpRequest | None = field(default=None, repr=False)
    # Set by whoever authenticated the caller in another way than the session (API tokens).
    actor: Actor | None = None


_current: ContextVar[RequestContext | None] = ContextVar("audit_request_context", default=None)


def current() -> RequestContext | None:
    return _current.get()


def activate(context: RequestContext | None):
    """Make `context` current; returns the token for `deactivate`."""
    return _current.set(context)


def deactivate(token) -> None:
    _current.reset(token)


def actor_set(*, kind: str, id: object, name: str) -> None:
    """The current request acts as this actor (e.g. an API token); no-op outside a request."""
    context = _current.get()
    if context is not None:
        context.actor = Actor(kind=kind, id=str(id), name=name)


def current_actor() -> Actor:
    context = _current.get()
    if context is None:
        return SYSTEM
    if context.actor is not None:
        return context.actor
    user = getattr(context.request, "user", None)
    if user is not None and user.is_authenticated:
        return Actor(kind="user", id=str(user.pk), name=user.get_username())
    return ANONYMOUS


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the header a trusted proxy sets (settings.CLIENT_IP_HEADER): the same
    rule as the sign-in and token throttling (api/throttling.py; a test holds them equal)."""
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        forwarded = value.rsplit(",", 1)[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


def context_of(request: HttpRequest) -> RequestContext:
    # The ops middleware, when it runs first, has already settled on the request id.
    request_id = getattr(request, "request_id", None) or request.headers.get("X-Request-ID", "")
    return RequestContext(
        request_id=request_id[:64] if request_id else str(uuid.uuid4()),
        client_address=client_address(request),
        user_agent=request.headers.get("User-Agent", ""),
        request=request,
    )
