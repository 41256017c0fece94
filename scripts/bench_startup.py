"""How long `manage.py runserver` takes to answer its first request, ours against a minimal
Django project made by this script (`django-admin startproject` plus a /healthz view), side
by side in alternating rounds: start the server, time until GET /healthz answers 200, stop.

Prints each round and the ratio of the medians (issue 13: within 1.5x); the first, unmeasured
start of each writes its bytecode. Environment:
BENCH_STARTUP_ROUNDS (5)."""

import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("BENCH_STARTUP_ROUNDS", "5"))
HEALTHZ_VIEW = """
from django.http import HttpResponse
from django.urls import path

urlpatterns.append(path("healthz", lambda request: HttpResponse("ok")))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def minimal_project(where: Path) -> Path:
    where.mkdir()
    subprocess.run(  # noqa: S603 (django-admin of this venv, fixed arguments)
        [sys.executable, "-m", "django", "startproject", "minimal", str(where)], check=True
    )
    urls = where / "minimal" / "urls.py"
    urls.write_text(urls.read_text() + HEALTHZ_VIEW)
    return where


def first_response(directory: Path, env: dict) -> float:
    """Seconds from starting runserver to its first 200 on /healthz."""
    port = free_port()
    command = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    started = time.perf_counter()
    server = subprocess.Popen(  # noqa: S603 (runserver of a known project)
        command,
        cwd=directory,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - started < 60:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                    return time.perf_counter() - started
            except requests.RequestException:
                time.sleep(0.02)
        sys.exit(f"{directory}: no 200 on /healthz within 60 s")
    finally:
        server.terminate()
        server.wait(timeout=15)


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    minimal = minimal_project(work / "minimal")
    # Both servers run as a user's would: PYTHONDONTWRITEBYTECODE (set on some machines, ours
    # included) would recompile our ~300 modules on every start while Django's own come
    # precompiled from the wheel, which measures the compiler rather than the start-up.
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "AWS_")) and k != "PYTHONDONTWRITEBYTECODE"
    }
    ours_env = {
        **base,
        "ENV_FILE": "",
        "DEBUG": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "API_TOKEN_SIGNING_KEY": secrets.token_urlsafe(48),
        "INTEGRATIONS_ENCRYPTION_KEYS": "k1:" + "A" * 43 + "=",
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=ours_env,
        check=True,
        capture_output=True,
    )
    first_response(minimal, base)  # warm the disk cache for both
    first_response(ROOT, ours_env)
    ours, theirs = [], []
    for number in range(ROUNDS):
        pair = [(ROOT, ours_env, ours), (minimal, base, theirs)]
        for directory, env, times in pair if number % 2 == 0 else pair[::-1]:
            times.append(first_response(directory, env))
        print(f"round {number + 1}: ours {ours[-1]:.2f} s, minimal Django {theirs[-1]:.2f} s")
    ratio = statistics.median(ours) / statistics.median(theirs)
    print(
        f"runserver to first 200 on /healthz, median of {ROUNDS}: ours "
        f"{statistics.median(ours):.2f} s, minimal Django {statistics.median(theirs):.2f} s, "
        f"ratio {ratio:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
