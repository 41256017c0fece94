"""AWS (assume role): registry and storage integrations that store no secret, against moto's
server with IAM enforced. The site's own identity is an IAM user of its own account, given
through the environment as the standard credential chain reads it; customers' roles live in
the default account, with a real trust policy and role policies.

moto enforces the site identity's own policy (sts:AssumeRole) and the role's permissions
(the assumed session's ECR calls), not the trust policy, the sts:ExternalId condition or the
role's existence (tests/emulators/test_moto_assume_role.py pins that). The three causes
AWS answers alike are proven here by the error mapping (test_refusal_*)."""

import json
import re
import time
import uuid
from html import unescape

import integrations_sdk as dl
import pytest
from botocore.exceptions import ClientError
from django.core import signing
from django.core.cache import cache
from integrations_sdk.utils import IntegrationUtils

from integrations_site.api.services import api_token_create
from integrations_site.deployments import services as deployments
from integrations_site.deployments.models import Rollout
from integrations_site.integrations import services
from integrations_site.integrations.models import Integration
from integrations_site.integrations.providers import get_provider
from integrations_site.integrations.providers.aws import assume_role, site_identity
from integrations_site.integrations.pull import pull_credentials, purge_pull_credentials
from tests.fixtures.aws import ECR_PULL_ACTIONS, REGION, REPOSITORY

SITE_ACCOUNT = "444455556666"
HOST = f"123456789012.dkr.ecr.{REGION}.amazonaws.com"
HTMX = {"HTTP_HX_REQUEST": "true"}


# --- builders ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site(aws_endpoint, moto_server, monkeypatch):
    """The site's own identity: a user of the site's account allowed sts:AssumeRole, in the
    environment where the standard chain finds it."""
    keys = moto_server.create_user(["sts:AssumeRole"], account_id=SITE_ACCOUNT)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", keys.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", keys.secret_access_key)
    return keys


def make_role(moto_server, *, principal: str, external_id: str, actions=ECR_PULL_ACTIONS) -> str:
    """A role of the customer's account trusting `principal` with `external_id`."""
    iam = moto_server.client("iam")
    name = f"role-{uuid.uuid4().hex[:10]}"
    iam.create_role(
        RoleName=name,
        Path="/integrations/",
        AssumeRolePolicyDocument=json.dumps(assume_role.trust_policy(principal, external_id)),
    )
    if actions:
        iam.put_role_policy(
            RoleName=name,
            PolicyName="pull",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
                }
            ),
        )
    return f"arn:aws:iam::123456789012:role/integrations/{name}"


def role_credentials(role_arn: str, external_id: str | None = None) -> dict:
    return {
        "role_arn": role_arn,
        "region": REGION,
        "external_id": external_id or assume_role.new_external_id(),
    }


def make_role_integration(org, moto_server, site, *, name="ecr-role", actions=ECR_PULL_ACTIONS):
    external_id = assume_role.new_external_id()
    role_arn = make_role(moto_server, principal=site.arn, external_id=external_id, actions=actions)
    return services.integration_create(
        organization=org,
        created_by=None,
        name=name,
        provider=get_provider("aws-role"),
        credentials=role_credentials(role_arn, external_id),
    )


def assume_calls(aws_requests, site) -> int:
    return len(aws_requests.received(access_key_id=site.access_key_id, action="AssumeRole"))


def hidden_external_id(html: str) -> str:
    token = re.search(r'name="external_id" value="([^"]+)"', html).group(1)
    return unescape(token)


# --- the create dialog ------------------------------------------------------------------------


