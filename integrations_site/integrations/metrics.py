"""Counters of credential checks and of the pull-credential cache (read at /metrics).

Labels are few and fixed: the provider key, the outcome, and the first failing step's key
(each provider's step keys are a short fixed list), never a name, host or message."""

from prometheus_client import Counter

from .providers import CheckResult

CREDENTIAL_CHECKS = Counter(
    "integrations_credential_checks_total",
    "Credential checks by provider, outcome (ok, failed, unreachable) and cause (the first "
    "failing step, 'unreachable', or 'none').",
    ["provider", "outcome", "cause"],
)
PULL_CREDENTIALS_CACHE = Counter(
    "integrations_pull_credentials_cache_total",
    "Pull-credential lookups answered from the cache (hit) or minted by the provider (miss).",
    ["result"],
)


def check_recorded(*, provider: str, result: CheckResult) -> None:
    if result.unreachable:
        outcome = cause = "unreachable"
    elif result.ok:
        outcome, cause = "ok", "none"
    else:
        outcome = "failed"
        cause = next((step.key for step in result.steps if step.ok is False), "unknown")
    CREDENTIAL_CHECKS.labels(provider=provider, outcome=outcome, cause=cause).inc()


def pull_cache_used(*, hit: bool) -> None:
    PULL_CREDENTIALS_CACHE.labels(result="hit" if hit else "miss").inc()
