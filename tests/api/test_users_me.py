"""GET /users/me (dtlpy's login_token needs a 2xx there) and flags the platform's SDK sends in
the query string (?reloadServices=true)."""

import json

import pytest

from integrations_site.api.services import api_token_create, api_token_revoke, runtime_token_create
from integrations_site.deployments import services as deployments
from integrations_site.deployments.models import Rollout
from integrations_site.integrations import services as integrations
from integrations_site.integrations.models import Integration
from integrations_site.integrations.providers import get_provider
from tests.factories import CANARY_SECRET

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me"
REGISTRY = "127.0.0.1:9"  # a closed port: rollouts fail fast, no network
# Every key dtlpy's User.from_json reads.
DTLPY_USER_KEYS = {
    "id",
    "username",
    "email",
    "firstName",
    "lastName",
    "createdAt",
    "updatedAt",
    "avatar",
    "role",
    "type",
    "org",
}


def test_a_personal_token_answers_its_user(client, org_admin):
    org_admin.email, org_admin.first_name = "alice@example.com", "Alice"
    org_admin.save()
    _, raw = api_token_create(user=org_admin, name="sdk")
    response = client.get(ME, headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= DTLPY_USER_KEYS
    assert (body["id"], body["username"], body["email"]) == (
        str(org_admin.pk),
        "alice",
        "alice@example.com",
    )
    assert (body["firstName"], body["type"], body["org"]) == ("Alice", "user", None)


def test_a_session_answers_its_user(member_http, org_member):
    response = member_http.get(ME)
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["username"]) == (str(org_member.pk), "bob")


def test_a_runtime_token_answers_as_itself(client, org, org_admin):
    token, raw = runtime_token_create(organization=org, created_by=org_admin, name="cluster")
    response = client.get(ME, headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["username"], body["email"]) == (str(token.pk), "runtime:cluster", None)
    assert (body["type"], body["org"]) == ("runtime", str(org.pk))


@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer a.b.c"])
def test_anyone_else_is_401_in_the_error_shape(client, header):
    response = client.get(ME, headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.json()["message"] == response.json()["error"]["message"]


def test_a_revoked_token_is_401(client, org_admin):
    token, raw = api_token_create(user=org_admin, name="sdk")
    api_token_revoke(token=token)
    assert client.get(ME, headers={"Authorization": f"Bearer {raw}"}).status_code == 401


# --- ?reloadServices=true ----------------------------------------------------------------------


@pytest.fixture
def registry_in_use(org, org_admin) -> Integration:
    integration = integrations.integration_create(
        organization=org,
        created_by=org_admin,
        name="local-registry",
        provider=get_provider("generic"),
        credentials={
            "url": f"http://{REGISTRY}",
            "username": "puller",
            "password": CANARY_SECRET,
            "verify_tls": True,
            "ca_certificate": "",
        },
    )
    deployments.service_deploy(
        organization=org, name="svc", runner_image=f"{REGISTRY}/team/app:1", user=org_admin
    )
    return integration


def restarts() -> int:
    return Rollout.objects.filter(action=Rollout.Action.RESTART).count()


@pytest.mark.parametrize(
    ("query", "body_flag", "restarted"),
    [
        ("", False, 0),
        ("?reloadServices=true", False, 1),  # how dtlpy sends it
        ("", True, 1),
        ("?reloadServices=false", False, 0),
    ],
)
def test_reload_services_is_read_from_the_query_string_and_the_body(
    client, org, org_admin, registry_in_use, query, body_flag, restarted
):
    _, raw = api_token_create(user=org_admin, name="sdk")
    body = {"integrationId": str(registry_in_use.pk), "name": "renamed"}
    if body_flag:
        body["reloadServices"] = True
    response = client.patch(
        f"/api/v1/orgs/{org.pk}/integrations{query}",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "renamed"
    assert restarts() == restarted
