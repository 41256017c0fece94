"""The audit trail (floor 0: imports nothing of the site). Every app records with

    from integrations_site import audit
    audit.record(action="integration.delete", target=integration)

inside the transaction of the change it describes."""

import functools
from collections.abc import Callable

from .context import actor_set

SUCCESS, FAILURE = "success", "failure"


def record(**kwargs):
    """services.record, importable before the apps are loaded."""
    from .services import record

    return record(**kwargs)


def record_read(**kwargs) -> bool:
    """services.record_read, importable before the apps are loaded."""
    from .services import record_read

    return record_read(**kwargs)


def failures_recorded(
    *errors: type[BaseException], action: str, target: str
) -> Callable[[Callable], Callable]:
    """Decorate a service (above its @transaction.atomic): when it raises one of `errors`,
    the attempt is recorded as a failure after its transaction rolled back (in a transaction
    of its own, or the caller's if there is one). `target` names the keyword argument that
    holds the object acted on."""

    def decorator(service: Callable) -> Callable:
        @functools.wraps(service)
        def wrapped(*args, **kwargs):
            try:
                return service(*args, **kwargs)
            except errors as error:
                details = {"reason": type(error).__name__}
                record(action=action, target=kwargs[target], outcome=FAILURE, details=details)
                raise

        return wrapped

    return decorator


__all__ = ["FAILURE", "SUCCESS", "actor_set", "failures_recorded", "record", "record_read"]
