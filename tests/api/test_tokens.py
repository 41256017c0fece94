import logging
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from integrations_site.api.models import ApiToken, hash_token
from integrations_site.api.services import api_token_create
from integrations_site.integrations.models import Integration
from tests.factories import CANARY_SECRET

pytestmark = pytest.mark.django_db


def test_createapitoken_prints_a_working_token_last(client, org, org_admin):
    stdout = StringIO()
    call_command("createapitoken", "alice", stdout=stdout)
    raw = stdout.getvalue().strip().splitlines()[-1]
    assert raw.startswith("eyJ") and raw.count(".") == 2
    stored = ApiToken.objects.get()
    assert stored.token_hash == hash_token(raw) and raw not in stored.hint
    response = client.get(f"/api/v1/orgs/{org.pk}", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200 and response.json()["name"] == "Acme"
    assert ApiToken.objects.get().last_used_at is not None


def test_createapitoken_unknown_user(db):
    with pytest.raises(CommandError, match="No active user"):
        call_command("createapitoken", "nobody", stdout=StringIO())


def test_tokens_page_shows_a_new_token_once(admin_http):
    response = admin_http.post("/tokens/new/", {"name": "laptop"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    token = ApiToken.objects.get()
    raw = html.split('id="new-token"', 1)[0].rsplit('value="', 1)[1].split('"', 1)[0]
    assert hash_token(raw) == token.token_hash
    listing = admin_http.get("/tokens/").content.decode()
    assert "laptop" in listing and raw not in listing and token.hint in listing


def test_tokens_page_requires_a_name(admin_http):
    response = admin_http.post("/tokens/new/", {"name": ""})
    assert response.status_code == 422 and "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoke_from_the_page(admin_http, client, org, org_admin):
    token, raw = api_token_create(user=org_admin, name="ci")
    response = admin_http.post(f"/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    api = client.get(f"/api/v1/orgs/{org.pk}", headers={"Authorization": f"Bearer {raw}"})
    assert api.status_code == 401


def test_cannot_revoke_someone_elses_token(admin_http, org_member):
    token, _ = api_token_create(user=org_member, name="bob's")
    assert admin_http.post(f"/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_canary_never_comes_back_from_the_api(client, org, org_admin, caplog):
    _, raw = api_token_create(user=org_admin, name="t")
    headers = {"Authorization": f"Bearer {raw}"}
    path = f"/api/v1/orgs/{org.pk}/integrations"
    spec = {
        "accessKeyId": "AKIACANARY0123456789",
        "secretAccessKey": CANARY_SECRET,
        "account": "123456789012",
        "region": "us-east-1",
    }
    body = {
        "type": "private-registry",
        "name": "canary",
        "options": {"name": "AWS", "spec": spec},
        "metadata": {"provider": "aws"},
    }
    responses = []

    def post(data):
        return client.post(path, data, content_type="application/json", headers=headers)

    with caplog.at_level(logging.DEBUG):
        responses.append(post(body))
        integration_id = responses[-1].json()["id"]
        responses.append(post(body))  # 409
        responses.append(
            post(
                {**body, "name": "x", "options": {"name": "AWS", "spec": {**spec, "account": "1"}}}
            )
        )
        responses.append(post({**body, "type": "gcs"}))
        responses.append(post({**body, "surprise": CANARY_SECRET}))
        responses.append(client.get(path, headers=headers))
        responses.append(client.get(f"{path}/{integration_id}", headers=headers))
        responses.append(
            client.patch(
                path,
                {
                    "integrationId": integration_id,
                    "credentials": {"options": {"name": "AWS", "spec": spec}},
                },
                content_type="application/json",
                headers=headers,
            )
        )
        responses.append(
            client.get(f"/api/v1/orgs/{org.pk}/availableIntegrations", headers=headers)
        )
    assert [r.status_code for r in responses] == [201, 409, 400, 400, 400, 200, 200, 200, 200]
    for response in responses:
        text = response.content.decode() + str(response.headers)
        assert CANARY_SECRET not in text and "AKIACANARY0123456789" not in text
    for record in caplog.records:
        assert CANARY_SECRET not in record.getMessage()
    assert Integration.objects.get().credentials["secret_access_key"] == CANARY_SECRET
