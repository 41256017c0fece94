"""The platform's own SDK, unchanged: pinned `dtlpy` (requirements-dtlpy.txt, installed by `make
test` into .venv-dtlpy) runs the product document's example and the calls its users make
against a live server, with AWS served by moto. run_dtlpy.py is what a user would type; this test
starts the server, runs it in dtlpy's own interpreter, and checks what dtlpy returned and what
the site stored. A missing .venv-dtlpy fails the test: CI must run it."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from integrations_site.api.services import api_token_create
from integrations_site.deployments import services as deployments
from integrations_site.deployments.models import Rollout, Service
from integrations_site.integrations.models import Integration
from integrations_site.storage.models import StorageDriver
from tests.factories import make_org, make_user
from tests.fixtures.aws import DEFAULT_ACCOUNT_ID, ECR_PULL_ACTIONS, REGION

ROOT = Path(__file__).resolve().parents[2]
DTLPY_PYTHON = ROOT / ".venv-dtlpy" / "bin" / "python"
SCRIPT = Path(__file__).with_name("run_dtlpy.py")
ECR_REGISTRY = f"{DEFAULT_ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com"

pytestmark = pytest.mark.django_db(transaction=True)


def pinned_version() -> str:
    for line in (ROOT / "requirements-dtlpy.txt").read_text().splitlines():
        if line.startswith("dtlpy=="):
            return line.removeprefix("dtlpy==")
    raise AssertionError("requirements-dtlpy.txt pins no dtlpy version")


def run_dtlpy(tmp_path: Path, **values: str) -> dict:
    assert DTLPY_PYTHON.exists(), (
        f"{DTLPY_PYTHON} is missing: `make test` creates it (target .venv-dtlpy/.installed)."
    )
    result_file = tmp_path / "result.json"
    home = tmp_path / "home"  # dtlpy keeps its environments and token under HOME
    home.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "NO_PROXY": "*",
        "DTLPY_COMPAT_RESULT": str(result_file),
        **{f"DTLPY_COMPAT_{name.upper()}": value for name, value in values.items()},
    }
    completed = subprocess.run(
        [str(DTLPY_PYTHON), str(SCRIPT)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-5000:]
    return json.loads(result_file.read_text())


def test_dtlpy_runs_the_product_example_and_its_calls_unchanged(
    live_server, tmp_path, aws_endpoint, moto_server, aws_requests, s3_bucket, s3_read_keys
):
    alice = make_user("alice")
    alice.email = "alice@example.com"
    alice.save()
    org = make_org("Acme", admin=alice)
    make_org("Globex", admin=make_user("mallory"))  # not alice's: dtlpy must not see it
    first_keys = moto_server.create_user(ECR_PULL_ACTIONS)
    new_keys = moto_server.create_user(ECR_PULL_ACTIONS)
    service = deployments.service_deploy(
        organization=org,
        name="detector",
        runner_image=f"{ECR_REGISTRY}/models/detector:1.4",
        user=alice,
    )
    _, token = api_token_create(user=alice, name="dtlpy")

    result = run_dtlpy(
        tmp_path,
        base_url=f"{live_server.url}/api/v1",
        token=token,
        org_id=str(org.pk),
        ecr_account=DEFAULT_ACCOUNT_ID,
        ecr_region=REGION,
        ecr_key_id=first_keys.access_key_id,
        ecr_secret=first_keys.secret_access_key,
        new_key_id=new_keys.access_key_id,
        new_secret=new_keys.secret_access_key,
        s3_key_id=s3_read_keys.access_key_id,
        s3_secret=s3_read_keys.secret_access_key,
        bucket=s3_bucket,
    )

    assert result["version"] == pinned_version()
    # login_token, info() and the expiry check before every request read the JWT.
    assert result["info_email"] == "alice@example.com" and result["token_expired"] is False
    assert result["organizations"] == [[str(org.pk), "Acme"]]
    assert result["organization"] == [str(org.pk), "Acme"]

    # The product document's example created the integration, checked against moto.
    created = result["created"]
    assert created["name"] == "aws-ecr-integration" and created["type"] == "private-registry"
    assert created["org"] == str(org.pk)
    assert result["listed"] == ["aws-ecr-integration"]
    assert {"private-registry", "s3"} <= set(result["available"])
    assert result["got"] == created

    # Update by the repository: name, then credentials with reload_services.
    assert result["renamed"] == {**created, "name": "ecr-renamed"}
    assert result["rekeyed"] == {**created, "name": "ecr-renamed"}
    restarts = Rollout.objects.filter(service=service, action=Rollout.Action.RESTART)
    assert restarts.count() == 1  # the rekey with reload_services, not the renames
    # The new keys were stored and checked against AWS (the integration is deleted below).
    assert aws_requests.received(service="ecr", access_key_id=new_keys.access_key_id)

    # Update by the entity: the PATCH went through; dtlpy's method returns None.
    assert result["entity_update_returned"] == "None"
    assert result["after_entity_update"] == "ecr-final"

    # The storage integration and the driver dtlpy created on it.
    storage = Integration.objects.get(pk=result["storage"]["id"])
    assert (storage.type, storage.provider) == ("s3", "aws-s3")
    assert storage.credentials["access_key_id"] == s3_read_keys.access_key_id
    driver = StorageDriver.objects.get()
    assert result["driver"] == {
        "id": str(driver.pk),
        "name": "training-data",
        "type": "s3",
        "class": "S3Driver",
        "integration_id": str(storage.pk),
        "bucket_name": s3_bucket,
        "path": "images",
        "creator": "alice",
    }
    assert (driver.organization, driver.integration, driver.bucket) == (org, storage, s3_bucket)
    assert (driver.path, driver.region, driver.created_by) == ("images", "us-east-1", alice)

    # A 404 reaches the user as a readable message, not raw JSON.
    assert result["not_found"]["status"] == "404"
    assert result["not_found"]["message"] == (
        "This integration does not exist. It may have been deleted already."
    )

    # Both deletes went through (the repository's without sure/really).
    assert result["entity_delete"] is True and result["repository_delete"] is True
    assert result["listed_at_end"] == ["s3-keys"]
    assert list(Integration.objects.values_list("name", flat=True)) == ["s3-keys"]
    assert Service.objects.filter(pk=service.pk).exists()
