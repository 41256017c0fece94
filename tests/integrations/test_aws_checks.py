"""Credential checks and pull credentials against moto's HTTP server (IAM enforced)."""

import base64
import socket
import time

import pytest
from django.core.cache import cache

from integrations_site.api.services import api_token_create, runtime_token_create
from integrations_site.integrations import services
from integrations_site.integrations.models import Integration
from integrations_site.integrations.providers import get_provider
from integrations_site.integrations.pull import pull_credentials
from tests.factories import make_integration
from tests.fixtures.aws import OTHER_ACCOUNT_ID, REGION, REPOSITORY, different_secret

AWS = get_provider("aws")
CREATE_URL = "/integrations/new/registry/"
TEST_URL = "/integrations/new/registry/test/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def fields(keys, **overrides) -> dict:
    values = {
        "access_key_id": keys.access_key_id,
        "secret_access_key": keys.secret_access_key,
        "account": "123456789012",
        "region": REGION,
    }
    values.update(overrides)
    return values


def messages(result) -> dict[str, tuple[bool | None, str]]:
    return {step.key: (step.ok, step.message) for step in result.steps}


# --- the checks -------------------------------------------------------------------------------


def test_valid_keys_pass_every_step(aws_endpoint, ecr_pull_keys, ecr_image):
    result = AWS.check(fields(ecr_pull_keys), repository=REPOSITORY)
    assert result.ok, result
    assert [step.ok for step in result.steps] == [True, True, True, True]
    assert messages(result)["keys"][1] == f"Signed in as {ecr_pull_keys.arn}."
    assert messages(result)["repository"][1] == f"Can read {REPOSITORY}."


def test_wrong_secret_is_named(aws_endpoint, ecr_pull_keys):
    result = AWS.check(
        fields(ecr_pull_keys, secret_access_key=different_secret(ecr_pull_keys.secret_access_key))
    )
    assert not result.ok and not result.unreachable
    assert messages(result)["keys"] == (
        False,
        "The Secret Access Key does not match this Access Key ID.",
    )
    assert messages(result)["account"] == (None, "")


def test_unknown_key_id_is_named(aws_endpoint, ecr_pull_keys):
    result = AWS.check(fields(ecr_pull_keys, access_key_id="AKIAUNKNOWN000000000"))
    assert messages(result)["keys"] == (
        False,
        "The Access Key ID does not exist or is not active.",
    )


def test_keys_of_another_account_are_named(aws_endpoint, other_account_keys):
    result = AWS.check(fields(other_account_keys))
    assert messages(result)["keys"][0] is True
    assert messages(result)["account"] == (
        False,
        f"These keys belong to account {OTHER_ACCOUNT_ID}, not 123456789012.",
    )
    assert messages(result)["registry"] == (None, "")


def test_missing_get_authorization_token_names_the_identity(aws_endpoint, no_ecr_keys):
    result = AWS.check(fields(no_ecr_keys))
    assert messages(result)["registry"] == (
        False,
        f"The IAM identity {no_ecr_keys.arn} is not allowed ecr:GetAuthorizationToken.",
    )


def test_missing_repository_permissions_are_each_named(
    aws_endpoint, token_only_keys, ecr_image, aws_requests
):
    result = AWS.check(fields(token_only_keys), repository=REPOSITORY)
    assert messages(result)["registry"][0] is True
    assert messages(result)["repository"] == (
        False,
        f"The IAM identity {token_only_keys.arn} is missing: ecr:DescribeRepositories, "
        "ecr:BatchCheckLayerAvailability, ecr:GetDownloadUrlForLayer.",
    )
    # Read-only: nothing that writes to the registry was sent.
    sent = aws_requests.actions(access_key_id=token_only_keys.access_key_id)
    assert not [a for a in sent if a.split(":")[1].startswith(("Put", "Upload", "Delete"))]


def test_unknown_repository_is_named(aws_endpoint, ecr_pull_keys):
    result = AWS.check(fields(ecr_pull_keys), repository="no/such-repo")
    assert messages(result)["repository"] == (
        False,
        f"Repository no/such-repo not found in account 123456789012 ({REGION}).",
    )


def test_closed_port_is_unreachable_within_ten_seconds(aws_env, monkeypatch, ecr_pull_keys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    started = time.monotonic()
    result = AWS.check(fields(ecr_pull_keys))
    assert time.monotonic() - started < 10
    assert result.unreachable and not result.ok
    assert messages(result)["keys"] == (False, f"Could not reach AWS in {REGION}.")


def test_silent_endpoint_times_out_within_ten_seconds(aws_env, monkeypatch, ecr_pull_keys):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)  # accepts connections, never answers
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.getsockname()[1]}")
    try:
        started = time.monotonic()
        result = AWS.check(fields(ecr_pull_keys))
        elapsed = time.monotonic() - started
    finally:
        server.close()
    assert elapsed < 10
    assert result.unreachable and result.failure == f"Could not reach AWS in {REGION}."


