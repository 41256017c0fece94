"""The registry v2 providers: forms, option shapes and SDK helpers (no network here; the
registry-backed behaviour is in test_registry_v2.py)."""

import base64
import json

import integrations_sdk as dl
import pytest

from integrations_site.api.services import api_token_create
from integrations_site.integrations.models import Integration

CREATE_URL = "/integrations/new/registry/"
SERVICE_ACCOUNT = {
    "type": "service_account",
    "project_id": "demo",
    "client_email": "puller@demo.iam.gserviceaccount.com",
    "private_key": "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n",
}


def post(client, provider, **fields):
    return client.post(CREATE_URL, {"name": f"{provider}-registry", "provider": provider, **fields})


def test_provider_select_offers_every_registry_provider(admin_http):
    html = admin_http.get(CREATE_URL).content.decode()
    for value, label in [
        ("aws", "AWS"),
        ("dockerhub", "Docker Hub"),
        ("gcp", "GCP Artifact Registry"),
        ("azure", "Azure Container Registry"),
        ("github", "GitHub Container Registry"),
        ("generic", "Docker Registry v2"),
    ]:
        assert f'value="{value}"' in html and f">{label}</option>" in html


@pytest.mark.parametrize(
    ("provider", "labels"),
    [
        ("dockerhub", ["Username", "Password or access token", "Email"]),
        ("gcp", ["Location host", "Service account JSON key", "Email"]),
        ("azure", ["Registry server", "Username", "Password"]),
        ("github", ["Username", "Personal access token"]),
        ("generic", ["Registry URL", "Username", "Password", "Verify TLS", "CA certificate"]),
    ],
)
def test_provider_fields_swap_in(admin_http, provider, labels):
    html = admin_http.get(
        "/integrations/new/registry/provider-fields/", {"provider": provider}
    ).content.decode()
    for label in labels:
        assert f">{label}" in html


def test_generic_verify_tls_is_on_by_default(admin_http):
    html = admin_http.get(
        "/integrations/new/registry/provider-fields/", {"provider": "generic"}
    ).content.decode()
    assert 'name="verify_tls" id="id_verify_tls" checked' in html


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("{not json", "The key is not valid JSON"),
        ('["a list"]', "The key must be a JSON object."),
        (json.dumps({**SERVICE_ACCOUNT, "type": "authorized_user"}), "not a service account key"),
        (
            json.dumps({"type": "service_account", "project_id": "x"}),
            "The key is missing: client_email, private_key.",
        ),
    ],
)
def test_gar_key_validation(admin_http, key, message):
    response = post(admin_http, "gcp", location="europe-west1-docker.pkg.dev", service_account=key)
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert 'id="id_service_account_error_1"' in html
    assert "MIIB" not in html  # the key is never rendered back
    assert not Integration.objects.exists()


def test_gar_key_upload_and_location_check(admin_http, tmp_path):
    upload = tmp_path / "key.json"
    upload.write_text(json.dumps(SERVICE_ACCOUNT))
    with upload.open("rb") as handle:
        response = post(admin_http, "gcp", location="not a host", service_account_file=handle)
    assert "Enter an Artifact Registry host" in response.content.decode()
    with upload.open("rb") as handle:
        response = post(
            admin_http, "gcp", location="europe-west1-docker.pkg.dev", service_account_file=handle
        )
    # Google is not reachable from here: created, not verified.
    assert response.status_code == 302
    integration = Integration.objects.get()
    assert integration.provider == "gcp" and integration.status == "not_verified"
    assert integration.registry == "europe-west1-docker.pkg.dev"
    assert integration.account == SERVICE_ACCOUNT["client_email"]
    assert json.loads(integration.credentials["service_account"]) == SERVICE_ACCOUNT


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"server": "myregistry.example.com"}, "server", "NAME.azurecr.io"),
        ({"url": "ftp://registry.example.com"}, "url", "base URL"),
        ({"url": "http://registry.example.com"}, "url", "only for a loopback registry"),
        ({"url": "https://r.example.com", "ca_certificate": "nope"}, "ca_certificate", "PEM"),
    ],
)
def test_registry_field_rules(admin_http, fields, field, message):
    provider = "azure" if "server" in fields else "generic"
    response = post(admin_http, provider, username="u", password="p", **fields)
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html and f'id="id_{field}_error_1"' in html
    assert not Integration.objects.exists()


