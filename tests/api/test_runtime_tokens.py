"""Runtime tokens belong to an organization, are made and revoked by its admins, and may do
one thing: fetch that organization's pull credentials. A member never receives a stored
secret or a credential minted from one."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from integrations_site.api.models import ApiToken
from integrations_site.api.services import api_token_create, runtime_token_create
from integrations_site.integrations import services
from integrations_site.organizations.models import Membership
from integrations_site.organizations.services import membership_set
from tests.factories import CANARY_SECRET, make_registry_integration, make_user

pytestmark = pytest.mark.django_db

REGISTRY = "127.0.0.1:9"
IMAGE = f"{REGISTRY}/team/app:1"


@pytest.fixture
def registry_integration(org, org_admin):
    """A v2 registry integration: its pull credentials are its stored login, no network."""
    return make_registry_integration(org, created_by=org_admin)


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def pull_paths(org, integration) -> list[str]:
    base = f"/api/v1/orgs/{org.pk}"
    return [
        f"{base}/integrations/{integration.pk}/pull-credentials",
        f"{base}/pull-credentials?image={IMAGE}",
    ]


def test_a_member_never_gets_pull_credentials(client, org, org_member, registry_integration):
    _, raw = api_token_create(user=org_member, name="mine")
    for path in pull_paths(org, registry_integration):
        response = client.get(path, headers=bearer(raw))
        assert response.status_code == 403
        assert CANARY_SECRET not in response.content.decode()


def test_a_member_cannot_make_a_runtime_token(member_http, org):
    page = member_http.get("/tokens/").content.decode()
    assert "Runtime tokens of" not in page and "runtime_create" not in page
    response = member_http.post("/tokens/runtime/new/", {"runtime-name": "sneaky"})
    assert response.status_code == 403
    assert not ApiToken.objects.filter(name="sneaky").exists()


def test_the_personal_form_has_no_runtime_option(member_http):
    assert (
        member_http.post("/tokens/new/", {"name": "laptop", "for_runtime": "on"}).status_code == 200
    )
    token = ApiToken.objects.get(name="laptop")
    assert token.user is not None and not token.is_runtime


def test_an_admin_makes_one_for_the_organization(admin_http, org, org_admin):
    response = admin_http.post(
        "/tokens/runtime/new/", {"runtime-name": "cluster-a", "runtime-expires_in_days": "30"}
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(name="cluster-a")
    assert token.organization == org and token.user is None and token.created_by == org_admin
    assert token.expires_at - timezone.now() > timedelta(days=29)
    assert "Your new runtime token" in response.content.decode()
    assert response["Cache-Control"] == "no-store"


def test_any_admin_of_the_organization_revokes_it(client, org, org_admin, registry_integration):
    _, raw = runtime_token_create(organization=org, created_by=org_admin, name="cluster-a")
    token = ApiToken.objects.get(name="cluster-a")
    second_admin = make_user("carol")
    membership_set(organization=org, user=second_admin, role=Membership.Role.ADMIN)
    client.force_login(second_admin)
    assert "cluster-a" in client.get("/tokens/").content.decode()
    assert client.post(f"/tokens/runtime/{token.pk}/revoke/").status_code == 302
    path = pull_paths(org, registry_integration)[0]
    assert client.get(path, headers=bearer(raw)).status_code == 401


def test_an_admin_of_another_organization_cannot_revoke_it(
    client, org, org_admin, other_org, outsider
):
    runtime_token_create(organization=org, created_by=org_admin, name="cluster-a")
    token = ApiToken.objects.get(name="cluster-a")
    client.force_login(outsider)
    assert "cluster-a" not in client.get("/tokens/").content.decode()
    assert client.post(f"/tokens/runtime/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_it_fetches_its_own_organizations_pull_credentials_only(
    client, org, org_admin, registry_integration, other_org
):
    _, raw = runtime_token_create(organization=org, created_by=org_admin, name="cluster-a")
    for path in pull_paths(org, registry_integration):
        response = client.get(path, headers=bearer(raw))
        assert response.status_code == 200
        assert response.json()["auths"][REGISTRY]["password"] == CANARY_SECRET
    other = client.get(
        f"/api/v1/orgs/{other_org.pk}/pull-credentials?image={IMAGE}", headers=bearer(raw)
    )
    assert other.status_code == 404


def test_it_does_nothing_else(client, org, org_admin, registry_integration):
    _, raw = runtime_token_create(organization=org, created_by=org_admin, name="cluster-a")
    base = f"/api/v1/orgs/{org.pk}"
    for method, path in [
        ("get", "/api/v1/orgs"),
        ("get", base),
        ("get", f"{base}/integrations"),
        ("get", f"{base}/integrations/{registry_integration.pk}"),
        ("delete", f"{base}/integrations/{registry_integration.pk}"),
        ("post", f"{base}/integrations/{registry_integration.pk}/check"),
        ("get", f"{base}/services"),
        ("get", f"{base}/drivers"),
    ]:
        response = getattr(client, method)(
            path, content_type="application/json", headers=bearer(raw)
        )
        assert response.status_code == 403, (method, path)
        assert response.json()["error"]["code"] == "forbidden"
    assert services.Integration.objects.filter(pk=registry_integration.pk).exists()
    # and no web page: a bearer token is not a session
    assert client.get("/integrations/", headers=bearer(raw)).status_code == 302


def test_an_expired_runtime_token_is_refused(client, org, org_admin, registry_integration):
    _, raw = runtime_token_create(organization=org, created_by=org_admin, name="old")
    ApiToken.objects.filter(name="old").update(expires_at=timezone.now() - timedelta(seconds=1))
    path = pull_paths(org, registry_integration)[0]
    assert client.get(path, headers=bearer(raw)).status_code == 401


def test_createapitoken_runtime_needs_an_admin_of_the_organization(org, org_admin, org_member):
    with pytest.raises(CommandError, match="not an admin"):
        call_command("createapitoken", org_member.username, "--runtime", org.name)
    stdout = StringIO()
    call_command("createapitoken", org_admin.username, "--runtime", org.name, stdout=stdout)
    raw = stdout.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.matching(raw).get()
    assert token.organization == org and token.user is None