# --- pull credentials and their cache ---------------------------------------------------------


@pytest.fixture
def ecr_integration(db, org, aws_endpoint, ecr_pull_keys):
    cache.clear()
    return make_integration(
        org,
        name="ecr",
        access_key_id=ecr_pull_keys.access_key_id,
        secret_access_key=ecr_pull_keys.secret_access_key,
    )


def test_pull_credentials_come_from_get_authorization_token(ecr_integration):
    pull = pull_credentials(ecr_integration)
    assert pull.username == "AWS"
    assert pull.registry == f"123456789012.dkr.ecr.{REGION}.amazonaws.com"
    assert pull.password  # moto's token
    assert (pull.expires_at - pull.expires_at.now(pull.expires_at.tzinfo)).total_seconds() > 0


def test_pull_credentials_are_cached_and_purged_on_delete(
    ecr_integration, ecr_pull_keys, aws_requests
):
    first = pull_credentials(ecr_integration)
    second = pull_credentials(Integration.objects.get(pk=ecr_integration.pk))
    assert second == first
    calls = aws_requests.actions(access_key_id=ecr_pull_keys.access_key_id)
    assert calls == ["ecr:GetAuthorizationToken"]  # the second call asked AWS nothing
    key = f"pull-credentials:{ecr_integration.pk}"
    assert cache.get(key) is not None
    assert first.password not in str(cache.get(key))  # sealed, not plaintext
    services.integration_delete(integration=ecr_integration)
    assert cache.get(key) is None


def test_updating_credentials_purges_the_cached_ones(ecr_integration, moto_server, aws_requests):
    pull_credentials(ecr_integration)
    old_key = f"pull-credentials:{ecr_integration.pk}"
    replacement = moto_server.create_user(["ecr:GetAuthorizationToken"])
    services.integration_update(
        integration=ecr_integration, provider=AWS, credentials=fields(replacement)
    )
    assert cache.get(old_key) is None
    pull_credentials(Integration.objects.get(pk=ecr_integration.pk))
    assert aws_requests.actions(access_key_id=replacement.access_key_id) == [
        "ecr:GetAuthorizationToken"
    ]


# --- the UI -----------------------------------------------------------------------------------


def form(keys, **overrides) -> dict:
    return {"name": "ecr", "provider": "aws", **fields(keys), **overrides}


def test_create_verified(admin_http, aws_endpoint, ecr_pull_keys):
    assert admin_http.post(CREATE_URL, form(ecr_pull_keys)).status_code == 302
    integration = Integration.objects.get()
    assert integration.status == "verified" and integration.checked_at is not None
    assert "Verified" in admin_http.get("/integrations/").content.decode()


def test_create_with_failing_keys_stops_and_offers_create_anyway(
    admin_http, aws_endpoint, no_ecr_keys
):
    response = admin_http.post(CREATE_URL, form(no_ecr_keys), **HTMX)
    html = response.content.decode()
    assert response["HX-Retarget"] == "#connection-result"
    assert "is not allowed ecr:GetAuthorizationToken" in html
    assert 'name="create_anyway"' in html
    assert no_ecr_keys.secret_access_key not in html
    assert not Integration.objects.exists()

    response = admin_http.post(CREATE_URL, form(no_ecr_keys, create_anyway="1"), **HTMX)
    assert response["HX-Retarget"] == "#integration-table"
    integration = Integration.objects.get()
    assert integration.status == "failed"
    assert "not allowed ecr:GetAuthorizationToken" in integration.status_reason
    listing = admin_http.get("/integrations/").content.decode()
    assert "Failed: The IAM identity" in listing


def test_create_without_js_shows_the_failure_page(admin_http, aws_endpoint, no_ecr_keys):
    response = admin_http.post(CREATE_URL, form(no_ecr_keys))
    assert response.status_code == 422
    html = response.content.decode()
    assert "<html" in html and "Create anyway" in html
    assert no_ecr_keys.secret_access_key not in html


def test_create_when_aws_is_unreachable_is_not_verified(admin_http, ecr_pull_keys):
    # tests/testenv.py points AWS_ENDPOINT_URL at a closed port.
    assert admin_http.post(CREATE_URL, form(ecr_pull_keys)).status_code == 302
    integration = Integration.objects.get()
    assert integration.status == "not_verified"
    assert integration.status_reason == f"Could not reach AWS in {REGION}."


