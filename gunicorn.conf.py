"""gunicorn's settings: what `make serve` and the container run (scripts/entrypoint.sh).

Every value can be changed through the environment: HOST, PORT, WEB_CONCURRENCY,
GUNICORN_TIMEOUT, LOG_FORMAT, PROMETHEUS_MULTIPROC_DIR."""

import multiprocessing
import os
import tempfile
from pathlib import Path

wsgi_app = "integrations_site.wsgi:application"
bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104

# Sync workers: 2 x CPUs + 1, at most 12 (each holds a database connection).
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 12))

# Outbound calls end by OUTBOUND_REQUEST_DEADLINE_SECONDS (15 s): a request may take that plus
# its database work, so a worker is killed only well past it.
_deadline = float(os.environ.get("OUTBOUND_REQUEST_DEADLINE_SECONDS") or 15)
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or max(30, 2 * _deadline))
# On SIGTERM, requests in flight get this long to finish.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT") or timeout)
keepalive = 5

accesslog = "-"  # stdout
errorlog = "-"  # stderr
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'

if os.environ.get("LOG_FORMAT") == "json":
    # The same JSON lines and secret mask as the site's own logs (settings.LOGGING).
    _handler = {
        "class": "logging.StreamHandler",
        "filters": ["mask_secrets"],
        "formatter": "json",
    }
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"mask_secrets": {"()": "integrations_site.logging.SecretMaskingFilter"}},
        "formatters": {"json": {"()": "integrations_site.logging.JsonFormatter"}},
        "handlers": {
            "stdout": {**_handler, "stream": "ext://sys.stdout"},
            "stderr": {**_handler, "stream": "ext://sys.stderr"},
        },
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        },
    }

# Metrics of every worker in one place: prometheus_client's multiprocess mode. Set before any
# worker imports prometheus_client.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="integrations-metrics-")


def on_starting(server) -> None:
    # Values left by an earlier run would be added to this one's.
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for left_over in directory.glob("*.db"):
        left_over.unlink()


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker) -> None:
    # The API's URLs and the providers load lazily (urls.py, providers/base.py), which keeps
    # the worker process and commands light; a web worker loads them before its first request
    # rather than during it.
    import importlib

    from integrations_site.integrations.providers import all_providers
    from integrations_site.urls import API_URLCONF

    importlib.import_module(API_URLCONF)
    all_providers()
