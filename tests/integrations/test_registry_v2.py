"""Registry v2 providers against Debian's docker-registry (Distribution) on loopback: Basic
(htpasswd), Bearer tokens from a token server, and TLS with a private CA. No HTTP patching."""

import integrations_sdk as dl
import pytest
from django.core.cache import cache

from integrations_site.api.services import api_token_create
from integrations_site.deployments import services as deployments
from integrations_site.integrations import services
from integrations_site.integrations.models import Integration
from integrations_site.integrations.providers import ImageMissing, RegistryRefused, get_provider
from tests.fixtures.registry import REPOSITORY, TAG

GENERIC = get_provider("generic")


def generic(registry, **overrides) -> dict:
    fields = {
        "url": registry.url,
        "username": registry.username,
        "password": registry.password,
        "verify_tls": True,
        "ca_certificate": "",
    }
    fields.update(overrides)
    return fields


def steps(result) -> dict[str, tuple[bool | None, str]]:
    return {step.key: (step.ok, step.message) for step in result.steps}


def test_basic_valid_credentials(basic_registry):
    result = GENERIC.check(generic(basic_registry), repository=REPOSITORY)
    assert result.ok, result
    assert steps(result)["credentials"] == (True, f"Signed in as {basic_registry.username}.")
    assert steps(result)["repository"] == (True, f"Can pull {REPOSITORY}.")


def test_basic_wrong_password(basic_registry):
    result = GENERIC.check(generic(basic_registry, password="wrong"))
    assert not result.ok and not result.unreachable
    assert steps(result)["reachable"][0] is True
    assert steps(result)["credentials"] == (
        False,
        f"{basic_registry.host} rejected the username or password.",
    )


def test_unknown_repository(basic_registry):
    result = GENERIC.check(generic(basic_registry), repository="team/nothere")
    assert steps(result)["repository"] == (
        False,
        f"Repository team/nothere not found on {basic_registry.host}.",
    )


def test_missing_tag_and_present_tag(basic_registry):
    credentials = generic(basic_registry)
    GENERIC.find_image(credentials, REPOSITORY, tag=TAG, digest=None)
    digest = basic_registry.images[(REPOSITORY, TAG)].digest
    GENERIC.find_image(credentials, REPOSITORY, tag=None, digest=digest)
    with pytest.raises(ImageMissing, match=f"Image nope not found in {REPOSITORY}"):
        GENERIC.find_image(credentials, REPOSITORY, tag="nope", digest=None)


def test_token_flow(token_registry):
    result = GENERIC.check(generic(token_registry), repository=REPOSITORY)
    assert result.ok, result
    asked = token_registry.token_server.received()
    assert any(f"repository:{REPOSITORY}:pull" in str(request) for request in asked)


def test_token_flow_wrong_password(token_registry):
    result = GENERIC.check(generic(token_registry, password="wrong"))
    assert steps(result)["credentials"] == (
        False,
        f"{token_registry.host} rejected the username or password.",
    )


def test_token_flow_not_allowed_to_pull(token_registry):
    token_registry.push_image("other/app", TAG)
    credentials = generic(token_registry, username="carol", password="carol-password")
    with pytest.raises(RegistryRefused, match="not allowed to pull other/app"):
        GENERIC.find_image(credentials, "other/app", tag=TAG, digest=None)
    GENERIC.find_image(credentials, REPOSITORY, tag=TAG, digest=None)  # team/* is allowed


def test_tls_error_without_the_ca_and_success_with_it(tls_registry):
    result = GENERIC.check(generic(tls_registry))
    assert not result.ok and not result.unreachable
    assert steps(result)["reachable"] == (
        False,
        f"TLS error talking to {tls_registry.host}: certificate not trusted.",
    )
    result = GENERIC.check(generic(tls_registry, ca_certificate=tls_registry.ca_pem))
    assert result.ok, result


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_tls_verification_can_be_turned_off(tls_registry):
    assert GENERIC.check(generic(tls_registry, verify_tls=False)).ok


def test_closed_port_is_unreachable():
    result = GENERIC.check(
        {"url": "http://127.0.0.1:9", "username": "u", "password": "p", "verify_tls": True}
    )
    assert result.unreachable
    assert steps(result)["reachable"] == (False, "Could not reach 127.0.0.1:9.")


# --- integrations and services ----------------------------------------------------------------


@pytest.fixture
def registry_integration(org, basic_registry):
    cache.clear()
    return services.integration_create(
        organization=org,
        created_by=None,
        name="local-registry",
        provider=GENERIC,
        credentials=generic(basic_registry),
        check=GENERIC.check(generic(basic_registry)),
    )


