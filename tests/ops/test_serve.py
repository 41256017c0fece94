"""What production runs, outside a container: scripts/entrypoint.sh (migrate, collectstatic,
gunicorn with gunicorn.conf.py) on DEBUG=0 against this machine's PostgreSQL and Redis, on a
free loopback port. Ready, a page, a hashed and compressed static file, metrics added up over
the workers, JSON logs, the container's health check, then a graceful stop on SIGTERM."""

import gzip
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.factories import CANARY_SECRET
from tests.ops.support import free_port, sample

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/0?socket_connect_timeout=2&socket_timeout=2"
HOST = "localhost"


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    stdout: Path
    stderr: Path
    env: dict

    def get(self, path: str, **headers: str) -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path, headers={"Host": HOST, **headers})
            response = connection.getresponse()
            return (
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                response.read(),
            )
        finally:
            connection.close()

    def output(self) -> str:
        return self.stdout.read_text() + self.stderr.read_text()


@pytest.fixture
def database() -> Iterator[str]:
    name = f"integrations_serve_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield f"{POSTGRES}/{name}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def server(database: str, tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    env = {
        **os.environ,
        "ENV_FILE": "",
        "DEBUG": "0",
        "DATABASE_URL": database,
        "CACHE_URL": REDIS,
        "ALLOWED_HOSTS": HOST,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "LOG_FORMAT": "json",
        "STATIC_ROOT": str(tmp_path / "static"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "PYTHON": sys.executable,
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    env.pop("STATIC_MANIFEST", None)  # the entrypoint's own default applies
    stdout, stderr = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with stdout.open("w") as out, stderr.open("w") as err:
        process = subprocess.Popen(
            [str(ROOT / "scripts" / "entrypoint.sh")], cwd=ROOT, env=env, stdout=out, stderr=err
        )
    running = Server(process, port, stdout, stderr, env)
    try:
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def wait_ready(server: Server, *, within: float = 180) -> int:
    """Poll /readyz until 200; returns how many times it was asked."""
    deadline = time.monotonic() + within
    asked = 0
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"entrypoint.sh ended ({server.process.returncode}):\n{server.output()}")
        try:
            status, _, body = server.get("/readyz")
            asked += 1
            if status == 200:
                assert json.loads(body)["status"] == "ok"
                return asked
        except OSError:
            pass  # not listening yet
        time.sleep(0.5)
    pytest.fail(f"/readyz not 200 within {within} s:\n{server.output()[-5000:]}")


def test_entrypoint_serves_production_and_stops_gracefully(server):
    readyz_asked = wait_ready(server)

    # A page, naming its static files by hashed name.
    status, _, page = server.get("/accounts/login/")
    assert status == 200
    css = re.search(rb'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page)
    assert css, page[:2000]
    css_path = css.group(1).decode()

    # The static file itself, compressed variants included, cached for good.
    status, headers, plain = server.get(css_path)
    assert status == 200 and "immutable" in headers["cache-control"]
    status, headers, body = server.get(css_path, **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == plain
    status, headers, _ = server.get(css_path, **{"Accept-Encoding": "br"})
    assert status == 200 and headers["content-encoding"] == "br"
    assert (Path(server.env["STATIC_ROOT"]) / "staticfiles.json").is_file()

    # The container's HEALTHCHECK command, against this server.
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "healthcheck.py")],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    readyz_asked += 1

    # Metrics of both workers, added up: every /readyz asked is counted, whoever answered.
    status, _, metrics = server.get("/metrics")
    assert status == 200
    counted = sample(metrics.decode(), "http_request_duration_seconds_count", view="readyz")
    assert counted == readyz_asked

    # A logged 404 carrying our request id and a secret in its path.
    status, headers, _ = server.get(
        f"/nothing/password={CANARY_SECRET}/", **{"X-Request-ID": "serve-rid-1"}
    )
    assert status == 404 and headers["x-request-id"] == "serve-rid-1"

    # SIGTERM: gunicorn lets the workers finish and exits cleanly.
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=60) == 0
    output = server.output()
    assert CANARY_SECRET not in output and "CanarySecret" not in output
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert any(
        r["logger"] == "django.request" and r["request_id"] == "serve-rid-1" for r in records
    ), output[-5000:]
    access = [r for r in records if r["logger"] == "gunicorn.access"]
    assert any("rid=serve-rid-1" in r["message"] for r in access), output[-5000:]
    assert any("Shutting down" in r["message"] for r in records), output[-5000:]
