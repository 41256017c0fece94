"""Who may call what: README.md's two tables ("Security / Who may call what") are read here
and every row is called as every kind of caller, expecting exactly the status written there.
A row added to the README without a way to call it here, or an endpoint answering otherwise,
fails."""

import json
import re
from pathlib import Path

import pytest

from integrations_site.api.services import api_token_create, runtime_token_create
from integrations_site.deployments import services as deployments
from integrations_site.integrations import services as integrations
from integrations_site.integrations.providers import get_provider
from integrations_site.storage import services as storage
from tests.factories import CANARY_SECRET, VALID_ACCESS_KEY_ID, make_registry_integration, make_user

README = Path(__file__).resolve().parents[2] / "README.md"
ROLES = ("admin", "member", "runtime", "anonymous")
ROW = re.compile(r"^\| `(GET|POST|PATCH|DELETE) ([^`]+)` \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$")
REGISTRY = "127.0.0.1:9"  # a closed port: checks and rollouts fail fast, no network
IMAGE = f"{REGISTRY}/team/app:1"


def table_rows() -> list[tuple[str, str, dict[str, int]]]:
    text = README.read_text()
    section = text[text.index("### Who may call what") : text.index("## Configuration")]
    rows = []
    for line in section.splitlines():
        found = ROW.match(line)
        if found:
            method, path, *codes = found.groups()
            rows.append((method, path, dict(zip(ROLES, map(int, codes), strict=True))))
    return rows


ROWS = table_rows()


def test_the_tables_are_there():
    assert len(ROWS) >= 45
    assert len({(method, path) for method, path, _ in ROWS}) == len(ROWS)