def test_http_is_allowed_for_loopback(admin_http):
    response = post(
        admin_http, "generic", url="http://127.0.0.1:9", username="u", password="p", verify_tls="on"
    )
    assert response.status_code == 302  # unreachable, so "Not verified"
    integration = Integration.objects.get()
    assert integration.registry == "127.0.0.1:9"
    assert integration.status_reason == "Could not reach 127.0.0.1:9."


# --- SDK helpers and the docker-config option shape ---------------------------------------------


def decode(options: dict) -> dict:
    assert options["name"] == "_json_key" and set(options["spec"]) == {"password"}
    return json.loads(base64.b64decode(options["spec"]["password"]))


def test_sdk_helper_shapes():
    hub = decode(dl.IntegrationUtils.generate_docker_hub_options("me", "pw", email="me@x.io"))
    assert hub["auths"]["docker.io"] == {
        "username": "me",
        "password": "pw",
        "auth": base64.b64encode(b"me:pw").decode(),
        "email": "me@x.io",
    }
    gar = decode(
        dl.IntegrationUtils.generate_gar_options(SERVICE_ACCOUNT, "europe-west1-docker.pkg.dev")
    )
    entry = gar["auths"]["europe-west1-docker.pkg.dev"]
    assert entry["username"] == "_json_key"
    assert json.loads(entry["password"]) == SERVICE_ACCOUNT
    acr = decode(
        dl.IntegrationUtils.generate_azure_container_registry_options(
            "sp", "pw", "acmeregistry.azurecr.io"
        )
    )
    assert acr["auths"]["acmeregistry.azurecr.io"]["username"] == "sp"
    ghcr = decode(dl.IntegrationUtils.generate_github_options("octo", "ghp_x"))
    assert ghcr["auths"]["ghcr.io"]["password"] == "ghp_x"
    generic = dl.IntegrationUtils.generate_generic_options("https://r.example.com", "u", "p")
    assert generic == {
        "name": "generic",
        "spec": {
            "url": "https://r.example.com",
            "username": "u",
            "password": "p",
            "verifyTls": True,
        },
    }


