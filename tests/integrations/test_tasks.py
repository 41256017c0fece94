"""Background tasks: the schedules (claimed once however many workers run), re-checks that
record the status the list shows, and pull credentials re-minted ahead of expiry. The worker
is the real `run_worker` command; AWS is moto's server."""

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from integrations_site.integrations import tasks
from integrations_site.integrations.models import CachedPullCredentials, Integration, ScheduleSlot
from integrations_site.integrations.pull import pull_credentials
from tests.factories import make_integration

# Workers open their own connections and transactions: no test-wide transaction around them.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.INTEGRATIONS_RECHECK_HOURS = 6
    cache.clear()
    yield
    cache.clear()


def queued(task) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.ready().filter(task_path=task.module_path))


def run_worker() -> None:
    """One real worker: every queued task, then exit."""
    call_command("run_worker", "--batch", "--no-schedule")


def age(integration: Integration, hours: float) -> None:
    Integration.objects.filter(pk=integration.pk).update(
        checked_at=timezone.now() - timedelta(hours=hours)
    )


# --- the schedule -----------------------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="the in-memory SQLite test database refuses concurrent writers; run on PostgreSQL",
)
def test_two_workers_claim_each_schedule_run_once(org):
    stale = [make_integration(org, name=f"ecr-{n}") for n in range(3)]
    fresh = make_integration(org, name="fresh")
    Integration.objects.filter(pk=fresh.pk).update(checked_at=timezone.now())
    now = timezone.now()
    start = threading.Barrier(2)
    outcomes: list[dict] = []

    def worker(worker_id: str) -> None:
        try:
            start.wait(timeout=10)
            outcomes.append(tasks.run_schedules(now=now, worker_id=worker_id))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(outcomes) == 2
    assert sorted(tasks.RECHECK in outcome for outcome in outcomes) == [False, True]
    enqueued = queued(tasks.recheck_integration)
    assert sorted(result.args_kwargs["args"][0] for result in enqueued) == sorted(
        str(integration.pk) for integration in stale
    )
    assert ScheduleSlot.objects.filter(name=tasks.RECHECK).count() == 1


def test_a_claimed_run_is_not_enqueued_again(org):
    make_integration(org, name="ecr")
    now = timezone.now()
    assert tasks.run_schedules(now=now, worker_id="w1") == {tasks.RECHECK: 1, tasks.REFRESH: 0}
    # Another worker, later in the same slot: nothing to do. The next slot is claimed anew.
    assert tasks.run_schedules(now=now + timedelta(seconds=1), worker_id="w2") == {}
    assert tasks.RECHECK in tasks.run_schedules(now=now + tasks.recheck_tick(), worker_id="w2")
    assert len(queued(tasks.recheck_integration)) == 2


def test_slots_are_the_same_for_every_worker():
    now = timezone.now()
    tick = timedelta(minutes=10)
    start = tasks.slot_start(now, tick)
    assert start <= now < start + tick
    assert tasks.slot_start(start + tick - timedelta(microseconds=1), tick) == start


# --- re-checks --------------------------------------------------------------------------------


def test_recheck_records_that_a_key_stopped_working(
    client, org, org_admin, aws_endpoint, ecr_pull_keys, moto_server
):
    integration = make_integration(
        org,
        name="ecr",
        access_key_id=ecr_pull_keys.access_key_id,
        secret_access_key=ecr_pull_keys.secret_access_key,
    )
    assert integration.checked_at is None
    tasks.run_schedules()
    run_worker()
    integration.refresh_from_db()
    assert integration.status == "verified"
    assert timezone.now() - integration.checked_at < timedelta(minutes=1)

    # A recent check is not due; one older than INTEGRATIONS_RECHECK_HOURS is.
    assert tasks.enqueue_rechecks(now=timezone.now()) == 0
    moto_server.delete_key(ecr_pull_keys)
    age(integration, hours=6)
    tasks.run_schedules(now=timezone.now() + tasks.recheck_tick())
    run_worker()
    integration.refresh_from_db()
    assert integration.status == "failed"
    assert integration.status_reason == "The Access Key ID does not exist or is not active."
    client.force_login(org_admin)
    assert (
        "Failed: The Access Key ID does not exist" in client.get("/integrations/").content.decode()
    )


