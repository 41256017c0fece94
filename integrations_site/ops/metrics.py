"""Prometheus metrics of the web processes, and the one place /metrics is assembled.

Counters and histograms are prometheus_client's (the integrations app defines its own in
integrations/metrics.py). Under gunicorn, PROMETHEUS_MULTIPROC_DIR (set by gunicorn.conf.py)
makes every worker write its values to files there, and /metrics adds them up, whichever
worker answers."""

import hmac
import ipaddress
import logging
import os
from collections.abc import Callable, Iterator

from django.conf import settings
from django.http import HttpRequest
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from integrations_site.api.throttling import client_address

logger = logging.getLogger(__name__)

REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time from the first middleware to the response, by view, method and status class.",
    ["view", "method", "status"],
)

# --- gauges read at scrape time ----------------------------------------------------------------

_gauge_callbacks: dict[str, tuple[str, Callable[[], float]]] = {}


def register_gauge_callback(name: str, documentation: str, callback: Callable[[], float]) -> None:
    """A gauge whose value `callback()` gives when /metrics is read (e.g. a queue's length read
    from the database). Registering a name again replaces its callback."""
    _gauge_callbacks[name] = (documentation, callback)


class _CallbackCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        for name, (documentation, callback) in sorted(_gauge_callbacks.items()):
            try:
                value = float(callback())
            except Exception:  # one broken gauge must not take the others down
                logger.exception("Gauge %s could not be read.", name)
                continue
            yield GaugeMetricFamily(name, documentation, value=value)


_callbacks = CollectorRegistry(auto_describe=False)
_callbacks.register(_CallbackCollector())


def _task_queue_depth() -> float:
    # Imported when read: the tasks module loads models, so not while apps are loading.
    from integrations_site.integrations.tasks import queue_depth

    return float(queue_depth())


# Tasks waiting in the queue for a worker (0 when tasks run immediately).
register_gauge_callback(
    "integrations_task_queue_depth", "Tasks waiting in the task queue.", _task_queue_depth
)


def exposition() -> tuple[bytes, str]:
    """The text /metrics answers, and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(_callbacks), CONTENT_TYPE_LATEST


def allowed(request: HttpRequest) -> bool:
    """From an address in METRICS_ALLOWED_NETWORKS and, if METRICS_TOKEN is set, with it."""
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    networks = settings.METRICS_ALLOWED_NETWORKS
    if not any(address in ipaddress.ip_network(net, strict=False) for net in networks):
        return False
    token = settings.METRICS_TOKEN
    if not token:
        return True
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
