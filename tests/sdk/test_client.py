"""The SDK against the real server over HTTP (pytest-django's live_server)."""

import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import integrations_sdk as dl
import pytest

from integrations_site.api.services import api_token_create, api_token_revoke
from integrations_site.integrations.models import Integration
from tests.factories import CANARY_SECRET, VALID_SECRET, make_integration

pytestmark = pytest.mark.django_db(transaction=True)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def sdk(live_server, org, org_admin):
    """The module-level SDK client pointed at the live server as the org admin."""
    _, raw = api_token_create(user=org_admin, name="sdk")
    previous = (dl.client._base_url, dl.client._token)
    dl.set_base_url(live_server.url)
    dl.login_token(raw)
    yield dl
    dl.client._base_url, dl.client._token = previous


def ecr_options(secret: str = VALID_SECRET, **overrides) -> dict:
    options = dl.IntegrationUtils.generate_ecr_options(
        access_key_id="AKIAIOSFODNN7EXAMPLE",
        secret_access_key=secret,
        account="123456789012",
        region="us-east-1",
    )
    options["spec"].update(overrides)
    return options


def test_the_documented_example(sdk, org, client, org_admin):
    org_entity = sdk.organizations.get(organization_id=str(org.pk))
    assert org_entity.name == "Acme" and org_entity.role == "admin"
    integration = org_entity.integrations.create(
        integrations_type=sdk.IntegrationType.PRIVATE_REGISTRY,
        name="aws-ecr-integration",
        options={
            "name": "AWS",
            "spec": {
                "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
                "secretAccessKey": VALID_SECRET,
                "account": "123456789012",
                "region": "us-east-1",
            },
        },
        metadata={"provider": "aws"},
    )
    assert integration.name == "aws-ecr-integration"
    assert integration.type == "private-registry" and integration.provider == "aws"
    assert integration.org == str(org.pk) and integration.creator == "alice"
    assert integration.created_at is not None and integration.created_at.tzinfo is not None

    # It appears on the Integrations page with provider AWS.
    client.force_login(org_admin)
    html = client.get("/integrations/").content.decode()
    assert "aws-ecr-integration" in html
    assert re.search(r'<span class="badge badge-hue-\d">AWS</span>', html)

    assert [i.id for i in org_entity.integrations.list()] == [integration.id]
    assert org_entity.integrations.get(integrations_id=integration.id) == integration

    renamed = org_entity.integrations.update(
        integrations_id=integration.id, new_name="renamed", new_options=ecr_options(CANARY_SECRET)
    )
    assert renamed.name == "renamed"
    assert Integration.objects.get().credentials["secret_access_key"] == CANARY_SECRET

    again = renamed.update(new_name="x")
    assert isinstance(again, dl.Integration) and again.name == "x"

    assert org_entity.integrations.delete(integrations_id=integration.id, sure=True, really=True)
    assert not Integration.objects.exists()


def test_module_level_form(sdk, org):
    created = sdk.integrations.create(
        integrations_type=sdk.IntegrationType.PRIVATE_REGISTRY,
        name="module-level",
        options=ecr_options(),
        metadata={"provider": "aws"},
        organization_id=str(org.pk),
    )
    listed = sdk.integrations.list(organization_id=str(org.pk))
    assert [i.name for i in listed] == ["module-level"]
    assert created.delete(sure=True, really=True) is True
    assert not Integration.objects.exists()


def test_update_replaces_the_ciphertext(sdk, org):
    from django.db import connection

    integration = make_integration(org, name="ecr", secret_access_key=VALID_SECRET)

    def raw():
        with connection.cursor() as cursor:
            cursor.execute("SELECT credentials FROM integrations_integration")
            return cursor.fetchone()[0]

    before = raw()
    sdk.organizations.get(organization_id=str(org.pk)).integrations.update(
        integrations_id=str(integration.pk), new_options=ecr_options(CANARY_SECRET)
    )
    after = raw()
    assert after != before and after.startswith("v1:")
    assert Integration.objects.get().credentials["secret_access_key"] == CANARY_SECRET


def test_delete_needs_sure_and_really_before_sending(sdk, org):
    integration = make_integration(org, name="ecr")
    org_entity = sdk.organizations.get(organization_id=str(org.pk))
    for kwargs in ({}, {"sure": True}, {"really": True}):
        with pytest.raises(dl.exceptions.DeleteNotConfirmed):
            org_entity.integrations.delete(integrations_id=str(integration.pk), **kwargs)
    assert Integration.objects.exists()