class World:
    """One organization with one of everything, and a caller of each kind."""

    def __init__(self, org, org_admin, org_member) -> None:
        self.org = org
        self.admin, self.member = org_admin, org_member
        self.integration = make_registry_integration(org, created_by=org_admin)
        self.storage_integration = integrations.integration_create(
            organization=org,
            created_by=org_admin,
            name="s3-keys",
            provider=get_provider("aws-s3"),
            credentials={"access_key_id": VALID_ACCESS_KEY_ID, "secret_access_key": CANARY_SECRET},
        )
        self.driver = storage.storage_driver_create(
            organization=org,
            created_by=org_admin,
            name="datasets",
            integration=self.storage_integration,
            bucket="acme-datasets",
        )
        self.service = deployments.service_deploy(
            organization=org, name="svc", runner_image=IMAGE, user=org_admin
        )
        self.pipeline = deployments.pipeline_create(
            organization=org, name="pipe", nodes=[("n1", IMAGE)], user=org_admin
        )
        self.node = self.pipeline.nodes.get()
        self.admin_token = api_token_create(user=org_admin, name="admin")[1]
        self.member_token = api_token_create(user=org_member, name="member")[1]
        self.runtime_token = runtime_token_create(
            organization=org, created_by=org_admin, name="cluster"
        )[1]
        self.revocable = runtime_token_create(organization=org, created_by=org_admin, name="old")[0]
        self.newcomer = make_user("carol")  # not a member yet: the one a POST adds

    def path(self, template: str) -> str:
        values = {
            "org": self.org.pk,
            "integration": self.integration.pk,
            "service": self.service.pk,
            "pipeline": self.pipeline.pk,
            "node": self.node.pk,
            "driver": self.driver.pk,
            "runtime_token": self.revocable.pk,
            "member": self.member.pk,
            "kind": "registry",
            "image": IMAGE,
        }
        return template.format(**values)

    def body(self, method: str, template: str, request) -> dict | None:
        """What the row sends: a valid request, so the answer is about the caller alone."""
        generic_api = {
            "type": "private-registry",
            "name": "another-registry",
            "options": {
                "name": "Docker Registry v2",
                "spec": {"url": f"http://{REGISTRY}", "username": "u", "password": "p"},
            },
            "metadata": {"provider": "generic"},
        }
        generic_form = {
            "name": "another-registry",
            "provider": "generic",
            "url": f"http://{REGISTRY}",
            "username": "u",
            "password": "p",
            "verify_tls": "on",
        }
        bodies = {
            ("POST", "/orgs/{org}/integrations"): generic_api,
            ("PATCH", "/orgs/{org}/integrations"): {
                "integrationId": str(self.integration.pk),
                "name": "renamed",
            },
            ("POST", "/orgs/{org}/integrations/{integration}/check"): {},
            ("POST", "/orgs/{org}/services"): {"name": "svc2", "runnerImage": IMAGE},
            ("POST", "/orgs/{org}/services/{service}/restart"): {},
            ("POST", "/orgs/{org}/pipelines"): {
                "name": "pipe2",
                "nodes": [{"name": "n1", "runnerImage": IMAGE}],
            },
            ("POST", "/orgs/{org}/pipelines/{pipeline}/install"): {},
            ("POST", "/integrations/new/registry/"): generic_form,
            ("POST", "/integrations/new/{kind}/test/"): generic_form,
            ("POST", "/services/deploy/"): {"name": "svc2", "runner_image": IMAGE},
            ("POST", "/pipelines/"): {"name": "pipe2", "nodes": f"n1 {IMAGE}"},
            ("POST", "/tokens/new/"): {"name": "laptop"},
            ("POST", "/tokens/runtime/new/"): {"runtime-name": "cluster-b"},
            ("POST", "/orgs/switch/"): {"organization": str(self.org.pk)},
            ("POST", "/orgs/{org}/members"): {"user": "carol", "role": "member"},
            ("PATCH", "/orgs/{org}/members/{member}"): {"role": "admin"},
            ("POST", "/orgs/members/add/"): {"user": "carol", "role": "member"},
            ("POST", "/orgs/members/{member}/role/"): {"role": "admin"},
        }
        if (method, template) == ("POST", "/orgs/{org}/drivers"):
            return self.driver_body(request)
        if (method, template) in bodies:
            return bodies[(method, template)]
        assert method in ("GET", "DELETE") or template.endswith(
            ("/delete/", "/restart/", "/check/", "/install/", "/revoke/", "/remove/")
        ), f"README row {method} {template} has no request body in this test"
        return None

    def driver_body(self, request) -> dict:
        """Creating a driver checks the bucket: only the admin's call gets that far, so only
        then is moto started (session fixture) and a readable bucket made."""
        if request.node.callspec.params["role"] != "admin":
            return {"name": "d2", "integrationId": str(self.storage_integration.pk), "bucket": "b"}
        bucket = request.getfixturevalue("s3_bucket")
        request.getfixturevalue("aws_endpoint")
        keys = request.getfixturevalue("s3_read_keys")
        readable = integrations.integration_create(
            organization=self.org,
            created_by=self.admin,
            name="s3-reader",
            provider=get_provider("aws-s3"),
            credentials={
                "access_key_id": keys.access_key_id,
                "secret_access_key": keys.secret_access_key,
            },
        )
        return {"name": "d2", "integrationId": str(readable.pk), "bucket": bucket}


def call(client, world: World, role: str, method: str, template: str, request):
    # Web pages under /orgs/ end with a slash; API paths never do.
    is_api = template.startswith(("/orgs", "/users/")) and not template.endswith("/")
    path = world.path(template)
    body = world.body(method, template, request)
    headers = {}
    if role == "runtime":
        headers["Authorization"] = f"Bearer {world.runtime_token}"
    if is_api:
        if role in ("admin", "member"):
            token = world.admin_token if role == "admin" else world.member_token
            headers["Authorization"] = f"Bearer {token}"
        url = f"/api/v1{path}"
        data = json.dumps(body) if body is not None else None
        return getattr(client, method.lower())(
            url, data=data, content_type="application/json", headers=headers
        )
    if role in ("admin", "member"):
        client.force_login(world.admin if role == "admin" else world.member)
    if method == "GET":
        return client.get(path, headers=headers)
    return client.post(path, body or {}, headers=headers)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "template", "expected"), ROWS, ids=[f"{m} {p}" for m, p, _ in ROWS]
)
def test_the_role_table_holds(
    client, org, org_admin, org_member, role, method, template, expected, request
):
    world = World(org, org_admin, org_member)
    response = call(client, world, role, method, template, request)
    assert response.status_code == expected[role], response.content[:500]
    # getvalue(): the body of a streamed answer (the audit export) too.
    assert CANARY_SECRET not in response.getvalue().decode(errors="replace") or (
        role in ("admin", "runtime") and "pull-credentials" in template
    )
