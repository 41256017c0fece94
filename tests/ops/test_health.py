"""/healthz and /readyz: what each answers, and that /readyz names what failed."""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ops.support import free_port

ROOT = Path(__file__).resolve().parents[2]
CHECKS = {"database", "cache", "key_ring", "migrations"}


def test_healthz_answers_ok_without_touching_the_database(client):
    # No `db` fixture: pytest-django fails any database query here.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_ready_when_every_check_passes(client, integration):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == CHECKS
    assert all(check == {"status": "ok"} for check in body["checks"].values())


def test_readyz_needs_no_sign_in_and_keeps_the_host_check(client, db):
    assert client.get("/readyz").status_code == 200
    assert client.get("/readyz", HTTP_HOST="evil.example").status_code == 400


def test_readyz_503_when_the_cache_is_unreachable(client, db, settings):
    port = free_port()  # nothing listens there
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["cache"]["status"] == "fail"
    assert body["checks"]["database"] == {"status": "ok"}
    # A short reason, no address of the cache.
    assert "127.0.0.1" not in response.content.decode()
    assert str(port) not in response.content.decode()


def test_readyz_503_when_the_primary_key_is_the_wrong_key(client, integration, settings):
    # The integration's write stored the key check of "test1"; now "test1" is other material.
    settings.INTEGRATIONS_ENCRYPTION_KEYS = "test1:" + base64.b64encode(b"w" * 32).decode()
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["key_ring"]["status"] == "fail"
    assert "does not open" in checks["key_ring"]["reason"]
    assert "w" * 8 not in response.content.decode()


def test_readyz_503_when_the_key_ring_is_malformed(client, db, settings):
    settings.INTEGRATIONS_ENCRYPTION_KEYS = "not a key ring"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["key_ring"]["status"] == "fail"


READYZ_IN_A_PROCESS = """
import django, json
django.setup()
from django.test import Client
response = Client(HTTP_HOST="localhost").get("/readyz")
print(json.dumps({"code": response.status_code, "body": response.json()}))
"""


def readyz_with(tmp_path: Path, **environment: str) -> dict:
    """/readyz of the site started in another process with these settings."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "integrations_site.settings",
        "ALLOWED_HOSTS": "localhost",
        "LOG_LEVEL": "CRITICAL",
        **environment,
    }
    result = subprocess.run(
        [sys.executable, "-c", READYZ_IN_A_PROCESS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_readyz_503_when_the_database_is_unreachable(tmp_path):
    port = free_port()
    answer = readyz_with(
        tmp_path,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/integrations_nowhere",
        DATABASE_CONNECT_TIMEOUT_SECONDS="2",
    )
    assert answer["code"] == 503
    checks = answer["body"]["checks"]
    assert checks["database"]["status"] == "fail"
    assert checks["cache"] == {"status": "ok"}
    # Nothing that reads the database can pass either.
    assert checks["migrations"]["status"] == "fail"
    assert "127.0.0.1" not in json.dumps(answer) and str(port) not in json.dumps(answer)


def test_readyz_503_when_migrations_are_not_applied(tmp_path):
    answer = readyz_with(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert answer["code"] == 503
    checks = answer["body"]["checks"]
    assert checks["database"] == {"status": "ok"}
    assert checks["migrations"] == {"status": "fail", "reason": "migrations not applied"}


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_endpoints_refuse_writes(client, db, path):
    assert client.post(path).status_code == 405
