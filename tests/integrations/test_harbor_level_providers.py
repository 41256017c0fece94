"""Quay, GitLab, JFrog Artifactory, Harbor and Alibaba Cloud ACR (issue 16.5-16.6) against
Debian's docker-registry answering as each does (tests/fixtures/registry/profiles.py: token
realm path, service name, vendor-named accounts granted pull on their own namespace;
Artifactory's /artifactory/api/docker/KEY prefix with Basic). No HTTP patching: each check,
lookup, pull-credentials answer and deploy below talks to a real registry on loopback.

Self-hosted endpoints point at loopback through the form and the API; ACR has no self-hosted
form (its form takes aliyuncs.com endpoints only), so its registry-backed tests hand the
provider a loopback endpoint directly, and its form rules are tested on their own."""

import base64
import json
import re

import integrations_sdk as dl
import pytest
from django.core.cache import cache

from integrations_site.api.services import api_token_create
from integrations_site.deployments import services as deployments
from integrations_site.integrations import services
from integrations_site.integrations.api_schemas import provider_data
from integrations_site.integrations.models import Integration
from integrations_site.integrations.providers import (
    ImageMissing,
    RegistryRefused,
    get_provider,
    providers_for,
)
from tests.fixtures.registry import OTHER_REPOSITORY, PROFILES, REPOSITORY, TAG

VENDORS = ["quay", "gitlab", "harbor", "jfrog", "alibaba"]
# The vendors whose emulation grants per namespace (htpasswd, for Artifactory, has no ACL).
WITH_GRANTS = ["quay", "gitlab", "harbor", "alibaba"]
JFROG_KEY = "docker-local"


def base_url(registry, vendor: str) -> str:
    return registry.url.removesuffix(PROFILES[vendor].prefix)


def vendor_credentials(vendor: str, registry, *, secret: str | None = None) -> dict:
    """The provider's stored fields for the vendor-shaped registry, its account signing in."""
    username, password = PROFILES[vendor].account
    password = password if secret is None else secret
    url = base_url(registry, vendor)
    return {
        "quay": {"host": url, "username": username, "token": password},
        "gitlab": {"host": url, "username": username, "token": password},
        "harbor": {"url": url, "username": username, "secret": password},
        "jfrog": {
            "url": url,
            "repository_key": JFROG_KEY,
            "access_method": "path",
            "username": username,
            "api_key": password,
        },
        "alibaba": {"endpoint": url, "username": username, "password": password},
    }[vendor]


def sdk_options(vendor: str, registry) -> dict:
    username, password = PROFILES[vendor].account
    url = base_url(registry, vendor)
    utils = dl.IntegrationUtils
    return {
        "quay": lambda: utils.generate_quay_options(username, password, host=url),
        "gitlab": lambda: utils.generate_gitlab_options(username, password, host=url),
        "harbor": lambda: utils.generate_harbor_options(url, username, password),
        "jfrog": lambda: utils.generate_jfrog_options(url, JFROG_KEY, username, password),
    }[vendor]()


def image_path(vendor: str, repository: str = REPOSITORY) -> str:
    """How an image reference names `repository` after the host."""
    return f"{JFROG_KEY}/{repository}" if vendor == "jfrog" else repository


def steps(result) -> dict[str, tuple[bool | None, str]]:
    return {step.key: (step.ok, step.message) for step in result.steps}


@pytest.fixture(params=VENDORS)
def vendor(request, provider_registries):
    return request.param, provider_registries.get(request.param)


@pytest.fixture(params=WITH_GRANTS)
def granting_vendor(request, provider_registries):
    return request.param, provider_registries.get(request.param)


# --- checks against the vendor-shaped registries ----------------------------------------------


def test_check_passes_with_the_vendors_login_and_asks_as_the_vendor(vendor):
    name, registry = vendor
    provider = get_provider(name)
    if registry.token_server:
        registry.token_server.clear()
    result = provider.check(vendor_credentials(name, registry), repository=REPOSITORY)
    assert result.ok, result
    username = PROFILES[name].account[0]
    assert steps(result)["credentials"] == (True, f"Signed in as {username}.")
    assert steps(result)["repository"] == (True, f"Can pull {REPOSITORY}.")
    if registry.token_server:
        # The realm path, service and scope of the vendor's token service, with its account.
        asked = [r for r in registry.token_server.received() if r.status == 200]
        assert asked and {(r.path, r.service, r.user) for r in asked} == {
            (PROFILES[name].realm_path, PROFILES[name].service, username)
        }
        assert (f"repository:{REPOSITORY}:pull",) in {r.scopes for r in asked}


