"""The kubelet exec credential provider (integrations_site/credential_provider.py), run as
kubelet runs it, against the live server and moto's ECR."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache

from integrations_site.api.services import runtime_token_create
from integrations_site.integrations import services
from tests.factories import make_integration, make_registry_integration
from tests.fixtures.aws import REGION

REPO = Path(__file__).resolve().parents[2]


def run_provider(request: dict, environ: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "integrations_site.credential_provider"],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", **environ},
        timeout=60,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_credential_provider_round_trip(live_server, org, org_admin, aws_endpoint, ecr_pull_keys):
    cache.clear()
    integration = make_integration(
        org,
        name="ecr",
        access_key_id=ecr_pull_keys.access_key_id,
        secret_access_key=ecr_pull_keys.secret_access_key,
    )
    _, token = runtime_token_create(organization=org, created_by=org_admin, name="kubelet")
    host = f"123456789012.dkr.ecr.{REGION}.amazonaws.com"
    request = {
        "apiVersion": "credentialprovider.kubelet.k8s.io/v1",
        "kind": "CredentialProviderRequest",
        "image": f"{host}/models/detector:1.4",
    }
    environ = {
        "INTEGRATIONS_BASE_URL": live_server.url,
        "INTEGRATIONS_TOKEN": token,
        "INTEGRATIONS_ORG_ID": str(org.pk),
    }
    result = run_provider(request, environ)
    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    assert response["apiVersion"] == "credentialprovider.kubelet.k8s.io/v1"
    assert response["kind"] == "CredentialProviderResponse"
    assert response["cacheKeyType"] == "Registry" and response["cacheDuration"] == "0s"
    assert response["auth"][host]["username"] == "AWS" and response["auth"][host]["password"]

    services.integration_delete(integration=integration)
    result = run_provider(request, environ)
    assert result.returncode != 0 and result.stdout == ""
    assert f"No registry integration for {host}" in result.stderr


def test_credential_provider_rejects_bad_input(tmp_path):
    environ = {
        "INTEGRATIONS_BASE_URL": "http://127.0.0.1:9",
        "INTEGRATIONS_TOKEN": "t",
        "INTEGRATIONS_ORG_ID": "o",
    }
    result = run_provider({"kind": "Something"}, environ)
    assert result.returncode == 1 and "not a CredentialProviderRequest" in result.stderr
    result = run_provider({"kind": "CredentialProviderRequest"}, {})
    assert "Missing configuration: INTEGRATIONS_BASE_URL" in result.stderr
    config = tmp_path / "provider.json"
    config.write_text(json.dumps({"base_url": "http://127.0.0.1:9", "token": "t", "org_id": "o"}))
    request = {
        "apiVersion": "credentialprovider.kubelet.k8s.io/v1",
        "kind": "CredentialProviderRequest",
        "image": "x.dkr.ecr.us-east-1.amazonaws.com/a:1",
    }
    result = run_provider(request, {"INTEGRATIONS_CREDENTIAL_PROVIDER_CONFIG": str(config)})
    assert result.returncode == 1 and "Could not reach http://127.0.0.1:9" in result.stderr
    assert result.stdout == ""


@pytest.mark.django_db(transaction=True)
def test_a_members_token_gets_no_credentials(live_server, org, org_member):
    """The credential provider is a runtime path: a member's personal token is refused by the
    site, and the provider hands kubelet nothing."""
    from integrations_site.api.services import api_token_create
    from tests.factories import CANARY_SECRET

    make_registry_integration(org, name="local")
    _, token = api_token_create(user=org_member, name="kubelet")
    request = {
        "apiVersion": "credentialprovider.kubelet.k8s.io/v1",
        "kind": "CredentialProviderRequest",
        "image": "127.0.0.1:9/team/app:1",
    }
    environ = {
        "INTEGRATIONS_BASE_URL": live_server.url,
        "INTEGRATIONS_TOKEN": token,
        "INTEGRATIONS_ORG_ID": str(org.pk),
    }
    result = run_provider(request, environ)
    assert result.returncode != 0 and result.stdout == ""
    assert "403" in result.stderr and CANARY_SECRET not in result.stderr
