"""Races: requests about one object fired together from parallel threads, against a real
server, answer only 2xx or 404 (never a 500, never a deleted object written back); and
concurrent writers on SQLite wait for each other instead of failing with "database is locked".

On PostgreSQL the server is pytest-django's live_server. On SQLite it is what `make run` runs
(`manage.py runserver` on a database file, in a subprocess): the suite's SQLite test database
lives in memory with shared-cache table locks, unlike any real SQLite site, so races against
it would show only the test set-up's own locking."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import OperationalError, connection, connections, transaction

from integrations_site.api.services import api_token_create
from integrations_site.deployments import services
from integrations_site.deployments.models import Rollout, Service
from integrations_site.integrations.models import Integration
from integrations_site.integrations.services import integration_delete
from tests.factories import make_integration, make_org, make_user

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(settings.BASE_DIR)
ROUNDS = 6
NEW_KEYS = {
    "options": {
        "name": "AWS",
        "spec": {
            "accessKeyId": "AKIAIOSFODNN7EXAMPLF",
            "secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ",
            "account": "123456789012",
            "region": "us-east-1",
        },
    }
}


# --- the site under test ----------------------------------------------------------------------


def seed(rounds: int) -> dict:
    """An admin with a token; per round one integration, on a registry of its own (so deleting
    it revokes), and two services using that registry. Also run inside the SQLite server's
    process (manage.py shell), so it returns plain JSON."""
    admin = make_user("racer")
    org = make_org("Races", admin=admin)
    _, raw = api_token_create(user=admin, name="races")
    found = []
    for number in range(rounds):
        account = f"1234567890{number:02d}"
        integration = make_integration(org, name=f"ecr-{number}", account=account)
        registry = f"{account}.dkr.ecr.us-east-1.amazonaws.com"
        created = [
            Service.objects.create(
                organization=org,
                name=f"svc-{number}-{i}",
                runner_image=f"{registry}/models/detector:{i}",
                registry=registry,
            )
            for i in range(2)
        ]
        found.append({"integration": str(integration.pk), "services": [str(s.pk) for s in created]})
    return {"org": str(org.pk), "token": raw, "rounds": found}


def facts(data: dict) -> dict:
    """What the database holds afterwards (also run inside the SQLite server's process)."""
    ids = [item["integration"] for item in data["rounds"]]
    return {
        "integrations_left": Integration.objects.filter(pk__in=ids).count(),
        "revokes": [
            Rollout.objects.filter(service_id__in=item["services"], action="revoke").count()
            for item in data["rounds"]
        ],
    }


@dataclass
class Site:
    url: str
    data: dict
    facts: Callable[[], dict]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _python(env: dict, code: str) -> dict:
    out = _manage(env, "shell", "-c", f"import json\n{code}")
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture
def site(request, tmp_path) -> Iterator[Site]:
    if connection.vendor != "sqlite":
        live_server = request.getfixturevalue("live_server")
        data = seed(ROUNDS)
        yield Site(live_server.url, data, lambda: facts(data))
        return
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}"}
    _manage(env, "migrate", "--noinput")
    seeded = f"from tests.security.test_races import seed\nprint(json.dumps(seed({ROUNDS})))"
    data = _python(env, seeded)
    port = _free_port()
    log = (tmp_path / "runserver.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(f"{url}/accounts/login/", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        look = f"from tests.security.test_races import facts\nprint(json.dumps(facts({data!r})))"
        yield Site(url, data, lambda: _python(env, look))
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


# --- the races --------------------------------------------------------------------------------


def _fire(calls: list) -> list[int]:
    """Run every call at once (released together by a barrier); their status codes."""
    barrier = threading.Barrier(len(calls))
    statuses: list[int] = [0] * len(calls)

    def run(index: int, call) -> None:
        barrier.wait()
        statuses[index] = call().status_code

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def test_delete_patch_check_and_restart_racing_answer_only_2xx_or_404(site):
    # AWS is a closed port here (tests/testenv.py): every check and rollout gets its answer
    # ("unreachable") at once, so the requests overlap in the database, where races are.
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {site.data['token']}"
    api = f"{site.url}/api/v1/orgs/{site.data['org']}"
    seen: Counter = Counter()

    for number, item in enumerate(site.data["rounds"]):
        url = f"{api}/integrations/{item['integration']}"

        def patch(body: dict, item=item):
            return session.patch(
                f"{api}/integrations", json={"integrationId": item["integration"], **body}
            )

        calls = [lambda url=url: session.delete(url)] * 4 + [
            lambda: patch({"name": f"renamed-{number}-a"}),
            lambda: patch({"name": f"renamed-{number}-b"}),
            lambda: patch({"credentials": NEW_KEYS, "reloadServices": True}),
            lambda: patch({"credentials": NEW_KEYS, "reloadServices": True}),
            lambda url=url: session.post(f"{url}/check", json={}),
            lambda url=url: session.post(f"{url}/check", json={}),
        ]
        calls += [
            lambda pk=pk: session.post(f"{api}/services/{pk}/restart", json={})
            for pk in item["services"]
            for _ in range(2)
        ]
        statuses = _fire(calls)
        seen.update(statuses)
        assert all(200 <= status < 300 or status == 404 for status in statuses), statuses
        assert statuses[:4].count(204) == 1, statuses  # exactly one DELETE deleted it

    after = site.facts()
    # No write brought a deleted integration back; each deletion revoked both services once.
    assert after == {"integrations_left": 0, "revokes": [2] * ROUNDS}, after
    assert seen[404] > 0, seen  # the races did happen: some requests found it gone


def test_a_restart_read_before_a_delete_does_not_undo_the_revocation(org):
    """The interleaving the races above hit by chance, made certain: a restart read the service,
    the integration was deleted (revoking access), then the restart records its outcome."""
    integration = make_integration(org, name="ecr")
    host = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
    Service.objects.create(
        organization=org, name="svc", runner_image=f"{host}/models/detector:1", registry=host
    )
    stale = Service.objects.get()
    integration_delete(integration=integration)

    services.service_restart(service=stale, user=None)

    service = Service.objects.get()
    assert (service.status, service.status_reason, service.revoked_integration) == (
        "image_pull_back_off",
        "Registry access revoked: integration 'ecr' was deleted",
        "ecr",
    )


def test_twenty_concurrent_writers_get_no_database_is_locked(tmp_path):
    """`make run` uses a SQLite file: 20 threads, each with its own connection built from the
    site's settings, run read-then-write transactions at once. Without IMMEDIATE transactions
    and a busy timeout some fail at once with "database is locked".

    Only meaningful on SQLite (the options under test are SQLite's), and on a file: the suite's
    SQLite test database lives in memory, shared by one connection, so it can't show this."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's locking; PostgreSQL has row locks and no database-wide lock")
    assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    settings_dict = {
        **connections["default"].settings_dict,
        "NAME": str(tmp_path / "writers.sqlite3"),
    }
    alias = "races_sqlite_file"

    def open_connection():
        """A connection of its own for this thread, as a server thread would have."""
        db = type(connections["default"])(settings_dict, alias)
        connections[alias] = db  # per thread; lets transaction.atomic(using=alias) find it
        return db

    writers, rounds = 20, 5
    errors: list[str] = []
    barrier = threading.Barrier(writers)

    def write(number: int) -> None:
        db = open_connection()
        try:
            barrier.wait()
            for _ in range(rounds):
                with transaction.atomic(using=alias), db.cursor() as cursor:
                    cursor.execute("SELECT COUNT(*) FROM counter")
                    (count,) = cursor.fetchone()
                    cursor.execute(
                        "INSERT INTO counter (writer, seen) VALUES (%s, %s)", [number, count]
                    )
        except OperationalError as error:
            errors.append(str(error))
        finally:
            db.close()

    db = open_connection()
    try:
        with db.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("CREATE TABLE counter (writer INTEGER, seen INTEGER)")
        threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        with db.cursor() as cursor:
            cursor.execute("SELECT COUNT(*), COUNT(DISTINCT seen) FROM counter")
            # Serialized: every transaction saw a different count.
            assert cursor.fetchone() == (writers * rounds, writers * rounds)
    finally:
        db.close()