WRONG_LOGIN = {
    "quay": "rejected robot account team+puller or its token (Quay: Robot Accounts",
    "gitlab": "(GitLab) rejected gitlab+deploy-token-7 or its token: a deploy token signs in",
    "harbor": "rejected robot account robot$team+puller or its secret",
    "jfrog": "rejected deployer or the API key or identity token",
    "alibaba": "rejected puller@1234567890123456 or its password: ACR takes the fixed password",
}


def test_a_wrong_secret_is_named_in_the_vendors_terms(vendor):
    name, registry = vendor
    result = get_provider(name).check(vendor_credentials(name, registry, secret="wrong"))
    assert not result.ok and not result.unreachable
    assert steps(result)["reachable"][0] is True
    ok, message = steps(result)["credentials"]
    assert ok is False and WRONG_LOGIN[name] in message, message
    with pytest.raises(RegistryRefused, match=re.escape(WRONG_LOGIN[name])):
        get_provider(name).find_image(
            vendor_credentials(name, registry, secret="wrong"),
            image_path(name),
            tag=TAG,
            digest=None,
        )


def test_a_missing_repository_and_tag_are_named(vendor):
    name, registry = vendor
    provider, credentials = get_provider(name), vendor_credentials(name, registry)
    result = provider.check(credentials, repository="team/nothere")
    assert steps(result)["repository"] == (
        False,
        f"Repository team/nothere not found on {registry.host}.",
    )
    provider.find_image(credentials, image_path(name), tag=TAG, digest=None)
    with pytest.raises(ImageMissing, match=f"Image nope not found in {REPOSITORY}"):
        provider.find_image(credentials, image_path(name), tag="nope", digest=None)


DENIED = {
    "quay": "team+puller is a robot account of team: it can be given permissions on team's "
    "repositories only, and other/app is in other.",
    "gitlab": "A deploy token reads only its own project's or group's images: is other/app in it?",
    "harbor": "robot$team+puller is a robot account of project team: it pulls from team only, "
    "and other/app is in project other.",
    "alibaba": "A RAM user needs cr:PullRepository on other/app (namespace other)",
}


def test_a_repository_the_account_may_not_pull_says_why(granting_vendor):
    name, registry = granting_vendor
    provider, credentials = get_provider(name), vendor_credentials(name, registry)
    result = provider.check(credentials, repository=OTHER_REPOSITORY)
    ok, message = steps(result)["repository"]
    assert ok is False and "may not pull it" in message and DENIED[name] in message, message
    with pytest.raises(RegistryRefused, match=f"not allowed to pull {OTHER_REPOSITORY}: ") as err:
        provider.find_image(credentials, OTHER_REPOSITORY, tag=TAG, digest=None)
    assert DENIED[name] in str(err.value)


def test_jfrog_names_an_unknown_repository_key(provider_registries):
    registry = provider_registries.get("jfrog")
    jfrog, credentials = get_provider("jfrog"), vendor_credentials("jfrog", registry)
    missing = (
        f"{registry.host} has no Docker repository docker-remote (Artifactory answered 404 at "
        f"{base_url(registry, 'jfrog')}/artifactory/api/docker/docker-remote/v2/)."
    )
    result = jfrog.check({**credentials, "repository_key": "docker-remote"})
    assert not result.unreachable and steps(result)["credentials"] == (False, missing)
    # Path style: an image's first segment picks the repository.
    with pytest.raises(ImageMissing, match=re.escape(missing)):
        jfrog.find_image(credentials, f"docker-remote/{REPOSITORY}", tag=TAG, digest=None)
    with pytest.raises(ImageMissing, match="names no Docker repository"):
        jfrog.find_image(credentials, "app", tag=TAG, digest=None)


# --- integrations: create, pull credentials, deploy -------------------------------------------


def api_post(client, org, raw: str, body: dict):
    return client.post(
        f"/api/v1/orgs/{org.pk}/integrations",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )


