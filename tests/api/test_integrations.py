import json
import uuid

import pytest

from integrations_site.api.services import api_token_create, api_token_revoke
from integrations_site.integrations.models import Integration
from tests.factories import CANARY_SECRET, VALID_SECRET, make_integration

pytestmark = pytest.mark.django_db


def aws_body(**spec_overrides) -> dict:
    spec = {
        "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
        "secretAccessKey": VALID_SECRET,
        "account": "123456789012",
        "region": "us-east-1",
    }
    spec.update(spec_overrides)
    return {
        "type": "private-registry",
        "name": "aws-ecr-integration",
        "options": {"name": "AWS", "spec": spec},
        "metadata": {"provider": "aws"},
    }


class Api:
    """The Django test client with a bearer token and JSON bodies."""

    def __init__(self, client, token: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, body=None, **kwargs):
        kwargs.setdefault("content_type", "application/json")
        data = json.dumps(body) if body is not None and not isinstance(body, str | bytes) else body
        return getattr(self.client, method)(
            f"/api/v1{path}", data=data, headers=self.headers, **kwargs
        )


@pytest.fixture
def admin_token(org, org_admin):
    return api_token_create(user=org_admin, name="test")[1]


@pytest.fixture
def admin_api(client, admin_token):
    return Api(client, admin_token)


@pytest.fixture
def member_api(client, org, org_member):
    return Api(client, api_token_create(user=org_member, name="test")[1])


def org_path(org) -> str:
    return f"/orgs/{org.pk}/integrations"


def error_of(response) -> dict:
    body = response.json()
    # The one shape, plus `message` and `status` on top where the platform's SDK reads them.
    assert set(body) == {"error", "message", "status"}, body
    assert {"code", "message"} <= set(body["error"])
    assert body["message"] == body["error"]["message"]
    assert body["status"] == response.status_code
    return body["error"]


