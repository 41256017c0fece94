"""Load benchmark of the production server (`make bench`): gunicorn with gunicorn.conf.py on
PostgreSQL and Redis, DEBUG off, loopback traffic only, about a minute in all.

It makes a database of its own, seeds an organization (an admin, an API token, 50 registry
integrations sealed by the real key ring), and measures three paths against a hello-world view
(/bench/hello, served only because this script sets BENCH_HELLO=1), in alternating rounds so
both see the same machine: the Integrations page (signed in), the API list, and cached pull
credentials. Prints requests/s and p50/p99 latency of each, and each as a ratio to hello.

Environment: BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432), BENCH_REDIS
(default redis://127.0.0.1:6379/14), BENCH_THREADS (8), BENCH_ROUND_SECONDS (2.5),
BENCH_ROUNDS (4), WEB_CONCURRENCY (gunicorn workers; default 2 x CPUs + 1)."""

import base64
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/14")
THREADS = int(os.environ.get("BENCH_THREADS", "8"))
ROUND_SECONDS = float(os.environ.get("BENCH_ROUND_SECONDS", "2.5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "4"))
INTEGRATIONS = 50
PASSWORD = secrets.token_urlsafe(16)

SEED = """
import json
from django.contrib.auth import get_user_model
from integrations_site.api.services import api_token_create
from integrations_site.integrations.models import Integration
from integrations_site.integrations.providers import get_provider
from integrations_site.organizations.services import organization_create

admin = get_user_model().objects.create_user(username="bench", password=PASSWORD)
org = organization_create(name="Bench", admin=admin)
generic = get_provider("generic")
rows = []
for number in range(COUNT):
    # A v2 registry on loopback: minting its pull credentials needs no network.
    fields = {"url": f"http://127.0.0.1:{5000 + number}", "username": f"puller{number}",
              "password": f"pw-{number}", "verify_tls": True, "ca_certificate": ""}
    display = generic.display(fields)
    rows.append(Integration(
        organization=org, name=f"registry-{number:02d}", type=generic.integration_type,
        provider=generic.key, metadata=generic.metadata(), created_by=admin,
        account=display.account, registry=display.registry,
        credentials=generic.credentials(fields),  # sealed by the key ring on insert
    ))
Integration.objects.bulk_create(rows)
_, token = api_token_create(user=admin, name="bench")
print(json.dumps({"org": str(org.pk), "integration": str(rows[0].pk), "token": token}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(database: str, port: int) -> dict[str, str]:
    key = base64.b64encode(os.urandom(32)).decode()
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "ENV_FILE": "",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "API_TOKEN_SIGNING_KEY": secrets.token_urlsafe(48),
        "INTEGRATIONS_ENCRYPTION_KEYS": f"bench:{key}",
        "DATABASE_URL": f"{POSTGRES}/{database}",
        "CACHE_URL": REDIS,
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_SSL_REDIRECT": "0",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # never real AWS
        "BENCH_HELLO": "1",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args[:1])} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def start_server(env: dict, log: Path) -> subprocess.Popen:
    """gunicorn with the repo's config; runserver if that is not there."""
    if (ROOT / "gunicorn.conf.py").exists():
        command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
        command += ["--access-logfile", "/dev/null"]  # the log would cost more than the view
    else:
        command = [sys.executable, "manage.py", "runserver", "--noreload", "--nothreading"]
        command.append(f"127.0.0.1:{env['PORT']}")
    with log.open("w") as out:
        return subprocess.Popen(  # noqa: S603 (the server command built above)
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"The server exited:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url + "/bench/hello", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    sys.exit("The server did not answer within 60 s.")


def signed_in(url: str) -> requests.Session:
    browser = requests.Session()
    browser.get(url + "/accounts/login/", timeout=20)
    response = browser.post(
        url + "/accounts/login/",
        data={
            "username": "bench",
            "password": PASSWORD,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        allow_redirects=False,
        timeout=20,
    )
    if response.status_code != 302:
        sys.exit(f"Signing in failed: {response.status_code}")
    return browser


def load(url: str, headers: dict, cookies, seconds: float) -> tuple[int, list[float], int, float]:
    """THREADS clients in a loop for `seconds`: (requests, latencies in s, errors, seconds)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        session = requests.Session()
        session.headers.update(headers)
        if cookies is not None:
            session.cookies.update(cookies)
        mine, failed = [], 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                ok = session.get(url, timeout=30, allow_redirects=False).status_code == 200
            except requests.RequestException:
                ok = False
            mine.append(time.perf_counter() - started)
            failed += not ok
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(THREADS)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    return len(latencies), latencies, errors[0], elapsed


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def summary(samples: list[tuple]) -> dict:
    count = sum(s[0] for s in samples)
    latencies = [value for s in samples for value in s[1]]
    return {
        "rps": count / sum(s[3] for s in samples),
        "p50": percentile(latencies, 0.50) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "errors": sum(s[2] for s in samples),
        "requests": count,
    }


def bench(base: str, seed: dict) -> None:
    browser = signed_in(base)
    bearer = {"Authorization": f"Bearer {seed['token']}"}
    pull = f"{base}/api/v1/orgs/{seed['org']}/integrations/{seed['integration']}/pull-credentials"
    assert requests.get(pull, headers=bearer, timeout=20).status_code == 200  # now cached
    targets = {
        "Integrations page": (f"{base}/integrations/", {}, browser.cookies),
        "API list": (f"{base}/api/v1/orgs/{seed['org']}/integrations", bearer, None),
        "Pull credentials (cached)": (pull, bearer, None),
    }
    hello = (f"{base}/bench/hello", {}, None)
    load(*hello, 1.0)  # warm every worker
    results = {}
    for name, target in targets.items():
        mine, baseline = [], []
        for number in range(ROUNDS):
            # Alternate which goes first, so neither always follows the other.
            first, second = (target, hello) if number % 2 == 0 else (hello, target)
            a = load(*first, ROUND_SECONDS)
            b = load(*second, ROUND_SECONDS)
            (mine, baseline)[0 if first is target else 1].append(a)
            (mine, baseline)[1 if first is target else 0].append(b)
        results[name] = (summary(mine), summary(baseline))

    print(
        f"\n{THREADS} client threads, {ROUNDS} x {ROUND_SECONDS:g} s rounds each, vs /bench/hello"
    )
    header = f"{'path':<28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
    header += f"{'hello req/s':>13}{'hello p50':>11}{'hello p99':>11}"
    header += f"{'x req/s':>9}{'x p50':>8}{'x p99':>8}{'errors':>8}"
    print(header)
    for name, (mine, base_) in results.items():
        print(
            f"{name:<28}{mine['rps']:>9.0f}{mine['p50']:>9.1f}{mine['p99']:>9.1f}"
            f"{base_['rps']:>13.0f}{base_['p50']:>11.1f}{base_['p99']:>11.1f}"
            f"{mine['rps'] / base_['rps']:>9.2f}{mine['p50'] / base_['p50']:>8.2f}"
            f"{mine['p99'] / base_['p99']:>8.2f}{mine['errors'] + base_['errors']:>8}"
        )


def main() -> int:
    database = f"integrations_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    port = free_port()
    env = environment(database, port)
    server = None
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    try:
        manage(env, "migrate", "--noinput")
        seeded = manage(
            env, "shell", "-c", f"PASSWORD = {PASSWORD!r}\nCOUNT = {INTEGRATIONS}\n{SEED}"
        )
        seed = json.loads(seeded.strip().splitlines()[-1])
        log = Path(tempfile.mkdtemp(prefix="bench-serve-")) / "server.log"
        server = start_server(env, log)
        base = f"http://127.0.0.1:{port}"
        wait_up(base, server, log)
        workers = len(re.findall(r"Booting worker", log.read_text())) or "?"
        kind = "gunicorn" if (ROOT / "gunicorn.conf.py").exists() else "runserver"
        print(f"Server: {kind} ({workers} workers) on {base}, PostgreSQL, Redis {REDIS}")
        bench(base, seed)
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