def test_dialog_shows_the_external_id_and_a_trust_policy_naming_the_site(admin_http, site):
    response = admin_http.get("/integrations/new/registry/?provider=aws-role")
    assert response.status_code == 200
    html = response.content.decode()
    external_id = signing.loads(hidden_external_id(html), salt=assume_role.EXTERNAL_ID_SALT)
    assert len(external_id) == 32
    assert f'id="detail-externalId" type="text" readonly value="{external_id}"' in html
    policy = re.search(r'<textarea id="detail-trustPolicy"[^>]*>([^<]+)</textarea>', html)
    document = json.loads(unescape(policy.group(1)))
    statement = document["Statement"][0]
    assert statement["Principal"] == {"AWS": site.arn}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": external_id}}
    assert 'data-copy="detail-trustPolicy"' in html
    # Each dialog issues its own.
    again = admin_http.get("/integrations/new/registry/?provider=aws-role").content.decode()
    assert hidden_external_id(again) != hidden_external_id(html)


def test_provider_switch_swaps_in_the_role_fields_and_details(admin_http, site):
    response = admin_http.get(
        "/integrations/new/registry/provider-fields/?provider=aws-role", **HTMX
    )
    html = response.content.decode()
    assert 'name="role_arn"' in html and 'name="external_id"' in html
    assert "detail-trustPolicy" in html and site.arn in html


def test_dialog_without_a_site_identity_says_so(admin_http, aws_endpoint):
    html = admin_http.get("/integrations/new/registry/?provider=aws-role").content.decode()
    assert "detail-externalId" in html
    assert "detail-trustPolicy" not in html
    assert "This site has no AWS identity yet" in html


