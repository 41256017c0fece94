"""A registry provider added as one module (fake_provider.py) reaches every path: the create
form, the list, the API and its availableIntegrations, pull credentials, deploys and the
secret handling, with no other file changed."""

import json

import pytest

from integrations_site.api.services import api_token_create
from integrations_site.deployments import services as deployments
from integrations_site.deployments.models import RunStatus
from integrations_site.integrations.models import Integration
from integrations_site.integrations.providers import get_provider, unregister
from tests.integrations import fake_provider
from tests.integrations.fake_provider import FAKE_HOST, GOOD_KEY, IMAGE, FakeProvider

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _registered():
    # Imported above, so registered; put it back if another test removed it.
    if get_provider("fake") is None:
        fake_provider.register(FakeProvider)
    yield
    unregister("fake")
    fake_provider.register(FakeProvider)


@pytest.fixture
def api(client, org, org_admin):
    token = api_token_create(user=org_admin, name="t")[1]

    def call(method: str, path: str, body=None):
        return getattr(client, method)(
            f"/api/v1/orgs/{org.pk}{path}",
            data=json.dumps(body) if body is not None else None,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    return call


def fake_body(api_key: str = GOOD_KEY) -> dict:
    return {
        "type": "private-registry",
        "name": "fake-one",
        "options": {"name": "Fake Registry", "spec": {"account": "team7", "apiKey": api_key}},
        "metadata": {"provider": "fake"},
    }


def test_the_create_form_offers_its_fields_and_texts(admin_http):
    html = admin_http.get("/integrations/new/registry/?provider=fake").content.decode()
    assert '<option value="fake" selected>Fake Registry</option>' in html
    assert "Fake account" in html and "Fake API key" in html
    assert 'placeholder="fake-integration"' in html


def test_created_from_the_web_form_encrypted_and_listed(admin_http, org):
    response = admin_http.post(
        "/integrations/new/registry/",
        {"name": "fake-web", "provider": "fake", "account": "team7", "api_key": GOOD_KEY},
    )
    assert response.status_code == 302
    integration = Integration.objects.get(name="fake-web")
    assert integration.provider == "fake" and integration.status == "verified"
    assert integration.credentials == {"account": "team7", "api_key": GOOD_KEY}
    stored = Integration.objects.filter(pk=integration.pk).values_list("credentials", flat=True)
    assert GOOD_KEY not in str(list(stored))
    listing = admin_http.get("/integrations/").content.decode()
    assert "Fake Registry" in listing and FAKE_HOST in listing
    assert GOOD_KEY not in listing


def test_its_own_validation_is_a_field_error(admin_http):
    response = admin_http.post(
        "/integrations/new/registry/",
        {"name": "fake-web", "provider": "fake", "account": "not ok!", "api_key": GOOD_KEY},
    )
    assert "Letters and digits only." in response.content.decode()
    assert not Integration.objects.filter(name="fake-web").exists()


def test_a_failing_check_names_the_provider_when_it_cannot_answer(admin_http):
    response = admin_http.post(
        "/integrations/new/registry/",
        {"name": "fake-web", "provider": "fake", "account": "team7", "api_key": "wrong"},
    )
    assert "The fake registry refused the key." in response.content.decode()
    assert not Integration.objects.filter(name="fake-web").exists()


def test_api_lists_creates_and_never_returns_the_secret(api):
    available = api("get", "/availableIntegrations").json()
    registry = next(t for t in available if t["type"] == "private-registry")
    fake = next(p for p in registry["providers"] if p["provider"] == "fake")
    assert [(f["name"], f["secret"]) for f in fake["fields"]] == [
        ("account", False),
        ("apiKey", True),
    ]
    created = api("post", "/integrations", fake_body())
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["provider"] == "fake" and body["registry"] == FAKE_HOST
    assert GOOD_KEY not in created.content.decode()
    invalid = api(
        "post",
        "/integrations",
        {**fake_body(), "name": "x"}
        | {"options": {"name": "Fake Registry", "spec": {"account": "no way", "apiKey": "k"}}},
    )
    assert invalid.status_code == 400
    assert invalid.json()["error"]["fields"] == {
        "options.spec.account": ["Letters and digits only."]
    }


def test_pull_credentials_and_deploys_come_from_the_provider(api, org):
    api("post", "/integrations", fake_body())
    pull = api("get", f"/pull-credentials?image={IMAGE}")
    assert pull.status_code == 200
    assert pull.json()["auths"][FAKE_HOST]["password"] == f"minted-from-{GOOD_KEY[-4:]}"
    service = deployments.service_deploy(
        organization=org, name="app", runner_image=IMAGE, user=None
    )
    assert service.status == RunStatus.RUNNING
    missing = deployments.service_deploy(
        organization=org, name="gone", runner_image=f"{FAKE_HOST}/team/app:9", user=None
    )
    assert missing.status_reason == "Image 9 not found in team/app"
