"""Start-up configuration and `check --deploy`, in a fresh interpreter with an environment
built from scratch."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


# --- start-up configuration -------------------------------------------------------------------


def run_python(*args: str, tmp_path: Path, **variables: str) -> subprocess.CompletedProcess:
    """Run the venv's python in the repo with an environment built from scratch.

    ENV_FILE="" keeps a developer's .env out, and every variable that matters is set
    explicitly (an empty value counts as missing)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "integrations_site.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PYTHONDONTWRITEBYTECODE": "1",
        **variables,
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


SETUP = ("-c", "import django; django.setup(); print('settings ok')")
ENCRYPTION_KEYS = "k1:" + base64.b64encode(os.urandom(32)).decode()
PRODUCTION_SECRET_KEY = secrets.token_urlsafe(64)
SIGNING_KEY = secrets.token_urlsafe(48)


def test_production_start_without_secret_key_fails(tmp_path):
    result = run_python(
        *SETUP,
        tmp_path=tmp_path,
        DEBUG="0",
        SECRET_KEY="",
        INTEGRATIONS_ENCRYPTION_KEYS=ENCRYPTION_KEYS,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY" in result.stderr
    assert "settings ok" not in result.stdout


def test_debug_is_off_unless_asked_for(tmp_path):
    """No DEBUG variable at all: production rules apply, so a missing SECRET_KEY fails."""
    result = run_python(*SETUP, tmp_path=tmp_path, INTEGRATIONS_ENCRYPTION_KEYS=ENCRYPTION_KEYS)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_start_without_encryption_keys_fails(tmp_path):
    result = run_python(
        *SETUP,
        tmp_path=tmp_path,
        DEBUG="0",
        SECRET_KEY=PRODUCTION_SECRET_KEY,
        INTEGRATIONS_ENCRYPTION_KEYS="",
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "INTEGRATIONS_ENCRYPTION_KEYS" in result.stderr
    assert PRODUCTION_SECRET_KEY not in result.stderr + result.stdout


@pytest.mark.parametrize(
    "signing_key", ["", "too-short", PRODUCTION_SECRET_KEY], ids=["missing", "short", "secret-key"]
)
def test_production_start_without_its_own_token_signing_key_fails(tmp_path, signing_key):
    result = run_python(
        *SETUP,
        tmp_path=tmp_path,
        DEBUG="0",
        SECRET_KEY=PRODUCTION_SECRET_KEY,
        INTEGRATIONS_ENCRYPTION_KEYS=ENCRYPTION_KEYS,
        API_TOKEN_SIGNING_KEY=signing_key,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "API_TOKEN_SIGNING_KEY" in result.stderr
    assert PRODUCTION_SECRET_KEY not in result.stderr + result.stdout


def test_production_start_with_all_keys_set_succeeds(tmp_path):
    """The control for the failures above."""
    result = run_python(
        *SETUP,
        tmp_path=tmp_path,
        DEBUG="0",
        SECRET_KEY=PRODUCTION_SECRET_KEY,
        INTEGRATIONS_ENCRYPTION_KEYS=ENCRYPTION_KEYS,
        API_TOKEN_SIGNING_KEY=SIGNING_KEY,
    )
    assert result.returncode == 0, result.stderr
    assert "settings ok" in result.stdout


# --- check --deploy ---------------------------------------------------------------------------


def test_check_deploy_passes_with_production_variables(tmp_path):
    result = run_python(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        tmp_path=tmp_path,
        DEBUG="0",
        SECRET_KEY=PRODUCTION_SECRET_KEY,
        INTEGRATIONS_ENCRYPTION_KEYS=ENCRYPTION_KEYS,
        API_TOKEN_SIGNING_KEY=SIGNING_KEY,
        ALLOWED_HOSTS="integrations.example.com",
        SECURE_SSL_REDIRECT="1",
        SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="1",
        SECURE_HSTS_PRELOAD="1",
        SESSION_COOKIE_SECURE="1",
        CSRF_COOKIE_SECURE="1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr
