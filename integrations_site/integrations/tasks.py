"""Background work of the integrations app: django-tasks tasks and the schedules that enqueue
them (`manage.py run_worker` runs both).

Two schedules. Every tick, exactly one worker of however many claims the tick's ScheduleSlot
row (a unique constraint decides) and enqueues:
- "recheck": a check of every integration whose last check is older than
  INTEGRATIONS_RECHECK_HOURS, so the list shows a key that stopped working before a deploy
  fails;
- "refresh": a fresh mint of every cached pull credential that runs out within REFRESH_AHEAD,
  so a pull is served from the cache instead of waiting on AWS.

A task enqueued twice (a backlog longer than a tick) finds the work done and does nothing."""

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task, task_backends
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from . import services
from .models import CachedPullCredentials, Integration, ScheduleSlot
from .pull import refresh_pull_credentials

logger = logging.getLogger(__name__)

RECHECK = "recheck"
REFRESH = "refresh"
# At most this long between two claims of the recheck schedule (less for short periods).
RECHECK_TICK = timedelta(minutes=10)
REFRESH_TICK = timedelta(minutes=5)
# Longer than REFRESH_TICK, so every entry is seen by one refresh run before it runs out.
REFRESH_AHEAD = timedelta(minutes=15)
# Claimed slots are kept this long (they only need to outlive their own tick).
SLOT_RETENTION = timedelta(days=2)


def recheck_period() -> timedelta:
    return timedelta(hours=settings.INTEGRATIONS_RECHECK_HOURS)


def recheck_tick() -> timedelta:
    return min(RECHECK_TICK, recheck_period() / 6)


def slot_start(now: datetime, tick: timedelta) -> datetime:
    """The start of the tick-long slot `now` falls in (slots are aligned to the epoch, so
    every worker computes the same one)."""
    seconds = tick.total_seconds()
    return datetime.fromtimestamp(now.timestamp() // seconds * seconds, UTC)


def schedule_slot_claim(*, name: str, starts_at: datetime, worker_id: str = "") -> bool:
    """Claim one run of a schedule: True for the one caller that inserts its row, False for
    every other (concurrent or later) caller."""
    try:
        with transaction.atomic():
            ScheduleSlot.objects.create(name=name, starts_at=starts_at, claimed_by=worker_id)
    except IntegrityError:
        return False
    ScheduleSlot.objects.filter(name=name, starts_at__lt=starts_at - SLOT_RETENTION).delete()
    return True


def run_schedules(*, now: datetime | None = None, worker_id: str = "") -> dict[str, int]:
    """Enqueue the runs of every schedule whose current slot is still unclaimed; returns the
    number of tasks enqueued per schedule this worker claimed."""
    now = now or timezone.now()
    enqueued = {}
    if schedule_slot_claim(
        name=RECHECK, starts_at=slot_start(now, recheck_tick()), worker_id=worker_id
    ):
        enqueued[RECHECK] = enqueue_rechecks(now=now)
    if schedule_slot_claim(
        name=REFRESH, starts_at=slot_start(now, REFRESH_TICK), worker_id=worker_id
    ):
        enqueued[REFRESH] = enqueue_refreshes(now=now)
    return enqueued


# --- re-checks --------------------------------------------------------------------------------


def enqueue_rechecks(*, now: datetime) -> int:
    # Due one tick early: the next slot then comes before the check is a full period old.
    stale_before = now - recheck_period() + recheck_tick()
    due = list(
        Integration.objects.filter(Q(checked_at__isnull=True) | Q(checked_at__lt=stale_before))
        .order_by("checked_at")
        .values_list("pk", flat=True)
    )
    for pk in due:
        recheck_integration.enqueue(str(pk), stale_before.isoformat())
    return len(due)


@task()
def recheck_integration(integration_id: str, stale_before: str) -> str:
    """Check an integration's stored credentials and record the status the list shows."""
    integration = Integration.objects.filter(pk=integration_id).first()
    if integration is None:
        return "gone"
    if integration.checked_at and integration.checked_at >= datetime.fromisoformat(stale_before):
        return "fresh"  # checked since this was enqueued
    try:
        services.integration_check(integration=integration)
    except Http404:
        return "gone"  # deleted while it was checked
    return integration.status


# --- pull credentials refreshed ahead of expiry -----------------------------------------------


def enqueue_refreshes(*, now: datetime) -> int:
    due = list(
        CachedPullCredentials.objects.filter(cached_until__lt=now + REFRESH_AHEAD)
        .order_by("cached_until")
        .values_list("integration_id", flat=True)
    )
    for pk in due:
        refresh_cached_pull_credentials.enqueue(str(pk))
    return len(due)


@task()
def refresh_cached_pull_credentials(integration_id: str) -> str:
    """Mint the integration's pull credentials anew and replace the cached entry."""
    entry = (
        CachedPullCredentials.objects.select_related("integration")
        .filter(pk=integration_id)
        .first()
    )
    if entry is None:
        return "gone"
    now = timezone.now()
    if entry.cached_until >= now + REFRESH_AHEAD:
        return "fresh"  # a pull or another refresh minted it meanwhile
    if entry.credentials_version != entry.integration.credentials_version:
        entry.delete()  # replaced: the next pull mints under the new version
        return "replaced"
    try:
        refresh_pull_credentials(entry.integration)
    except Exception:
        if entry.cached_until <= now:
            # Already gone from the cache: stop keeping it warm; the next pull mints (and
            # reports the failure to the caller).
            entry.delete()
        raise
    return "refreshed"


# --- the queue --------------------------------------------------------------------------------


def queue_depth() -> int:
    """Tasks waiting for a worker now (always 0 when tasks run immediately)."""
    if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
        return 0
    return DBTaskResult.objects.ready().count()