def test_create_list_get_update_delete(admin_api, org):
    created = admin_api.call("post", org_path(org), aws_body())
    assert created.status_code == 201, created.content
    item = created.json()
    assert item["name"] == "aws-ecr-integration"
    assert item["type"] == "private-registry"
    assert item["provider"] == "aws" and item["metadata"] == {"provider": "aws"}
    assert item["org"] == str(org.pk) and item["creator"] == "alice"
    assert item["account"] == "123456789012" and item["keyHint"] == "AKIA…MPLE"
    assert item["createdAt"].endswith("Z") or item["createdAt"].endswith("+00:00")
    assert VALID_SECRET not in created.content.decode()

    listed = admin_api.call("get", org_path(org)).json()
    assert [i["id"] for i in listed] == [item["id"]]
    got = admin_api.call("get", f"{org_path(org)}/{item['id']}").json()
    assert got == item

    renamed = admin_api.call(
        "patch", org_path(org), {"integrationId": item["id"], "name": "renamed"}
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "renamed"

    deleted = admin_api.call("delete", f"{org_path(org)}/{item['id']}")
    assert deleted.status_code == 204
    assert not Integration.objects.exists()
    again = admin_api.call("get", f"{org_path(org)}/{item['id']}")
    assert again.status_code == 404 and error_of(again)["code"] == "not_found"


def test_update_replaces_and_reencrypts_credentials(admin_api, org):
    integration = make_integration(org, name="ecr")
    body = {
        "integrationId": str(integration.pk),
        "credentials": {
            "type": "private-registry",
            "options": {
                "name": "AWS",
                "spec": {
                    "accessKeyId": "AKIANEWKEY0000000001",
                    "secretAccessKey": CANARY_SECRET,
                    "account": "210987654321",
                    "region": "eu-west-1",
                },
            },
        },
    }
    response = admin_api.call("patch", org_path(org), body)
    assert response.status_code == 200, response.content
    assert response.json()["account"] == "210987654321"
    assert CANARY_SECRET not in response.content.decode()
    stored = Integration.objects.get(pk=integration.pk)
    assert stored.credentials["secret_access_key"] == CANARY_SECRET
    assert (stored.region, stored.key_hint) == ("eu-west-1", "AKIA…0001")


def test_available_integrations(admin_api, org):
    body = admin_api.call("get", f"/orgs/{org.pk}/availableIntegrations").json()
    registry = next(t for t in body if t["type"] == "private-registry")
    aws = next(p for p in registry["providers"] if p["provider"] == "aws")
    names = {f["name"]: f for f in aws["fields"]}
    assert set(names) == {"accessKeyId", "secretAccessKey", "account", "region"}
    assert names["secretAccessKey"]["secret"] is True
    assert names["secretAccessKey"]["displayName"] == "Secret Access Key"
    assert "us-east-1" in names["region"]["choices"]


@pytest.mark.parametrize(
    ("spec", "field", "message"),
    [
        ({"accessKeyId": "nope"}, "options.spec.accessKeyId", "Enter a valid Access Key ID"),
        ({"secretAccessKey": "short"}, "options.spec.secretAccessKey", "Secret Access Key"),
        ({"account": "12"}, "options.spec.account", "12 digits"),
        ({"region": "mars-1"}, "options.spec.region", "Select a valid choice"),
        ({"extra": "x"}, "options.spec.extra", "Unknown field."),
        ({"account": 123456789012}, "options.spec.account", "Must be a string."),
    ],
)
def test_validation_errors_name_the_field(admin_api, org, spec, field, message):
    response = admin_api.call("post", org_path(org), aws_body(**spec))
    assert response.status_code == 400
    error = error_of(response)
    assert message in " ".join(error["fields"][field])
    assert not Integration.objects.exists()


def test_secret_never_echoed_in_errors(admin_api, org):
    response = admin_api.call(
        "post", org_path(org), aws_body(secretAccessKey=CANARY_SECRET, account="x")
    )
    assert response.status_code == 400
    assert CANARY_SECRET not in response.content.decode()


def test_missing_and_unknown_top_level_fields(admin_api, org):
    body = aws_body()
    del body["name"]
    body["colour"] = "blue"
    error = error_of(admin_api.call("post", org_path(org), body))
    assert "name" in error["fields"] and error["fields"]["colour"] == ["Unknown field."]


def test_unsupported_type_is_400(admin_api, org):
    response = admin_api.call("post", org_path(org), {**aws_body(), "type": "gcs"})
    assert response.status_code == 400
    assert error_of(response)["code"] == "unsupported_type"


def test_unknown_provider_is_400(admin_api, org):
    response = admin_api.call("post", org_path(org), {**aws_body(), "metadata": {"provider": "zz"}})
    assert response.status_code == 400
    assert "metadata.provider" in error_of(response)["fields"]


def test_duplicate_name_is_409(admin_api, org):
    make_integration(org, name="AWS-ECR-integration")
    response = admin_api.call("post", org_path(org), aws_body())
    assert response.status_code == 409
    assert error_of(response)["code"] == "name_taken"


def test_rename_to_a_taken_name_is_409(admin_api, org):
    make_integration(org, name="taken")
    other = make_integration(org, name="other")
    response = admin_api.call(
        "patch", org_path(org), {"integrationId": str(other.pk), "name": "TAKEN"}
    )
    assert response.status_code == 409


def test_malformed_json_is_400(admin_api, org):
    response = admin_api.call("post", org_path(org), "{not json")
    assert response.status_code == 400 and error_of(response)["code"] == "invalid_json"


def test_wrong_content_type_is_415(admin_api, org):
    response = admin_api.call("post", org_path(org), "name=x", content_type="text/plain")
    assert response.status_code == 415 and error_of(response)


def test_oversize_body_is_413(admin_api, org):
    body = aws_body()
    body["metadata"] = {"provider": "aws", "padding": "x" * 70_000}
    response = admin_api.call("post", org_path(org), body)
    assert response.status_code == 413 and error_of(response)["code"] == "payload_too_large"


def test_wrong_method_is_405(admin_api, org):
    response = admin_api.call("put", org_path(org), aws_body())
    assert response.status_code == 405 and error_of(response)["code"] == "method_not_allowed"


def test_unknown_path_is_404_json(admin_api):
    response = admin_api.call("get", "/nothing-here")
    assert response.status_code == 404 and error_of(response)


def test_no_token_is_401(client, org):
    response = Api(client, None).call("get", org_path(org))
    assert response.status_code == 401 and error_of(response)["code"] == "unauthorized"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_is_401(client, org, org_admin):
    token, raw = api_token_create(user=org_admin, name="t")
    api = Api(client, raw)
    assert api.call("get", org_path(org)).status_code == 200
    api_token_revoke(token=token)
    assert api.call("get", org_path(org)).status_code == 401


def test_other_organization_is_404(admin_api, other_org, other_integration):
    assert admin_api.call("get", org_path(other_org)).status_code == 404
    response = admin_api.call("get", f"{org_path(other_org)}/{other_integration.pk}")
    assert response.status_code == 404
    response = admin_api.call("delete", f"{org_path(other_org)}/{other_integration.pk}")
    assert response.status_code == 404
    assert Integration.objects.filter(pk=other_integration.pk).exists()


def test_integration_of_another_org_under_own_org_path_is_404(admin_api, org, other_integration):
    response = admin_api.call("get", f"{org_path(org)}/{other_integration.pk}")
    assert response.status_code == 404
    response = admin_api.call(
        "patch", org_path(org), {"integrationId": str(other_integration.pk), "name": "x"}
    )
    assert response.status_code == 404


def test_member_reads_but_cannot_write(member_api, org, integration):
    assert member_api.call("get", org_path(org)).status_code == 200
    response = member_api.call("post", org_path(org), {**aws_body(), "name": "new"})
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
    response = member_api.call(
        "patch", org_path(org), {"integrationId": str(integration.pk), "name": "x"}
    )
    assert response.status_code == 403
    assert member_api.call("delete", f"{org_path(org)}/{integration.pk}").status_code == 403
    assert Integration.objects.get().name == "aws-ecr-integration"


def test_missing_integration_delete_is_404(admin_api, org):
    response = admin_api.call("delete", f"{org_path(org)}/{uuid.uuid4()}")
    assert response.status_code == 404


def test_openapi_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/orgs/{org_id}/integrations" in document["paths"]
    assert {"get", "post", "patch"} <= set(document["paths"]["/api/v1/orgs/{org_id}/integrations"])