def test_errors_are_typed_with_messages_and_fields(sdk, org, other_org, other_integration):
    org_entity = sdk.organizations.get(organization_id=str(org.pk))
    with pytest.raises(dl.exceptions.BadRequest) as bad:
        org_entity.integrations.create(
            integrations_type=dl.IntegrationType.PRIVATE_REGISTRY,
            name="bad",
            options=ecr_options(account="12"),
            metadata={"provider": "aws"},
        )
    assert bad.value.status_code == 400
    assert "options.spec.account" in bad.value.fields
    assert "12 digits" in str(bad.value)

    with pytest.raises(dl.exceptions.BadRequest) as unsupported:
        org_entity.integrations.create(
            integrations_type=dl.IntegrationType.GCS, name="gcs", options=ecr_options()
        )
    assert unsupported.value.code == "unsupported_type"

    make_integration(org, name="taken")
    with pytest.raises(dl.exceptions.Conflict):
        org_entity.integrations.create(
            integrations_type=dl.IntegrationType.PRIVATE_REGISTRY,
            name="TAKEN",
            options=ecr_options(),
            metadata={"provider": "aws"},
        )
    with pytest.raises(dl.exceptions.NotFound):
        sdk.organizations.get(organization_id=str(other_org.pk))
    with pytest.raises(dl.exceptions.NotFound):
        org_entity.integrations.get(integrations_id=str(other_integration.pk))


def test_member_gets_forbidden(live_server, org, org_member):
    _, raw = api_token_create(user=org_member, name="sdk")
    member = dl.Client()
    member.base_url, member.token = live_server.url, raw
    integrations = dl.Integrations(member, str(org.pk))
    assert integrations.list() == []
    with pytest.raises(dl.exceptions.Forbidden):
        integrations.create(
            integrations_type="private-registry", name="n", options=ecr_options(), metadata={}
        )


def test_revoked_token_is_unauthorized(live_server, org, org_admin):
    token, raw = api_token_create(user=org_admin, name="sdk")
    client = dl.Client()
    client.base_url, client.token = live_server.url, raw
    organizations = dl.Organizations(client)
    assert organizations.get(organization_id=str(org.pk)).name == "Acme"
    api_token_revoke(token=token)
    with pytest.raises(dl.exceptions.Unauthorized) as error:
        organizations.get(organization_id=str(org.pk))
    assert raw not in str(error.value) and raw not in repr(client)


def test_token_and_base_url_from_environment(live_server, org, org_admin, monkeypatch):
    _, raw = api_token_create(user=org_admin, name="env")
    monkeypatch.setenv("DL_TOKEN", raw)
    monkeypatch.setenv("DL_BASE_URL", live_server.url)
    assert dl.Organizations(dl.Client()).list()[0].name == "Acme"


def test_missing_token_is_a_clear_error(monkeypatch, db):
    monkeypatch.delenv("DL_TOKEN", raising=False)
    with pytest.raises(dl.exceptions.Unauthorized, match="login_token"):
        dl.Organizations(dl.Client()).list()


def test_connection_refused_names_the_base_url(db):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = dl.Client(connect_timeout=1, read_timeout=1)
    client.base_url, client.token = f"http://127.0.0.1:{port}", "dlt_x"
    with pytest.raises(dl.exceptions.ConnectionError, match=f"127.0.0.1:{port}"):
        dl.Organizations(client).list()


def test_read_timeout_is_a_clear_error(db):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True)
    thread.start()
    client = dl.Client(connect_timeout=1, read_timeout=0.5)
    client.base_url = f"http://127.0.0.1:{server.getsockname()[1]}"
    client.token = "dlt_x"
    try:
        with pytest.raises(dl.exceptions.ConnectionError, match="Timed out"):
            dl.Organizations(client).list()
    finally:
        for connection, _ in accepted:
            connection.close()
        server.close()


def test_sdk_imports_without_django():
    code = (
        "import sys; sys.modules['django'] = None\n"
        "import integrations_sdk as dl\n"
        "assert dl.IntegrationType.PRIVATE_REGISTRY == 'private-registry'\n"
        "assert dl.IntegrationType.KEY_VALUE == 'key_value'\n"
        "print('ok')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO / "sdk")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_ecr_options_helper_shape():
    assert dl.IntegrationUtils.generate_ecr_options("A", "S", "1", "r") == {
        "name": "AWS",
        "spec": {"accessKeyId": "A", "secretAccessKey": "S", "account": "1", "region": "r"},
    }


def test_integration_repr_has_no_client(sdk, org):
    created = sdk.integrations.create(
        integrations_type="private-registry",
        name="r",
        options=ecr_options(),
        metadata={"provider": "aws"},
        organization_id=str(org.pk),
    )
    assert "_repository" not in repr(created) and VALID_SECRET not in repr(created)
    assert repr(created) == (
        f"Integration(id='{created.id}', name='r', provider='aws', status='{created.status}')"
    )


def test_version_and_short_reprs():
    assert re.fullmatch(r"\d+\.\d+\.\d+", dl.__version__)
    service = dl.Service.from_json(
        {"id": "s1", "org": "o", "name": "api", "runnerImage": "r/i:1", "status": "Running"}
    )
    assert repr(service) == "Service(id='s1', name='api', runner_image='r/i:1', status='Running')"
    assert str(dl.IntegrationType.PRIVATE_REGISTRY) == "private-registry"
