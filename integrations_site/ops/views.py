"""/healthz, /readyz and /metrics: no sign-in, no session, no CSRF (GET only)."""

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import health, metrics


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. No database, cache or disk."""
    return JsonResponse({"status": "ok"})


@require_safe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when every check passed, else 503 naming the ones that failed.
    `info` reports what does not gate readiness (e.g. whether an AWS identity is set)."""
    results = health.readiness()
    ready = all(reason is None for reason in results.values())
    checks = {
        name: {"status": "ok"} if reason is None else {"status": "fail", "reason": reason}
        for name, reason in results.items()
    }
    return JsonResponse(
        {"status": "ok" if ready else "fail", "checks": checks, "info": health.information()},
        status=200 if ready else 503,
    )


@require_safe
@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    # A 404, not a 403: a caller who may not read metrics learns nothing, not even that
    # they exist.
    if not metrics.allowed(request):
        raise Http404
    body, content_type = metrics.exposition()
    return HttpResponse(body, content_type=content_type)
