"""Scaled out, the processes behave as one site: two web processes (gunicorn with the repo's
gunicorn.conf.py) and one worker, started here as subprocesses on this machine's PostgreSQL
(a database of their own) and Redis (CACHE_URL), DEBUG off with the suite's keys.

What one process does, the other sees at once: a deletion, a session, sign-in and bearer-token
throttling; the worker re-checks on the shared queue; the key-ring check passes in each."""

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
import redis
import requests

from tests.ops.support import free_port

ROOT = Path(__file__).resolve().parents[2]
PG = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379"
PASSWORD = "scale-out-password-1"
START_TIMEOUT = 60

SEED = """
import json
from integrations_site.api.services import api_token_create
from integrations_site.integrations import services
from integrations_site.integrations.providers import get_provider
from integrations_site.organizations.services import organization_create
from django.contrib.auth import get_user_model

users = get_user_model().objects
alice = users.create_user(username="alice", password=PASSWORD)
users.create_user(username="bob", password=PASSWORD)
org = organization_create(name="Acme", admin=alice)
# A v2 registry on a closed loopback port: minting pull credentials needs no network, and a
# check is answered "unreachable" at once.
integration = services.integration_create(
    organization=org, created_by=alice, name="registry", provider=get_provider("generic"),
    credentials={"url": "http://127.0.0.1:9", "username": "puller", "password": "pw",
                 "verify_tls": True, "ca_certificate": ""},
)
# Never checked: the worker's re-check schedule finds it.
services.integration_create(
    organization=org, created_by=alice, name="watched", provider=get_provider("generic"),
    credentials={"url": "http://127.0.0.1:9", "username": "u", "password": "pw",
                 "verify_tls": True, "ca_certificate": ""},
)
_, token = api_token_create(user=alice, name="scale-out")
print(json.dumps({"org": str(org.pk), "integration": str(integration.pk), "token": token}))
"""


def _services_up() -> bool:
    try:
        with psycopg.connect(f"{PG}/postgres", connect_timeout=3):
            pass
        redis.Redis.from_url(REDIS, socket_connect_timeout=3).ping()
    except Exception:
        return False
    return True