def test_a_recheck_enqueued_twice_checks_once(org, aws_requests):
    integration = make_integration(org, name="ecr")
    age(integration, hours=7)
    assert tasks.enqueue_rechecks(now=timezone.now()) == 1
    assert tasks.enqueue_rechecks(now=timezone.now()) == 1  # a backlog longer than a tick
    run_worker()
    results = sorted(r.return_value for r in DBTaskResult.objects.successful())
    # tests/testenv.py points AWS at a closed port: the check records "not verified".
    assert results == ["fresh", "not_verified"]
    integration.refresh_from_db()
    assert integration.status_reason == "Could not reach AWS in us-east-1."


def test_a_deleted_integration_is_skipped(org):
    integration = make_integration(org, name="ecr")
    tasks.enqueue_rechecks(now=timezone.now())
    Integration.objects.filter(pk=integration.pk).delete()
    run_worker()
    assert [r.return_value for r in DBTaskResult.objects.successful()] == ["gone"]


def test_without_a_worker_tasks_run_at_once(settings, org):
    """Development (DEBUG's default TASKS_BACKEND=immediate): nothing waits for a worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    integration = make_integration(org, name="ecr")
    assert tasks.run_schedules()[tasks.RECHECK] == 1
    integration.refresh_from_db()
    assert integration.checked_at is not None and integration.status == "not_verified"
    assert not DBTaskResult.objects.exists()
    assert tasks.queue_depth() == 0


# --- pull credentials refreshed ahead of expiry -----------------------------------------------


@pytest.fixture
def ecr_integration(org, aws_endpoint, ecr_pull_keys):
    integration = make_integration(
        org,
        name="ecr",
        access_key_id=ecr_pull_keys.access_key_id,
        secret_access_key=ecr_pull_keys.secret_access_key,
    )
    age(integration, hours=0)  # just checked: no re-check in the way
    return Integration.objects.get(pk=integration.pk)


def test_cached_pull_credentials_are_minted_anew_before_they_run_out(
    ecr_integration, ecr_pull_keys, aws_requests
):
    first = pull_credentials(ecr_integration)
    entry = CachedPullCredentials.objects.get(pk=ecr_integration.pk)
    assert abs(entry.cached_until - (first.expires_at - timedelta(minutes=30))) < timedelta(
        seconds=1
    )
    mints = ["ecr:GetAuthorizationToken"]
    assert aws_requests.actions(access_key_id=ecr_pull_keys.access_key_id) == mints

    # Hours later nothing is due yet; a refresh run enqueues nothing.
    assert tasks.enqueue_refreshes(now=timezone.now()) == 0
    # Close to running out (as if minted 11.5 hours ago): the worker mints anew.
    almost = timezone.now() + timedelta(minutes=5)
    CachedPullCredentials.objects.filter(pk=entry.pk).update(cached_until=almost)
    assert tasks.run_schedules()[tasks.REFRESH] == 1
    assert len(queued(tasks.refresh_cached_pull_credentials)) == 1
    assert tasks.queue_depth() == 1
    run_worker()
    assert tasks.queue_depth() == 0
    assert aws_requests.actions(access_key_id=ecr_pull_keys.access_key_id) == mints * 2
    entry.refresh_from_db()
    assert entry.cached_until > timezone.now() + timedelta(hours=11)

    # The next pull is served from the cache: AWS hears nothing more.
    again = pull_credentials(Integration.objects.get(pk=ecr_integration.pk))
    assert again.registry == first.registry and again.expires_at >= first.expires_at
    assert aws_requests.actions(access_key_id=ecr_pull_keys.access_key_id) == mints * 2


def test_replaced_or_deleted_integrations_are_not_refreshed(
    ecr_integration, ecr_pull_keys, aws_requests
):
    from integrations_site.integrations import services

    pull_credentials(ecr_integration)
    CachedPullCredentials.objects.update(cached_until=timezone.now())
    Integration.objects.filter(pk=ecr_integration.pk).update(credentials_version=2)
    tasks.enqueue_refreshes(now=timezone.now())
    run_worker()
    assert [r.return_value for r in DBTaskResult.objects.successful()] == ["replaced"]
    assert not CachedPullCredentials.objects.exists()
    assert aws_requests.actions(access_key_id=ecr_pull_keys.access_key_id) == [
        "ecr:GetAuthorizationToken"
    ]
    integration = Integration.objects.get(pk=ecr_integration.pk)
    pull_credentials(integration)
    services.integration_delete(integration=integration)
    assert not CachedPullCredentials.objects.exists()  # gone with the integration


def test_metrics_show_the_queue_depth(client, org):
    make_integration(org, name="ecr")
    tasks.run_schedules()
    text = client.get("/metrics").content.decode()
    assert "integrations_task_queue_depth 1.0" in text
    run_worker()
    assert "integrations_task_queue_depth 0.0" in client.get("/metrics").content.decode()