def test_create_through_the_form_with_the_issued_external_id(admin_http, org, site, moto_server):
    html = admin_http.get("/integrations/new/registry/?provider=aws-role").content.decode()
    token = hidden_external_id(html)
    external_id = signing.loads(token, salt=assume_role.EXTERNAL_ID_SALT)
    # The user puts the shown External ID in the role's trust policy, then presses Create.
    role_arn = make_role(moto_server, principal=site.arn, external_id=external_id)
    response = admin_http.post(
        "/integrations/new/registry/",
        {
            "name": "ecr-role",
            "provider": "aws-role",
            "role_arn": role_arn,
            "region": REGION,
            "external_id": token,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    integration = Integration.objects.get(name="ecr-role")
    assert (integration.provider, integration.status) == ("aws-role", "verified")
    assert (integration.account, integration.region) == ("123456789012", REGION)
    assert integration.registry_host == HOST
    # Nothing secret is stored: the role, the Region and the External ID.
    assert integration.credentials == {
        "role_arn": role_arn,
        "region": REGION,
        "external_id": external_id,
    }
    assert integration.key_hint == ""
    assert integration.metadata == {"provider": "aws-role", "externalId": external_id}


def test_an_external_id_not_issued_by_the_site_is_refused(admin_http, org, site, moto_server):
    # Another organization's External ID, typed in, would make this site its confused deputy.
    response = admin_http.post(
        "/integrations/new/registry/",
        {
            "name": "ecr-role",
            "provider": "aws-role",
            "role_arn": "arn:aws:iam::123456789012:role/pull",
            "region": REGION,
            "external_id": "someone-elses-external-id",
        },
    )
    assert response.status_code == 422
    assert "This External ID was not issued by this site." in response.content.decode()
    assert not Integration.objects.exists()


@pytest.mark.parametrize(
    "role_arn",
    [
        "arn:aws:iam::12345678901:role/pull",  # 11 digits
        "arn:aws:iam::123456789012:user/pull",
        "arn:aws:s3:::bucket",
        "arn:aws-fake:iam::123456789012:role/pull",
        "arn:aws:iam::123456789012:role/",
        "arn:aws:iam::123456789012:role/a b",
    ],
)
def test_role_arn_format(role_arn):
    form = assume_role.AwsRoleForm(data={"role_arn": role_arn, "region": REGION})
    assert not form.is_valid()
    assert form.errors["role_arn"][0].startswith("Enter a role ARN such as")


@pytest.mark.parametrize(
    "role_arn",
    [
        "arn:aws:iam::123456789012:role/pull",
        "arn:aws-cn:iam::123456789012:role/team/pull.v2",
        "arn:aws-us-gov:iam::123456789012:role/a/b/c+=,.@-_",
    ],
)
def test_role_arn_format_accepts_partitions_and_paths(role_arn):
    form = assume_role.AwsS3RoleForm(data={"role_arn": role_arn})
    assert form.is_valid(), form.errors
    assert len(form.cleaned_data["external_id"]) == 32  # issued now (the API's way)


# --- the checks, each cause named ---------------------------------------------------------------


def check(credentials, repository=""):
    return get_provider("aws-role").check(credentials, repository=repository)


def steps(result) -> dict:
    return {step.key: (step.ok, step.message) for step in result.steps}


def test_check_passes_every_step(site, moto_server, ecr_image):
    external_id = assume_role.new_external_id()
    role_arn = make_role(moto_server, principal=site.arn, external_id=external_id)
    result = check(role_credentials(role_arn, external_id), repository=REPOSITORY)
    assert result.ok, result.steps
    assert steps(result) == {
        "identity": (True, f"This site signs in as {site.arn}."),
        "assume": (True, f"Assumed {role_arn}."),
        "registry": (True, f"Can pull from ECR in {REGION}."),
        "repository": (True, f"Can read {REPOSITORY}."),
    }


def test_check_names_our_missing_identity(aws_endpoint):
    result = check(role_credentials("arn:aws:iam::123456789012:role/pull"))
    assert not result.ok and not result.unreachable
    assert steps(result)["identity"] == (False, assume_role.MISSING_IDENTITY)
    assert steps(result)["assume"] == (None, "")


def test_check_names_our_identity_refused(aws_endpoint, moto_server, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x" * 40)
    result = check(role_credentials("arn:aws:iam::123456789012:role/pull"))
    assert steps(result)["identity"] == (
        False,
        "AWS refused this site's own identity (InvalidClientTokenId).",
    )


def test_check_names_our_identity_not_allowed_to_assume(aws_endpoint, moto_server, monkeypatch):
    bare = moto_server.create_user(account_id=SITE_ACCOUNT)  # no sts:AssumeRole
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", bare.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", bare.secret_access_key)
    external_id = assume_role.new_external_id()
    role_arn = make_role(moto_server, principal=bare.arn, external_id=external_id)
    result = check(role_credentials(role_arn, external_id))
    assert steps(result)["identity"][0] is True
    assert steps(result)["assume"] == (
        False,
        f"This site's own identity {bare.arn} is not allowed sts:AssumeRole by its IAM policy: "
        "the site's administrator must allow it.",
    )


def test_check_names_a_role_without_ecr_get_authorization_token(site, moto_server):
    external_id = assume_role.new_external_id()
    role_arn = make_role(moto_server, principal=site.arn, external_id=external_id, actions=())
    result = check(role_credentials(role_arn, external_id))
    assert steps(result)["assume"][0] is True
    assert steps(result)["registry"] == (
        False,
        f"The role {role_arn} is not allowed ecr:GetAuthorizationToken.",
    )


def test_check_names_the_repository_permissions_the_role_lacks(site, moto_server, ecr_image):
    external_id = assume_role.new_external_id()
    role_arn = make_role(
        moto_server,
        principal=site.arn,
        external_id=external_id,
        actions=["ecr:GetAuthorizationToken"],
    )
    result = check(role_credentials(role_arn, external_id), repository=REPOSITORY)
    assert steps(result)["registry"][0] is True
    assert steps(result)["repository"] == (
        False,
        f"The IAM identity {role_arn} is missing: ecr:DescribeRepositories, "
        "ecr:BatchCheckLayerAvailability, ecr:GetDownloadUrlForLayer.",
    )


def test_check_unreachable_aws_is_not_a_failure(aws_env, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x" * 40)
    result = check(role_credentials("arn:aws:iam::123456789012:role/pull"))
    assert result.unreachable
    assert steps(result)["identity"] == (False, f"Could not reach AWS in {REGION}.")


# AWS answers AssumeRole with this one AccessDenied when the role does not exist, when its trust
# policy does not name the caller, and when the sts:ExternalId condition does not match; moto
# never refuses for any of the three, so the mapping of AWS's answer is what is proven here.
def aws_denied(message: str) -> ClientError:
    return ClientError(
        {"Error": {"Type": "Sender", "Code": "AccessDenied", "Message": message}}, "AssumeRole"
    )


def test_refusal_names_the_role_the_trust_policy_and_the_external_id():
    site_arn = "arn:aws:iam::444455556666:role/integrations-site"
    role_arn = "arn:aws:iam::123456789012:role/pull"
    error = aws_denied(
        f"User: arn:aws:sts::444455556666:assumed-role/integrations-site/i-0abc is not "
        f"authorized to perform: sts:AssumeRole on resource: {role_arn}"
    )
    text = assume_role.refusal(error, principal=site_arn, role_arn=role_arn, external_id="E1")
    assert text == (
        f"AWS refused to let {site_arn} assume {role_arn}. Either the role does not exist, "
        f"its trust policy does not allow {site_arn}, or its sts:ExternalId condition is not "
        "E1. (AWS answers the same for all three.)"
    )


def test_refusal_by_our_own_policy_is_told_apart():
    role_arn = "arn:aws:iam::123456789012:role/pull"
    error = aws_denied(
        "User: arn:aws:iam::444455556666:user/site is not authorized to perform: sts:AssumeRole "
        f"on resource: {role_arn} because no identity-based policy allows the sts:AssumeRole "
        "action"
    )
    text = assume_role.refusal(error, principal="P", role_arn=role_arn, external_id="E1")
    assert text.startswith("This site's own identity P is not allowed sts:AssumeRole")


# --- pulls, deployments, the kubelet's lookup ---------------------------------------------------


def test_pull_credentials_through_the_assumed_role(org, site, moto_server, aws_requests):
    integration = make_role_integration(org, moto_server, site)
    pulled = pull_credentials(integration)
    assert (pulled.username, pulled.registry) == ("AWS", HOST)
    # The ECR login came from the role's temporary keys, not the site's own.
    ecr_logins = aws_requests.received(action="GetAuthorizationToken")
    assert ecr_logins and all(r.access_key_id != site.access_key_id for r in ecr_logins)
    assert assume_calls(aws_requests, site) == 1
    session, _ = assume_role.session(integration.credentials, REGION)
    assert pulled.expires_at <= session.expires_at  # never outlives the role session


def test_kubelet_lookup_by_image_serves_the_role_integration(
    client, org, org_admin, site, moto_server
):
    make_role_integration(org, moto_server, site)
    _, token = api_token_create(user=org_admin, name="kubelet")
    response = client.get(
        f"/api/v1/orgs/{org.pk}/pull-credentials",
        {"image": f"{HOST}/{REPOSITORY}:1.4"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["auths"][HOST]["username"] == "AWS"


def test_deploy_a_service_from_ecr_through_the_role(org, site, moto_server, ecr_image):
    make_role_integration(org, moto_server, site, name="ecr")
    service = deployments.service_deploy(
        organization=org, name="detector", runner_image=ecr_image.uri, user=None
    )
    assert (service.status, service.status_reason) == ("running", "")
    assert Rollout.objects.get(service=service).integration_name == "ecr"
    missing = deployments.service_deploy(
        organization=org, name="other", runner_image=f"{HOST}/{REPOSITORY}:nope", user=None
    )
    assert missing.status_reason == f"Image nope not found in {REPOSITORY}"


def test_a_role_that_lost_its_permissions_is_named_at_deploy(org, site, moto_server, ecr_image):
    make_role_integration(org, moto_server, site, name="ecr", actions=())
    service = deployments.service_deploy(
        organization=org, name="detector", runner_image=ecr_image.uri, user=None
    )
    assert service.status_reason == (
        "Integration 'ecr' credentials rejected: not allowed ecr:GetAuthorizationToken"
    )


# --- the session cache ---------------------------------------------------------------------------


def test_session_is_shared_through_the_cache(org, site, moto_server, aws_requests):
    integration = make_role_integration(org, moto_server, site)
    first = pull_credentials(integration)
    purge_pull_credentials(integration)  # the next pull mints anew, through the cached session
    second = pull_credentials(Integration.objects.get(pk=integration.pk))  # as another process
    assert first.registry == second.registry == HOST
    assert assume_calls(aws_requests, site) == 1
    # Sealed in the cache: no temporary key in the stored value.
    session, cached = assume_role.session(integration.credentials, REGION)
    assert cached
    sealed = cache.get(assume_role._cache_key(integration.credentials))
    assert session.keys.secret_access_key not in sealed
    assert session.keys.session_token not in sealed
    assert session.keys.access_key_id not in sealed


def test_session_cached_until_five_minutes_before_expiry(org, site, moto_server):
    integration = make_role_integration(org, moto_server, site)
    session, cached = assume_role.session(integration.credentials, REGION)
    assert not cached
    key = assume_role._cache_key(integration.credentials)
    expires = cache._expire_info[cache.make_and_validate_key(key)]  # LocMemCache's own
    lifetime = (session.expires_at - assume_role.datetime.now(assume_role.UTC)).total_seconds()
    assert abs((expires - time.time()) - (lifetime - 300)) < 5


def test_checks_always_assume_anew(org, site, moto_server, aws_requests):
    integration = make_role_integration(org, moto_server, site)
    pull_credentials(integration)
    services.integration_check(integration=integration)
    services.integration_check(integration=integration)
    assert assume_calls(aws_requests, site) == 3


def test_delete_purges_the_session(org, site, moto_server):
    integration = make_role_integration(org, moto_server, site)
    pull_credentials(integration)
    key = assume_role._cache_key(integration.credentials)
    assert cache.get(key) is not None
    services.integration_delete(integration=Integration.objects.defer("credentials").get())
    assert cache.get(key) is None


def test_replaced_credentials_purge_the_session_and_keep_the_external_id(
    org, site, moto_server, aws_requests
):
    integration = make_role_integration(org, moto_server, site)
    external_id = integration.credentials["external_id"]
    pull_credentials(integration)
    old_key = assume_role._cache_key(integration.credentials)
    other_role = make_role(moto_server, principal=site.arn, external_id=external_id)
    provider = get_provider("aws-role")
    updated = services.integration_update_checked(
        integration=Integration.objects.defer("credentials").get(),
        provider=provider,
        credentials=provider.validate({"role_arn": other_role, "region": REGION}),
    )
    assert cache.get(old_key) is None
    assert updated.status == "verified", updated.status_reason
    stored = Integration.objects.get().credentials
    assert stored == {"role_arn": other_role, "region": REGION, "external_id": external_id}


# --- the API and the SDK ------------------------------------------------------------------------


def api(client, token, method, path, body=None):
    return getattr(client, method)(
        f"/api/v1{path}",
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_api_create_answers_the_external_id_and_trust_policy(
    client, org, org_admin, site, moto_server
):
    _, token = api_token_create(user=org_admin, name="t")
    role_arn = "arn:aws:iam::123456789012:role/integrations/pull"
    response = api(
        client,
        token,
        "post",
        f"/orgs/{org.pk}/integrations",
        {
            "type": "private-registry",
            "name": "ecr-role",
            "options": IntegrationUtils.generate_ecr_role_options(role_arn, REGION),
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    external_id = body["details"]["externalId"]
    assert external_id == Integration.objects.get().credentials["external_id"]
    assert body["details"]["sitePrincipal"] == site.arn
    assert body["details"]["trustPolicy"] == assume_role.trust_policy(site.arn, external_id)
    assert (body["provider"], body["account"], body["registry"]) == (
        "aws-role",
        "123456789012",
        HOST,
    )
    # The list and the single read answer the same details.
    listed = api(client, token, "get", f"/orgs/{org.pk}/integrations").json()
    assert listed[0]["details"] == body["details"]
    # The user gives the role that trust policy, then checks again: verified.
    iam = moto_server.client("iam")
    iam.create_role(
        RoleName="pull",
        Path="/integrations/",
        AssumeRolePolicyDocument=json.dumps(body["details"]["trustPolicy"]),
    )
    iam.put_role_policy(
        RoleName="pull",
        PolicyName="pull",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}],
            }
        ),
    )
    checked = api(client, token, "post", f"/orgs/{org.pk}/integrations/{body['id']}/check", {})
    assert checked.json()["status"] == "verified", checked.json()
    # An External ID cannot be sent: the site issues it.
    refused = api(
        client,
        token,
        "post",
        f"/orgs/{org.pk}/integrations",
        {
            "type": "private-registry",
            "name": "ecr-role-2",
            "options": {
                "name": "aws-role",
                "spec": {"roleArn": role_arn, "region": REGION, "externalId": "x1"},
            },
        },
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {"options.spec.externalId": ["Unknown field."]}


def test_available_integrations_list_the_role_providers(client, org, org_admin):
    _, token = api_token_create(user=org_admin, name="t")
    available = api(client, token, "get", f"/orgs/{org.pk}/availableIntegrations").json()
    fields = {
        (t["type"], p["provider"]): [f["name"] for f in p["fields"]]
        for t in available
        for p in t["providers"]
    }
    assert fields[("private-registry", "aws-role")] == ["roleArn", "region"]
    assert fields[("s3", "aws-s3-role")] == ["roleArn"]


def test_readyz_reports_the_site_identity_without_failing(client, db, aws_env, monkeypatch):
    body = client.get("/readyz")
    assert body.status_code == 200
    assert body.json()["info"] == {"aws_identity": {"ok": False, "detail": "not configured"}}
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    response = client.get("/readyz")
    assert response.json()["info"] == {"aws_identity": {"ok": True, "detail": "configured"}}
    assert "AKIA" not in response.content.decode() and "EXAMPLEKEY" not in response.content.decode()


def test_site_identity_reads_the_standard_chain_from_a_shared_credentials_file(
    aws_env, tmp_path, monkeypatch
):
    shared = tmp_path / "credentials"
    shared.write_text(
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
    )
    assert not site_identity.configured()
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(shared))
    assert site_identity.configured()
    assert site_identity.keys(REGION).access_key_id == "AKIAIOSFODNN7EXAMPLE"


def test_trust_principal_of_an_assumed_role_site_identity():
    assert (
        site_identity.trust_principal("arn:aws:sts::444455556666:assumed-role/site/i-0abc")
        == "arn:aws:iam::444455556666:role/site"
    )
    assert site_identity.trust_principal("arn:aws:iam::1:user/u") == "arn:aws:iam::1:user/u"


@pytest.fixture
def sdk(live_server, org, org_admin):
    _, raw = api_token_create(user=org_admin, name="sdk")
    previous = (dl.client._base_url, dl.client._token)
    dl.set_base_url(live_server.url)
    dl.login_token(raw)
    yield dl
    dl.client._base_url, dl.client._token = previous


@pytest.mark.django_db(transaction=True)
def test_sdk_creates_a_role_integration_and_reads_its_details(sdk, org, site, moto_server):
    created = sdk.integrations.create(
        integrations_type="private-registry",
        name="ecr-role",
        options=IntegrationUtils.generate_ecr_role_options(
            "arn:aws:iam::123456789012:role/sdk-pull", REGION
        ),
        organization_id=str(org.pk),
    )
    assert created.provider == "aws-role"
    external_id = created.details["externalId"]
    assert created.details["trustPolicy"] == assume_role.trust_policy(site.arn, external_id)
    fetched = sdk.integrations.get(integrations_id=created.id, organization_id=str(org.pk))
    assert fetched.details == created.details
    storage = sdk.integrations.create(
        integrations_type="s3",
        name="s3-role",
        options=IntegrationUtils.generate_s3_role_options("arn:aws:iam::123456789012:role/sdk-s3"),
        organization_id=str(org.pk),
    )
    assert storage.provider == "aws-s3-role" and storage.details["externalId"] != external_id
