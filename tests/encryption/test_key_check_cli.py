"""The key-ring check and rotation report through manage.py, in fresh interpreters on a
database of their own: migrate starts before the tables exist, a wrong ring stops `check`,
rotation exits non-zero with its report, and an unreachable database only warns."""

import base64
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RING = "k1:" + base64.b64encode(os.urandom(32)).decode()
WRONG_RING = "k1:" + base64.b64encode(os.urandom(32)).decode()
OTHER_RING = "k2:" + base64.b64encode(os.urandom(32)).decode()
CREATE = (
    "from tests.factories import make_integration, make_org, make_user; "
    "org = make_org('Acme', admin=make_user('alice')); "
    "print('PK=' + str(make_integration(org, name='ecr').pk))"
)


def manage(*args: str, tmp_path: Path, ring: str, database: str = "") -> tuple[int, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "ENV_FILE": "",
        "DEBUG": "1",
        "SECRET_KEY": "cli-test-secret-key-" + "x" * 40,
        "DJANGO_SETTINGS_MODULE": "integrations_site.settings",
        "DATABASE_URL": database or f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "INTEGRATIONS_ENCRYPTION_KEYS": ring,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    return result.returncode, result.stdout + result.stderr


def test_check_and_rotation_from_the_command_line(tmp_path):
    code, output = manage("migrate", "--noinput", tmp_path=tmp_path, ring=RING)
    assert code == 0, output  # the check ran before any table existed
    code, output = manage("shell", "-c", CREATE, tmp_path=tmp_path, ring=RING)
    assert code == 0, output
    pk = output.split("PK=")[1].split()[0]

    code, output = manage("check", tmp_path=tmp_path, ring=RING)
    assert code == 0 and "System check identified no issues" in output, output

    code, output = manage("check", tmp_path=tmp_path, ring=WRONG_RING)
    assert code != 0
    assert "key k1 in INTEGRATIONS_ENCRYPTION_KEYS is not the key that sealed the stored" in output
    assert f"integrations.Integration.credentials of row {pk}" in output
    assert WRONG_RING.partition(":")[2] not in output

    code, output = manage("rotate_encryption_keys", tmp_path=tmp_path, ring=OTHER_RING)
    assert code == 1
    assert "Rotation changed nothing: 1 stored secret(s)" in output
    assert f"credentials of row {pk}: it was sealed with key 'k1', which is not in" in output
    assert "Traceback" not in output
    code, output = manage("check", tmp_path=tmp_path, ring=RING)
    assert code == 0, output  # the row still opens with its key: rotation changed nothing


def test_unreachable_database_only_warns(tmp_path):
    code, output = manage(
        "check", tmp_path=tmp_path, ring=RING, database="postgres://nobody@127.0.0.1:9/none"
    )
    assert code == 0, output
    assert "encryption.W001" in output and "stored secrets were not checked" in output
