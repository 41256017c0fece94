"""The background worker: runs queued tasks (django-tasks-db's worker) and, beside it, the
schedules of integrations/tasks.py (and the sealing of waiting audit events into their chains).
Start one or more on any hosts that share the database: each task is claimed by one worker
(SELECT ... FOR UPDATE SKIP LOCKED), each schedule run by one worker (a unique ScheduleSlot
row)."""

import logging
import threading
import time

from django.core.management.base import BaseCommand
from django.db import connections
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME, task_backends
from django_tasks_db import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker

from integrations_site.audit.services import audit_seal
from integrations_site.integrations.tasks import run_schedules

logger = logging.getLogger("integrations_site.worker")


def run_schedules_logged(worker_id: str) -> None:
    try:
        enqueued = run_schedules(worker_id=worker_id)
        for name, count in enqueued.items():
            logger.info("Schedule %s: enqueued %d task(s) (worker %s).", name, count, worker_id)
        # Reads recorded outside the audit chain (pull credentials) are linked every tick,
        # by every worker (sealers take the chain's lock, so they never collide).
        if sealed := audit_seal():
            logger.info("Audit: linked %d waiting event(s) (worker %s).", sealed, worker_id)
    except Exception:
        # A database hiccup must not stop the worker; the next tick tries again.
        logger.exception("Schedule run failed (worker %s).", worker_id)
    finally:
        connections.close_all()  # this thread's connections only


def schedule_loop(worker_id: str, interval: float, stop: threading.Event) -> None:
    while not stop.is_set():
        run_schedules_logged(worker_id)
        stop.wait(interval)


class Command(BaseCommand):
    help = (
        "Run background tasks (credential re-checks, pull-credential refreshes) from the "
        "database queue, and enqueue them on schedule. Any number may run on any hosts."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds to wait when the queue is empty before looking again (default 1).",
        )
        parser.add_argument(
            "--schedule-interval",
            type=float,
            default=30.0,
            help="Seconds between looks at the schedules (default 30).",
        )
        parser.add_argument(
            "--no-schedule",
            action="store_false",
            dest="schedule",
            help="Only run queued tasks; another worker runs the schedules.",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run the schedules once, then every queued task, then exit.",
        )
        parser.add_argument(
            "--worker-id",
            default="",
            help="Unique per worker (default: the host's name and a random suffix).",
        )

    def handle(
        self,
        *args,
        interval: float,
        schedule_interval: float,
        schedule: bool,
        batch: bool,
        worker_id: str,
        **options,
    ) -> None:
        worker_id = worker_id or f"worker-{get_random_string(12)}"
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        queued = isinstance(backend, DatabaseBackend)
        logger.info(
            "Worker %s: %s; schedules %s.",
            worker_id,
            "tasks from the database queue" if queued else "tasks run as they are enqueued",
            "on" if schedule else "off",
        )
        if batch:
            if schedule:
                run_schedules_logged(worker_id)
        elif schedule:
            stop = threading.Event()
            threading.Thread(
                target=schedule_loop,
                args=(worker_id, schedule_interval, stop),
                name="schedules",
                daemon=True,  # ends with the worker, even mid-tick: its transaction rolls back
            ).start()
        if not queued:
            # Immediate backend (development): the schedule thread runs each task as it
            # enqueues it, so there is no queue to poll.
            while not batch:
                time.sleep(3600)
            return
        worker = Worker(
            queue_names=[DEFAULT_TASK_QUEUE_NAME],
            interval=interval,
            batch=batch,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=not batch,
            max_tasks=None,
            worker_id=worker_id[:64],
            excluded_queue_names=[],
        )
        if not batch:
            worker.configure_signals()  # SIGTERM: finish the running task, then exit
        worker.run()