def test_created_integration_is_verified_and_listed(
    admin_http, registry_integration, basic_registry
):
    assert registry_integration.status == "verified"
    assert registry_integration.registry == basic_registry.host
    html = admin_http.get("/integrations/").content.decode()
    assert "Docker Registry v2" in html and basic_registry.host in html
    assert basic_registry.password not in html


def test_create_from_the_form(admin_http, basic_registry):
    response = admin_http.post(
        "/integrations/new/registry/",
        {
            "name": "local",
            "provider": "generic",
            "url": basic_registry.url,
            "username": basic_registry.username,
            "password": basic_registry.password,
            "verify_tls": "on",
            "check_repository": REPOSITORY,
        },
    )
    assert response.status_code == 302
    assert Integration.objects.get().status == "verified"


def test_service_deploys_from_the_local_registry(org, registry_integration, basic_registry):
    image = f"{basic_registry.host}/{REPOSITORY}:{TAG}"
    service = deployments.service_deploy(
        organization=org, name="app", runner_image=image, user=None
    )
    assert (service.status, service.status_reason) == ("running", "")
    missing = deployments.service_deploy(
        organization=org,
        name="app2",
        runner_image=f"{basic_registry.host}/{REPOSITORY}:nope",
        user=None,
    )
    assert missing.status_reason == f"Image nope not found in {REPOSITORY}"


def test_rejected_password_at_deploy(org, basic_registry):
    services.integration_create(
        organization=org,
        created_by=None,
        name="bad",
        provider=GENERIC,
        credentials=generic(basic_registry, password="wrong"),
    )
    service = deployments.service_deploy(
        organization=org,
        name="app",
        runner_image=f"{basic_registry.host}/{REPOSITORY}:{TAG}",
        user=None,
    )
    assert service.status_reason == (
        "Integration 'bad' credentials rejected: the registry rejected the username or password"
    )


def test_pull_credentials_for_a_v2_registry(
    client, org, org_admin, registry_integration, basic_registry
):
    _, raw = api_token_create(user=org_admin, name="t")
    response = client.get(
        f"/api/v1/orgs/{org.pk}/pull-credentials",
        {"image": f"{basic_registry.host}/{REPOSITORY}:{TAG}"},
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 200
    entry = response.json()["auths"][basic_registry.host]
    assert entry["username"] == basic_registry.username


@pytest.mark.django_db(transaction=True)
def test_sdk_create_check_list_update_delete(live_server, org, org_admin, basic_registry):
    cache.clear()
    _, raw = api_token_create(user=org_admin, name="sdk")
    client = dl.Client()
    client.base_url, client.token = live_server.url, raw
    org_entity = dl.Organizations(client).get(organization_id=str(org.pk))
    options = dl.IntegrationUtils.generate_generic_options(
        basic_registry.url, basic_registry.username, "wrong"
    )
    integration = org_entity.integrations.create(
        integrations_type=dl.IntegrationType.PRIVATE_REGISTRY,
        name="local",
        options=options,
        metadata={"provider": "generic"},
    )
    assert integration.status == "failed"
    assert integration.registry == basic_registry.host
    fixed = integration.update(
        new_options=dl.IntegrationUtils.generate_generic_options(
            basic_registry.url, basic_registry.username, basic_registry.password
        )
    )
    assert fixed.status == "verified"
    assert integration.check(repository=REPOSITORY).ok
    assert [i.name for i in org_entity.integrations.list()] == ["local"]
    assert integration.delete(sure=True, really=True)
    assert not Integration.objects.exists()


def test_a_token_realm_on_a_blocked_address_is_not_followed(basic_registry):
    from integrations_site.integrations.providers.registry_v2.client import (
        RegistryClient,
        RegistryProblem,
    )

    login = GENERIC.login(generic(basic_registry))
    with RegistryClient(login) as client, pytest.raises(RegistryProblem) as problem:
        client._token({"realm": "http://169.254.169.254/latest/meta-data/"}, "")
    assert problem.value.kind == "blocked"


def test_credentials_are_never_sent_to_a_plain_http_token_realm(basic_registry):
    from integrations_site.integrations.providers.registry_v2.client import (
        RegistryClient,
        RegistryProblem,
    )

    login = GENERIC.login(generic(basic_registry))
    with RegistryClient(login) as client, pytest.raises(RegistryProblem) as problem:
        client._token({"realm": "http://auth.example.com/token"}, "")
    assert problem.value.kind == "blocked"
    assert "refusing to send the credentials" in problem.value.message
