"""Storage drivers on an AWS (assume role) integration: the bucket check runs with the role's
temporary keys, got through the provider like any integration's credentials (moto's server,
IAM enforced; the site's identity in the environment)."""

import re

import pytest
from django.core.cache import cache

from integrations_site.integrations import services as integration_services
from integrations_site.integrations.providers import get_provider
from integrations_site.integrations.providers.aws import assume_role
from integrations_site.storage.models import StorageDriver
from tests.fixtures.aws import BUCKET, S3_READ_ACTIONS
from tests.integrations.test_assume_role import SITE_ACCOUNT, make_role

CREATE_URL = "/storage-drivers/new/"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site(aws_endpoint, moto_server, monkeypatch):
    keys = moto_server.create_user(["sts:AssumeRole"], account_id=SITE_ACCOUNT)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", keys.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", keys.secret_access_key)
    return keys


def make_s3_role_integration(org, moto_server, site, *, actions=S3_READ_ACTIONS):
    external_id = assume_role.new_external_id()
    role_arn = make_role(moto_server, principal=site.arn, external_id=external_id, actions=actions)
    provider = get_provider("aws-s3-role")
    credentials = {"role_arn": role_arn, "external_id": external_id}
    return integration_services.integration_create(
        organization=org,
        created_by=None,
        name="s3-role",
        provider=provider,
        credentials=credentials,
        check=provider.check(credentials),
    )


def form_data(integration) -> dict:
    return {
        "name": "training-data",
        "integration": str(integration.pk),
        "bucket": BUCKET,
        "path": "",
        "region": "us-east-1",
    }


def bucket_errors(html: str) -> list[str]:
    return re.findall(r'<p class="error" id="id_bucket_error_\d+">([^<]*)</p>', html)


def test_driver_on_a_role_integration(admin_http, org, site, moto_server, s3_bucket, aws_requests):
    integration = make_s3_role_integration(org, moto_server, site)
    assert integration.status == "verified", integration.status_reason
    assert integration.credentials == {
        "role_arn": integration.credentials["role_arn"],
        "external_id": integration.metadata["externalId"],
    }
    response = admin_http.post(CREATE_URL, form_data(integration))
    assert response.status_code == 302, bucket_errors(response.content.decode())
    assert StorageDriver.objects.get().integration == integration
    # HeadBucket was signed with the role's temporary keys, after one AssumeRole.
    heads = aws_requests.received(service="s3")
    assert [(r.method, r.path) for r in heads] == [("HEAD", f"/{BUCKET}")]
    assert heads[0].access_key_id != site.access_key_id
    assumed = aws_requests.received(access_key_id=site.access_key_id, action="AssumeRole")
    assert len(assumed) == 2  # the check at create, then the session the driver's check cached
    # The option names the integration by its account (it has no key).
    html = admin_http.get(CREATE_URL).content.decode()
    assert "s3-role (AWS (assume role), account 123456789012)" in html


def test_role_without_s3_permission_is_denied(admin_http, org, site, moto_server, s3_bucket):
    integration = make_s3_role_integration(org, moto_server, site, actions=())
    response = admin_http.post(CREATE_URL, form_data(integration))
    assert bucket_errors(response.content.decode()) == [
        f"Access denied to bucket {BUCKET}: "
        "the integration&#x27;s keys may not call s3:ListBucket on it."
    ]
    assert not StorageDriver.objects.exists()


def test_site_without_identity_is_named(admin_http, org, site, moto_server, s3_bucket, monkeypatch):
    integration = make_s3_role_integration(org, moto_server, site)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    response = admin_http.post(CREATE_URL, form_data(integration))
    assert bucket_errors(response.content.decode()) == [
        "AWS refused the integration: " + assume_role.MISSING_IDENTITY
    ]