def test_create_pull_credentials_and_deploy(client, org, org_admin, vendor):
    name, registry = vendor
    cache.clear()
    provider = get_provider(name)
    _, raw = api_token_create(user=org_admin, name="t")
    username, secret = PROFILES[name].account
    if name == "alibaba":
        credentials = vendor_credentials(name, registry)
        services.integration_create(
            organization=org,
            created_by=None,
            name=name,
            provider=provider,
            credentials=credentials,
            check=provider.check(credentials),
        )
    else:
        body = {
            "type": "private-registry",
            "name": name,
            "options": sdk_options(name, registry),
            "metadata": {"provider": name},
        }
        response = api_post(client, org, raw, body)
        assert response.status_code == 201, response.content
        assert secret not in response.content.decode()
        assert response.json()["registry"] == registry.host
    integration = Integration.objects.get()
    assert (integration.status, integration.registry) == ("verified", registry.host)
    assert integration.account == username

    image = f"{registry.host}/{image_path(name)}:{TAG}"
    response = client.get(
        f"/api/v1/orgs/{org.pk}/pull-credentials",
        {"image": image},
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 200, response.content
    entry = response.json()["auths"][registry.host]
    assert (entry["username"], entry["password"]) == (username, secret)

    service = deployments.service_deploy(
        organization=org, name="app", runner_image=image, user=None
    )
    assert (service.status, service.status_reason) == ("running", "")
    missing = deployments.service_deploy(
        organization=org,
        name="app2",
        runner_image=f"{registry.host}/{image_path(name)}:nope",
        user=None,
    )
    assert missing.status_reason == f"Image nope not found in {REPOSITORY}"


def test_a_pushed_image_deploys_and_a_refused_one_says_why(org, provider_registries):
    registry = provider_registries.get("harbor")
    registry.push_image("team/fresh", "2.0")
    harbor = get_provider("harbor")
    credentials = vendor_credentials("harbor", registry)
    services.integration_create(
        organization=org, created_by=None, name="h", provider=harbor, credentials=credentials
    )
    fresh = deployments.service_deploy(
        organization=org, name="fresh", runner_image=f"{registry.host}/team/fresh:2.0", user=None
    )
    assert (fresh.status, fresh.status_reason) == ("running", "")
    other = deployments.service_deploy(
        organization=org,
        name="other",
        runner_image=f"{registry.host}/{OTHER_REPOSITORY}:{TAG}",
        user=None,
    )
    assert other.status_reason.startswith(
        f"Integration 'h' credentials rejected: not allowed to pull {OTHER_REPOSITORY}: "
        "robot$team+puller is a robot account of project team"
    )


def test_the_web_form_creates_a_harbor_integration_on_loopback(admin_http, provider_registries):
    registry = provider_registries.get("harbor")
    username, secret = PROFILES["harbor"].account
    response = admin_http.post(
        "/integrations/new/registry/",
        {
            "name": "harbor",
            "provider": "harbor",
            "url": registry.url,
            "username": username,
            "secret": secret,
            "check_repository": REPOSITORY,
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    integration = Integration.objects.get()
    assert (integration.provider, integration.status) == ("harbor", "verified")


def test_the_platform_docker_config_shape_works_for_a_vendor(
    client, org, org_admin, provider_registries
):
    registry = provider_registries.get("quay")
    username, secret = PROFILES["quay"].account
    config = {"auths": {registry.url: {"username": username, "password": secret}}}
    _, raw = api_token_create(user=org_admin, name="t")
    options = {
        "name": "_json_key",
        "spec": {"password": base64.b64encode(json.dumps(config).encode()).decode()},
    }
    response = api_post(
        client,
        org,
        raw,
        {
            "type": "private-registry",
            "name": "q",
            "options": options,
            "metadata": {"provider": "quay"},
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "verified"


# --- forms: fields, defaults, named field errors ----------------------------------------------


@pytest.mark.parametrize(
    ("provider", "spec", "field", "message"),
    [
        ("quay", {"username": "deployer"}, "username", "ORGANIZATION+NAME"),
        ("quay", {"username": "Acme+Deployer"}, "username", "ORGANIZATION+NAME"),
        ("harbor", {"username": "robotteam+puller"}, "username", "The name lost its $"),
        ("harbor", {"username": "team+puller"}, "username", "robot$PROJECT+NAME"),
        ("harbor", {"url": "http://registry.example.com"}, "url", "only for a loopback"),
        ("gitlab", {"host": "gitlab.com"}, "host", "its container registry is registry.gitlab"),
        ("gitlab", {"token": "glrt-abcdefghij"}, "token", "runner authentication token"),
        (
            "gitlab",
            {"username": "gitlab+deploy-token-3", "token": "glpat-abcdefghij"},
            "username",
            "deploy token's username",
        ),
        ("gitlab", {"username": "me@example.com"}, "username", "not an e-mail address"),
        (
            "alibaba",
            {"endpoint": "acme.cn-hangzhou.cr.aliyuncs.com"},
            "endpoint",
            "INSTANCE-registry.REGION.cr.aliyuncs.com",
        ),
        ("alibaba", {"endpoint": "cr.console.aliyun.com"}, "endpoint", "That is the console"),
        ("alibaba", {"endpoint": "http://127.0.0.1:5000"}, "endpoint", "Enter an ACR endpoint"),
        ("alibaba", {"password": "LTAI5tAbCdEfGhIjKlMnOp"}, "password", "AccessKey ID"),
        ("jfrog", {"url": "https://acme.jfrog.io/artifactory"}, "url", "host only"),
        ("jfrog", {"repositoryKey": "bad key!"}, "repositoryKey", "Enter a repository key"),
        (
            "jfrog",
            {"accessMethod": "subdomain", "url": "http://127.0.0.1:5000"},
            "accessMethod",
            "an IP address has no subdomains",
        ),
        (
            "jfrog",
            {"accessMethod": "subdomain", "repositoryKey": "docker_local"},
            "repositoryKey",
            "cannot be a subdomain",
        ),
    ],
)
def test_field_errors_are_named(client, org, org_admin, provider, spec, field, message):
    valid = {
        "quay": {"username": "acme+deployer", "token": "t"},
        "harbor": {"url": "http://127.0.0.1:9", "username": "robot$team+ci", "secret": "s"},
        "gitlab": {"username": "gitlab+deploy-token-3", "token": "gldt-abc"},
        "alibaba": {
            "endpoint": "registry.cn-hangzhou.aliyuncs.com",
            "username": "me@123",
            "password": "p",
        },
        "jfrog": {
            "url": "https://acme.jfrog.io",
            "repositoryKey": "docker-local",
            "username": "me",
            "apiKey": "k",
        },
    }[provider]
    _, raw = api_token_create(user=org_admin, name="t")
    body = {
        "type": "private-registry",
        "name": provider,
        "options": {"name": provider, "spec": {**valid, **spec}},
        "metadata": {"provider": provider},
    }
    response = api_post(client, org, raw, body)
    assert response.status_code == 400, response.content
    fields = response.json()["error"]["fields"]
    assert message in " ".join(fields[f"options.spec.{field}"]), fields
    assert not Integration.objects.exists()


def test_hosted_defaults_and_what_each_integration_is_named_by():
    quay = get_provider("quay")
    cleaned = quay.validate(provider_data(quay, {"username": "acme+deployer", "token": " t "}))
    assert cleaned["host"] == "https://quay.io" and cleaned["token"] == "t"
    assert quay.display(cleaned).registry == "quay.io"
    gitlab = get_provider("gitlab")
    cleaned = gitlab.validate(
        provider_data(gitlab, {"username": "gitlab+deploy-token-3", "token": "gldt-x"})
    )
    assert gitlab.display(cleaned).registry == "registry.gitlab.com"
    alibaba = get_provider("alibaba")
    for endpoint, region in [
        ("registry.cn-hangzhou.aliyuncs.com", "cn-hangzhou"),
        ("https://registry-intl-vpc.ap-southeast-1.aliyuncs.com", "ap-southeast-1"),
        ("acme-registry.eu-central-1.cr.aliyuncs.com", "eu-central-1"),
        ("acme-registry-vpc.cn-shanghai.cr.aliyuncs.com", "cn-shanghai"),
    ]:
        cleaned = alibaba.validate({"endpoint": endpoint, "username": "me@1", "password": "p"})
        display = alibaba.display(cleaned)
        assert (display.region, display.registry) == (region, endpoint.split("://")[-1])
    options = dl.IntegrationUtils.generate_alibaba_options(
        "me@1", "p", "registry.cn-hangzhou.aliyuncs.com"
    )
    assert options["name"] == "alibaba"
    cleaned = alibaba.validate(provider_data(alibaba, options["spec"]))
    assert cleaned["endpoint"] == "https://registry.cn-hangzhou.aliyuncs.com"
    jfrog = get_provider("jfrog")
    spec = {"url": "https://acme.jfrog.io", "repositoryKey": "docker-local", "username": "me"}
    path = jfrog.validate(provider_data(jfrog, {**spec, "apiKey": "k"}))
    assert path["access_method"] == "path"  # left out: the repository path method
    assert jfrog.display(path).registry == "acme.jfrog.io"
    assert jfrog.login(path).url == "https://acme.jfrog.io/artifactory/api/docker/docker-local"
    sub = jfrog.validate(provider_data(jfrog, {**spec, "apiKey": "k", "accessMethod": "subdomain"}))
    assert jfrog.display(sub).registry == "docker-local.acme.jfrog.io"
    assert jfrog.login(sub).url == "https://docker-local.acme.jfrog.io"


def test_jfrog_takes_no_docker_config(client, org, org_admin):
    _, raw = api_token_create(user=org_admin, name="t")
    config = base64.b64encode(b'{"auths": {"acme.jfrog.io": {"username": "u"}}}').decode()
    response = api_post(
        client,
        org,
        raw,
        {
            "type": "private-registry",
            "name": "j",
            "options": {"name": "_json_key", "spec": {"password": config}},
            "metadata": {"provider": "jfrog"},
        },
    )
    assert response.status_code == 400
    assert "options.spec.password" in response.json()["error"]["fields"]


def test_the_harbor_robot_name_error_shows_in_the_dialog(admin_http):
    response = admin_http.post(
        "/integrations/new/registry/",
        {
            "name": "h",
            "provider": "harbor",
            "url": "http://127.0.0.1:9",
            "username": "robot-team-ci",
            "secret": "Canary-Robot-Secret-123",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "robot$PROJECT+NAME" in html and 'id="id_username_error_1"' in html
    assert "Canary-Robot-Secret-123" not in html


# --- the dialog's groups, the no-JS Choose flow and availableIntegrations ---------------------

GROUPS = {
    "Cloud registries": {"aws", "aws-role", "alibaba", "azure", "gcp"},
    "Hosted registries": {"dockerhub", "github", "quay", "gitlab"},
    "Self-hosted registries": {"generic", "harbor", "jfrog"},
}


def select_groups(html: str) -> dict[str, set[str]]:
    select = re.search(r'<select name="provider".*?</select>', html, re.S)
    assert select, html
    return {
        label: set(re.findall(r'<option value="([^"]+)"', body))
        for label, body in re.findall(
            r'<optgroup label="([^"]+)">(.*?)</optgroup>', select[0], re.S
        )
    }


def test_the_dialog_groups_providers_by_category(admin_http):
    html = admin_http.get("/integrations/new/registry/").content.decode()
    groups = select_groups(html)
    assert list(groups) == list(GROUPS)
    site = {p.key for p in providers_for("private-registry") if p.key != "fake"}
    assert {label: keys & site for label, keys in groups.items()} == GROUPS
    storage = select_groups(admin_http.get("/integrations/new/storage/").content.decode())
    assert list(storage) == ["Cloud storage"]


def test_choose_without_javascript_swaps_in_a_vendors_fields(admin_http):
    response = admin_http.post(
        "/integrations/new/registry/",
        {"choose_provider": "1", "name": "j", "provider": "jfrog", "username": "kept?"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "JFrog Artifactory credentials" in html
    for label in ["Artifactory URL", "Docker repository key", "Image names", "API key or"]:
        assert f">{label}" in html
    assert '<option value="jfrog" selected>' in html
    assert "errorlist" not in html  # Choose re-renders; it does not validate


def test_available_integrations_carry_each_category(client, org, org_admin):
    _, raw = api_token_create(user=org_admin, name="t")
    body = client.get(
        f"/api/v1/orgs/{org.pk}/availableIntegrations",
        headers={"Authorization": f"Bearer {raw}"},
    ).json()
    categories = {
        p["provider"]: p["category"]
        for t in body
        for p in t["providers"]
        if p["provider"] != "fake"
    }
    expected = {key: label.split()[0].lower() for label, keys in GROUPS.items() for key in keys}
    assert {k: v for k, v in categories.items() if k in expected} == expected
    assert categories["aws-s3"] == categories["aws-s3-role"] == "cloud"
    jfrog = next(p for t in body for p in t["providers"] if p["provider"] == "jfrog")
    fields = {f["name"]: f for f in jfrog["fields"]}
    assert fields["accessMethod"]["choices"] == ["path", "subdomain"]
    assert fields["apiKey"]["secret"] is True and fields["username"]["secret"] is False