@pytest.mark.parametrize(
    ("provider", "options", "expected"),
    [
        (
            "dockerhub",
            dl.IntegrationUtils.generate_docker_hub_options("me", "pw"),
            {"registry": "docker.io", "account": "me"},
        ),
        (
            "gcp",
            dl.IntegrationUtils.generate_gar_options(
                SERVICE_ACCOUNT, "europe-west1-docker.pkg.dev"
            ),
            {"registry": "europe-west1-docker.pkg.dev", "account": SERVICE_ACCOUNT["client_email"]},
        ),
        (
            "azure",
            dl.IntegrationUtils.generate_azure_container_registry_options(
                "sp", "pw", "acmeregistry.azurecr.io"
            ),
            {"registry": "acmeregistry.azurecr.io", "account": "sp"},
        ),
        (
            "github",
            dl.IntegrationUtils.generate_github_options("octo", "ghp_x"),
            {"registry": "ghcr.io", "account": "octo"},
        ),
        (
            "generic",
            {
                "name": "generic",
                "spec": {"url": "http://127.0.0.1:9", "username": "u", "password": "p"},
            },
            {"registry": "127.0.0.1:9", "account": "u"},
        ),
    ],
)
def test_api_accepts_both_option_shapes(client, org, org_admin, provider, options, expected):
    _, raw = api_token_create(user=org_admin, name="t")
    response = client.post(
        f"/api/v1/orgs/{org.pk}/integrations",
        {
            "type": "private-registry",
            "name": provider,
            "options": options,
            "metadata": {"provider": provider},
        },
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["provider"] == provider and body["registry"] == expected["registry"]
    assert body["account"] == expected["account"]
    text = response.content.decode()
    assert "pw" not in text.replace("pwd", "") and "ghp_x" not in text and "MIIB" not in text
    stored = Integration.objects.get()
    if provider == "generic":
        assert stored.credentials["verify_tls"] is True  # left out: stays on


def test_api_rejects_a_bad_docker_config(client, org, org_admin):
    _, raw = api_token_create(user=org_admin, name="t")
    response = client.post(
        f"/api/v1/orgs/{org.pk}/integrations",
        {
            "type": "private-registry",
            "name": "hub",
            "options": {"name": "_json_key", "spec": {"password": "not-base64!"}},
            "metadata": {"provider": "dockerhub"},
        },
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 400
    assert "options.spec.password" in response.json()["error"]["fields"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("provider", "options", "new_options"),
    [
        (
            "dockerhub",
            dl.IntegrationUtils.generate_docker_hub_options("me", "pw"),
            dl.IntegrationUtils.generate_docker_hub_options("me2", "pw2", email="me@x.io"),
        ),
        (
            "gcp",
            dl.IntegrationUtils.generate_gar_options(
                SERVICE_ACCOUNT, "europe-west1-docker.pkg.dev"
            ),
            dl.IntegrationUtils.generate_gar_options(SERVICE_ACCOUNT, "us-docker.pkg.dev"),
        ),
        (
            "azure",
            dl.IntegrationUtils.generate_azure_container_registry_options(
                "sp", "pw", "acmeregistry.azurecr.io"
            ),
            dl.IntegrationUtils.generate_azure_container_registry_options(
                "sp2", "pw2", "acmeregistry.azurecr.io"
            ),
        ),
        (
            "github",
            dl.IntegrationUtils.generate_github_options("octo", "ghp_x"),
            dl.IntegrationUtils.generate_github_options("octo2", "ghp_y"),
        ),
    ],
)
def test_each_provider_through_the_sdk(live_server, org, org_admin, provider, options, new_options):
    """Created, checked (the real registry is unreachable from here: named), listed, updated
    and deleted through the SDK."""
    _, raw = api_token_create(user=org_admin, name="sdk")
    client = dl.Client()
    client.base_url, client.token = live_server.url, raw
    integrations = dl.Organizations(client).get(organization_id=str(org.pk)).integrations
    created = integrations.create(
        integrations_type=dl.IntegrationType.PRIVATE_REGISTRY,
        name=provider,
        options=options,
        metadata={"provider": provider},
    )
    assert created.provider == provider and created.status == "not_verified"
    result = created.check()
    assert not result.ok and result.steps[0].message.startswith("Could not reach")
    assert [i.name for i in integrations.list()] == [provider]
    updated = created.update(new_name=f"{provider}-2", new_options=new_options)
    assert updated.name == f"{provider}-2" and updated.key_hint == created.key_hint
    assert Integration.objects.get().credentials_version == 2
    assert created.delete(sure=True, really=True)
    assert not Integration.objects.exists()


def test_link_local_registry_urls_are_refused(admin_http):
    """Cloud instance metadata lives at 169.254.169.254: never a registry."""
    response = post(
        admin_http,
        "generic",
        url="https://169.254.169.254",
        username="u",
        password="p",
        verify_tls="on",
    )
    assert response.status_code == 422
    assert "This address is not allowed for registries." in response.content.decode()
    assert not Integration.objects.exists()


def test_registry_secrets_are_write_only(client, org, org_admin, caplog):
    """A canary password, token and JSON key never come back: pages, admin, API, logs."""
    canary = "Canary-Registry-Secret-0123456789"
    key = {**SERVICE_ACCOUNT, "private_key": f"-----BEGIN PRIVATE KEY-----\n{canary}\n"}
    _, raw = api_token_create(user=org_admin, name="t")
    headers = {"Authorization": f"Bearer {raw}"}
    bodies = [
        ("dockerhub", dl.IntegrationUtils.generate_docker_hub_options("me", canary)),
        ("gcp", dl.IntegrationUtils.generate_gar_options(key, "europe-west1-docker.pkg.dev")),
        ("github", dl.IntegrationUtils.generate_github_options("octo", canary)),
        (
            "generic",
            dl.IntegrationUtils.generate_generic_options("http://127.0.0.1:9", "u", canary),
        ),
    ]
    responses = []
    for provider, options in bodies:
        responses.append(
            client.post(
                f"/api/v1/orgs/{org.pk}/integrations",
                {
                    "type": "private-registry",
                    "name": provider,
                    "options": options,
                    "metadata": {"provider": provider},
                },
                content_type="application/json",
                headers=headers,
            )
        )
    assert [r.status_code for r in responses] == [201, 201, 201, 201]
    org_admin.is_staff = org_admin.is_superuser = True
    org_admin.save()
    client.force_login(org_admin)
    responses.append(client.get(f"/api/v1/orgs/{org.pk}/integrations", headers=headers))
    responses.append(client.get("/integrations/"))
    responses.append(client.get("/admin/integrations/integration/"))
    for integration in Integration.objects.all():
        responses.append(client.get(f"/admin/integrations/integration/{integration.pk}/change/"))
        responses.append(client.get(f"/integrations/{integration.pk}/delete/"))
    for response in responses:
        assert canary not in response.content.decode()
    for record in caplog.records:
        assert canary not in record.getMessage()
