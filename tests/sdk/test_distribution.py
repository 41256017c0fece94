"""The SDK as its own distribution: a wheel built from sdk/, installed into a fresh venv that
has no Django and no site, runs the product document's example against a live server."""

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from integrations_site.api.services import api_token_create
from integrations_site.integrations.models import Integration

pytestmark = pytest.mark.django_db(transaction=True)

REPO = Path(__file__).resolve().parents[2]
SDK = REPO / "sdk"

# /work/shared/spec/ecr-integration-doc.txt, "Integrate ECR Using SDK", with our import name and
# the values (org id, keys, account) read from the environment instead of placeholders.
DOCUMENT_EXAMPLE = """
import os
import integrations_sdk as dl
dl.set_base_url(os.environ["DL_BASE_URL"])
dl.login_token(os.environ["DL_TOKEN"])
org_id = os.environ["ORG_ID"]
org = dl.organizations.get(organization_id=org_id)
integration = org.integrations.create(
    integrations_type=dl.IntegrationType.PRIVATE_REGISTRY,
    name='aws-ecr-integration',
    options={
        "name": "AWS",
        "spec": {
            "accessKeyId": os.environ["KEY_ID"],
            "secretAccessKey": os.environ["SECRET"],
            "account": os.environ["ACCOUNT"],
            "region": "us-east-1"
        }
    },
    metadata={"provider": 'aws'}
)
import importlib.util, json, sys
print(json.dumps({
    "version": dl.__version__,
    "repr": repr(integration),
    "listed": [i.name for i in org.integrations.list()],
    "django": importlib.util.find_spec("django") is not None,
    "site": importlib.util.find_spec("integrations_site") is not None,
    "python": list(sys.version_info[:2]),
}))
"""


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def sdk_venv(tmp_path_factory) -> Path:
    """A venv with only the built wheel and its dependency (requests) installed."""
    tmp = tmp_path_factory.mktemp("sdk-dist")
    # Build from a copy, so the build leaves no build/ or egg-info in the shared checkout.
    source = tmp / "sdk"
    shutil.copytree(SDK, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "dist"))
    wheels = tmp / "wheels"
    run(sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-w", str(wheels))
    (wheel,) = wheels.glob("integrations_sdk-*.whl")
    venv = tmp / "venv"
    run(sys.executable, "-m", "venv", str(venv))
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run(str(python), "-m", "pip", "install", "--quiet", str(wheel), env=env)
    return python


def test_the_pyproject_declares_a_small_distribution():
    project = tomllib.loads((SDK / "pyproject.toml").read_text())["project"]
    assert project["name"] == "integrations-sdk"
    assert project["requires-python"] == ">=3.9"
    assert [re.split(r"[<>=!~ ]", dep)[0] for dep in project["dependencies"]] == ["requests"]


def test_the_wheel_runs_the_documents_example_without_django(
    sdk_venv, live_server, org, org_admin, aws_endpoint, ecr_pull_keys
):
    _, token = api_token_create(user=org_admin, name="laptop")
    env = {
        "PATH": os.environ["PATH"],
        "DL_BASE_URL": live_server.url,
        "DL_TOKEN": token,
        "ORG_ID": str(org.pk),
        "KEY_ID": ecr_pull_keys.access_key_id,
        "SECRET": ecr_pull_keys.secret_access_key,
        "ACCOUNT": ecr_pull_keys.account_id,
    }
    # Run outside the checkout, so nothing of the repository is importable by accident.
    result = run(str(sdk_venv), "-I", "-c", DOCUMENT_EXAMPLE, env=env, cwd=sdk_venv.parent)
    answer = json.loads(result.stdout.strip().splitlines()[-1])

    assert answer["django"] is False and answer["site"] is False
    assert answer["listed"] == ["aws-ecr-integration"]
    created = Integration.objects.get()
    assert created.name == "aws-ecr-integration" and created.organization_id == org.pk
    import integrations_sdk

    assert answer["version"] == integrations_sdk.__version__
    assert answer["repr"] == (
        f"Integration(id='{created.pk}', name='aws-ecr-integration', provider='aws', "
        "status='verified')"
    )


def test_the_site_repository_is_not_a_distribution(tmp_path):
    """`pip install .` at the root says what to install instead of setuptools' "Multiple
    top-level packages discovered"."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "not a Python distribution" in result.stdout + result.stderr
    assert "pip install ./sdk" in result.stdout + result.stderr