class Site:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.database = f"integrations_scale_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.redis_db = random.randint(8, 15)
        self.processes: dict[str, subprocess.Popen] = {}
        self.urls: dict[str, str] = {}
        self.env = {
            **os.environ,  # the suite's SECRET_KEY, key ring, ENV_FILE="" and AWS endpoint
            "DEBUG": "0",
            "DATABASE_URL": f"{PG}/{self.database}",
            "CACHE_URL": f"{REDIS}/{self.redis_db}",
            "TASKS_BACKEND": "database",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "SECURE_SSL_REDIRECT": "0",
            "AXES_FAILURE_LIMIT": "3",
            "API_TOKEN_FAILURE_LIMIT": "3",
            # Each test speaks as its own client address (through this header).
            "CLIENT_IP_HEADER": "X-Real-IP",
            "WEB_CONCURRENCY": "1",
            "DATABASE_CONN_MAX_AGE_SECONDS": "300",  # production's: connections kept
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)

    def manage(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(self, name: str, command: list[str], port: int | None = None) -> None:
        env = {**self.env, "HOST": "127.0.0.1", "PORT": str(port or 0)}
        log = open(self.tmp / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
        self.processes[name] = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: teardown ends gunicorn's workers too
        )
        log.close()
        if port:
            self.urls[name] = f"http://127.0.0.1:{port}"

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text()[-3000:]

    def wait_until_up(self, name: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                raise AssertionError(f"{name} exited:\n{self.log(name)}")
            try:
                if requests.get(self.urls[name] + "/healthz", timeout=5).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.3)
        raise AssertionError(
            f"{name} did not answer /healthz in {START_TIMEOUT} s:\n{self.log(name)}"
        )

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not _services_up():
        pytest.skip("needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379")
    site = Site(tmp_path_factory.mktemp("scale-out"))
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{site.database}"')
    try:
        migrated = site.manage("migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        seeded = site.manage("shell", "-c", f"PASSWORD = {PASSWORD!r}\n" + SEED)
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        site.seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        gunicorn = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
        site.start("a", gunicorn, port=free_port())
        site.start("b", gunicorn, port=free_port())
        worker = ["manage.py", "run_worker", "--interval", "0.2", "--schedule-interval", "1"]
        site.start("worker", [sys.executable, *worker])
        site.wait_until_up("a")
        site.wait_until_up("b")
        yield site
    finally:
        site.stop()
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{site.database}" WITH (FORCE)')


def address() -> str:
    """A client address of its own for each test (throttling counts per address)."""
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def api(site: Site, process: str, method: str, path: str, *, token: str, client: str):
    return requests.request(
        method,
        site.urls[process] + "/api/v1" + path,
        headers={"Authorization": f"Bearer {token}", "X-Real-IP": client},
        timeout=20,
    )


def sign_in(session: requests.Session, url: str, username: str, password: str):
    session.get(url + "/accounts/login/", timeout=20)
    return session.post(
        url + "/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        allow_redirects=False,
        timeout=20,
    )


def test_deleted_on_a_is_gone_on_b_with_its_cached_credentials(site):
    org, integration, token = site.seed["org"], site.seed["integration"], site.seed["token"]
    client = address()
    path = f"/orgs/{org}/integrations/{integration}/pull-credentials"
    assert api(site, "b", "GET", path, token=token, client=client).status_code == 200
    cache = redis.Redis.from_url(f"{REDIS}/{site.redis_db}")
    cached = cache.keys(f"*pull-credentials:{integration}")
    assert cached, "B's pull credentials are in the shared cache"

    deleted = api(
        site, "a", "DELETE", f"/orgs/{org}/integrations/{integration}", token=token, client=client
    )
    assert deleted.status_code == 204, deleted.text
    assert api(site, "b", "GET", path, token=token, client=client).status_code == 404
    assert cache.keys(f"*pull-credentials:{integration}") == []


def test_a_session_made_on_a_works_on_b(site):
    browser = requests.Session()
    browser.headers["X-Real-IP"] = address()
    assert sign_in(browser, site.urls["a"], "alice", PASSWORD).status_code == 302
    page = browser.get(site.urls["b"] + "/integrations/", allow_redirects=False, timeout=20)
    assert page.status_code == 200
    assert "Sign out" in page.text and "watched" in page.text
    assert requests.get(site.urls["b"] + "/integrations/", allow_redirects=False).status_code == 302
    # Signed out on b (sessions are read from the shared cache): the same session cookie is
    # refused on a at once.
    session_cookie = browser.cookies["sessionid"]
    assert browser.get(site.urls["a"] + "/integrations/", allow_redirects=False).status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    signed_out = browser.post(
        site.urls["b"] + "/accounts/logout/",
        data={"csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=20,
    )
    assert signed_out.status_code == 302
    again = requests.get(
        site.urls["a"] + "/integrations/",
        cookies={"sessionid": session_cookie},
        headers={"X-Real-IP": browser.headers["X-Real-IP"]},
        allow_redirects=False,
        timeout=20,
    )
    assert again.status_code == 302 and "/accounts/login/" in again.headers["Location"]


def test_sign_in_failures_on_a_lock_on_b(site):
    browser = requests.Session()
    browser.headers["X-Real-IP"] = address()
    for _ in range(2):
        assert sign_in(browser, site.urls["a"], "bob", "wrong").status_code == 200
    assert sign_in(browser, site.urls["a"], "bob", "wrong").status_code == 429  # the third
    elsewhere = requests.Session()
    elsewhere.headers["X-Real-IP"] = address()
    locked = sign_in(elsewhere, site.urls["b"], "bob", PASSWORD)  # right password, on B
    assert locked.status_code == 429
    assert "sessionid" not in elsewhere.cookies


def test_failed_bearer_tokens_counted_on_a_hold_on_b(site):
    org, token = site.seed["org"], site.seed["token"]
    client = address()
    for _ in range(3):
        assert (
            api(
                site, "a", "GET", f"/orgs/{org}/integrations", token="dlt_wrong", client=client
            ).status_code
            == 401
        )
    throttled = api(site, "b", "GET", f"/orgs/{org}/integrations", token=token, client=client)
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    assert (
        api(
            site, "b", "GET", f"/orgs/{org}/integrations", token=token, client=address()
        ).status_code
        == 200
    )


def test_the_worker_rechecks_on_the_shared_queue(site):
    """The worker found the never-checked integration in the shared database and recorded its
    check (the registry's port is closed: "not verified", with the time of the check)."""
    org, token = site.seed["org"], site.seed["token"]
    deadline = time.monotonic() + 30
    watched = {}
    while time.monotonic() < deadline:
        assert site.processes["worker"].poll() is None, site.log("worker")
        listing = api(site, "b", "GET", f"/orgs/{org}/integrations", token=token, client=address())
        watched = next(item for item in listing.json() if item["name"] == "watched")
        if watched["checkedAt"]:
            break
        time.sleep(0.5)
    assert watched["checkedAt"], site.log("worker")
    assert watched["status"] == "not_verified"
    assert "Schedule recheck: enqueued" in site.log("worker")


def test_the_key_ring_check_passes_in_every_process(site):
    """`manage.py check` passes with the environment all three share; each web process's
    /readyz reports its own key ring good; the worker ran the same checks when it started (an
    error would have stopped it) and still runs."""
    checked = site.manage("check")
    assert checked.returncode == 0, checked.stderr[-3000:]
    assert "no issues" in checked.stdout
    for process in ("a", "b"):
        ready = requests.get(site.urls[process] + "/readyz", timeout=20)
        assert ready.json()["checks"]["key_ring"] == {"status": "ok"}, ready.text
    assert site.processes["worker"].poll() is None, site.log("worker")


def backends(site: Site) -> set[int]:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [site.database],
        ).fetchall()
    return {pid for (pid,) in rows}


def test_each_process_keeps_its_connection_and_replaces_a_dropped_one(site):
    """Persistent connections: 20 requests on each web process open no new connection; after
    PostgreSQL drops them all (a restart, a failover), the next requests still answer 200."""
    org, token, client = site.seed["org"], site.seed["token"], address()
    for process in ("a", "b"):
        assert api(site, process, "get", f"/orgs/{org}/integrations", token=token, client=client)
    before = backends(site)
    for _ in range(20):
        for process in ("a", "b"):
            listed = api(
                site, process, "get", f"/orgs/{org}/integrations", token=token, client=client
            )
            assert listed.status_code == 200
    assert backends(site) == before
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [site.database],
        )
    # pg_terminate_backend only signals: wait until the backends have ended (what a restart
    # or failover leaves), so each socket holds the server's goodbye the health check reads.
    deadline = time.monotonic() + 10
    while backends(site) & before:
        assert time.monotonic() < deadline, "the terminated backends did not end"
        time.sleep(0.02)
    for process in ("a", "b"):
        listed = api(site, process, "get", f"/orgs/{org}/integrations", token=token, client=client)
        assert listed.status_code == 200, listed.text
    assert backends(site).isdisjoint(before)


def test_the_bench_hello_url_is_off_unless_the_bench_starts_the_server(client, db):
    # scripts/bench_serve.py sets BENCH_HELLO=1 in its own server's environment only.
    assert os.environ.get("BENCH_HELLO") is None
    assert client.get("/bench/hello").status_code == 404
