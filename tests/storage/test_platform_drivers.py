"""POST /drivers in the platform SDK's shape (storage/platform_api.py): what it refuses. The
success path runs through real dtlpy in tests/dtlpy_compat/test_dtlpy.py."""

import json
import uuid

import pytest

from integrations_site.api.services import api_token_create, runtime_token_create
from integrations_site.integrations import services as integration_services
from integrations_site.integrations.providers import get_provider
from integrations_site.storage.models import StorageDriver
from tests.factories import CANARY_SECRET, VALID_ACCESS_KEY_ID

pytestmark = pytest.mark.django_db


@pytest.fixture
def storage_integration(org):
    return integration_services.integration_create(
        organization=org,
        created_by=None,
        name="s3-keys",
        provider=get_provider("aws-s3"),
        credentials={"access_key_id": VALID_ACCESS_KEY_ID, "secret_access_key": CANARY_SECRET},
    )


def dtlpy_body(integration_id, project_id, **overrides) -> dict:
    """What dtlpy's drivers.create sends (dtlpy 1.126)."""
    body = {
        "integrationId": str(integration_id),
        "integrationType": "s3",
        "name": "training-data",
        "metadata": {"system": {"projectId": str(project_id)}},
        "type": "s3",
        "payload": {"bucketName": "b", "storageClass": "", "region": None, "path": ""},
        "allowExternalDelete": True,
        "creator": "someone-else@example.com",
    }
    body.update(overrides)
    return body


def post(client, token, body):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(
        "/api/v1/drivers", data=json.dumps(body), content_type="application/json", headers=headers
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"type": "gcs"}, "type"),
        (
            {"payload": {"bucketName": "b", "endpoint": "http://10.0.0.1:9000"}},
            "payload.endpoint",
        ),
    ],
)
def test_what_this_site_does_not_have_is_a_field_error(
    client, org, org_admin, storage_integration, overrides, field
):
    token = api_token_create(user=org_admin, name="t")[1]
    response = post(client, token, dtlpy_body(storage_integration.pk, org.pk, **overrides))
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert not StorageDriver.objects.exists()


def test_callers_are_checked_like_the_organizations_endpoint(
    client, org, org_admin, org_member, other_org, storage_integration
):
    body = dtlpy_body(storage_integration.pk, org.pk)
    member = api_token_create(user=org_member, name="t")[1]
    runtime = runtime_token_create(organization=org, created_by=org_admin, name="r")[1]
    assert post(client, member, body).status_code == 403
    assert post(client, runtime, body).status_code == 403
    assert post(client, None, body).status_code == 401
    admin = api_token_create(user=org_admin, name="t")[1]
    elsewhere = dtlpy_body(storage_integration.pk, other_org.pk)
    assert post(client, admin, elsewhere).status_code == 404
    assert post(client, admin, dtlpy_body(storage_integration.pk, uuid.uuid4())).status_code == 404
    assert not StorageDriver.objects.exists()


def test_an_unknown_field_is_refused(client, org, org_admin, storage_integration):
    token = api_token_create(user=org_admin, name="t")[1]
    response = post(client, token, dtlpy_body(storage_integration.pk, org.pk, secret="x"))
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"secret": ["Unknown field."]}