def test_test_connection_shows_each_step_and_saves_nothing(
    admin_http, aws_endpoint, token_only_keys, ecr_image
):
    response = admin_http.post(TEST_URL, form(token_only_keys, check_repository=REPOSITORY), **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert html.count("✓") == 3 and html.count("✗") == 1
    assert "missing: ecr:DescribeRepositories" in html
    assert not Integration.objects.exists()


def test_test_connection_reports_invalid_fields(admin_http):
    html = admin_http.post(TEST_URL, {"provider": "aws", "account": "1"}, **HTMX).content.decode()
    assert "Fix the highlighted fields" in html and "exactly 12 digits" in html


def test_check_now_updates_the_row(admin_http, ecr_integration, moto_server, ecr_pull_keys):
    Integration.objects.filter(pk=ecr_integration.pk).update(status="failed", status_reason="x")
    response = admin_http.post(f"/integrations/{ecr_integration.pk}/check/", **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="integration-row-{ecr_integration.pk}"')
    assert "Verified" in html
    moto_server.delete_key(ecr_pull_keys)
    response = admin_http.post(f"/integrations/{ecr_integration.pk}/check/")
    assert response.status_code == 302
    integration = Integration.objects.get()
    assert integration.status == "failed"
    assert integration.status_reason == "The Access Key ID does not exist or is not active."


def test_member_cannot_check(member_http, ecr_integration):
    assert member_http.post(f"/integrations/{ecr_integration.pk}/check/").status_code == 403


# --- API --------------------------------------------------------------------------------------


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def test_api_check(client, org, org_admin, ecr_integration):
    _, raw = api_token_create(user=org_admin, name="t")
    response = client.post(
        f"/api/v1/orgs/{org.pk}/integrations/{ecr_integration.pk}/check",
        {"repository": "no/such-repo"},
        content_type="application/json",
        headers=bearer(raw),
    )
    body = response.json()
    assert response.status_code == 200 and body["status"] == "failed"
    assert [step["ok"] for step in body["steps"]] == [True, True, True, False]


def test_api_pull_credentials_docker_config(client, org, org_admin, ecr_integration):
    _, raw = api_token_create(user=org_admin, name="t")
    response = client.get(
        f"/api/v1/orgs/{org.pk}/integrations/{ecr_integration.pk}/pull-credentials",
        headers=bearer(raw),
    )
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    body = response.json()
    host = f"123456789012.dkr.ecr.{REGION}.amazonaws.com"
    entry = body["auths"][host]
    assert entry["username"] == "AWS"
    assert base64.b64decode(entry["auth"]).decode() == f"AWS:{entry['password']}"
    assert body["expiresAt"]


def test_api_pull_credentials_by_image(client, org, org_admin, ecr_integration):
    _, raw = api_token_create(user=org_admin, name="t")
    image = f"123456789012.dkr.ecr.{REGION}.amazonaws.com/models/detector:1.4"
    response = client.get(
        f"/api/v1/orgs/{org.pk}/pull-credentials", {"image": image}, headers=bearer(raw)
    )
    assert response.status_code == 200
    assert response.json()["integrationId"] == str(ecr_integration.pk)
    other = client.get(
        f"/api/v1/orgs/{org.pk}/pull-credentials",
        {"image": "999999999999.dkr.ecr.us-east-1.amazonaws.com/x:1"},
        headers=bearer(raw),
    )
    assert other.status_code == 404
    assert "No registry integration for 999999999999.dkr.ecr" in other.json()["error"]["message"]


def test_pull_credentials_need_admin_or_runtime_token(
    client, org, org_admin, org_member, ecr_integration
):
    path = f"/api/v1/orgs/{org.pk}/integrations/{ecr_integration.pk}/pull-credentials"
    _, plain = api_token_create(user=org_member, name="plain")
    assert client.get(path, headers=bearer(plain)).status_code == 403
    _, runtime = runtime_token_create(organization=org, created_by=org_admin, name="runtime")
    assert client.get(path, headers=bearer(runtime)).status_code == 200


def test_deleted_integration_pull_credentials_are_404_at_once(
    client, org, org_admin, ecr_integration
):
    _, raw = api_token_create(user=org_admin, name="t")
    path = f"/api/v1/orgs/{org.pk}/integrations/{ecr_integration.pk}/pull-credentials"
    assert client.get(path, headers=bearer(raw)).status_code == 200  # now cached
    services.integration_delete(integration=ecr_integration)
    assert client.get(path, headers=bearer(raw)).status_code == 404
